import { readFileSync } from 'node:fs';

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0; // the process is gone; its death is reported separately
  }
  // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** Resident set size in bytes, from /proc/<pid>/status VmRSS. */
export function rssBytes(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : 0;
}

/** Sum of CPU seconds over a set of processes. */
export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Sum of RSS bytes over a set of processes. */
export function totalRssBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
}

/** Write-family syscalls (write, writev, send…) a process has made, from /proc/<pid>/io; 0 when unreadable. */
export function writeSyscalls(pid: number): number {
  try {
    const match = /^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of write syscalls over a set of processes. */
export function totalWriteSyscalls(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + writeSyscalls(pid), 0);
}
