import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';

/** Which hop addresses are proxies whose X-Forwarded-For is believed. */
export type TrustedProxies = (address: string, hop: number) => boolean;

/**
 * Loopback only: a proxy on the same host. Deployments name theirs (compose, Kubernetes and the
 * local cluster set TRUSTED_PROXIES): trusting every private network let any client inside one
 * claim any address.
 */
const DEFAULT_TRUSTED = ['127.0.0.0/8', '::1/128'];

/** TRUSTED_PROXIES (CIDRs or addresses), or by default loopback only. */
export function trustedProxies(configured: readonly string[]): TrustedProxies {
  const entries = configured.length > 0 ? configured : DEFAULT_TRUSTED;
  for (const entry of entries) {
    const [address = ''] = entry.split('/');
    if (isIP(address) === 0) throw new Error(`TRUSTED_PROXIES: '${entry}' is not an address or CIDR`);
  }
  try {
    return proxyAddr.compile(entries.flatMap(everyAddressAsHalves));
  } catch (error) {
    throw new Error(`TRUSTED_PROXIES: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** proxy-addr refuses a /0 range: "every address" is given to it as the family's two /1 halves. */
function everyAddressAsHalves(entry: string): string[] {
  const [address = '', bits] = entry.split('/');
  if (bits === undefined || Number(bits) !== 0) return [entry];
  return isIP(address) === 4 ? ['0.0.0.0/1', '128.0.0.0/1'] : ['::/1', '8000::/1'];
}

/** The client's address: X-Forwarded-For is believed only hop by hop through trusted proxies. */
export function clientIp(request: IncomingMessage, trusted: TrustedProxies): string {
  if (request.socket.remoteAddress === undefined) return 'unknown';
  return proxyAddr(request, trusted);
}
