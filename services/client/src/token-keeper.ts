/** Renew this long before `exp` at most (and at four fifths of a shorter token's life). */
const RENEW_AHEAD_MS = 30_000;

/** A JWT's `exp` in milliseconds, read without verifying (the server verifies); undefined when it has none. */
export function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const exp = typeof json === 'object' && json !== null ? (json as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the client's token ahead of its `exp` with the application's `getToken`: a new one shortly
 * before the current one expires, which `apply` puts in place (a WebSocket sends it as `refresh`,
 * HTTP calls and later connections use it). A token refused or expired anyway is the
 * connection's to handle (it asks getToken once more, see Connection).
 */
export class TokenKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly current: () => string | undefined,
    private readonly getToken: (() => string | Promise<string>) | undefined,
    private readonly apply: (token: string) => void,
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Whether the current token is good for at least another second (a stream that ended at an older exp just reopens). */
  isFresh(): boolean {
    const token = this.current();
    const exp = token === undefined ? undefined : expiryOf(token);
    return exp !== undefined && exp - Date.now() > 1_000;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const token = this.current();
    const exp = token === undefined ? undefined : expiryOf(token);
    if (!this.running || !this.getToken || exp === undefined) return;
    const left = exp - Date.now();
    const delay = Math.max(1_000, left - Math.min(RENEW_AHEAD_MS, left / 5));
    this.timer = setTimeout(() => void this.renewAhead(), delay);
  }

  private async renewAhead(): Promise<void> {
    try {
      const token = await this.getToken?.();
      if (this.running && typeof token === 'string' && token !== '' && token !== this.current()) this.apply(token);
    } catch {
      // The application could not give one now: the connection asks again when the token runs out.
    } finally {
      this.schedule();
    }
  }
}
