/**
 * `tsx services/loadgen/src/micro/map-churn.ts [--ops=100000]`
 * Why `KeyedBatches` keeps an idle key's state instead of deleting it at once: a long-lived Map or
 * Set (its table in the old generation) that grows and shrinks by one entry per operation makes
 * V8 allocate a new table each time, in the old generation, so per message it is old-space
 * garbage for the major GC. Prints the old-space growth of each pattern per operation.
 */
import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const ops = Number(process.argv.find((a) => a.startsWith('--ops='))?.split('=')[1] ?? 100_000);

function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;
}

/** Old-space bytes per operation of `run`, on a collection promoted before it starts. */
function measure<C>(make: () => C, run: (collection: C, i: number) => void): number {
  const collection = make();
  gc();
  gc();
  const before = oldSpaceUsed();
  for (let i = 0; i < ops; i++) run(collection, i);
  return (oldSpaceUsed() - before) / ops;
}

const rows: Array<[string, number]> = [
  ['Map: set then delete one key', measure(() => new Map<string, number>(), (map, i) => (map.set('k', i), map.delete('k')))],
  ['Set: add then delete one key', measure(() => new Set<string>(), (set) => (set.add('k'), set.delete('k')))],
  ['Map: the key kept, its value changed', measure(() => new Map<string, number | undefined>(), (map, i) => (map.set('k', i), map.set('k', undefined)))],
];
for (const [pattern, bytes] of rows) process.stdout.write(`${pattern.padEnd(40)} ${bytes.toFixed(1)} old-space bytes per operation\n`);
