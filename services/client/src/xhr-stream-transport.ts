import { STREAM_HEARTBEAT, parseJson, parseServerEvent } from '@chat/protocol';
import { requestHeaders } from './endpoints.js';
import { fetchLineStream, xhrLineStream, type LineStream } from './line-stream.js';
import { StreamTransport } from './stream-transport.js';
import { streamUrl } from './stream-url.js';

/**
 * `GET /xhr-stream` read as it arrives (fetch + ReadableStream, else XMLHttpRequest progress),
 * one JSON event per line; sends by POST.
 */
export class XhrStreamTransport extends StreamTransport {
  readonly name = 'xhr-stream';
  private stream: LineStream | undefined;

  protected openStream(): void {
    const url = streamUrl(this.endpoints, '/xhr-stream', this.context, 'cursor', false);
    const headers = requestHeaders(this.endpoints, false);
    const handlers = {
      onResponse: () => undefined,
      onLine: (line: string) => {
        if (stream === this.stream) this.onLine(line);
      },
      onEnd: (reason: string) => {
        if (stream === this.stream) this.finish(reason);
      },
    };
    const XhrClass = this.platform.XMLHttpRequest;
    const stream: LineStream = this.platform.fetchStreams || !XhrClass ? fetchLineStream(this.platform.fetch, url, headers, handlers) : xhrLineStream(XhrClass, url, headers, handlers);
    this.stream = stream;
  }

  protected closeStream(): boolean {
    const stream = this.stream;
    this.stream = undefined;
    stream?.close();
    return stream !== undefined;
  }

  private onLine(line: string): void {
    if (this.closed) return;
    this.heard();
    if (line.trim() === '' || line === STREAM_HEARTBEAT) return;
    const event = parseServerEvent(parseJson(line));
    if (event) this.onEvent(event);
  }
}
