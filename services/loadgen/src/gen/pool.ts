import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Histogram } from 'hdr-histogram-js';
import { forkTracked, stopChild } from '../util/children.js';
import { cpuSeconds } from '../util/proc-stats.js';
import { REPO_ROOT } from '../util/paths.js';
import { mergeHistograms } from '../stats/histogram.js';
import { mergeCounts } from './counts.js';
import type { ClientSpec, Command, Counts, Reply } from './messages.js';

const GENERATOR = fileURLToPath(new URL('./generator.ts', import.meta.url));

/** How many clients of a request became ready, and the first errors of those that did not. */
export interface Opened {
  readonly ok: number;
  readonly failed: number;
  readonly firstErrors: string[];
}

function sumOpened(replies: readonly Reply[]): Opened {
  let ok = 0;
  let failed = 0;
  const firstErrors: string[] = [];
  for (const reply of replies) {
    if (reply.kind !== 'opened') continue;
    ok += reply.ok;
    failed += reply.failed;
    firstErrors.push(...reply.firstErrors);
  }
  return { ok, failed, firstErrors: firstErrors.slice(0, 5) };
}

interface Generator {
  readonly child: ChildProcess;
  pending: ((reply: Reply) => void) | undefined;
}

/** The harness side of the load-generator processes: one request at a time per generator. */
export class GeneratorPool {
  private constructor(private readonly generators: readonly Generator[]) {}

  /** Forks `count` generator processes. */
  static start(count: number): GeneratorPool {
    const generators = Array.from({ length: count }, (): Generator => {
      const child = forkTracked(GENERATOR, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const generator: Generator = { child, pending: undefined };
      child.on('message', (message: unknown) => {
        const resolve = generator.pending;
        generator.pending = undefined;
        resolve?.(message as Reply);
      });
      child.once('exit', (code, signal) => {
        const resolve = generator.pending;
        generator.pending = undefined;
        resolve?.({ kind: 'failed', error: `generator exited (${code ?? signal})` });
      });
      return generator;
    });
    return new GeneratorPool(generators);
  }

  get size(): number {
    return this.generators.length;
  }

  pids(): number[] {
    return this.generators.flatMap((generator) => (generator.child.pid === undefined ? [] : [generator.child.pid]));
  }

  /** CPU seconds the generator processes have used (to report what the load itself cost). */
  cpuSeconds(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private request(generator: Generator, command: Command): Promise<Reply> {
    if (generator.pending) throw new Error('generator busy');
    return new Promise((resolve) => {
      generator.pending = resolve;
      generator.child.send(command);
    });
  }

  private async requestAll(commands: readonly Command[]): Promise<Reply[]> {
    const replies = await Promise.all(this.generators.map((generator, i) => this.request(generator, commands[i] ?? commands[0] ?? { kind: 'counts' })));
    const failure = replies.find((reply) => reply.kind === 'failed');
    if (failure?.kind === 'failed') throw new Error(failure.error);
    return replies;
  }

  /** Opens clients; `perGenerator[i]` go to generator i. Returns how many are ready. */
  async open(perGenerator: readonly (readonly ClientSpec[])[], concurrency = 200): Promise<Opened> {
    return sumOpened(await this.requestAll(perGenerator.map((clients): Command => ({ kind: 'open', clients, concurrency }))));
  }

  /** Idle clients join their rooms. */
  async join(concurrency = 100): Promise<Opened> {
    return sumOpened(await this.requestAll([{ kind: 'join', concurrency }]));
  }

  /** Every sender sends one message now; returns how many were sent. */
  async burst(pad = ''): Promise<number> {
    const replies = await this.requestAll([{ kind: 'burst', pad }]);
    return replies.reduce((sum, reply) => sum + (reply.kind === 'ran' ? reply.sent : 0), 0);
  }

  /** Sends for `durationMs`; `ratesPerSec[i]` is generator i's aggregate rate. */
  async run(ratesPerSec: readonly number[], durationMs: number, pad = ''): Promise<{ sent: number; lagMs: number }> {
    const replies = await this.requestAll(ratesPerSec.map((ratePerSec): Command => ({ kind: 'run', ratePerSec, durationMs, pad })));
    let sent = 0;
    let lagMs = 0;
    for (const reply of replies) {
      if (reply.kind !== 'ran') continue;
      sent += reply.sent;
      lagMs = Math.max(lagMs, reply.lagMs);
    }
    return { sent, lagMs };
  }

  async counts(): Promise<Counts> {
    const replies = await this.requestAll([{ kind: 'counts' }]);
    return mergeCounts(replies.flatMap((reply) => (reply.kind === 'counts' ? [reply.counts] : [])));
  }

  /** Slow consumers read again; returns how many were still open. */
  async resumeSlow(): Promise<number> {
    const replies = await this.requestAll([{ kind: 'resume' }]);
    return replies.reduce((sum, reply) => sum + (reply.kind === 'resumed' ? reply.count : 0), 0);
  }

  /** Counters and merged latency histogram since the last report; resets them. */
  async report(): Promise<{ counts: Counts; histogram: Histogram }> {
    const replies = await this.requestAll([{ kind: 'report' }]);
    const reports = replies.flatMap((reply) => (reply.kind === 'report' ? [reply] : []));
    return { counts: mergeCounts(reports.map((reply) => reply.counts)), histogram: mergeHistograms(reports.map((reply) => reply.histogram)) };
  }

  /** Closes every client; the generator processes stay for the next `open`. */
  async closeClients(): Promise<void> {
    await this.requestAll([{ kind: 'close' }]);
  }

  /** Closes every client and stops the generator processes. */
  async stop(): Promise<void> {
    await Promise.all(
      this.generators.map(async (generator) => {
        if (generator.child.connected && !generator.pending) {
          await Promise.race([this.request(generator, { kind: 'close' }), new Promise((resolve) => setTimeout(resolve, 5000))]);
        }
        await stopChild(generator.child, 2000);
      }),
    );
  }
}
