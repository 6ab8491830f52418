import type { GatewayContext } from '../context.js';
import { currentNodeState } from './node-state.js';

/**
 * Announces this node and its state through the broker every `intervalMs` (and at once when the
 * broker connects), so /admin on any node lists it. A node that stops beating drops off the list
 * after the presence TTL; a clean stop removes it at once (the broker's stop).
 */
export function startNodeHeartbeat(context: GatewayContext, intervalMs: number): () => void {
  const startedAt = Date.now();
  const beat = (): void => {
    if (!context.broker.isConnected()) return;
    context.broker.nodeHeartbeat(context.config.nodeId, JSON.stringify(currentNodeState(context, startedAt))).catch((error: unknown) => {
      context.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'node heartbeat failed');
    });
  };
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  const offHealth = context.broker.onHealth((event) => {
    if (event.type === 'connected') beat();
  });
  beat();
  return () => {
    clearInterval(timer);
    offHealth();
  };
}
