import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePortWithBus } from './free-port.js';
import { RedisProcess, type RedisProcessOptions } from './redis-process.js';

/** `count` distinct free ports, each with its bus port (+10000) free too. */
export async function freePortsWithBus(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePortWithBus();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * The Redis processes of one topology (a Redis Cluster, a primary with Sentinels): one temp dir
 * for their files, one lazily opened client per port, and one stop for everything.
 */
export class RedisGroup {
  readonly dir: string;
  private readonly processes = new Map<number, RedisProcess>();
  private readonly clients = new Map<number, Redis>();

  constructor(name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `chat-${name}-`));
  }

  /** Adds a process on `port` whose files live in the group's dir; it is not started yet. */
  add(port: number, options: Omit<RedisProcessOptions, 'port' | 'cwd'> = {}): RedisProcess {
    const member = new RedisProcess({ ...options, port, args: [...(options.command === 'redis-sentinel' ? [] : ['--dir', this.dir]), ...(options.args ?? [])], cwd: this.dir });
    this.processes.set(port, member);
    return member;
  }

  /** Starts the processes on `ports` together; resolves once each answers PING. */
  async start(ports: readonly number[]): Promise<void> {
    await Promise.all(ports.map((port) => this.process(port).start()));
  }

  /** Ports whose process runs now, in the order they were added. */
  running(): number[] {
    return [...this.processes].filter(([, member]) => member.running).map(([port]) => port);
  }

  /** A plain connection to the process on `port`, opened once and closed by kill() or stop(). */
  client(port: number): Redis {
    let existing = this.clients.get(port);
    if (!existing) {
      existing = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      existing.on('error', () => undefined);
      this.clients.set(port, existing);
    }
    return existing;
  }

  /** SIGKILL: no persistence, so the process's data is gone. */
  async kill(port: number): Promise<void> {
    this.clients.get(port)?.disconnect();
    this.clients.delete(port);
    await this.processes.get(port)?.kill();
  }

  /** Starts a killed process again on its port. */
  async restart(port: number): Promise<void> {
    await this.process(port).start();
  }

  async stop(): Promise<void> {
    for (const connection of this.clients.values()) connection.disconnect();
    this.clients.clear();
    await Promise.all([...this.processes.values()].map((member) => member.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private process(port: number): RedisProcess {
    const member = this.processes.get(port);
    if (!member) throw new Error(`no Redis process on port ${port} in this group`);
    return member;
  }
}
