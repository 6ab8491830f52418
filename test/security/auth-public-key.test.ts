import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';
import { forgeToken } from './helpers/honest.js';
import { newSigningKey, signHs256, signWith, type SigningKey } from './helpers/identity-provider.js';
import { expectAcceptedEverywhere, expectRefusedEverywhere, postWith } from './helpers/token-probes.js';

const SECRET = 'public-key-test-secret-0123456789';
const resources = new Resources();
let ec: SigningKey;
let rsa: SigningKey;
/** AUTH_PUBLIC_KEY_FILE with an EC P-256 key: ES256 only. */
let ecNode: TestNode;
/** AUTH_SECRET and AUTH_PUBLIC_KEY_FILE with an RSA key: HS256 by the secret, RS256 by the key. */
let mixedNode: TestNode;
/** AUTH_SECRET only: HS256 only. */
let secretNode: TestNode;

beforeAll(async () => {
  ec = await newSigningKey('ES256', 'ec');
  rsa = await newSigningKey('RS256', 'rsa');
  const dir = await mkdtemp(join(tmpdir(), 'auth-public-key-'));
  resources.track({ close: () => rm(dir, { recursive: true, force: true }) });
  await writeFile(join(dir, 'ec.pem'), ec.publicPem);
  await writeFile(join(dir, 'rsa.pem'), rsa.publicPem);
  const start = async (id: string, settings: Record<string, string>): Promise<TestNode> => {
    const started = await startNode(id, undefined, { TCP_PORT: '0', ...settings });
    resources.track({ close: () => started.drain() });
    return started;
  };
  ecNode = await start('pem-ec', { AUTH_PUBLIC_KEY_FILE: join(dir, 'ec.pem') });
  mixedNode = await start('pem-rsa-and-secret', { AUTH_PUBLIC_KEY_FILE: join(dir, 'rsa.pem'), AUTH_SECRET: SECRET });
  secretNode = await start('secret-only', { AUTH_SECRET: SECRET });
});

afterAll(() => resources.closeAll());

describe('AUTH_PUBLIC_KEY_FILE: tokens verified against a PEM key, the algorithm pinned by its kind', () => {
  it('an ES256 token signed by the EC key opens every transport', async () => {
    await expectAcceptedEverywhere(ecNode, await signWith(ec, { sub: 'erin', nick: 'Erin' }), 'Erin');
  });

  it('an ES256 token signed by another EC key, an expired one and alg none are refused everywhere', async () => {
    await expectRefusedEverywhere(ecNode, await signWith(await newSigningKey('ES256', 'ec'), { sub: 'mallory' }));
    await expectRefusedEverywhere(ecNode, await signWith(ec, { sub: 'erin' }, { expiresIn: -60 }));
    await expectRefusedEverywhere(ecNode, forgeToken({ alg: 'none', typ: 'JWT' }, { sub: 'eve' }, undefined));
  });

  it('HS/RS confusion: an HS256 token keyed with the public key PEM is refused, with or without AUTH_SECRET beside the key', async () => {
    await expectRefusedEverywhere(ecNode, await signHs256(ec.publicPem, { sub: 'eve' }));
    await expectRefusedEverywhere(mixedNode, await signHs256(rsa.publicPem, { sub: 'eve' }));
  });

  it('only the algorithm of the key kind is accepted: RS256 on an EC key and ES256 on an RSA key are refused', async () => {
    expect(await postWith(ecNode, await signWith(rsa, { sub: 'alice' }))).toEqual({ status: 401, code: 'unauthorized' });
    expect(await postWith(mixedNode, await signWith(ec, { sub: 'erin' }))).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('AUTH_SECRET beside a PEM key: both HS256 tokens of the secret and RS256 tokens of the key work', async () => {
    await expectAcceptedEverywhere(mixedNode, await signWith(rsa, { sub: 'alice', nick: 'Alice' }), 'Alice');
    await expectAcceptedEverywhere(mixedNode, await signToken({ sub: 'bob', nick: 'Bob', exp: Math.floor(Date.now() / 1000) + 600 }, SECRET), 'Bob');
  });
});

describe('AUTH_SECRET alone: HS256 only', () => {
  it('an RS256 token, however well signed, is refused everywhere; so is an RS256 header over an HMAC of the secret', async () => {
    await expectRefusedEverywhere(secretNode, await signWith(rsa, { sub: 'alice' }));
    await expectRefusedEverywhere(secretNode, forgeToken({ alg: 'RS256', typ: 'JWT' }, { sub: 'eve' }, SECRET));
    expect(await postWith(secretNode, await signToken({ sub: 'bob' }, SECRET))).toEqual({ status: 201 });
  });
});
