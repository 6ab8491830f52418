import { repoPath } from '../util/paths.js';
import { startNodeProcess } from './node-process.js';
import { sumHeapUsed } from './heap.js';
import type { ServerUnderTest, StartOptions } from './types.js';

const ENTRY = repoPath('services/loadgen/src/peers/ws-ceiling-server.ts');

/** The ceiling: one bare `ws` process broadcasting to room members, no Redis. */
export async function startCeiling(options: StartOptions): Promise<ServerUnderTest> {
  const node = await startNodeProcess({ name: 'ws-ceiling', args: ['--import', 'tsx', ...options.nodeFlags, ENTRY], env: {} });
  const httpUrls = [`http://127.0.0.1:${node.port}`];
  return {
    kind: 'ceiling',
    protocol: 'json',
    urls: [`ws://127.0.0.1:${node.port}/ws`],
    httpUrls,
    redisPort: undefined,
    maxConnectionsPerNode: 19_500,
    pids: () => [node.pid],
    nodePids: () => [node.pid],
    heapUsedBytes: () => sumHeapUsed(httpUrls),
    deaths: () => {
      const death = node.death();
      return death === undefined ? [] : [death];
    },
    stop: () => node.stop(),
  };
}
