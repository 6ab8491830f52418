import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../services/gateway/src/auth/authenticator.js';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { loadConfig } from '../../services/gateway/src/config.js';
import { forgeToken } from './helpers/honest.js';

const SECRET = 'auth-settings-secret-0123456789';
let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth-settings-'));
  const pem = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): string => key.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(file('rsa.pem'), pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey));
  await writeFile(file('p256.pem'), pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
  await writeFile(file('p384.pem'), pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey));
  await writeFile(file('ed25519.pem'), pem(generateKeyPairSync('ed25519').publicKey));
  await writeFile(file('private.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await writeFile(file('garbage.pem'), '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('auth configuration: bad values stop the node with the variable named', () => {
  it('the key kind in AUTH_PUBLIC_KEY_FILE pins the algorithm: RSA → RS256, P-256 → ES256', () => {
    expect(loadConfig({ AUTH_PUBLIC_KEY_FILE: file('rsa.pem') }).auth.publicKey?.alg).toBe('RS256');
    expect(loadConfig({ AUTH_PUBLIC_KEY_FILE: file('p256.pem') }).auth.publicKey?.alg).toBe('ES256');
  });

  it.each([
    ['AUTH_JWKS_URL', { AUTH_JWKS_URL: 'ftp://idp.example.test/jwks.json' }],
    ['AUTH_JWKS_URL', { AUTH_JWKS_URL: 'not a url' }],
    ['AUTH_JWKS_COOLDOWN_MS', { AUTH_JWKS_URL: 'https://idp.example.test/jwks.json', AUTH_JWKS_COOLDOWN_MS: 'soon' }],
    ['AUTH_PUBLIC_KEY_FILE', { AUTH_PUBLIC_KEY_FILE: '/nonexistent/key.pem' }],
    ['AUTH_PUBLIC_KEY_FILE', { AUTH_PUBLIC_KEY_FILE: 'private.pem' }],
    ['AUTH_PUBLIC_KEY_FILE', { AUTH_PUBLIC_KEY_FILE: 'garbage.pem' }],
    ['AUTH_PUBLIC_KEY_FILE', { AUTH_PUBLIC_KEY_FILE: 'p384.pem' }],
    ['AUTH_PUBLIC_KEY_FILE', { AUTH_PUBLIC_KEY_FILE: 'ed25519.pem' }],
    ['AUTH_ISSUER', { AUTH_ISSUER: 'https://idp.example.test/' }],
    ['AUTH_AUDIENCE', { AUTH_AUDIENCE: 'chat' }],
    ['AUTH_SECRET', { AUTH_SECRET: 'short' }],
  ])('%s: %j is refused', (variable, env) => {
    const resolved = Object.fromEntries(Object.entries(env).map(([name, value]) => [name, name === 'AUTH_PUBLIC_KEY_FILE' && !value.startsWith('/') ? file(value) : value]));
    expect(() => loadConfig(resolved)).toThrow(new RegExp(`invalid configuration: .*${variable}`));
  });

  it('AUTH_JWKS_URL and AUTH_PUBLIC_KEY_FILE are exclusive; AUTH_SECRET may come with either', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://idp.example.test/jwks.json', AUTH_PUBLIC_KEY_FILE: file('rsa.pem') })).toThrow(/only one of AUTH_JWKS_URL, AUTH_PUBLIC_KEY_FILE/);
    const both = loadConfig({ AUTH_SECRET: SECRET, AUTH_JWKS_URL: 'https://idp.example.test/jwks.json', AUTH_ISSUER: 'https://idp.example.test/', AUTH_AUDIENCE: 'chat,chat-admin' });
    expect(both.auth).toMatchObject({ secret: SECRET, issuer: 'https://idp.example.test/', audience: ['chat', 'chat-admin'], jwksCooldownMs: 30_000 });
    expect(both.auth.jwksUrl?.href).toBe('https://idp.example.test/jwks.json');
  });
});

describe('claims: what a verified token makes of its holder', () => {
  const authenticator = createAuthenticator(loadConfig({ AUTH_SECRET: SECRET }).auth);

  it('admin and mod are true only when the token says exactly true; rooms patterns and nick as before', async () => {
    const moderator = await authenticator.identify(await signToken({ sub: 'mia', nick: 'Mia', rooms: ['team-*'], mod: true }, SECRET));
    expect(moderator).toMatchObject({ user: 'mia', nick: 'Mia', mod: true });
    expect(moderator.admin).toBeUndefined();
    expect(moderator.mayUseRoom('team-a')).toBe(true);
    expect(moderator.mayUseRoom('lobby')).toBe(false);
    const plain = await authenticator.identify(forgeToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'pat', admin: 'yes', mod: 1, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET));
    expect(plain).toMatchObject({ user: 'pat', nick: 'pat' });
    expect(plain.admin ?? plain.mod).toBeUndefined();
  });

  it('without any auth setting everyone is anonymous and no token is asked for', async () => {
    const open = createAuthenticator(loadConfig({}).auth);
    expect(open.required).toBe(false);
    expect((await open.identify(undefined)).user).toBeUndefined();
  });
});
