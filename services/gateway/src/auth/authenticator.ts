import { ChatError } from '@chat/protocol';
import type { GatewayConfig } from '../config.js';
import { ANONYMOUS, identityFromToken, type Identity } from './identity.js';

/** Turns the token a client presents (or its absence) into an identity; throws `unauthorized`. */
export interface Authenticator {
  readonly required: boolean;
  identify(token: string | undefined): Promise<Identity>;
}

const OPEN: Authenticator = { required: false, identify: () => Promise.resolve(ANONYMOUS) };

/** The node's authenticator: everyone is anonymous without auth settings. */
export function createAuthenticator(config: GatewayConfig): Authenticator {
  const secret = config.authSecret;
  if (secret === undefined) return OPEN;
  return {
    required: true,
    identify: (token) => {
      if (!token) return Promise.reject(new ChatError('unauthorized', 'a token is required (Authorization: Bearer or ?token=)'));
      try {
        return Promise.resolve(identityFromToken(token, secret));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
