import type { BenchOptions } from './options.js';
import type { ServerUnderTest } from './servers/types.js';
import { broadcastScenario } from './scenarios/broadcast.js';
import { chatScenario, type AfterClimb } from './scenarios/chat.js';
import { chatRatesScenario } from './scenarios/chat-rates.js';
import { idleScenario } from './scenarios/idle.js';
import { slowScenario } from './scenarios/slow.js';
import { pacedScenario } from './scenarios/paced.js';
import { scaleScenario } from './scenarios/scale.js';
import { idleCostScenario } from './scenarios/idle-cost.js';
import { pusherScenario } from './scenarios/pusher-row.js';
import type { Row } from './scenarios/types.js';
import { redisRoundTrips, subscriptionFootprint } from './checks/redis-claims.js';

/** Channel of a room, per server: ours `chat:{room}`, the Socket.IO redis-adapter `socket.io#/#room#`. */
function channelOf(server: ServerUnderTest): (room: string) => string {
  return server.kind === 'ours' || server.kind === 'baseline' ? (room) => `chat:{${room}}` : (room) => `socket.io#/#${room}#`;
}

/** After the chat climb on a Redis-backed server: Redis commands per message and subscription footprint. */
const redisClaims: AfterClimb = async (server, pool, layout, result) => {
  if (server.redisPort === undefined) return {};
  const rate = result.half?.ratePerSec ?? result.steps[0]?.ratePerSec ?? 100;
  return { ...(await redisRoundTrips(server, pool, layout, rate, 10)), ...(await subscriptionFootprint(server, channelOf(server))) };
};

/** Runs one scenario against a running server: one row, or one per rate for `chat-rate`. */
export async function runScenario(name: string, server: ServerUnderTest, options: BenchOptions, log: (line: string) => void): Promise<Row[]> {
  if (name === 'chat-rate') {
    const heapSample = options.heapSample === undefined ? undefined : { mode: options.heapSample, dir: options.outDir };
    const rates = { clients: options.chatClients, roomSize: 10, generators: options.generators, rates: options.chatRates, windows: options.chatRateWindows, windowMs: options.chatRateWindowMs, heapSample };
    return chatRatesScenario(server, rates, log);
  }
  if (name === 'pusher') return pusherScenario(server, options, log);
  return [await runOneRowScenario(name, server, options, log)];
}

/** Runs one scenario (`idle:<n>`, `chat`, `chat-batched`, `broadcast`, `paced`, `batched`, `scale`, `idle-cost`, `slow`) against a running server. */
async function runOneRowScenario(name: string, server: ServerUnderTest, options: BenchOptions, log: (line: string) => void): Promise<Row> {
  const generators = options.generators;
  if (name.startsWith('idle:')) return idleScenario(server, Number(name.slice(5)), options.settleMs, log);
  switch (name) {
    case 'chat':
    case 'chat-batched': {
      const chat = { clients: options.chatClients, roomSize: 10, generators, startPerClient: options.chatStartPerClient, factor: options.factor, maxSteps: options.maxSteps, stepMs: options.stepMs };
      if (name === 'chat') return chatScenario(server, chat, log, redisClaims);
      const row = await chatScenario(server, { ...chat, label: name }, log);
      return server.kind === 'ours' ? { ...row, note: [`ours WRITE_BATCH_MS=${options.writeBatchMs}`, row.note].filter(Boolean).join('; ') } : row;
    }
    case 'broadcast':
      return broadcastScenario(
        server,
        { clients: options.broadcastClients, generators, startRate: options.broadcastStartRate, factor: options.factor, maxSteps: options.maxSteps, stepMs: options.stepMs },
        log,
      );
    case 'paced':
    case 'batched': {
      const rate = name === 'paced' ? options.pacedRate : options.batchedRate;
      const window = name === 'batched' && server.kind === 'ours' ? `, WRITE_BATCH_MS=${options.writeBatchMs}` : '';
      return pacedScenario(
        server,
        { label: name, clients: options.pacedClients, generators, ratePerSec: rate, windows: options.pacedWindows, windowMs: options.stepMs },
        log,
      ).then((row) => ({ ...row, note: [`${rate} msg/s to ${options.pacedClients}${window && `; ours${window}`}`, row.note].filter(Boolean).join('; ') }));
    }
    case 'scale':
      return scaleScenario(
        server,
        { connections: options.scaleConnections, roomSize: options.scaleRoomSize, heartbeatMs: options.scaleHeartbeatMs, idleMs: options.scaleIdleMs, settleMs: options.settleMs },
        log,
      );
    case 'idle-cost':
      return idleCostScenario(server, { members: options.idleCostMembers, rooms: options.idleCostRooms, windowMs: options.idleCostWindowMs }, log);
    case 'slow':
      return slowScenario(
        server,
        { clients: options.slowClients, slowFraction: 0.01, generators, ratePerSec: options.slowRate, padChars: options.slowPad, durationMs: options.slowMs },
        log,
      );
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}
