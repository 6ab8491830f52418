import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { eventually, checkDelivery, sumReports, type Ack, postMessage, startSteadySender, RoamingClient } from '@chat/testkit';
import { Redis } from 'ioredis';
import { startLocalCluster, type LocalCluster } from '../../../../scripts/cluster/local-cluster.js';
import { cpuSeconds } from '../util/proc-stats.js';
import { repoPath } from '../util/paths.js';

/** Sizes of a reconnect storm. */
export interface StormOptions {
  /** WebSocket clients on the gateway that is killed. */
  readonly clients: number;
  readonly roomSize: number;
  /** POSTs per second through nginx during the storm, round-robin over the rooms. */
  readonly sendRate: number;
  /** The clients' reconnect backoff (full jitter), as the browser client's: first delay uniform in [0, base). */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly log?: (line: string) => void;
}

export const defaultStorm: StormOptions = { clients: 10_000, roomSize: 10, sendRate: 20, backoffBaseMs: 500, backoffCapMs: 15_000 };

export interface StormResult {
  readonly clients: number;
  readonly victim: string;
  readonly connectAllMs: number;
  /** From the kill until every client has joined all its rooms elsewhere. */
  readonly resumeAllMs: number;
  readonly resumeP50Ms: number;
  readonly resumeP99Ms: number;
  /** Highest Redis commands/s over a sampling window (total_commands_processed deltas), and INFO's own figure. */
  readonly peakRedisCommandsPerSec: number;
  readonly peakRedisInstantaneousOps: number;
  readonly baselineRedisCommandsPerSec: number;
  /** Highest CPU of each surviving gateway over a sampling window, in % of one core. */
  readonly peakGatewayCpuPercent: Record<string, number>;
  readonly peakNginxCpuPercent: number;
  /** The clients' own process (one Node process for all of them) over the storm, in % of one core. */
  readonly clientProcessCpuPercent: number;
  readonly resumedOn: Record<string, number>;
  /** Of the attempt that worked: from its start to `welcome` (TCP + WebSocket handshake through nginx) and from `welcome` to every room joined. */
  readonly handshakeP50Ms: number;
  readonly handshakeP99Ms: number;
  readonly joinP50Ms: number;
  readonly joinP99Ms: number;
  /** The jittered backoff before the attempt that worked, p50. */
  readonly backoffP50Ms: number;
  /** Connection attempts per client until it resumed (1 = the first one worked). */
  readonly attemptsP50: number;
  readonly attemptsMax: number;
  readonly messages: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly gaps: number;
  readonly unexpectedExits: number;
  /** Log lines of the surviving gateways saying their Redis link went silent or they reacted to a lost broker (the watchdog must not trip under load). */
  readonly brokerLossLogLines: number;
}

const SAMPLE_MS = 200;
const CONNECT_BATCH = 200;

interface Sample {
  readonly at: number;
  readonly commands: number;
  readonly instantaneous: number;
  readonly cpu: Record<string, number>;
}

/** Samples Redis's command counter and the CPU of the given processes every SAMPLE_MS. */
function startSampler(redis: Redis, pids: Record<string, number>): { samples: Sample[]; stop: () => void } {
  const samples: Sample[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    redis
      .info('stats')
      .then((info) => {
        const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
        const cpu = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
        samples.push({ at: performance.now(), commands: field('total_commands_processed'), instantaneous: field('instantaneous_ops_per_sec'), cpu });
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, SAMPLE_MS);
  return { samples, stop: () => clearInterval(timer) };
}

/** The highest per-second rate of `value` between consecutive samples. */
function peakRate(samples: readonly Sample[], value: (sample: Sample) => number): number {
  let peak = 0;
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1], samples[i]];
    if (!before || !after || after.at <= before.at) continue;
    peak = Math.max(peak, ((value(after) - value(before)) * 1000) / (after.at - before.at));
  }
  return peak;
}

/** The pids whose parent is `parent` (nginx's workers do the proxying, not its master). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/**
 * Puts `clients` WebSockets on one of three gateways (through nginx, while the other two are
 * down), brings the others up, then kills that gateway with SIGKILL while POSTs flow: every
 * client reconnects through nginx with jittered backoff and resumes its room from its position.
 */
