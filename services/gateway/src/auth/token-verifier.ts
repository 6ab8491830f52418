import { createRemoteJWKSet, decodeProtectedHeader, errors, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ChatError } from '@chat/protocol';
import type { AuthSettings, PublicKeyPem } from './auth-settings.js';
import { chatClaimsOf, type TokenClaims } from './token.js';

/** Verifies a token's signature and claims; rejects with `unauthorized` (or `unavailable` when the JWKS cannot be fetched). */
export type TokenVerifier = (token: string) => Promise<TokenClaims>;

/** One kind of key the node trusts and the only algorithms it may verify (no HS/RS confusion). */
interface TrustedKey {
  readonly algorithms: readonly string[];
  readonly getKey: JWTVerifyGetKey;
}

const MAX_TOKEN_LENGTH = 8192;
const unauthorized = (message: string): ChatError => new ChatError('unauthorized', message);

/** The verifier for these settings; `onKeysUnavailable` hears of a JWKS that could not be fetched. */
export function createTokenVerifier(settings: AuthSettings, onKeysUnavailable: (error: unknown) => void = () => undefined): TokenVerifier {
  const keys = trustedKeys(settings, onKeysUnavailable);
  const claimChecks = {
    ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
    ...(settings.audience === undefined ? {} : { audience: [...settings.audience] }),
  };
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('token too long');
    const alg = algorithmOf(token);
    const key = keys.find((candidate) => candidate.algorithms.includes(alg));
    if (!key) throw unauthorized('token algorithm not accepted');
    try {
      const { payload } = await jwtVerify(token, key.getKey, { algorithms: [...key.algorithms], ...claimChecks });
      return chatClaimsOf(payload);
    } catch (error) {
      throw error instanceof ChatError ? error : unauthorized(reasonOf(error));
    }
  };
}

function trustedKeys(settings: AuthSettings, onKeysUnavailable: (error: unknown) => void): TrustedKey[] {
  const keys: TrustedKey[] = [];
  if (settings.secret !== undefined) {
    // Imported once: jose would import raw secret bytes again for every token.
    const secret = crypto.subtle.importKey('raw', new TextEncoder().encode(settings.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    keys.push({ algorithms: ['HS256'], getKey: () => secret });
  }
  if (settings.jwksUrl !== undefined) {
    keys.push({ algorithms: ['RS256', 'ES256'], getKey: remoteKeys(settings.jwksUrl, settings.jwksCooldownMs, onKeysUnavailable) });
  }
  if (settings.publicKey !== undefined) keys.push({ algorithms: [settings.publicKey.alg], getKey: pemKey(settings.publicKey) });
  return keys;
}

/** The header's `alg` ('' when absent); throws `unauthorized` for a header that cannot be read. */
function algorithmOf(token: string): string {
  try {
    return decodeProtectedHeader(token).alg ?? '';
  } catch {
    throw unauthorized('malformed token');
  }
}

/** Keys by `kid` from a JWKS: cached, refetched on an unknown `kid` (at most once per cooldown). */
function remoteKeys(url: URL, cooldownMs: number, onKeysUnavailable: (error: unknown) => void): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { cooldownDuration: cooldownMs });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
      // Not the token's fault: a client told `unauthorized` would never retry.
      onKeysUnavailable(error);
      throw new ChatError('unavailable', 'the token signing keys cannot be fetched now; retry later');
    }
  };
}

function pemKey({ pem, alg }: PublicKeyPem): JWTVerifyGetKey {
  const key = importSPKI(pem, alg);
  key.catch(() => undefined);
  return () => key;
}

/** What a client is told about a refused token: enough to fix it, nothing from the token itself. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token not valid yet';
    if (error.claim === 'iss') return 'token issuer not accepted';
    if (error.claim === 'aud') return 'token audience not accepted';
    return `token claim ${error.claim} not valid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'no key for this token (kid)';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  return 'malformed token';
}
