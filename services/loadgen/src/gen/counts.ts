import type { Counts } from './messages.js';

function addRecords(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}

/** Counts of several generators added up. */
export function mergeCounts(all: readonly Counts[]): Counts {
  return all.reduce<Counts>(
    (sum, one) => ({
      sent: sum.sent + one.sent,
      acks: sum.acks + one.acks,
      received: sum.received + one.received,
      offsetGaps: sum.offsetGaps + one.offsetGaps,
      errors: addRecords(sum.errors, one.errors),
      closes: addRecords(sum.closes, one.closes),
      violations: [...sum.violations, ...one.violations].slice(0, 10),
      worstByHalfSecond: Array.from({ length: Math.max(sum.worstByHalfSecond.length, one.worstByHalfSecond.length) }, (_, i) =>
        Math.max(sum.worstByHalfSecond[i] ?? 0, one.worstByHalfSecond[i] ?? 0),
      ),
    }),
    { sent: 0, acks: 0, received: 0, offsetGaps: 0, errors: {}, closes: {}, violations: [], worstByHalfSecond: [] },
  );
}
