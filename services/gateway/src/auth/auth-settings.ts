import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An asymmetric algorithm the gateway verifies, pinned by the kind of key. */
export type PublicKeyAlgorithm = 'RS256' | 'ES256';

/** A PEM (SPKI) public key and the one algorithm it may verify. */
export interface PublicKeyPem {
  readonly pem: string;
  readonly alg: PublicKeyAlgorithm;
}

/** Which tokens the node accepts; with none of secret, jwksUrl or publicKey, auth is off. */
export interface AuthSettings {
  /** HS256 shared secret (AUTH_SECRET). */
  readonly secret?: string;
  /** RS256/ES256 keys by `kid` (AUTH_JWKS_URL). */
  readonly jwksUrl?: URL;
  /** Shortest time between two JWKS refetches caused by an unknown `kid`. */
  readonly jwksCooldownMs: number;
  /** An RS256 or ES256 key (AUTH_PUBLIC_KEY_FILE). */
  readonly publicKey?: PublicKeyPem;
  readonly issuer?: string;
  /** The token's `aud` must name one of these. */
  readonly audience?: readonly string[];
  /** Tokens without `exp` are refused (AUTH_REQUIRE_EXP, default true). */
  readonly requireExp?: boolean;
}

/** Whether these settings ask every client for a token. */
export const authEnabled = (settings: AuthSettings): boolean =>
  settings.secret !== undefined || settings.jwksUrl !== undefined || settings.publicKey !== undefined;

/** Reads a PEM public key and pins its algorithm: RSA → RS256, EC P-256 → ES256; throws otherwise. */
export function readPublicKeyFile(path: string): PublicKeyPem {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new Error(`${path} is not a PEM public key (SPKI, -----BEGIN PUBLIC KEY-----)`);
  let key;
  try {
    key = createPublicKey({ key: pem, format: 'pem', type: 'spki' });
  } catch {
    throw new Error(`${path} is not a readable SPKI public key`);
  }
  if (key.asymmetricKeyType === 'rsa') return { pem, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { pem, alg: 'ES256' };
  throw new Error(`${path} must hold an RSA key (RS256) or an EC P-256 key (ES256)`);
}
