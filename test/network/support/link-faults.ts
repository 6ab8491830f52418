import { execFileSync, spawnSync } from 'node:child_process';

/** Every rule this test bed adds carries a comment `chatnet-<pid>-…`, so leftovers can be found. */
const TAG_PREFIX = 'chatnet-';

/** One end of a TCP link on loopback: a listening address and port. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

function iptables(args: readonly string[]): void {
  // -w: wait for the xtables lock; other suites may change rules at the same moment.
  execFileSync('iptables', ['-w', '5', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Throws, loudly, when iptables is missing: the network suites never skip. */
export function requireIptables(): void {
  const probe = spawnSync('iptables', ['-w', '5', '-S', 'INPUT'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`iptables is not usable (${probe.error?.message ?? probe.stderr.trim()}): run \`bash scripts/install-system-deps.sh\` as root`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes rules left by test processes that died before their cleanup ran (never a live one's). */
export function removeLeftoverRules(): number {
  const listing = execFileSync('iptables', ['-w', '5', '-S', 'INPUT'], { encoding: 'utf8' });
  let removed = 0;
  for (const line of listing.split('\n')) {
    const tag = /--comment "?(chatnet-(\d+)-[\w.-]+)"?/.exec(line);
    if (!tag || pidAlive(Number(tag[2]))) continue;
    iptables(line.replace(/^-A /, '-D ').split(' ').map((word) => word.replace(/^"|"$/g, '')));
    removed++;
  }
  return removed;
}

/**
 * Silent failures of one loopback link, made with iptables DROP rules (no reset is ever sent, so
 * both ends see nothing until their own timeouts fire). Every rule is removed by `healAll`, and by
 * `removeLeftoverRules` in a later run if this process died first.
 */
export class LinkFaults {
  private readonly rules = new Map<string, string[][]>();
  private counter = 0;

  /** Drops every packet to and from `endpoint` (both directions of all its connections). */
  cut(endpoint: Endpoint): string {
    return this.add(endpoint, []);
  }

  /** Drops each packet to or from `endpoint` with probability `ratio` (0.01 = 1 % loss). */
  lossy(endpoint: Endpoint, ratio: number): string {
    return this.add(endpoint, ['-m', 'statistic', '--mode', 'random', '--probability', String(ratio)]);
  }

  /** Packets dropped so far by the rules of `id` (iptables counters). */
  dropped(id: string): number {
    const listing = execFileSync('iptables', ['-w', '5', '-S', 'INPUT', '-v'], { encoding: 'utf8' });
    let packets = 0;
    for (const line of listing.split('\n')) {
      const counters = new RegExp(`--comment "?${id}"? -c (\\d+) `).exec(line);
      if (counters) packets += Number(counters[1]);
    }
    return packets;
  }

  heal(id: string): void {
    const rules = this.rules.get(id);
    this.rules.delete(id);
    for (const rule of rules ?? []) iptables(['-D', ...rule]);
  }

  healAll(): void {
    for (const id of [...this.rules.keys()]) this.heal(id);
  }

  private add(endpoint: Endpoint, match: readonly string[]): string {
    const id = `${TAG_PREFIX}${process.pid}-${++this.counter}`;
    const comment = ['-m', 'comment', '--comment', id, '-j', 'DROP'];
    const rules = [
      ['INPUT', '-d', `${endpoint.host}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', String(endpoint.port), ...match, ...comment],
      ['INPUT', '-s', `${endpoint.host}/32`, '-p', 'tcp', '-m', 'tcp', '--sport', String(endpoint.port), ...match, ...comment],
    ];
    this.rules.set(id, []);
    for (const rule of rules) {
      iptables(['-A', ...rule]);
      this.rules.get(id)?.push(rule);
    }
    return id;
  }
}
