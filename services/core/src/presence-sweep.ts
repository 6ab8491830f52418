/**
 * What one presence refresh of a room sweeps at most, on every broker: expired node leases and
 * expired visits. A sweep is bounded; the next refresh goes on where it stopped.
 */
export const PRESENCE_SWEEP = { nodes: 4, visits: 200 } as const;
