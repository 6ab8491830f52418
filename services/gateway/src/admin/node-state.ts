import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import type { NodeState } from './cluster-types.js';

/** A heartbeat's state as read back from the broker: input until checked. */
const nodeStateSchema = z.object({
  id: z.string(),
  startedAt: z.number(),
  ready: z.boolean(),
  draining: z.boolean(),
  connections: z.record(z.string(), z.number()),
  rooms: z.record(z.string(), z.number()),
  slowConsumers: z.number(),
  limitViolations: z.record(z.string(), z.number()),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
}) satisfies z.ZodType<NodeState>;

/** A heartbeat's state, or undefined for one this version cannot read. */
export function parseNodeState(json: string): NodeState | undefined {
  try {
    const parsed = nodeStateSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** This node's state right now. */
export function currentNodeState(context: GatewayContext, startedAt: number): NodeState {
  const { metrics, broker, hub } = context;
  const rooms: Record<string, number> = {};
  for (const room of hub.liveRooms()) {
    const members = hub.memberCount(room);
    if (members > 0) rooms[room] = members;
  }
  const memory = process.memoryUsage();
  return {
    id: context.config.nodeId,
    startedAt,
    ready: broker.isConnected() && !context.draining,
    draining: context.draining,
    connections: { ...metrics.connections },
    rooms,
    slowConsumers: Object.values(metrics.slowConsumers).reduce((sum, count) => sum + count, 0),
    limitViolations: Object.fromEntries(metrics.limitViolations),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
  };
}
