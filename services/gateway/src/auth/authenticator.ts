import { ChatError } from '@chat/protocol';
import { authEnabled, type AuthSettings } from './auth-settings.js';
import { ANONYMOUS, identityFromClaims, type Identity } from './identity.js';
import { createTokenVerifier } from './token-verifier.js';

/** Turns the token a client presents (or its absence) into an identity; throws `unauthorized`. */
export interface Authenticator {
  readonly required: boolean;
  identify(token: string | undefined): Promise<Identity>;
}

const OPEN: Authenticator = { required: false, identify: () => Promise.resolve(ANONYMOUS) };

/** The node's authenticator: everyone is anonymous without auth settings. */
export function createAuthenticator(settings: AuthSettings, onKeysUnavailable?: (error: unknown) => void): Authenticator {
  if (!authEnabled(settings)) return OPEN;
  const verify = createTokenVerifier(settings, onKeysUnavailable);
  return {
    required: true,
    identify: async (token) => {
      if (!token) throw new ChatError('unauthorized', 'a token is required (Authorization: Bearer or ?token=)');
      const claims = await verify(token);
      // A token without exp would hold a connection open forever.
      if (claims.exp === undefined && settings.requireExp !== false) throw new ChatError('unauthorized', 'token has no exp (AUTH_REQUIRE_EXP)');
      return identityFromClaims(claims);
    },
  };
}
