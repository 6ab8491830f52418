import { WebSocket, type RawData } from 'ws';
import { isJsonMessage, isSioMessage, nowMs, offsetOf, sendTimeOf } from './frames.js';
import type { ClientStats } from './client-stats.js';
import type { ClientSpec } from './messages.js';

const CONNECT_TIMEOUT_MS = 20_000;

type Phase = 'connecting' | 'welcomed' | 'joining' | 'ready' | 'closed';

/** One simulated client speaking our JSON protocol or Socket.IO 4 (Engine.IO 4 framing over ws). */
export class BenchClient {
  private readonly ws: WebSocket;
  private phase: Phase = 'connecting';
  private lastOffset = Number.NaN;
  private closing = false;
  private ackId = 0;
  private settle: ((error?: Error) => void) | undefined;
  private readonly roomJson: string;

  constructor(
    private readonly spec: ClientSpec,
    private readonly stats: ClientStats,
  ) {
    this.roomJson = JSON.stringify(spec.room);
    this.ws = new WebSocket(spec.url, {
      perMessageDeflate: false,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      skipUTF8Validation: true,
      ...(spec.localAddress === undefined ? {} : { localAddress: spec.localAddress }),
    });
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onFrame(data);
    });
    this.ws.on('close', (code) => this.onClose(code));
    this.ws.on('error', (error) => this.fail(error));
  }

  /** Resolves once welcomed (idle clients) or joined. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`not ready after ${CONNECT_TIMEOUT_MS} ms (phase ${this.phase})`)), CONNECT_TIMEOUT_MS);
      this.settle = (error) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
  }

  get isOpen(): boolean {
    return this.phase === 'ready' && this.ws.readyState === WebSocket.OPEN;
  }

  /** An idle client joins its room; resolves once joined. */
  join(): Promise<void> {
    if (!this.spec.idle || this.phase !== 'ready' || this.spec.protocol !== 'json') return Promise.reject(new Error(`cannot join in phase ${this.phase}`));
    const joined = this.ready();
    this.phase = 'joining';
    this.ws.send(`{"type":"join","room":${this.roomJson}}`);
    return joined;
  }

  /** Sends one message to the client's room. */
  send(text: string, cid: string): void {
    if (!this.isOpen) return;
    if (this.spec.protocol === 'json') {
      this.ws.send(`{"type":"send","room":${this.roomJson},"text":"${text}","cid":"${cid}"}`);
    } else {
      this.ws.send(`42${++this.ackId}["send",{"room":${this.roomJson},"text":"${text}","cid":"${cid}"}]`);
    }
    this.stats.sent++;
  }

  /** A slow consumer starts reading again (to see the close frame the server left for it). */
  resume(): boolean {
    if (!this.spec.slow || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.resume();
    return true;
  }

  close(): void {
    this.closing = true;
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.terminate();
  }

  private onFrame(data: RawData): void {
    const buf = data as Buffer;
    if (this.spec.protocol === 'json') this.onJsonFrame(buf);
    else this.onSioFrame(buf);
  }

  private onMessage(buf: Buffer): void {
    if (this.spec.slow) return;
    this.stats.received++;
    const sentAt = sendTimeOf(buf);
    if (!Number.isNaN(sentAt)) this.stats.recordLatencyMs(nowMs() - sentAt);
    if (this.spec.protocol === 'json') {
      const offset = offsetOf(buf);
      if (Number.isNaN(offset)) this.stats.violation(`message without offset: ${buf.toString()}`);
      else {
        if (!Number.isNaN(this.lastOffset) && offset !== this.lastOffset + 1) this.stats.offsetGaps++;
        this.lastOffset = offset;
      }
    }
  }

  private onJsonFrame(buf: Buffer): void {
    if (isJsonMessage(buf)) {
      if (this.phase !== 'ready') this.stats.violation(`message before joined: ${buf.toString()}`);
      return this.onMessage(buf);
    }
    let frame: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(buf.toString());
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      frame = parsed as Record<string, unknown>;
    } catch {
      return this.stats.violation(`not a JSON object: ${buf.toString()}`);
    }
    switch (frame.type) {
      case 'welcome':
        if (this.phase !== 'connecting') return this.stats.violation('second welcome');
        this.phase = 'welcomed';
        if (this.spec.idle) return this.becomeReady();
        this.phase = 'joining';
        this.ws.send(`{"type":"join","room":${this.roomJson}}`);
        return;
      case 'joined':
        if (this.phase !== 'joining') return this.stats.violation(`joined in phase ${this.phase}`);
        if (typeof frame.offset !== 'number' || typeof frame.epoch !== 'string') this.stats.violation(`joined without epoch/offset: ${buf.toString()}`);
        else this.lastOffset = frame.offset;
        return this.becomeReady();
      case 'ack':
        this.stats.acks++;
        return;
      case 'error':
        this.stats.countError(typeof frame.code === 'string' ? frame.code : 'unknown');
        return;
      case 'presence':
      case 'occupancy':
      case 'typing':
      case 'read':
      case 'history':
      case 'edit':
      case 'delete':
      case 'pong':
      case 'heartbeat':
      case 'nick':
      case 'left':
        return;
      default:
        if (this.phase === 'connecting') this.stats.violation(`first frame is not welcome: ${buf.toString()}`);
        else this.stats.violation(`unknown frame: ${buf.toString()}`);
    }
  }

  private onSioFrame(buf: Buffer): void {
    if (isSioMessage(buf)) return this.onMessage(buf);
    const frame = buf.toString();
    if (frame === '2') return this.ws.send('3');
    if (frame.startsWith('0{')) return this.ws.send('40');
    if (frame.startsWith('40')) {
      if (this.spec.idle) return this.becomeReady();
      this.phase = 'joining';
      this.ws.send(`420["join",${this.roomJson}]`);
      return;
    }
    if (frame.startsWith('430[')) {
      if (frame.includes('"error"')) this.stats.violation(`join refused: ${frame}`);
      return this.becomeReady();
    }
    if (frame.startsWith('43')) {
      this.stats.acks++;
      if (frame.includes('"error"')) this.stats.countError('refused');
      return;
    }
    if (frame.startsWith('42["welcome"')) return;
    this.stats.violation(`unexpected Socket.IO frame: ${frame}`);
  }

  private becomeReady(): void {
    this.phase = 'ready';
    if (this.spec.slow) this.ws.pause();
    this.settle?.();
  }

  private onClose(code: number): void {
    const wasReady = this.phase === 'ready';
    this.phase = 'closed';
    if (!this.closing) {
      this.stats.countClose(code);
      if (!wasReady) this.fail(new Error(`closed with ${code} before ready`));
    }
  }

  private fail(error: Error): void {
    if (this.settle) {
      this.settle(error);
      this.close();
    }
  }
}
