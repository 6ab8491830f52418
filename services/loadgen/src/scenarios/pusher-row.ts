import hdr from 'hdr-histogram-js';
import PusherServerSdk from 'pusher';
import type { BenchOptions } from '../options.js';
import { startOurs } from '../servers/ours.js';
import type { ServerUnderTest } from '../servers/types.js';
import { summarize } from '../stats/histogram.js';
import { totalCpuSeconds } from '../util/proc-stats.js';
import { openJsonClients, openPusherClients, type FanoutClients } from './pusher-clients.js';
import { emptyRow, type Row } from './types.js';

const APP = { appId: '1', key: 'bench-key', secret: 'bench-secret-0123456789' } as const;
const WARMUP_MS = 1000;

interface FanoutPlan {
  readonly label: string;
  readonly clients: number;
  readonly ratePerSec: number;
  readonly durationMs: number;
}

/** Sends one event through the HTTP API of node `i`, stamped with its send time. */
type Send = (node: number, sentAt: number) => Promise<unknown>;

/**
 * One fan-out at a fixed rate, events sent through the nodes' HTTP APIs in turn: deliveries per
 * CPU-second of every server process (gateways + Redis) and the delivery latency.
 */
async function measureFanout(server: ServerUnderTest, plan: FanoutPlan, open: (onArrival: (sentAt: number) => void) => Promise<FanoutClients>, send: Send): Promise<Row> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  let countFrom = Number.POSITIVE_INFINITY;
  let received = 0;
  const clients = await open((sentAt) => {
    if (sentAt < countFrom) return;
    received += 1;
    histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
  });
  try {
    const pace = async (durationMs: number): Promise<number> => {
      const interval = 1000 / plan.ratePerSec;
      const started = performance.now();
      let sent = 0;
      const inFlight: Array<Promise<unknown>> = [];
      while (performance.now() - started < durationMs) {
        inFlight.push(send(sent % server.httpUrls.length, performance.now()));
        sent += 1;
        const next = started + sent * interval;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      await Promise.all(inFlight);
      return sent;
    };
    await pace(WARMUP_MS);
    countFrom = performance.now();
    const cpuBefore = totalCpuSeconds(server.pids());
    const sent = await pace(plan.durationMs);
    await new Promise((resolve) => setTimeout(resolve, 500));
    countFrom = Number.POSITIVE_INFINITY;
    const cpu = totalCpuSeconds(server.pids()) - cpuBefore;
    const latency = summarize(histogram);
    const expected = sent * plan.clients;
    return {
      ...emptyRow(plan.label, server.kind),
      knee: received / (plan.durationMs / 1000),
      deliveriesPerCpuSecond: cpu > 0 ? received / cpu : Number.NaN,
      p50: latency.p50,
      p99: latency.p99,
      note: `${plan.ratePerSec} events/s through the HTTP API to ${plan.clients} clients${received < expected ? `; delivered ${((received / expected) * 100).toFixed(2)}%` : ''}`,
      detail: { plan, sent, received, expected, serverCpuSeconds: cpu, latency },
    };
  } finally {
    clients.close();
    histogram.destroy();
  }
}

/**
 * The Pusher row (issue 19) beside our own protocol, in one run: the same broadcast (clients over
 * two gateways and one Redis, events posted to the nodes' HTTP APIs at a fixed rate) once with our
 * JSON clients and `POST /rooms/:room/messages` on the scenario's server, once with Pusher
 * protocol-7 clients and the `pusher` SDK's trigger on a fresh cluster that has a Pusher app.
 */
export async function pusherScenario(server: ServerUnderTest, options: BenchOptions, log: (line: string) => void): Promise<Row[]> {
  if (server.kind !== 'ours') return [];
  const plan = { clients: options.quick ? 200 : 1000, ratePerSec: options.pacedRate, durationMs: options.stepMs * options.pacedWindows };
  const postMessage: Send = (node, sentAt) =>
    fetch(`${server.httpUrls[node]}/rooms/pusher-bench/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: JSON.stringify({ sentAt }) }) }).then((response) => response.arrayBuffer());
  const native = await measureFanout(server, { ...plan, label: 'http-fanout json' }, (onArrival) => openJsonClients(server.urls, 'pusher-bench', plan.clients, onArrival), postMessage);
  log(`  ours http-fanout json: ${Math.round(native.deliveriesPerCpuSecond ?? 0)} deliveries/CPU-s, p99 ${native.p99} ms`);

  const pusherServer = await startOurs({ nodes: server.httpUrls.length, nodeFlags: [], gatewayEnv: { PUSHER_APP_ID: APP.appId, PUSHER_APP_KEY: APP.key, PUSHER_APP_SECRET: APP.secret } });
  try {
    const sdks = pusherServer.httpUrls.map((url) => new PusherServerSdk({ ...APP, host: '127.0.0.1', port: new URL(url).port, useTLS: false }));
    const trigger: Send = (node, sentAt) => (sdks[node] as PusherServerSdk).trigger('pusher-bench', 'tick', { sentAt });
    const pusher = await measureFanout(pusherServer, { ...plan, label: 'http-fanout pusher' }, (onArrival) => openPusherClients(pusherServer.httpUrls, APP.key, 'pusher-bench', plan.clients, onArrival), trigger);
    log(`  ours http-fanout pusher: ${Math.round(pusher.deliveriesPerCpuSecond ?? 0)} deliveries/CPU-s, p99 ${pusher.p99} ms`);
    const ratio = (pusher.deliveriesPerCpuSecond ?? Number.NaN) / (native.deliveriesPerCpuSecond ?? Number.NaN);
    return [native, { ...pusher, note: `${pusher.note}; ${ratio.toFixed(2)}× the JSON protocol's deliveries/CPU-s` }];
  } finally {
    await pusherServer.stop();
  }
}
