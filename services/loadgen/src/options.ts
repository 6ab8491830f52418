import { repoPath } from './util/paths.js';
import type { ServerKind } from './servers/types.js';
import type { HeapSampleMode } from './profile/heap-sampler.js';

/** Every knob of a bench run; `--quick` picks small sizes, flags override either preset. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly servers: readonly ServerKind[];
  readonly scenarios: readonly string[];
  readonly idleCounts: readonly number[];
  /** Pause before and after opening idle connections, so RSS readings are settled. */
  readonly settleMs: number;
  readonly chatClients: number;
  readonly chatStartPerClient: number;
  readonly broadcastClients: number;
  readonly broadcastStartRate: number;
  readonly slowClients: number;
  readonly slowRate: number;
  readonly slowPad: number;
  readonly slowMs: number;
  /** Paced broadcast: room size, the two paces, windows per run, and our write-batching window in `batched`. */
  readonly pacedClients: number;
  readonly pacedRate: number;
  readonly batchedRate: number;
  readonly pacedWindows: number;
  /** Paced and batched run this many times, servers interleaved; each server's median counts (the machine is shared). */
  readonly pacedRounds: number;
  readonly writeBatchMs: number;
  /** Scale (`--scenario scale`, ours only, one gateway): connections, room size, heartbeat interval and idle window. */
  readonly scaleConnections: number;
  readonly scaleRoomSize: number;
  readonly scaleHeartbeatMs: number;
  readonly scaleIdleMs: number;
  /** Gateway processes of the scale scenario (clients round-robin over them). */
  readonly gateways: number;
  /** Idle cost (`--scenario idle-cost`, ours, one gateway): members, rooms, measured window. */
  readonly idleCostMembers: number;
  readonly idleCostRooms: number;
  readonly idleCostWindowMs: number;
  /** Chat at fixed rates (`chat-rate`, issue 23): aggregate msg/s per row, windows per rate, rounds with the servers interleaved. */
  readonly chatRates: readonly number[];
  readonly chatRateWindows: number;
  readonly chatRateWindowMs: number;
  readonly chatRateRounds: number;
  readonly factor: number;
  readonly maxSteps: number;
  readonly stepMs: number;
  readonly generators: number;
  /** Extra node flags for our gateway processes, e.g. --cpu-prof. */
  readonly gatewayFlags: readonly string[];
  /** Extra node flags for the peers' processes (Socket.IO, ceiling), to profile them alike. */
  readonly peerFlags: readonly string[];
  /** Sample our gateways' allocations over each chat-rate row's windows (`--heap-sample[=promoted|all]`): `.heapprofile` files beside the results. */
  readonly heapSample: HeapSampleMode | undefined;
  /** Node flags for the `baseline` gateway instead of gatewayFlags: an A/B of runtime flags on one tree. */
  readonly baselineFlags: readonly string[] | undefined;
  readonly outDir: string;
  /** A tree (made by baseline-snapshot.ts) whose gateway runs as the `baseline` server. */
  readonly baseline: string | undefined;
}

const QUICK: BenchOptions = {
  quick: true,
  servers: ['ours', 'socketio', 'ceiling'],
  scenarios: ['idle', 'chat', 'broadcast', 'paced', 'batched', 'slow'],
  idleCounts: [1000],
  settleMs: 1000,
  chatClients: 100,
  chatStartPerClient: 4,
  broadcastClients: 100,
  broadcastStartRate: 100,
  slowClients: 50,
  slowRate: 200,
  slowPad: 3900,
  slowMs: 5000,
  pacedClients: 500,
  pacedRate: 50,
  batchedRate: 200,
  pacedWindows: 2,
  pacedRounds: 1,
  writeBatchMs: 20,
  scaleConnections: 2000,
  scaleRoomSize: 100,
  scaleHeartbeatMs: 2000,
  scaleIdleMs: 6000,
  gateways: 1,
  idleCostMembers: 2000,
  idleCostRooms: 20,
  idleCostWindowMs: 6000,
  chatRates: [500, 2000],
  chatRateWindows: 1,
  chatRateWindowMs: 2000,
  chatRateRounds: 1,
  factor: 2,
  maxSteps: 4,
  stepMs: 1000,
  generators: 2,
  gatewayFlags: [],
  peerFlags: [],
  baselineFlags: undefined,
  heapSample: undefined,
  outDir: repoPath('bench-results'),
  baseline: undefined,
};

