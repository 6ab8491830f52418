import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Loopback and private networks: where a reverse proxy such as the bundled nginx lives. */
export function defaultTrustedProxies(): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
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
