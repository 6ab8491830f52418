import type { Readable } from 'node:stream';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first stdout line matching `match`; rejects on exit or after `timeoutMs`. */
export function waitForLine(stream: Readable, match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output: ${buffered.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      for (const line of lines) {
        if (match(line)) return finish(undefined, line);
      }
      if (buffered.length > 100_000) buffered = buffered.slice(-10_000);
    };
    const onEnd = (): void => finish(new Error(`${what}: stream ended; output: ${buffered.slice(-500)}`));
    const finish = (error: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      if (error) reject(error);
      else resolve(line ?? '');
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitForHttpOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(50);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}
