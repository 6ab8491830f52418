/** Garbage-collection time of a node by V8 kind (minor, major, incremental, weakcb), from prom-client's default metrics. */
export type GcSeconds = Readonly<Record<string, { readonly seconds: number; readonly count: number }>>;

// The gateway adds its own labels (node) beside kind, in any order.
const GC_LINE = /^nodejs_gc_duration_seconds_(sum|count)\{[^}]*\bkind="([a-z]+)"[^}]*\} ([0-9.e+-]+)$/gm;

/** Undefined when the node has no /metrics with GC figures (the peers). */
export async function fetchGcSeconds(httpUrl: string): Promise<GcSeconds | undefined> {
  try {
    const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    const kinds: Record<string, { seconds: number; count: number }> = {};
    for (const [, field, kind, value] of (await response.text()).matchAll(GC_LINE)) {
      const entry = (kinds[kind!] ??= { seconds: 0, count: 0 });
      if (field === 'sum') entry.seconds = Number(value);
      else entry.count = Number(value);
    }
    return Object.keys(kinds).length > 0 ? kinds : undefined;
  } catch {
    return undefined;
  }
}

/** GC over a window: per kind, milliseconds spent and collections made, summed over the nodes. */
export type GcDelta = Readonly<Record<string, { readonly ms: number; readonly count: number }>>;

/** Undefined when any node gave no figures. */
export function gcDelta(before: readonly (GcSeconds | undefined)[], after: readonly (GcSeconds | undefined)[]): GcDelta | undefined {
  const delta: Record<string, { ms: number; count: number }> = {};
  for (const [index, end] of after.entries()) {
    const start = before[index];
    if (!end || !start) return undefined;
    for (const [kind, { seconds, count }] of Object.entries(end)) {
      const entry = (delta[kind] ??= { ms: 0, count: 0 });
      entry.ms += (seconds - (start[kind]?.seconds ?? 0)) * 1000;
      entry.count += count - (start[kind]?.count ?? 0);
    }
  }
  return delta;
}
