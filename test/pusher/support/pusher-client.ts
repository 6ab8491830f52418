import { Collector, withTimeout } from '@chat/testkit';
import type PusherServerSdk from 'pusher';
import { createRequire } from 'node:module';
import type * as PusherJs from 'pusher-js';
import type { Channel, ChannelAuthorizationCallback, UserAuthenticationCallback } from 'pusher-js';
import { afterEach } from 'vitest';
import { APP, serverSdk } from './pusher-cluster.js';

// pusher-js is CommonJS whose types declare an ES default export: required, it is the class itself
// (which TypeScript, reading those types as CommonJS, calls `default.default`).
export const Pusher = createRequire(import.meta.url)('pusher-js') as typeof PusherJs.default.default;
/** A pusher-js client (the real package, its Node build). */
export type Pusher = InstanceType<typeof Pusher>;

/**
 * The same class for Laravel Echo's `Pusher` option. Echo's types (an ES module) see pusher-js's
 * ESM face and ours its CommonJS one: two unrelated types of one object, so it goes untyped.
 */
export const PusherForEcho = Pusher as never;

export interface ClientOptions {
  readonly key?: string;
  /** The backend that signs private/presence subscriptions and sign-ins (the real server SDK). */
  readonly signer?: PusherServerSdk;
  /** The presence identity the signer vouches for. */
  readonly user?: { readonly user_id: string; readonly user_info?: Record<string, unknown> };
  readonly activityTimeout?: number;
}

/** The real pusher-js (its Node build) connected to `port`, authorized by the real server SDK. */
export function pusherClient(port: number, options: ClientOptions = {}): Pusher {
  return new Pusher(options.key ?? APP.key, clientOptions(port, options));
}

/** pusher-js options (also what Laravel Echo passes on): the node's address, and the SDK as the app's auth backend. */
export function clientOptions(port: number, options: ClientOptions = {}): PusherJs.Options {
  return literalOptions(port, options);
}

/** Laravel Echo 2 (an ES module, loaded with import()) over the real pusher-js, with the same options. */
export async function echoClient(port: number, options: ClientOptions = {}) {
  const { default: Echo } = await import('laravel-echo');
  return new Echo({ broadcaster: 'pusher', key: options.key ?? APP.key, Pusher: PusherForEcho, ...literalOptions(port, options) });
}

function literalOptions(port: number, options: ClientOptions) {
  const { signer, user } = options;
  return {
    cluster: 'local',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws' as const],
    disableStats: true,
    ...(options.activityTimeout === undefined ? {} : { activityTimeout: options.activityTimeout }),
    channelAuthorization: {
      endpoint: '/unused',
      headers: {},
      transport: 'ajax' as const,
      customHandler: ({ socketId, channelName }: { socketId: string; channelName: string }, callback: ChannelAuthorizationCallback) => {
        if (!signer) return callback(new Error('no signer'), null);
        callback(null, signer.authorizeChannel(socketId, channelName, channelName.startsWith('presence-') ? user : undefined));
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      headers: {},
      transport: 'ajax' as const,
      customHandler: ({ socketId }: { socketId: string }, callback: UserAuthenticationCallback) => {
        if (!signer || !user) return callback(new Error('no signer'), null);
        callback(null, signer.authenticateUser(socketId, { id: user.user_id, ...user.user_info }));
      },
    },
  };
}

/** Resolves with the socket id once the client is connected. */
export function connected(client: Pusher, timeoutMs = 5000): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve) => {
      if (client.connection.state === 'connected' && client.connection.socket_id) return resolve(client.connection.socket_id);
      client.connection.bind('connected', () => resolve(client.connection.socket_id));
    }),
    timeoutMs,
    'pusher-js did not connect',
  );
}

/** Subscribes and resolves once the server confirmed (rejects with the subscription error). */
export function subscribed(client: Pusher, channelName: string, timeoutMs = 5000): Promise<Channel> {
  const channel = client.subscribe(channelName);
  return withTimeout(
    new Promise<Channel>((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', () => resolve(channel));
      channel.bind('pusher:subscription_error', (error: unknown) => reject(new Error(`subscription error: ${JSON.stringify(error)}`)));
    }),
    timeoutMs,
    `subscription to ${channelName}`,
  );
}

/** Collects the data of every `event` on a channel. */
export function collect<T = unknown>(channel: Channel, event: string): Collector<T> {
  const collector = new Collector<T>();
  channel.bind(event, (data: T) => collector.push(data));
  return collector;
}

/** Disconnects and waits until the socket is closed. */
export async function disconnect(client: Pusher): Promise<void> {
  if (client.connection.state === 'disconnected') return;
  await new Promise<void>((resolve) => {
    client.connection.bind('disconnected', () => resolve());
    client.disconnect();
    setTimeout(resolve, 1000);
  });
}

/**
 * A maker of pusher-js clients signed by the server SDK of the node they connect to (and signed
 * in as `userId` when given); every client it made is disconnected after each test.
 */
export function useSignedClients(): (port: number, userId?: string) => Pusher {
  const clients: Pusher[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(disconnect));
  });
  return (port, userId) => {
    const made = pusherClient(port, { signer: serverSdk(port), ...(userId === undefined ? {} : { user: { user_id: userId } }) });
    clients.push(made);
    return made;
  };
}
