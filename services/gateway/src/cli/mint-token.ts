// Mints an HS256 chat token for an operator: AUTH_SECRET=… npm run token -- --sub alice [--nick Alice]
// [--rooms 'lobby,team-*'] [--ttl 3600] [--admin] [--mod]. Prints the token on stdout.
import { parseArgs } from 'node:util';
import { signToken } from '../auth/token.js';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    nick: { type: 'string' },
    rooms: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    admin: { type: 'boolean', default: false },
    mod: { type: 'boolean', default: false },
  },
});
const secret = process.env.AUTH_SECRET;
if (!secret || secret.length < 16) {
  process.stderr.write('AUTH_SECRET must be set (at least 16 characters)\n');
  process.exit(1);
}
if (!values.sub) {
  process.stderr.write('usage: npm run token -- --sub <user> [--nick <nick>] [--rooms a,b-*] [--ttl <seconds>] [--admin] [--mod]\n');
  process.exit(1);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  process.stderr.write('--ttl must be a positive number of seconds\n');
  process.exit(1);
}
const token = await signToken(
  {
    sub: values.sub,
    ...(values.nick ? { nick: values.nick } : {}),
    ...(values.rooms ? { rooms: values.rooms.split(',').map((room) => room.trim()).filter(Boolean) } : {}),
    exp: Math.floor(Date.now() / 1000) + ttl,
    ...(values.admin ? { admin: true } : {}),
    ...(values.mod ? { mod: true } : {}),
  },
  secret,
);
process.stdout.write(`${token}\n`);
