import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';
import { forgeToken } from './helpers/honest.js';
import { JwksServer, newSigningKey, signHs256, signWith, type SigningKey } from './helpers/identity-provider.js';
import { probeWs, wsUrl } from './helpers/probes.js';
import { expectAcceptedEverywhere, expectRefusedEverywhere, postWith } from './helpers/token-probes.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'chat';
const resources = new Resources();
const claims = { iss: ISSUER, aud: AUDIENCE };
let jwks: JwksServer;
let node: TestNode;
let current: SigningKey;

beforeAll(async () => {
  current = await newSigningKey('RS256', 'key-1');
  jwks = resources.track(await JwksServer.start([current, await newSigningKey('ES256', 'key-ec')]));
  // Cooldown 0: a token with an unknown kid refetches the set at once, so rotation needs no waiting.
  node = await startNode('jwks', undefined, { AUTH_JWKS_URL: jwks.url, AUTH_JWKS_COOLDOWN_MS: '0', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, TCP_PORT: '0' });
  resources.track({ close: () => node.drain() });
});

afterAll(() => resources.closeAll());

describe('tokens from an identity provider: RS256/ES256 verified against AUTH_JWKS_URL', () => {
  it('an RS256 token from the JWKS opens every transport as its holder', async () => {
    const token = await signWith(current, { sub: 'alice', nick: 'Alice', ...claims });
    await expectAcceptedEverywhere(node, token, 'Alice');
  });

  it('an ES256 token from the same JWKS is accepted; without nick the nick is sub', async () => {
    const ec = jwks.keys.find((key) => key.alg === 'ES256')!;
    expect(await postWith(node, await signWith(ec, { sub: 'erin', ...claims }))).toEqual({ status: 201 });
  });

  it('a forged token (another key under the same kid; a tampered payload) is refused with 401 / close 4001 everywhere', async () => {
    const rogue = await newSigningKey('RS256', current.kid);
    await expectRefusedEverywhere(node, await signWith(rogue, { sub: 'mallory', ...claims }));
    const genuine = await signWith(current, { sub: 'alice', rooms: ['lobby'], ...claims });
    const [header, , signature] = genuine.split('.');
    const widened = Buffer.from(JSON.stringify({ sub: 'alice', rooms: ['*'], admin: true, ...claims, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    await expectRefusedEverywhere(node, `${header}.${widened}.${signature}`);
  });

  it('a key rotated in the JWKS is picked up without a restart, and the removed key stops working', async () => {
    const before = await signWith(current, { sub: 'alice', ...claims });
    expect(await postWith(node, before)).toEqual({ status: 201 });
    const next = await newSigningKey('RS256', 'key-2');
    const fetches = jwks.fetches;
    jwks.keys = [next, ...jwks.keys.filter((key) => key !== current)];
    current = next;
    const after = await signWith(next, { sub: 'alice', nick: 'Alice', ...claims });
    await expectAcceptedEverywhere(node, after, 'Alice');
    expect(jwks.fetches).toBeGreaterThan(fetches);
    expect(await postWith(node, before)).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('a token for another issuer or audience, or with neither, is refused', async () => {
    for (const options of [{ issuer: 'https://evil.example.test/', audience: AUDIENCE }, { issuer: ISSUER, audience: 'another-app' }, {}]) {
      const token = await signWith(current, { sub: 'alice' }, options);
      expect(await postWith(node, token), JSON.stringify(options)).toEqual({ status: 401, code: 'unauthorized' });
      expect((await probeWs(wsUrl(node, '/ws', token))).close?.code).toBe(4001);
    }
  });

  it("alg 'none', an expired token and an HS256 token keyed with the RSA public key PEM are refused everywhere", async () => {
    await expectRefusedEverywhere(node, forgeToken({ alg: 'none', typ: 'JWT' }, { sub: 'eve', ...claims }, undefined));
    await expectRefusedEverywhere(node, await signWith(current, { sub: 'eve', ...claims }, { expiresIn: -60 }));
    await expectRefusedEverywhere(node, await signHs256(current.publicPem, { sub: 'eve', ...claims }, current.kid));
    await expectRefusedEverywhere(node, await signHs256(JSON.stringify(current.publicJwk), { sub: 'eve', ...claims }, current.kid));
  });

  it('a JWKS that cannot be fetched answers 503 unavailable (retry later), not 401, and recovers by itself', async () => {
    const unknown = await newSigningKey('RS256', 'key-3');
    const token = await signWith(unknown, { sub: 'alice', ...claims });
    jwks.failing = true;
    try {
      expect(await postWith(node, token)).toEqual({ status: 503, code: 'unavailable' });
    } finally {
      jwks.failing = false;
    }
    jwks.keys = [...jwks.keys, unknown];
    expect(await postWith(node, token)).toEqual({ status: 201 });
  });
});
