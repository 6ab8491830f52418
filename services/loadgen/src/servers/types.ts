/** Which implementation a run measures. */
/** `baseline` is our gateway built from another tree (`--baseline`): the before of a before/after in one run. */
export type ServerKind = 'ours' | 'baseline' | 'socketio' | 'ceiling';

/** The wire protocol a server speaks: our JSON frames, or Socket.IO 4 over Engine.IO 4. */
export type WireProtocol = 'json' | 'sio';

/** A running server under test: its client endpoints and every process whose resources count. */
export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly protocol: WireProtocol;
  /** One WebSocket URL per node; clients are spread over them. */
  readonly urls: readonly string[];
  /** HTTP base URL per node. */
  readonly httpUrls: readonly string[];
  /** Redis port when the server uses one (its process counts toward CPU and memory). */
  readonly redisPort: number | undefined;
  /** Largest number of connections one node process can hold (its RLIMIT_NOFILE). */
  readonly maxConnectionsPerNode: number;
  /** Every server-side process: node(s) and redis-server. */
  pids(): number[];
  /** Node process pids only (not Redis). */
  nodePids(): number[];
  /** Each node's V8 inspector port, when it was started with one. */
  readonly inspectorPorts?: readonly number[];
  /** Sum of V8 heap used over the node processes, when the server exposes it. */
  heapUsedBytes(): Promise<number | undefined>;
  /** Server processes that died during the run, with their last output. */
  deaths(): string[];
  stop(): Promise<void>;
}

/** How to start a server under test. */
export interface StartOptions {
  /** Extra node flags for the server's node processes, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  readonly nodeFlags: readonly string[];
  /** Number of nodes for clustered servers. */
  readonly nodes: number;
  /** Extra environment for our gateway processes, e.g. WRITE_BATCH_MS (the peers ignore it). */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /** Raise the node processes' open-file limit to this (up to the hard limit) before they start. */
  readonly openFiles?: number;
  /** The gateway entry point to run (the `baseline` server's tree). */
  readonly gatewayMain?: string;
  /** Open each of our gateways' V8 inspector (the heap sampler drives it). */
  readonly inspect?: boolean;
}
