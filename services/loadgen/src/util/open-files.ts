import { readFileSync } from 'node:fs';

/** This process's open-file limits (children inherit them), from /proc/self/limits. */
export function openFileLimits(): { soft: number; hard: number } {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const value = (text: string | undefined): number => (text === undefined || text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text));
  return { soft: value(match?.[1]), hard: value(match?.[2]) };
}

/**
 * A command line that raises the open-file limit to `wanted` before exec'ing `command` (same pid):
 * the soft limit up to the hard one always works; past the hard one needs CAP_SYS_RESOURCE, and
 * when that is refused the process runs at the hard limit.
 */
export function withOpenFiles(wanted: number, command: string, args: readonly string[]): { command: string; args: string[] } {
  const script = `ulimit -Hn ${wanted} 2>/dev/null; ulimit -Sn ${wanted} 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"; exec "$0" "$@"`;
  return { command: '/bin/sh', args: ['-c', script, command, ...args] };
}

/** The open-file limit a child started through `withOpenFiles(wanted, …)` ends up with. */
export function reachableOpenFiles(wanted: number): number {
  const { hard } = openFileLimits();
  // Raising the hard limit is tried; when this process cannot, neither can its children.
  return Math.min(wanted, canRaiseHard() ? wanted : hard);
}

let raisable: boolean | undefined;
function canRaiseHard(): boolean {
  if (raisable === undefined) {
    const status = readFileSync('/proc/self/status', 'utf8');
    const effective = /^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
    const CAP_SYS_RESOURCE = 24n;
    raisable = ((BigInt(`0x${effective}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
  }
  return raisable;
}
