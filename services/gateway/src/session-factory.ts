import { ChatSession, FrameBudgets, type SessionOutput } from '@chat/core';
import { mayUseRoom } from './admission.js';
import type { Identity } from './auth/identity.js';
import type { GatewayContext } from './context.js';
import type { TransportName } from './metrics.js';

export interface SessionSettings {
  readonly transport: TransportName;
  readonly identity: Identity;
  readonly output: SessionOutput;
  /** The nick the client asked for; the token's nick wins, else a guest nick. */
  readonly nick?: string | undefined;
  /** Whether joins show this session in presence (default true). */
  readonly announce?: boolean;
  /**
   * Disconnects a client that keeps sending after being rate limited. Absent for transports
   * whose sends arrive as separate HTTP requests (SSE), which the per-IP limit covers.
   */
  readonly onAbuse?: () => void;
  /** The transport's heartbeat interval, announced in `welcome` so the client can hold the stream to it. */
  readonly heartbeatMs?: number;
  /** Takes a newer token (`refresh` frames), for transports that carry client frames. */
  readonly refreshToken?: (token: string) => Promise<number>;
}

/** The one way a node makes a session: every transport gets the same limits, rules and metrics. */
export function openChatSession(context: GatewayContext, settings: SessionSettings): ChatSession {
  const { config, metrics } = context;
  const { identity, transport } = settings;
  const id = context.newSessionId();
  const sharedSendLimit = context.sharedSendLimit(identity);
  return new ChatSession({
    id,
    nick: identity.nick ?? settings.nick ?? context.defaultNick(id),
    nickLocked: identity.nick !== undefined,
    mayUseRoom: (room) => mayUseRoom(identity, room),
    ...(identity.user === undefined ? {} : { user: identity.user }),
    ...(identity.mod === true ? { moderator: true } : {}),
    actions: context.actions,
    nodeId: config.nodeId,
    hub: context.hub,
    publish: context.publish,
    limits: {
      maxTextLength: config.maxTextLength,
      maxRooms: config.maxRoomsPerConnection,
      abuseThreshold: settings.onAbuse ? config.rateSendsBurst * 2 : Number.POSITIVE_INFINITY,
    },
    sendBucket: context.newSendBucket(),
    frameBudgets: new FrameBudgets({ ...config.rateFrames, abuseAfter: settings.onAbuse ? config.rateFrames.burst * 2 : Number.POSITIVE_INFINITY }),
    joinBucket: context.newJoinBucket(),
    ...(sharedSendLimit ? { sharedSendLimit } : {}),
    ...(settings.announce === undefined ? {} : { announce: settings.announce }),
    ...(settings.onAbuse ? { onAbuse: settings.onAbuse } : {}),
    ...(settings.refreshToken ? { refreshToken: settings.refreshToken } : {}),
    output: {
      event: (event) => {
        if (event.type === 'error') metrics.clientError(event.code);
        const { heartbeatMs } = settings;
        settings.output.event(event.type === 'welcome' && heartbeatMs !== undefined ? { ...event, heartbeatMs } : event);
      },
      message: (envelope) => settings.output.message(envelope),
    },
    onCommand: (type) => {
      if (type === 'send') metrics.received[transport] += 1;
    },
  });
}