export async function runStorm(options: StormOptions): Promise<StormResult> {
  const log = options.log ?? (() => undefined);
  const cluster: LocalCluster = await startLocalCluster({
    gateways: 3,
    env: { RATE_SENDS_PER_SEC: '0', RATE_JOINS_PER_SEC: '0', RATE_READS_PER_SEC: '0', RATE_FRAMES_PER_SEC: '0', MAX_CONNECTIONS_PER_IP: '0', PRESENCE_TTL_MS: '5000', LOG_LEVEL: 'warn' },
  });
  const clients: RoamingClient[] = [];
  const redis = new Redis({ host: '127.0.0.1', port: cluster.redis?.port ?? 0, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    const [victim, ...others] = cluster.nodes;
    if (!victim || others.length === 0) throw new Error('the storm needs three gateways');
    // With the others down, nginx passes every new connection on to the victim.
    await Promise.all(others.map((node) => node.stop()));
    const wsUrl = cluster.url.replace(/^http/, 'ws');
    const rooms = Math.ceil(options.clients / options.roomSize);
    const connectStarted = Date.now();
    for (let i = 0; i < options.clients; i++) {
      clients.push(new RoamingClient(wsUrl, `s-${i}`, [`storm-${i % rooms}`], { backoffBaseMs: options.backoffBaseMs, backoffCapMs: options.backoffCapMs }));
    }
    for (let i = 0; i < clients.length; i += CONNECT_BATCH) {
      await Promise.all(clients.slice(i, i + CONNECT_BATCH).map((client) => client.connect(180_000)));
    }
    const connectAllMs = Date.now() - connectStarted;
    const strays = clients.filter((client) => client.node !== victim.id).length;
    if (strays > 0) throw new Error(`${strays} clients are not on ${victim.id}`);
    log(`${clients.length} clients on ${victim.id} in ${connectAllMs} ms`);
    await Promise.all(others.map((node) => node.start()));
    // Until nginx has seen both back (its fail_timeout), it would not send them anyone.
    const seen = new Set<string>();
    await eventually(
      async () => {
        const response = await fetch(`${cluster.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        seen.add(response.headers.get('x-node-id') ?? '');
        return others.every((node) => seen.has(node.id));
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'nginx to use the restarted gateways' },
    );

    const pids = Object.fromEntries(others.map((node) => [node.id, node.pid ?? 0]));
    const nginxWorkers = childrenOf(Number(readFileSync(`${cluster.tempDir}/nginx/nginx.pid`, 'utf8').trim()));
    const sampler = startSampler(redis, { ...pids, ...Object.fromEntries(nginxWorkers.map((pid, i) => [`nginx-${i}`, pid])) });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const baselineRedisCommandsPerSec = peakRate(sampler.samples, (sample) => sample.commands);

    const sendCount = Math.max(20, options.sendRate * 8);
    const run = startSteadySender(sendCount, options.sendRate, (index) => {
      const room = `storm-${(index * 7) % rooms}`;
      return postMessage(cluster.url, room, { text: `${room}-${index}`, nick: 'storm-poster', cid: `storm-${index}` }, 300_000);
    });
    // Awaited after the storm; a failure must not go unhandled meanwhile.
    const sent = run.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const killedAt = Date.now();
    const clientCpuBefore = process.cpuUsage();
    const sampleFrom = sampler.samples.length;
    await victim.kill('SIGKILL');
    log(`${victim.id} killed`);
    await eventually(() => clients.every((client) => client.joined && !client.resuming && client.node !== victim.id), {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: 'every client to resume elsewhere',
    });
    const resumeAllMs = Date.now() - killedAt;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    log(`all resumed after ${resumeAllMs} ms`);
    const sendFailure = await sent;
    if (sendFailure !== undefined) throw sendFailure instanceof Error ? sendFailure : new Error('a POST during the storm failed', { cause: sendFailure });
    await new Promise((resolve) => setTimeout(resolve, 2 * SAMPLE_MS));
    sampler.stop();

    const acksByRoom = new Map<string, Ack[]>();
    for (const ack of run.acks) acksByRoom.set(ack.room, [...(acksByRoom.get(ack.room) ?? []), ack]);
    await Promise.all(
      clients.map((client) => {
        const acks = acksByRoom.get(client.log.joins[0]?.room ?? '') ?? [];
        return client.log.waitFor(() => client.log.hasAll(acks), `${client.nick} to have its room's acked messages`, 30_000);
      }),
    );
    const delivery = sumReports(clients.map((client) => checkDelivery(client.log.messages, acksByRoom.get(client.log.joins[0]?.room ?? '') ?? [])));
    const storm = sampler.samples.slice(Math.max(0, sampleFrom - 1));
    const resumes = clients.map((client) => client.reconnects[0]?.ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
    const resumedOn: Record<string, number> = {};
    for (const client of clients) resumedOn[client.node ?? '?'] = (resumedOn[client.node ?? '?'] ?? 0) + 1;
    const handshakes = clients.map((client) => (client.welcomedAt ?? 0) - client.openedAt).sort((a, b) => a - b);
    const joins = clients.map((client) => (client.log.joins.at(-1)?.at ?? 0) - (client.welcomedAt ?? 0)).sort((a, b) => a - b);
    const backoffs = clients.map((client) => client.openedAt - (client.closes.at(-1)?.at ?? client.openedAt)).sort((a, b) => a - b);
    const attempts = clients.map((client) => client.closes.filter((close) => close.at >= killedAt).length).sort((a, b) => a - b);
    return {
      clients: clients.length,
      victim: victim.id,
      connectAllMs,
      resumeAllMs,
      resumeP50Ms: percentile(resumes, 50),
      resumeP99Ms: percentile(resumes, 99),
      peakRedisCommandsPerSec: Math.round(peakRate(storm, (sample) => sample.commands)),
      peakRedisInstantaneousOps: Math.max(0, ...storm.map((sample) => sample.instantaneous)),
      baselineRedisCommandsPerSec: Math.round(baselineRedisCommandsPerSec),
      peakGatewayCpuPercent: Object.fromEntries(Object.keys(pids).map((name) => [name, Math.round(100 * peakRate(storm, (sample) => sample.cpu[name] ?? 0))])),
      peakNginxCpuPercent: Math.round(100 * peakRate(storm, (sample) => nginxWorkers.reduce((sum, _, i) => sum + (sample.cpu[`nginx-${i}`] ?? 0), 0))),
      clientProcessCpuPercent: Math.round((100 * (clientCpu.user + clientCpu.system)) / 1000 / Math.max(1, resumeAllMs)),
      resumedOn,
      handshakeP50Ms: percentile(handshakes, 50),
      handshakeP99Ms: percentile(handshakes, 99),
      joinP50Ms: percentile(joins, 50),
      joinP99Ms: percentile(joins, 99),
      backoffP50Ms: percentile(backoffs, 50),
      attemptsP50: percentile(attempts, 50),
      attemptsMax: attempts[attempts.length - 1] ?? 0,
      messages: run.acks.length,
      lost: delivery.lost,
      duplicates: delivery.duplicates,
      outOfOrder: delivery.outOfOrder,
      gaps: delivery.gaps,
      unexpectedExits: cluster.unexpectedExits().filter((exit) => exit.name !== victim.id).length,
      brokerLossLogLines: others.flatMap((node) => node.process.report().split('\n')).filter((line) => /redis link silent|broker lost:/.test(line)).length,
    };
  } catch (error) {
    log(`failed; the processes' last output:\n${cluster.logs()}`);
    throw error;
  } finally {
    for (const client of clients) client.close();
    redis.disconnect();
    await cluster.stop();
  }
}

/** `npm run bench:storm [-- --clients N]`: the full storm, one JSON line, saved to bench-results/storm.json. */
async function main(): Promise<void> {
  const at = process.argv.indexOf('--clients');
  const clients = at === -1 ? defaultStorm.clients : Number(process.argv[at + 1]);
  if (!Number.isInteger(clients) || clients < 1) throw new Error('--clients needs a whole number');
  const result = await runStorm({ ...defaultStorm, clients, log: (line) => process.stderr.write(`storm: ${line}\n`) });
  const text = JSON.stringify({ scenario: 'storm', at: new Date().toISOString(), ...result });
  process.stdout.write(`${text}\n`);
  await mkdir(repoPath('bench-results'), { recursive: true });
  await writeFile(repoPath('bench-results/storm.json'), `${text}\n`);
  const ok = result.lost === 0 && result.duplicates === 0 && result.unexpectedExits === 0;
  process.exit(ok ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`storm failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