const FULL: BenchOptions = {
  ...QUICK,
  quick: false,
  scenarios: ['idle', 'chat', 'chat-rate', 'broadcast', 'paced', 'batched', 'slow'],
  idleCounts: [10_000, 25_000],
  settleMs: 2000,
  chatClients: 1000,
  chatStartPerClient: 1,
  broadcastClients: 1000,
  broadcastStartRate: 5,
  slowClients: 100,
  slowRate: 100,
  slowPad: 3900,
  slowMs: 20_000,
  pacedWindows: 3,
  pacedRounds: 3,
  scaleConnections: 100_000,
  scaleHeartbeatMs: 10_000,
  scaleIdleMs: 30_000,
  idleCostWindowMs: 15_000,
  chatRates: [500, 2000, 5000],
  chatRateWindows: 2,
  chatRateWindowMs: 3000,
  chatRateRounds: 2,
  factor: Math.SQRT2,
  maxSteps: 9,
  stepMs: 3000,
};

const SERVER_KINDS: readonly ServerKind[] = ['ours', 'baseline', 'socketio', 'ceiling'];

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return number;
}

/** Parses `--name=value` / `--name value` flags. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !(argv[i + 1] ?? '').startsWith('--')) flags.set(arg.slice(2), argv[++i] ?? '');
    else flags.set(arg.slice(2), 'true');
  }
  const base = flags.has('quick') ? QUICK : FULL;
  flags.delete('quick');
  const options: Record<string, unknown> = { ...base };
  for (const [name, value] of flags) {
    switch (name) {
      case 'servers': {
        const kinds = list(value);
        for (const kind of kinds) if (!SERVER_KINDS.includes(kind as ServerKind)) throw new Error(`--servers: unknown server ${kind}`);
        options.servers = kinds;
        break;
      }
      case 'scenario':
      case 'scenarios':
        options.scenarios = list(value);
        break;
      case 'chat-rates':
        options.chatRates = list(value).map((item) => positive(name, item));
        break;
      case 'idle':
        options.idleCounts = list(value).map((item) => positive(name, item));
        break;
      case 'gateway-flags':
        options.gatewayFlags = value.split(' ').filter(Boolean);
        break;
      case 'peer-flags':
        options.peerFlags = value.split(' ').filter(Boolean);
        break;
      case 'heap-sample':
        if (value !== 'true' && value !== 'promoted' && value !== 'all') throw new Error(`--heap-sample: promoted or all, got ${value}`);
        options.heapSample = value === 'all' ? 'all' : 'promoted';
        break;
      case 'baseline-flags':
        options.baselineFlags = value.split(' ').filter(Boolean);
        break;
      case 'out':
        options.outDir = value;
        break;
      case 'baseline':
        options.baseline = value;
        break;
      default: {
        const key = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
        if (!(key in base) || typeof (base as unknown as Record<string, unknown>)[key] !== 'number') throw new Error(`unknown flag --${name}`);
        options[key] = positive(name, value);
      }
    }
  }
  const servers = options.servers as readonly ServerKind[];
  if (options.baseline !== undefined && !servers.includes('baseline')) options.servers = ['baseline', ...servers];
  if (options.baseline === undefined && servers.includes('baseline')) throw new Error('--servers=baseline needs --baseline=<tree made by baseline-snapshot.ts>');
  return options as unknown as BenchOptions;
}
