import { isDiskError } from '../disk/write-errors.js';
import type { Logger } from '../logging/logger.js';
import type { AiringKind } from '../timeline/types.js';
import { entryProfileKey, type FillRequest, type MediaCache } from './media-cache.js';

/** One airing the fill queue may cache: what file, when it first airs, and how it must look. */
export interface UpcomingAiring extends FillRequest {
  kind: AiringKind;
  startMs: number;
}

/** Short items that air over and over: cached first (the most encodes saved per byte). */
const REPEATERS: ReadonlySet<AiringKind> = new Set(['commercial', 'bumper', 'station_id', 'promo']);

/**
 * The fill order: each (file, profile) once, commercials, bumpers, station IDs and promos
 * first, then everything else, each group soonest first. Slates and alerts are never cached.
 */
export function orderFillJobs(airings: UpcomingAiring[], profileKeyOf: (a: UpcomingAiring) => string): UpcomingAiring[] {
  const first = new Map<string, UpcomingAiring>();
  for (const airing of airings) {
    if (airing.kind === 'slate' || airing.kind === 'alert' || !airing.path) continue;
    const key = `${airing.path}\0${profileKeyOf(airing)}`;
    const seen = first.get(key);
    if (!seen || airing.startMs < seen.startMs) first.set(key, airing);
  }
  const rank = (a: UpcomingAiring): number => (REPEATERS.has(a.kind) ? 0 : 1);
  return [...first.values()].sort((a, b) => rank(a) - rank(b) || a.startMs - b.startMs || a.path.localeCompare(b.path));
}

export interface FillQueueOptions {
  cache: MediaCache;
  /** What the timelines air in the fill horizon (read afresh every pass). */
  upcoming: () => UpcomingAiring[] | Promise<UpcomingAiring[]>;
  /** False while any live channel is behind real time: filling then waits. */
  mayRun: () => boolean;
  log: Logger;
  /** Pause between passes and while waiting for live channels (ms). */
  idleMs?: number;
  /**
   * Asked before every fill writes: false while the disk is below `cache.min_free_gb` after
   * evicting (src/cache/space-floor.ts); the queue then waits instead of filling the disk.
   */
  makeRoom?: () => Promise<boolean>;
  /** A fill failed for the disk's sake (full, failing) / a fill wrote whole: the data disk's report (src/disk). */
  onWriteError?: (error: unknown) => void;
  onWriteOk?: () => void;
}

/**
 * Fills ahead of air in the background: one fill at a time (ffmpeg at nice 19), never while a
 * live channel is behind real time, in orderFillJobs' order. A file that fails to fill is not
 * tried again until the next pass.
 */
export class FillQueue {
  private stopped = true;
  private pending: UpcomingAiring[] = [];
  private timer: NodeJS.Timeout | undefined;
  current: string | undefined;
  filled = 0;
  failed = 0;
  /** Average fill speed (seconds of media per second of work), for the ETA. */
  private mediaSeconds = 0;
  private workSeconds = 0;

  constructor(private readonly options: FillQueueOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  get depth(): number {
    return this.pending.length + (this.current ? 1 : 0);
  }

  /** Seconds until the queue is empty at the speed seen so far (undefined before the first fill). */
  get etaSeconds(): number | undefined {
    if (this.mediaSeconds === 0) return undefined;
    const left = this.pending.reduce((sum, job) => sum + job.durationSeconds, 0);
    return Math.round((left * this.workSeconds) / this.mediaSeconds);
  }

  summary() {
    return { depth: this.depth, current: this.current ?? null, filled: this.filled, failed: this.failed, etaSeconds: this.etaSeconds ?? null };
  }

  private wake: (() => void) | undefined;

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
      this.wake = resolve;
    });
  }

  private async loop(): Promise<void> {
    const idle = this.options.idleMs ?? 30_000;
    while (!this.stopped) {
      const { cache } = this.options;
      // Variants (a channel's bug burned in) are entries of their own.
      const ordered = orderFillJobs(await this.options.upcoming(), entryProfileKey);
      this.pending = [];
      for (const job of ordered) if (!(await cache.lookup(job.path, entryProfileKey(job)))) this.pending.push(job);
      while (!this.stopped && this.pending.length > 0) {
        if (!this.options.mayRun() || (this.options.makeRoom && !(await this.options.makeRoom()))) {
          await this.sleep(Math.min(idle, 5000));
          continue;
        }
        const job = this.pending.shift()!;
        this.current = job.path;
        const started = Date.now();
        try {
          await cache.fill(job);
          this.filled += 1;
          this.mediaSeconds += job.durationSeconds;
          this.workSeconds += (Date.now() - started) / 1000;
          this.options.onWriteOk?.();
        } catch (error) {
          this.failed += 1;
          if (isDiskError(error)) {
            // A full or failing disk: reported once per episode by the data disk, not per file.
            this.options.onWriteError?.(error);
          } else this.options.log.warn({ err: error, file: job.path }, 'media cache: fill failed');
        } finally {
          this.current = undefined;
        }
      }
      if (!this.stopped) await this.sleep(idle);
    }
  }
}
