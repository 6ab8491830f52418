import type { LocalRedisCluster } from '@chat/testkit';

/** Moves the slot of `key` from its master to another master, keys and all (MIGRATING/IMPORTING, MIGRATE, SETSLOT NODE). */
export async function migrateSlotOf(cluster: LocalRedisCluster, key: string): Promise<{ from: number; to: number }> {
  const from = await cluster.masterOf(key);
  const to = (await cluster.masterPorts()).find((port) => port !== from);
  if (to === undefined) throw new Error('no other master');
  const source = cluster.client(from);
  const target = cluster.client(to);
  const slot = Number(await source.cluster('KEYSLOT', key));
  const [sourceId, targetId] = await Promise.all([source.cluster('MYID'), target.cluster('MYID')]);
  await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId);
  await source.cluster('SETSLOT', slot, 'MIGRATING', targetId);
  for (;;) {
    const keys = await source.cluster('GETKEYSINSLOT', slot, 100);
    if (keys.length === 0) break;
    await source.migrate('127.0.0.1', to, '', 0, 5000, 'KEYS', ...keys);
    // Traffic keeps running: a slow migration is what makes clients meet ASK and TRYAGAIN.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const port of await cluster.masterPorts()) await cluster.client(port).cluster('SETSLOT', slot, 'NODE', targetId);
  return { from, to };
}
