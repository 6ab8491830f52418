import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A signing key as an identity provider holds it: the private half signs, the public half is published. */
export interface SigningKey {
  readonly alg: 'RS256' | 'ES256';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

/** A fresh key pair (jose's generateKeyPair) with its JWK and SPKI PEM. */
export async function newSigningKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

export interface SignOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for a token that has already expired. */
  readonly expiresIn?: number;
  /** Overrides the `kid` header (e.g. to point at another key). */
  readonly kid?: string;
}

/** A token signed with `key` the way an identity provider signs it. */
export function signWith(key: SigningKey, claims: JWTPayload, { issuer, audience, expiresIn = 600, kid = key.kid }: SignOptions = {}): Promise<string> {
  const token = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' }).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  if (issuer !== undefined) token.setIssuer(issuer);
  if (audience !== undefined) token.setAudience(audience);
  return token.sign(key.privateKey);
}

/** An HS256 token whose HMAC secret is `secret` verbatim, e.g. a public key PEM (HS/RS confusion). */
export function signHs256(secret: string, claims: JWTPayload, kid?: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(secret));
}

/** A JWKS endpoint on 127.0.0.1: publishes `keys`, counts fetches, and can be made to fail. */
export class JwksServer {
  keys: readonly SigningKey[] = [];
  /** Answer 500 instead of the key set. */
  failing = false;
  fetches = 0;

  private constructor(private readonly server: Server) {}

  static async start(keys: readonly SigningKey[]): Promise<JwksServer> {
    // The request handler needs the server object, which needs the HTTP server first.
    const holder: { jwks?: JwksServer } = {};
    const server = createServer((request, response) => {
      const jwks = holder.jwks;
      if (!jwks || request.url !== '/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      jwks.fetches += 1;
      if (jwks.failing) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks.keys.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const jwks = new JwksServer(server);
    jwks.keys = keys;
    holder.jwks = jwks;
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
