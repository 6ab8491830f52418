import type { AckEvent, ErrorEvent, JoinedEvent, MessageEvent, ServerEvent, WelcomeEvent } from '@chat/protocol';
import { STREAM_HEARTBEAT } from '@chat/protocol';
import { WebSocket } from 'ws';
import { Collector, withTimeout, textOf } from '@chat/testkit';
import { isAck, isError, isJoined, isMessage, parseFrame } from './frames.js';
import { closePolitely } from './ws-close.js';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface WaitOptions {
  /** Only frames at or after this index (see `mark()`). */
  readonly from?: number;
  readonly timeoutMs?: number;
}

/** Thrown when a request got `error` instead of the answer it expected. */
export class ServerError extends Error {
  constructor(readonly frame: ErrorEvent) {
    super(`server error ${frame.code}: ${frame.message}`);
  }
}

/**
 * A WebSocket client of the JSON protocol: collects every server frame in order, and waits for
 * frames by predicate. Requests correlate with the first matching answer after they were sent.
 */
export class JsonWsClient {
  readonly closed: Promise<CloseInfo>;
  private closeInfo: CloseInfo | undefined;

  private constructor(
    readonly socket: WebSocket,
    readonly welcome: WelcomeEvent,
    /** Every frame after `welcome`, in order. */
    readonly frames: Collector<ServerEvent>,
  ) {
    this.closed = new Promise((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) resolve({ code: 1006, reason: '' });
      socket.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
  }

  /** Connects to `<base>/ws` (optionally `?nick=`, `?token=`) and resolves after `welcome`. */
  static async connect(base: string, { nick, token, timeoutMs = 5000 }: { nick?: string; token?: string; timeoutMs?: number } = {}): Promise<JsonWsClient> {
    const query = new URLSearchParams({ ...(nick === undefined ? {} : { nick }), ...(token === undefined ? {} : { token }) }).toString();
    const url = `${base}/ws${query === '' ? '' : `?${query}`}`;
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const frames = new Collector<ServerEvent>();
    socket.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary frame');
      const text = textOf(data);
      // The node's keep-alive (every WS_HEARTBEAT_MS) is not a protocol event.
      if (text !== STREAM_HEARTBEAT) frames.push(parseFrame(text));
    });
    // A refused upgrade, or a close before the first frame, fails the connect at once.
    const ended = new Promise<never>((_, reject) => {
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`${url} closed before welcome`)));
    });
    ended.catch(() => undefined);
    await withTimeout(Promise.race([frames.waitForCount(1, { timeoutMs }), ended]), timeoutMs, `no welcome from ${url}`);
    socket.on('error', () => undefined);
    const [first] = frames.items.splice(0, 1);
    if (first?.type !== 'welcome') throw new Error(`first frame was not welcome: ${JSON.stringify(first)}`);
    return new JsonWsClient(socket, first, frames);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** The close code and reason once closed. */
  get closedWith(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** The index the next frame will have: pass it as `from` to wait only for later frames. */
  mark(): number {
    return this.frames.items.length;
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Sends raw data as a text frame, or as a binary frame with `binary`. */
  sendRaw(data: string | Buffer, { binary = false }: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary });
  }

  /** The first frame at or after `from` that matches. */
  async next<T extends ServerEvent>(predicate: (frame: ServerEvent) => frame is T, options?: WaitOptions): Promise<T>;
  async next(predicate: (frame: ServerEvent) => boolean, options?: WaitOptions): Promise<ServerEvent>;
  async next(predicate: (frame: ServerEvent) => boolean, { from = 0, timeoutMs = 10_000 }: WaitOptions = {}): Promise<ServerEvent> {
    const find = (items: readonly ServerEvent[]): ServerEvent | undefined => items.slice(from).find(predicate);
    const items = await this.frames.waitFor((all) => find(all) !== undefined, { timeoutMs, what: 'a matching frame' });
    return find(items)!;
  }

  /** Sends `frame` and resolves with the first later frame that matches, or rejects on a later `error`. */
  async request<T extends ServerEvent>(frame: unknown, answer: (frame: ServerEvent) => frame is T, timeoutMs?: number): Promise<T>;
  async request(frame: unknown, answer: (frame: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent>;
  async request(frame: unknown, answer: (frame: ServerEvent) => boolean, timeoutMs = 10_000): Promise<ServerEvent> {
    const from = this.mark();
    this.send(frame);
    const reply = await this.next((candidate) => answer(candidate) || isError(candidate), { from, timeoutMs });
    if (isError(reply)) throw new ServerError(reply);
    return reply;
  }

  /** Sends a frame expected to fail and resolves with the `error` it got. */
  async expectError(frame: unknown, raw = false): Promise<ErrorEvent> {
    const from = this.mark();
    if (raw && typeof frame === 'string') this.sendRaw(frame);
    else this.send(frame);
    return this.next((candidate): candidate is ErrorEvent => isError(candidate), { from });
  }

  join(room: string, since?: { epoch: string; offset: number }, extra: Record<string, unknown> = {}): Promise<JoinedEvent> {
    return this.request({ type: 'join', room, ...(since ? { since } : {}), ...extra }, (frame): frame is JoinedEvent => isJoined(frame, room));
  }

  /** Sends a message and resolves with its `ack`. */
  say(room: string, text: string, cid?: string): Promise<AckEvent> {
    return this.request({ type: 'send', room, text, ...(cid === undefined ? {} : { cid }) }, (frame): frame is AckEvent => isAck(frame) && frame.room === room);
  }

  /** Every `message` of `room` received so far, in arrival order. */
  messages(room: string): MessageEvent[] {
    return this.frames.items.filter((frame): frame is MessageEvent => isMessage(frame, room));
  }

  /** Waits for the `message` of `room` with this text. */
  waitForMessage(room: string, text: string, timeoutMs = 10_000): Promise<MessageEvent> {
    return this.next((frame): frame is MessageEvent => isMessage(frame, room) && frame.text === text, { timeoutMs });
  }

  /** Waits until `room` has at least `count` messages. */
  async waitForMessages(room: string, count: number, timeoutMs = 10_000): Promise<MessageEvent[]> {
    await this.frames.waitFor(() => this.messages(room).length >= count, { timeoutMs, what: `${count} messages in ${room}` });
    return this.messages(room);
  }

  /** Waits until the connection closes and returns the code. */
  waitForClose(timeoutMs = 10_000): Promise<CloseInfo> {
    return withTimeout(this.closed, timeoutMs, 'socket still open');
  }

  /** Closes politely, and forcibly if the server does not answer the close within a second. */
  close(): Promise<void> {
    return closePolitely(this.socket, this.closed);
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.socket.terminate();
  }
}
