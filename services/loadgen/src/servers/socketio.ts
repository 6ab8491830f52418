import { repoPath } from '../util/paths.js';
import { startRedisBacked } from './redis-backed.js';
import type { ServerUnderTest, StartOptions } from './types.js';

const ENTRY = repoPath('services/loadgen/src/peers/socketio-server.ts');

/** The peer: Socket.IO 4 + @socket.io/redis-adapter, `nodes` processes on a fresh Redis. */
export function startSocketIo(options: StartOptions): Promise<ServerUnderTest> {
  return startRedisBacked(
    {
      kind: 'socketio',
      protocol: 'sio',
      wsPath: '/socket.io/?EIO=4&transport=websocket',
      launch: (i, redis) => ({
        name: `socketio-${i}`,
        args: ['--import', 'tsx', ...options.nodeFlags, ENTRY],
        env: { REDIS_URL: redis.url, NODE_ID: `sio-${i}` },
      }),
    },
    options,
  );
}
