import type { Logger } from '../logging/logger.js';
import type { MediaCache } from './media-cache.js';

export interface CacheSpaceFloorOptions {
  cache: Pick<MediaCache, 'freeSpace'>;
  /** The folder on the cache's disk (the data folder). */
  dir: string;
  /** `cache.min_free_gb` in bytes. */
  minFreeBytes: number;
  /** Free bytes on the disk holding `dir` (src/disk/data-disk.ts diskSpace). */
  space: (dir: string) => Promise<{ freeBytes: number }>;
  /** Keys of the cache entries airing now or in the next minutes on any channel: never evicted. */
  protectedKeys: () => Promise<ReadonlySet<string>>;
  log: Logger;
}

/**
 * The cache's free-space floor (issue 23): the cache shares the data disk with the channels'
 * segments and the database, so it must give way before the disk fills. Checked before every
 * fill job writes and every 30 s: below the floor, least recently aired entries are evicted
 * (never one airing now or next); if the disk is still below it, the fill queue pauses
 * (`paused` says why, in health and the monitor) instead of filling the disk.
 */
export class CacheSpaceFloor {
  /** Why the fill is paused, or null while there is room. */
  paused: string | null = null;
  evicted = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<boolean> | undefined;

  constructor(private readonly options: CacheSpaceFloorOptions) {}

  /** True when the disk has at least the floor free (after evicting what may go). */
  makeRoom(): Promise<boolean> {
    // One check at a time: the timer and a fill job asking together share it.
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  start(everyMs = 30_000): void {
    void this.makeRoom();
    this.timer ??= setInterval(() => void this.makeRoom(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<boolean> {
    const { minFreeBytes, log } = this.options;
    try {
      const before = (await this.options.space(this.options.dir)).freeBytes;
      if (before >= minFreeBytes) return this.resume(before);
      const result = await this.options.cache.freeSpace(minFreeBytes - before, await this.options.protectedKeys());
      this.evicted += result.evicted;
      const after = (await this.options.space(this.options.dir)).freeBytes;
      if (result.evicted > 0) log.info({ evicted: result.evicted, freedBytes: result.freedBytes, freeBytes: after, minFreeBytes }, 'media cache: evicted least recently aired entries to keep cache.min_free_gb free');
      if (after >= minFreeBytes) return this.resume(after);
      const reason = `media cache fill paused: ${(after / 1e6).toFixed(0)} MB free in ${this.options.dir}, below cache.min_free_gb (${(minFreeBytes / 1e9).toFixed(1)} GB), and what is left airs soon`;
      if (this.paused === null) log.warn({ freeBytes: after, minFreeBytes }, reason);
      this.paused = reason;
      return false;
    } catch (error) {
      log.warn({ err: error }, 'media cache: cannot check the free space of its disk');
      return this.paused === null;
    }
  }

  private resume(freeBytes: number): boolean {
    if (this.paused !== null) this.options.log.info({ freeBytes }, 'media cache fill resumed: free space is above cache.min_free_gb again');
    this.paused = null;
    return true;
  }
}
