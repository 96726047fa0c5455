import { statfs } from 'node:fs/promises';
import type { Logger } from '../logging/logger.js';
import { isDiskFull, WriteErrorLog, type WriteErrorRecord, type WriteErrorSummary } from './write-errors.js';

/** Free and total bytes of the file system holding a folder (for the unprivileged user: `bavail`). */
export async function diskSpace(dir: string): Promise<{ freeBytes: number; totalBytes: number }> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** Below this many bytes free the data disk counts as full (a segment no longer fits). */
export const FULL_BELOW_BYTES = 32 * 1024 * 1024;

export interface DataDiskOptions {
  /** `data_dir`: segments, the cache, the database. */
  dataDir: string;
  /** `cache.min_free_gb` in bytes: below it the disk is "low" and the cache evicts. */
  minFreeBytes: number;
  /** Every channel run's own write errors (its segments), read afresh each time. */
  channelErrors: () => Iterable<{ channel: number; errors: WriteErrorLog }>;
  log: Logger;
  /** Test hook. */
  space?: (dir: string) => Promise<{ freeBytes: number; totalBytes: number }>;
}

/** What `/api/health` shows as `disk` (the /metrics exporter reads the same names). */
export interface DataDiskSummary {
  dataDir: string;
  freeBytes: number | null;
  totalBytes: number | null;
  minFreeBytes: number;
  /** Below `cache.min_free_gb`. */
  low: boolean;
  /** Writes fail for lack of room now (or less than FULL_BELOW_BYTES left). */
  full: boolean;
  /** Writes fail now for another reason than room (EIO, EROFS, SQLITE_IOERR…): its code. */
  failing: string | null;
  /** Every write error since start: segments of all channels, the cache, the database. */
  writeErrors: number;
  lastWriteError: (WriteErrorRecord & { where: string }) | null;
}

/**
 * The data disk as the operator sees it (issue 23): its free space (checked every few seconds,
 * not per request), the write errors of every part that writes to it, and the server-wide
 * warnings the monitor shows and the notifier pages. Parts that are not a channel (the media
 * cache, the database) report their errors here (`report`); a channel keeps its own log
 * (ChannelSession.writeErrors) and is read through `channelErrors`.
 */
export class DataDisk {
  /** The cache's, the database's and other server-wide writes. */
  readonly serverErrors = new WriteErrorLog();
  private space: { freeBytes: number; totalBytes: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWhere = 'server';

  constructor(private readonly options: DataDiskOptions) {}

  get dataDir(): string {
    return this.options.dataDir;
  }

  get minFreeBytes(): number {
    return this.options.minFreeBytes;
  }

  /** Reads the free space now (and every `everyMs` after `start`). */
  async refresh(): Promise<{ freeBytes: number; totalBytes: number } | undefined> {
    try {
      this.space = await (this.options.space ?? diskSpace)(this.options.dataDir);
    } catch (error) {
      this.options.log.warn({ err: error, dir: this.options.dataDir }, 'cannot read the free space of the data disk');
    }
    return this.space;
  }

  start(everyMs = 5000): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A server-wide write failed (`where`: "media cache", "database"…): counted and logged once
   * per episode; `ok` ends the episode with a "recovered" line.
   */
  report(where: string, folder: string, error: unknown): void {
    this.lastWhere = where;
    const begins = this.serverErrors.failed(error, folder);
    if (begins) this.options.log.error({ code: begins.code, folder, where }, `${where}: ${begins.message}`);
  }

  ok(where: string): void {
    if (this.lastWhere !== where) return;
    const ended = this.serverErrors.succeeded();
    if (ended) this.options.log.info({ where, since: ended.at }, `${where}: recovered, writes succeed again`);
  }

  summary(): DataDiskSummary {
    let count = this.serverErrors.summary().count;
    let last: DataDiskSummary['lastWriteError'] = this.withWhere(this.serverErrors.summary(), this.lastWhere);
    const active = [this.serverErrors.active];
    for (const { channel, errors } of this.options.channelErrors()) {
      const s = errors.summary();
      count += s.count;
      if (s.last && (!last || s.last.at > last.at)) last = this.withWhere(s, `channel ${channel}`);
      active.push(errors.active);
    }
    const free = this.space?.freeBytes ?? null;
    return {
      dataDir: this.options.dataDir,
      freeBytes: free,
      totalBytes: this.space?.totalBytes ?? null,
      minFreeBytes: this.options.minFreeBytes,
      low: free !== null && free < this.options.minFreeBytes,
      full: active.some((a) => a !== null && isDiskFull(a.code)) || (free !== null && free < FULL_BELOW_BYTES),
      failing: active.find((a) => a !== null && !isDiskFull(a.code))?.code ?? null,
      writeErrors: count,
      lastWriteError: last,
    };
  }

  private withWhere(summary: WriteErrorSummary, where: string): DataDiskSummary['lastWriteError'] {
    return summary.last ? { ...summary.last, where } : null;
  }

  /** The server-wide warnings of the monitor (and the notifier), in words; empty when all is well. */
  warnings(summary = this.summary()): string[] {
    const mb = summary.freeBytes === null ? '?' : (summary.freeBytes / 1e6).toFixed(0);
    if (summary.failing) return [`data disk failing: writes fail with ${summary.failing} in ${summary.dataDir}`];
    if (summary.full) return [`data disk full: segments cannot be written (${mb} MB free in ${summary.dataDir})`];
    if (summary.low) return [`data disk low: ${mb} MB free in ${summary.dataDir}, below cache.min_free_gb (${(summary.minFreeBytes / 1e9).toFixed(1)} GB)`];
    return [];
  }
}
