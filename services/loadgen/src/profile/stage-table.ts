/**
 * `tsx services/loadgen/src/profile/stage-table.ts <gateway.cpuprofile>… --from=S --to=S --messages=N --cpu-seconds=S`
 * Splits a gateway profile of the chat path into stages (issue 23): each sample goes to the
 * deepest frame of its stack that a stage recognises. Shares are of the non-idle samples;
 * with `--messages` (published in the window) and `--cpu-seconds` (the gateway's CPU over it,
 * from /proc) they become microseconds of CPU per message. Prints a Markdown table.
 */
import { readFileSync } from 'node:fs';
import { isCpuProfile, label, windowed, type CpuProfile } from './summarize-cpuprofile.js';

/** A stage of the chat path and the frames (label prefixes or substrings) that belong to it. */
interface Stage {
  readonly name: string;
  readonly matches: (frame: string) => boolean;
}

const starts =
  (...prefixes: string[]) =>
  (frame: string): boolean =>
    prefixes.some((prefix) => frame.startsWith(prefix));
const inFile =
  (...parts: string[]) =>
  (frame: string): boolean =>
    parts.some((part) => frame.includes(part));

/** Stages in the order of a message's way; where two match one stack, the deeper frame wins. */
export const CHAT_STAGES: readonly Stage[] = [
  { name: 'WebSocket frame receive (ws Receiver, unmask, UTF-8)', matches: (frame) => inFile('/ws/lib/receiver', 'ws-text.js')(frame) || starts('socketOnData ')(frame) },
  { name: 'frame parse (JSON.parse + validation)', matches: inFile('protocol/dist/client-frames', 'protocol/dist/validate') },
  { name: 'session checks (dispatch, room, text, cid)', matches: (frame) => inFile('core/dist/session/chat-session', 'gateway/dist/session-factory', 'gateway/dist/admission')(frame) && !starts('deliver ')(frame) },
  { name: 'token bucket', matches: inFile('token-bucket') },
  { name: 'publish: body encode, keys, broker call', matches: (frame) => starts('publish ', 'call ', 'encodeMessageBody ', 'roomKeys ')(frame) && inFile('core/dist', 'gateway/dist')(frame) },
  { name: 'ioredis: command building, auto-pipeline, write to Redis', matches: (frame) => inFile('ioredis/built/Command', 'ioredis/built/Script', 'ioredis/built/autoPipelining', 'ioredis/built/Pipeline', 'ioredis/built/Redis.js', 'ioredis/built/utils/Commander', 'ioredis/built/utils/index', 'standard-as-callback', 'denque')(frame) },
  { name: 'Redis replies and channel messages: RESP parse', matches: inFile('redis-parser', 'ioredis/built/DataHandler', 'ioredis/built/SubscriptionSet') },
  { name: 'ack: encode + queue', matches: (frame) => starts('sendText ', 'encodeServerEvent ')(frame) },
  { name: 'channel message per node: decode, order, envelope, frame encode', matches: (frame) => inFile('core/dist/redis/redis-broker', 'core/dist/message-codec', 'core/dist/room-registry', 'broker-observers', 'hub/message-envelope', 'transports/frame-cache', 'transports/ws-frame')(frame) },
  { name: 'per-member work (hub loop, session deliver, outlet, socket.write while corked)', matches: (frame) => starts('onMessage ', 'deliver ', 'sendFrame ', 'cork ')(frame) || inFile('transports/ws-json')(frame) },
  { name: 'writes: coalesced flush (uncork → write/writev syscalls)', matches: (frame) => starts('flush ', 'afterUncork ')(frame) },
  { name: 'metrics (prom-client)', matches: inFile('prom-client', 'gateway/dist/metrics') },
  { name: 'GC', matches: (frame) => frame.startsWith('(garbage collector)') },
];

/** The stage a stack belongs to (leaf first), or `other`. */
export function stageOf(stack: readonly string[], stages: readonly Stage[] = CHAT_STAGES): string {
  for (const frame of stack) for (const stage of stages) if (stage.matches(frame)) return stage.name;
  return 'other (event loop, timers, heartbeats, native)';
}

/** Non-idle microseconds per stage over the profiles. */
export function stageTimes(profiles: readonly CpuProfile[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    const stageById = new Map<number, string | undefined>();
    profile.samples.forEach((id, i) => {
      let stage = stageById.get(id);
      if (!stageById.has(id)) {
        const stack: string[] = [];
        for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
          const node = byId.get(at);
          if (node) stack.push(label(node));
        }
        stage = stack[0]?.startsWith('(idle)') ? undefined : stageOf(stack);
        stageById.set(id, stage);
      }
      if (stage !== undefined) totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

function flag(argv: readonly string[], name: string): number | undefined {
  const value = argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value === undefined ? undefined : Number(value);
}

function main(argv: readonly string[]): void {
  const files = argv.filter((arg) => !arg.startsWith('--'));
  if (files.length === 0) throw new Error('usage: stage-table <file.cpuprofile>… [--from=S --to=S] [--messages=N --cpu-seconds=S]');
  const profiles = files.map((file) => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isCpuProfile(parsed)) throw new Error(`${file} is not a .cpuprofile`);
    return windowed(parsed, flag(argv, 'from') ?? 0, flag(argv, 'to') ?? Number.POSITIVE_INFINITY);
  });
  const times = stageTimes(profiles);
  const busy = [...times.values()].reduce((sum, micros) => sum + micros, 0);
  const messages = flag(argv, 'messages');
  const cpuSeconds = flag(argv, 'cpu-seconds');
  const perMessage = messages && cpuSeconds ? (cpuSeconds * 1e6) / messages : undefined;
  process.stdout.write(`| stage | share of gateway CPU |${perMessage ? ' µs per message |' : ''}\n| --- | ---: |${perMessage ? ' ---: |' : ''}\n`);
  const order = [...CHAT_STAGES.map((stage) => stage.name), 'other (event loop, timers, heartbeats, native)'];
  for (const name of order) {
    const share = (times.get(name) ?? 0) / busy;
    process.stdout.write(`| ${name} | ${(share * 100).toFixed(1)} % |${perMessage ? ` ${(share * perMessage).toFixed(1)} |` : ''}\n`);
  }
  if (perMessage) process.stdout.write(`| **gateway total** | 100 % | **${perMessage.toFixed(1)}** |\n`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) main(process.argv.slice(2));
