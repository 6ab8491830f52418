import type { RoomPosition } from '@chat/core';

interface Sample {
  readonly at: number;
  readonly epoch: string;
  readonly offset: number;
}

/** Messages per second of each room, from its offset sampled over a sliding window. */
export class RoomRateSampler {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly windowMs = 10_000) {}

  /** Records `position` of `room` at `now`; returns the rate over the window (0 until two samples). */
  sample(room: string, position: RoomPosition, now = Date.now()): number {
    const kept = (this.samples.get(room) ?? []).filter((sample) => sample.at >= now - this.windowMs && sample.epoch === position.epoch);
    kept.push({ at: now, epoch: position.epoch, offset: position.offset });
    this.samples.set(room, kept);
    const first = kept[0];
    if (!first || now - first.at < 500) return 0;
    return ((position.offset - first.offset) * 1000) / (now - first.at);
  }

  /** Forgets rooms not in `live`. */
  retain(live: ReadonlySet<string>): void {
    for (const room of this.samples.keys()) if (!live.has(room)) this.samples.delete(room);
  }
}
