import type { Ack } from './events.js';

/** The outcome of a steady send run. */
export interface SendRun {
  readonly acks: Ack[];
  /** Resolves when every send was acknowledged (or one failed for good). */
  readonly done: Promise<void>;
}

/**
 * Starts `count` sends at `ratePerSec`, on an absolute schedule so a slow answer never slows the
 * rate; `send(i)` picks the transport and must retry until stored.
 */
export function startSteadySender(count: number, ratePerSec: number, send: (index: number) => Promise<Ack>): SendRun {
  const acks: Ack[] = [];
  const started = Date.now();
  const interval = 1_000 / ratePerSec;
  const sends: Array<Promise<void>> = [];
  const done = new Promise<void>((resolve, reject) => {
    let index = 0;
    const tick = (): void => {
      while (index < count && Date.now() >= started + index * interval) {
        sends.push(send(index).then((ack) => void acks.push(ack)));
        index++;
      }
      if (index < count) setTimeout(tick, Math.max(0, started + index * interval - Date.now()));
      else Promise.all(sends).then(() => resolve(), reject);
    };
    tick();
  });
  return { acks, done };
}
