import { PUSHLET_CALLBACK, isRecord, parseServerEvent } from '@chat/protocol';
import { StreamTransport } from './stream-transport.js';
import { streamUrl } from './stream-url.js';

type PushCallback = (value: unknown) => void;

/**
 * The pushlet (forever frame): a hidden iframe loads `GET /pushlet`, a page that never ends and
 * calls `parent.chatPush(<event>)` once per event; sends by POST. For browsers where neither
 * WebSocket, EventSource nor a streaming fetch/XHR gets through. One pushlet client per page.
 */
export class PushletTransport extends StreamTransport {
  readonly name = 'pushlet';
  private frame: HTMLIFrameElement | undefined;

  protected openStream(): void {
    const document = globalThis.document;
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.title = 'chat stream';
    frame.setAttribute('aria-hidden', 'true');
    const callback: PushCallback = (value) => {
      if (frame === this.frame) this.onPush(value);
    };
    (globalThis as unknown as Record<string, PushCallback>)[PUSHLET_CALLBACK] = callback;
    // The page ends only when the server ends it or the connection drops.
    frame.addEventListener('load', () => {
      if (frame === this.frame) this.finish('stream ended');
    });
    frame.src = streamUrl(this.endpoints, '/pushlet', this.context, 'cursor', true);
    this.frame = frame;
    // A frame that never finishes loading would hold the page's own load event forever: wait for it.
    if (document.readyState === 'complete') document.body.append(frame);
    else globalThis.addEventListener('load', () => frame === this.frame && document.body.append(frame), { once: true });
  }

  protected closeStream(): boolean {
    const frame = this.frame;
    this.frame = undefined;
    frame?.remove();
    return frame !== undefined;
  }

  private onPush(value: unknown): void {
    if (this.closed) return;
    this.heard();
    if (isRecord(value) && value.type === 'heartbeat') return;
    const event = parseServerEvent(value);
    if (event) this.onEvent(event);
  }
}
