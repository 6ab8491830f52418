/**
 * A load-generator process: holds many WebSocket clients, sends at a fixed aggregate rate,
 * counts deliveries and keeps its own HDR histogram. Driven by the harness over the IPC channel.
 */
import hdr from 'hdr-histogram-js';
import { BenchClient } from './bench-client.js';
import { ClientStats } from './client-stats.js';
import { benchText, nowMs } from './frames.js';
import type { ClientSpec, Command, Reply } from './messages.js';

const stats = new ClientStats();
let clients: BenchClient[] = [];
let senders: BenchClient[] = [];
// Client message ids are unique over the generator's life: a repeated cid is (rightly) a duplicate send.
let nextCid = 0;

function reply(message: Reply): void {
  process.send?.(message);
}

/** Runs `act` over `items`, `concurrency` at a time, and counts what succeeded. */
async function eachLimited<T>(items: readonly T[], concurrency: number, act: (item: T) => Promise<void>): Promise<Reply> {
  let ok = 0;
  let failed = 0;
  const firstErrors: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await act(item);
        ok++;
      } catch (error) {
        failed++;
        if (firstErrors.length < 3) firstErrors.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { kind: 'opened', ok, failed, firstErrors };
}

function open(specs: readonly ClientSpec[], concurrency: number): Promise<Reply> {
  return eachLimited(specs, concurrency, (spec) => {
    const client = new BenchClient(spec, stats);
    clients.push(client);
    if (spec.sender) senders.push(client);
    return client.ready();
  });
}

/** Idle clients join their rooms, `concurrency` at a time. */
function joinAll(concurrency: number): Promise<Reply> {
  return eachLimited(
    clients.filter((client) => client.isOpen),
    concurrency,
    (client) => client.join(),
  );
}

/** Every open sender sends one message, stamped with this moment. */
function burst(pad: string): Reply {
  const intended = nowMs();
  let sent = 0;
  for (const client of senders) {
    if (!client.isOpen) continue;
    client.send(benchText(intended, pad), `${process.pid}-${nextCid++}`);
    sent++;
  }
  return { kind: 'ran', sent, lagMs: nowMs() - intended };
}

/** Sends at `ratePerSec` in aggregate, round-robin over the senders, for `durationMs`. */
function run(ratePerSec: number, durationMs: number, pad: string): Promise<Reply> {
  return new Promise((resolve) => {
    const live = senders.filter((client) => client.isOpen);
    if (live.length === 0 || ratePerSec <= 0) return resolve({ kind: 'ran', sent: 0, lagMs: 0 });
    const start = nowMs();
    const interval = 1000 / ratePerSec;
    const total = Math.floor((durationMs / 1000) * ratePerSec);
    let k = 0;
    let lagMs = 0;
    let turn = 0;
    const tick = (): void => {
      const now = nowMs();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      for (; k < due; k++) {
        // The intended send time, not the actual one: a lagging generator shows up as latency.
        const intended = start + k * interval;
        lagMs = Math.max(lagMs, now - intended);
        const client = live[turn++ % live.length];
        client?.send(benchText(intended, pad), `${process.pid}-${nextCid++}`);
      }
      if (k >= total) {
        clearInterval(timer);
        resolve({ kind: 'ran', sent: k, lagMs });
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}

async function handle(command: Command): Promise<Reply | undefined> {
  switch (command.kind) {
    case 'open':
      return open(command.clients, command.concurrency);
    case 'run':
      return run(command.ratePerSec, command.durationMs, command.pad);
    case 'counts':
      return { kind: 'counts', counts: stats.snapshot() };
    case 'join':
      return joinAll(command.concurrency);
    case 'burst':
      return burst(command.pad);
    case 'resume':
      return { kind: 'resumed', count: clients.filter((client) => client.resume()).length };
    case 'report': {
      const counts = stats.snapshot();
      const histogram = hdr.encodeIntoCompressedBase64(stats.histogram);
      stats.reset();
      return { kind: 'report', counts, histogram };
    }
    case 'close':
      for (const client of clients) client.close();
      clients = [];
      senders = [];
      return { kind: 'closed' };
  }
}

process.on('message', (message: unknown) => {
  handle(message as Command).then(
    (answer) => {
      if (answer) reply(answer);
    },
    (error: unknown) => reply({ kind: 'failed', error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
