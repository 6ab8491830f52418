// Mints an HS256 chat token for an operator. Prints exactly the token on stdout (so
// `T=$(npm run --silent token -- --sub alice)` holds it); usage and errors go to stderr.
import { parseArgs } from 'node:util';
import { signToken } from '../auth/token.js';

const USAGE = `usage: AUTH_SECRET=<secret> npm run --silent token -- --sub <user> [options]

Prints an HS256 JWT for a server started with the same AUTH_SECRET (at least 16 characters).

  --sub <user>       the user id (required); also the nick unless --nick is given
  --nick <nick>      the nick shown to others
  --rooms <list>     rooms the token may join, comma-separated, '*' for any run of
                     characters (e.g. 'lobby,team-*'); default: every room
  --ttl <seconds>    lifetime (default 3600)
  --admin            may open /admin
  --mod              may edit and delete others' messages
  -h, --help         this text

A page takes the token as /chat?token=<token> or in its sign-in panel; other clients send
'Authorization: Bearer <token>' or ?token=<token>.
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readArgs(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function parse() {
  return parseArgs({
    options: {
      sub: { type: 'string' },
      nick: { type: 'string' },
      rooms: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      admin: { type: 'boolean', default: false },
      mod: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

const values = readArgs();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const secret = process.env.AUTH_SECRET;
if (!secret || secret.length < 16) fail('AUTH_SECRET must be set (at least 16 characters), the same as the server’s');
if (!values.sub) fail('--sub is required');
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive whole number of seconds');
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
