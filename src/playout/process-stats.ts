import { readFileSync } from 'node:fs';

/** CPU and memory of one process, read from Linux's /proc (null elsewhere or once it is gone). */
interface ProcessStats {
  pid: number;
  /** User + system CPU time since the process started. */
  cpuSeconds: number;
  /** Resident memory. */
  rssBytes: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node runs on

export function readProcessStats(pid: number | undefined): ProcessStats | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields we need follow its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { pid, cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/**
 * CPU use as a share of one core, between two looks at the same processes. Remembers the last
 * sample per key, so each status request reports the load since the previous one.
 */
export class CpuMeter {
  private readonly last = new Map<string, { cpuSeconds: number; atMs: number }>();

  percent(key: string, cpuSeconds: number, nowMs = Date.now()): number | null {
    const previous = this.last.get(key);
    this.last.set(key, { cpuSeconds, atMs: nowMs });
    if (!previous || nowMs - previous.atMs < 200 || cpuSeconds < previous.cpuSeconds) return null;
    return Math.round(((cpuSeconds - previous.cpuSeconds) / ((nowMs - previous.atMs) / 1000)) * 1000) / 10;
  }
}
