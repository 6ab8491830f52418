import type { BrokerObserver } from './broker.js';
import type { RoomMessage } from './types.js';

/** The observers of one broker: told of every room message that reaches the node and every backend round trip. */
export class BrokerObservers {
  private readonly observers = new Set<BrokerObserver>();

  add(observer: BrokerObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  messageArrived(message: RoomMessage): void {
    for (const observer of this.observers) observer.messageArrived?.(message);
  }

  /** `startedAt` from `performance.now()` when the call was sent. */
  roundTrip(startedAt: number, failed: boolean): void {
    if (this.observers.size === 0) return;
    const seconds = (performance.now() - startedAt) / 1000;
    for (const observer of this.observers) observer.roundTrip?.(seconds, failed);
  }
}
