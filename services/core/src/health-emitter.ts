import type { BrokerHealthEvent, BrokerHealthListener } from './broker.js';

/** Keeps the connected state and tells listeners when it or a room's epoch changes. */
export class HealthEmitter {
  private readonly listeners = new Set<BrokerHealthListener>();
  private connected = false;

  get isConnected(): boolean {
    return this.connected;
  }

  on(listener: BrokerHealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConnected(connected: boolean, reason = 'connection lost'): void {
    if (connected === this.connected) return;
    this.connected = connected;
    this.emit(connected ? { type: 'connected' } : { type: 'disconnected', reason });
  }

  emit(event: BrokerHealthEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
