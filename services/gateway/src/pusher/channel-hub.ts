import { encodeTextFrame } from '../transports/ws-frame.js';
import type { ChannelPayload, PusherBackend } from './pusher-backend.js';

/** A local receiver of a channel's traffic: one Pusher socket. */
export interface ChannelReceiver {
  readonly socketId: string;
  /** Writes a pre-encoded WebSocket frame; false when the socket is gone. */
  sendFrame(frame: Buffer): boolean;
  /** The app ended this user's connections (terminate_connections). */
  terminateByApp(): void;
}

/** The `exclude` of a payload that closes the receivers of a user channel instead of reaching them. */
export const TERMINATE_MARK = '!terminate';

/**
 * The channels this node serves, per app: which local sockets receive each, and the node's
 * listen on the backend (the first socket listens, the last one stops). A frame arriving from
 * the cluster is encoded once and written to every local receiver but the excluded socket.
 */
export class ChannelHub {
  private readonly receivers = new Map<string, Set<ChannelReceiver>>();
  private readonly listening = new Map<string, Promise<void>>();

  constructor(
    private readonly backend: PusherBackend,
    private readonly delivered: (appId: string, count: number) => void,
  ) {
    backend.onPayload((appId, channel, payload) => this.receive(appId, channel, payload));
  }

  /** Adds a receiver; resolves once this node hears the channel. */
  async add(appId: string, channel: string, receiver: ChannelReceiver): Promise<void> {
    const key = `${appId}\n${channel}`;
    let set = this.receivers.get(key);
    if (!set) {
      set = new Set();
      this.receivers.set(key, set);
      const listened = this.backend.listen(appId, channel);
      this.listening.set(key, listened);
      listened.then(
        () => this.listening.delete(key),
        () => {
          this.listening.delete(key);
          if (this.receivers.get(key) === set) this.receivers.delete(key);
        },
      );
    }
    set.add(receiver);
    await this.listening.get(key);
  }

  async remove(appId: string, channel: string, receiver: ChannelReceiver): Promise<void> {
    const key = `${appId}\n${channel}`;
    const set = this.receivers.get(key);
    if (!set?.delete(receiver) || set.size > 0) return;
    this.receivers.delete(key);
    await this.backend.unlisten(appId, channel).catch(() => undefined);
  }

  /** Channels this node listens to for an app, with their local receiver counts (for /admin). */
  localChannels(appId: string): Record<string, number> {
    const result: Record<string, number> = {};
    const prefix = `${appId}\n`;
    for (const [key, set] of this.receivers) if (key.startsWith(prefix)) result[key.slice(prefix.length)] = set.size;
    return result;
  }

  private receive(appId: string, channel: string, payload: ChannelPayload): void {
    const set = this.receivers.get(`${appId}\n${channel}`);
    if (!set) return;
    if (payload.exclude === TERMINATE_MARK) {
      for (const receiver of [...set]) receiver.terminateByApp();
      return;
    }
    const frame = encodeTextFrame(payload.frame);
    let count = 0;
    for (const receiver of set) {
      if (receiver.socketId !== payload.exclude && receiver.sendFrame(frame)) count += 1;
    }
    this.delivered(appId, count);
  }
}
