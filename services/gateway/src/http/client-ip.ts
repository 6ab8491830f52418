import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** TRUSTED_PROXIES (CIDRs or addresses), or by default loopback and private networks (where nginx lives). */
export function trustedProxies(configured: readonly string[]): BlockList {
  const list = new BlockList();
  const entries = configured.length > 0 ? configured : ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7'];
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) throw new Error(`TRUSTED_PROXIES: '${entry}' is not an address or CIDR`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

const isTrusted = (address: string, trusted: BlockList): boolean => {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(plain);
  return family !== 0 && trusted.check(plain, family === 4 ? 'ipv4' : 'ipv6');
};

/** The client's address: X-Forwarded-For is believed only hop by hop through trusted proxies. */
export function clientIp(request: IncomingMessage, trusted: BlockList): string {
  let address = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  if (!forwarded || !isTrusted(address, trusted)) return address;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((hop) => hop.trim()).filter(Boolean);
  while (hops.length > 0 && isTrusted(address, trusted)) address = hops.pop()!;
  return address;
}
