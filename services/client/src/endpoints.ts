/** Where one server (or load balancer) answers, and the token every request carries. */
export interface Endpoints {
  /** `http(s)://host:port`, no trailing slash. */
  readonly httpBase: string;
  /** `ws(s)://host:port/ws`, with `?token=` when there is one (browsers cannot set headers on it). */
  readonly wsUrl: string;
  readonly token: string | undefined;
}

/** Endpoints of a server URL such as `http://localhost:8080` (a path prefix is kept). */
export function endpointsOf(url: string, token: string | undefined): Endpoints {
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`url must be http(s)://…, got ${base.protocol}`);
  const httpBase = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const ws = new URL(`${httpBase}/ws`);
  ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token !== undefined) ws.searchParams.set('token', token);
  return { httpBase, wsUrl: ws.toString(), token };
}

/** Headers for an HTTP request (JSON body, bearer token). */
export function requestHeaders(endpoints: Endpoints, json: boolean): Record<string, string> {
  return {
    ...(json ? { 'Content-Type': 'application/json' } : {}),
    ...(endpoints.token !== undefined ? { Authorization: `Bearer ${endpoints.token}` } : {}),
  };
}
