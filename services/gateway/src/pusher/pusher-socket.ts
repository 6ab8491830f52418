import { TokenBucket } from '@chat/core';
import type { WebSocket } from 'ws';
import { textOf } from '../transports/ws-text.js';
import type { WsOutlet } from '../transports/ws-outlet.js';
import type { WatchedSocket } from './activity-watch.js';
import type { ChannelReceiver } from './channel-hub.js';
import { userChannel } from './channel-types.js';
import { ChannelSubscriptions, type Subscription } from './channel-subscriptions.js';
import { relayClientEvent } from './client-events.js';
import type { PusherApp } from './pusher-apps.js';
import { errorFrame, PUSHER_ERRORS, type PusherErrorName } from './pusher-errors.js';
import type { PusherRuntime } from './pusher-runtime.js';
import { checkSignin } from './user-signin.js';

/**
 * One Pusher protocol connection: connection_established, ping/pong, subscribe/unsubscribe,
 * signin and client events. Subscribes, unsubscribes and signins run one at a time in the order
 * sent; when the socket closes it leaves every channel.
 */
export class PusherSocket implements ChannelReceiver, WatchedSocket {
  lastActivity = Date.now();
  pingedAt: number | undefined;
  readonly bucket: TokenBucket;
  readonly channels: ChannelSubscriptions;
  private user: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private signinTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly runtime: PusherRuntime,
    readonly app: PusherApp,
    private readonly ws: WebSocket,
    private readonly outlet: WsOutlet,
    readonly socketId: string,
  ) {
    this.bucket = new TokenBucket(app.clientEventsPerSec, app.clientEventsPerSec);
    this.channels = new ChannelSubscriptions(runtime, app, this, this, () => this.user);
  }

  /** Greets the client and starts reading; `closed` runs once the socket left every channel. */
  start(closed: () => void): void {
    const data = JSON.stringify({ socket_id: this.socketId, activity_timeout: this.runtime.settings.activityTimeoutS });
    this.sendText(JSON.stringify({ event: 'pusher:connection_established', data }));
    if (this.app.signinTimeoutMs !== undefined) {
      this.signinTimer = setTimeout(() => {
        if (this.user === undefined) this.fail('unauthorized', 'Connection not signed in within the timeout');
      }, this.app.signinTimeoutMs);
    }
    this.ws.on('message', (raw, isBinary) => {
      this.lastActivity = Date.now();
      this.pingedAt = undefined;
      if (!isBinary) this.handle(textOf(raw));
    });
    this.ws.on('error', (error) => this.runtime.logger.debug({ socket: this.socketId, err: error.message }, 'pusher websocket error'));
    this.ws.once('close', () => {
      clearTimeout(this.signinTimer);
      this.enqueue(async () => {
        if (this.user !== undefined) await this.runtime.hub.remove(this.app.id, userChannel(this.user), this);
        await this.channels.leaveAll();
      });
      void this.queue.then(closed);
    });
  }

  sendText(text: string): void {
    this.outlet.sendText(text);
  }

  sendFrame(frame: Buffer): boolean {
    if (!this.outlet.sendFrame(frame)) return false;
    this.runtime.metrics.of(this.app.id).deliveries += 1;
    return true;
  }

  subscription(channel: string): Subscription | undefined {
    return this.channels.live.get(channel);
  }

  ping(): void {
    this.sendText('{"event":"pusher:ping","data":{}}');
  }

  pongTimedOut(): void {
    this.fail('pong_timeout');
  }

  terminateByApp(): void {
    this.fail('terminated');
  }

  /** The node drains or lost its broker: the client reconnects at once, elsewhere (4200). */
  drain(): void {
    this.fail('reconnect');
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Sends `pusher:error` and, for errors that end the connection, closes with the same code. */
  fail(name: PusherErrorName, message: string = PUSHER_ERRORS[name].message): void {
    if (this.closing) return;
    this.sendText(errorFrame(name, message));
    if (!PUSHER_ERRORS[name].closes) return;
    this.closing = true;
    this.ws.close(PUSHER_ERRORS[name].code, message.slice(0, 120));
  }

  private handle(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.fail('bad_message', 'frames must be JSON');
    }
    if (typeof message !== 'object' || message === null || typeof (message as { event?: unknown }).event !== 'string') {
      return this.fail('bad_message', 'frames must be JSON objects with an event');
    }
    const { event, data } = message as { event: string; data?: unknown };
    const parsedData = typeof data === 'string' && (event === 'pusher:subscribe' || event === 'pusher:signin' || event === 'pusher:unsubscribe') ? safeParse(data) : data;
    switch (event) {
      case 'pusher:ping':
        return this.sendText('{"event":"pusher:pong","data":{}}');
      case 'pusher:pong':
        return;
      case 'pusher:subscribe':
        return this.enqueue(() => this.channels.subscribe(parsedData));
      case 'pusher:unsubscribe':
        return this.enqueue(() => this.channels.unsubscribe(parsedData));
      case 'pusher:signin':
        return this.enqueue(() => this.signin(parsedData));
      default:
        if (event.startsWith('client-')) return void relayClientEvent(this.runtime, this.app, this, message as Record<string, unknown>);
        return this.fail('bad_message', `unknown event ${event.slice(0, 64)}`);
    }
  }

  private async signin(data: unknown): Promise<void> {
    const outcome = checkSignin(this.app, this.socketId, data);
    if ('problem' in outcome) return this.fail('unauthorized', outcome.problem);
    if (this.user !== undefined && this.user !== outcome.userId) await this.runtime.hub.remove(this.app.id, userChannel(this.user), this);
    this.user = outcome.userId;
    clearTimeout(this.signinTimer);
    try {
      await this.runtime.hub.add(this.app.id, userChannel(outcome.userId), this);
    } catch {
      return this.fail('reconnect', 'the cluster is unavailable; reconnect');
    }
    this.sendText(outcome.answer);
  }

  private enqueue(operation: () => Promise<void>): void {
    this.queue = this.queue.then(operation).catch((error: unknown) => {
      this.runtime.logger.warn({ socket: this.socketId, err: error instanceof Error ? error.message : String(error) }, 'pusher operation failed');
    });
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
