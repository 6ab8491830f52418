/** V8 heap used by a node, read from its /metrics (prom-client default metrics) or /stats (our peers). */
export async function fetchHeapUsed(httpUrl: string): Promise<number | undefined> {
  try {
    const stats = await fetch(`${httpUrl}/stats`);
    if (stats.ok) {
      const body: unknown = await stats.json();
      if (typeof body === 'object' && body !== null && 'heapUsed' in body && typeof body.heapUsed === 'number') return body.heapUsed;
    }
    const metrics = await fetch(`${httpUrl}/metrics`);
    if (!metrics.ok) return undefined;
    const text = await metrics.text();
    const match = /^(?:nodejs_heap_size_used_bytes|process_heap_used_bytes|nodejs_heap_used_bytes)(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Sum over nodes; undefined when any node does not expose it. */
export async function sumHeapUsed(httpUrls: readonly string[]): Promise<number | undefined> {
  const values = await Promise.all(httpUrls.map(fetchHeapUsed));
  if (values.some((value) => value === undefined)) return undefined;
  return values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
}
