import type { IncomingMessage } from 'node:http';

/**
 * Whether a browser request may open a WebSocket or SSE stream: no Origin header (not a browser)
 * is allowed; otherwise the origin must be listed in ALLOWED_ORIGINS, or with no list, name the
 * same host the request was sent to.
 */
export function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.length > 0) return allowedOrigins.includes('*') || allowedOrigins.includes(origin);
  const host = request.headers.host;
  if (!host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
