import { WebSocket, type RawData } from 'ws';

/** Which allocations a sample keeps: every one, or only those that outlived a scavenge (promoted). */
export type HeapSampleMode = 'all' | 'promoted';

/** V8's sampling heap profile (the `.heapprofile` Chrome DevTools opens). */
interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}
export interface SamplingHeapProfile {
  readonly head: SamplingNode;
}

/** One allocation site of a profile, by bytes sampled. */
export interface AllocationSite {
  readonly site: string;
  readonly bytes: number;
}

const SAMPLING_INTERVAL_BYTES = 32 * 1024;

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/**
 * V8's allocation sampler of one node process, driven over its inspector (`--inspect=<port>`)
 * while a benchmark measures: what the process allocates, or with `promoted` only what survived a
 * scavenge, by allocation site.
 */
export class HeapSampler {
  private nextId = 1;
  private mode: HeapSampleMode = 'all';
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: RawData) => this.onMessage(textOf(data)));
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new Error('inspector closed'));
      this.pending.clear();
    });
  }

  static async open(inspectorPort: number): Promise<HeapSampler> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new HeapSampler(socket);
  }

  async start(mode: HeapSampleMode): Promise<void> {
    this.mode = mode;
    await this.call('HeapProfiler.enable');
    await this.call('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL_BYTES,
      includeObjectsCollectedByMinorGC: mode === 'all',
      includeObjectsCollectedByMajorGC: true,
    });
  }

  /**
   * With `promoted`, a scavenge first (the process runs with `--expose-gc`): what was allocated
   * since the last one and is already dead would otherwise count as surviving, up to a whole
   * young generation of it.
   */
  async stop(): Promise<SamplingHeapProfile> {
    if (this.mode === 'promoted') {
      const { result } = (await this.call('Runtime.evaluate', { expression: "typeof gc === 'function' ? (gc({ type: 'minor' }), 'scavenged') : 'no gc'" })) as { result: { value?: string } };
      if (result.value !== 'scavenged') throw new Error('--heap-sample=promoted needs the process started with --expose-gc');
    }
    const { profile } = (await this.call('HeapProfiler.stopSampling')) as { profile: SamplingHeapProfile };
    return profile;
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!waiting || message.id === undefined) return;
    this.pending.delete(message.id);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  }
}

/** The sites that allocated most, as `function (file:line)`, with their share of the sampled bytes. */
export function topAllocationSites(profile: SamplingHeapProfile, count: number): { readonly sampledBytes: number; readonly sites: AllocationSite[] } {
  const bySite = new Map<string, number>();
  let sampledBytes = 0;
  const visit = (node: SamplingNode): void => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|services)\//, '$1/');
      const site = `${functionName || '(anonymous)'} (${file || 'native'}:${lineNumber + 1})`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      sampledBytes += node.selfSize;
    }
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  const sites = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([site, bytes]) => ({ site, bytes }));
  return { sampledBytes, sites };
}
