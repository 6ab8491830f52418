import type { FetchFunction } from './platform.js';

/** A long HTTP response read line by line as it arrives. */
export interface LineStream {
  /** Stops reading and closes the request. */
  close(): void;
}

export interface LineStreamHandlers {
  /** The response started with this status and node (`X-Node-Id`). */
  onResponse(status: number, node: string | undefined): void;
  onLine(line: string): void;
  /** The response ended or failed; not called after close(). */
  onEnd(reason: string): void;
}

/** Past this much text an XHR's responseText is dropped by reconnecting (the stream resumes by cursor). */
const XHR_RESPONSE_LIMIT = 1_048_576;

/** Splits text chunks into lines, keeping a partial last line for the next chunk. */
class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }
}

/** Reads with fetch and a ReadableStream (browsers, Node). */
export function fetchLineStream(fetch: FetchFunction, url: string, headers: Record<string, string>, handlers: LineStreamHandlers): LineStream {
  const controller = new AbortController();
  let closed = false;
  const end = (reason: string): void => {
    if (!closed) {
      closed = true;
      handlers.onEnd(reason);
    }
  };
  void (async () => {
    try {
      const response = await fetch(url, { headers, cache: 'no-store', signal: controller.signal });
      handlers.onResponse(response.status, response.headers.get('X-Node-Id') ?? undefined);
      if (!response.ok || !response.body) return end(`stream answered ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const splitter = new LineSplitter((line) => !closed && handlers.onLine(line));
      for (;;) {
        const { done, value } = await reader.read();
        if (done || closed) break;
        splitter.push(decoder.decode(value, { stream: true }));
      }
      end('stream ended');
    } catch (error) {
      end(`stream failed: ${String(error)}`);
    }
  })();
  return {
    close: () => {
      closed = true;
      controller.abort();
    },
  };
}

/** Reads with XMLHttpRequest progress events, for browsers without fetch streams. */
export function xhrLineStream(XhrClass: new () => XMLHttpRequest, url: string, headers: Record<string, string>, handlers: LineStreamHandlers): LineStream {
  const xhr = new XhrClass();
  let closed = false;
  let seen = 0;
  let responded = false;
  const splitter = new LineSplitter((line) => !closed && handlers.onLine(line));
  const end = (reason: string): void => {
    if (closed) return;
    closed = true;
    xhr.abort();
    handlers.onEnd(reason);
  };
  const read = (): void => {
    if (!responded && xhr.readyState >= 2) {
      responded = true;
      handlers.onResponse(xhr.status, xhr.getResponseHeader('X-Node-Id') ?? undefined);
      if (xhr.status !== 200) return end(`stream answered ${xhr.status}`);
    }
    const text = xhr.responseText;
    if (text.length > seen) {
      splitter.push(text.slice(seen));
      seen = text.length;
    }
    if (seen > XHR_RESPONSE_LIMIT) end('stream recycled');
  };
  xhr.open('GET', url, true);
  for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
  xhr.onreadystatechange = read;
  xhr.onprogress = read;
  xhr.onload = () => {
    read();
    end('stream ended');
  };
  xhr.onerror = () => end('stream failed');
  xhr.send();
  return {
    close: () => {
      closed = true;
      xhr.abort();
    },
  };
}
