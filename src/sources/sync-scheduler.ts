import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { MediaServerClient, SourceConnection } from './media-server.js';
import type { SourceStore } from './source-store.js';
import { syncSource, type LibraryProgress, type SyncSummary } from './sync.js';

/** A sync's progress as the API shows it (`GET /api/library/sources/{key}/sync`). */
export interface SyncProgress {
  state: 'idle' | 'running' | 'ok' | 'failed';
  full: boolean;
  started_at: string | null;
  finished_at: string | null;
  libraries: LibraryProgress[];
  added: number;
  updated: number;
  re_resolved: number;
  missing: number;
  error: string | null;
}

const IDLE: SyncProgress = { state: 'idle', full: false, started_at: null, finished_at: null, libraries: [], added: 0, updated: 0, re_resolved: 0, missing: 0, error: null };

export interface SourceSyncsOptions {
  db: Database;
  store: SourceStore;
  clientFor: (connection: SourceConnection) => MediaServerClient;
  log: Logger;
  /** Told after a sync that changed the library (loops then play the new library). */
  libraryChanged?: () => void | Promise<void>;
  now?: () => number;
  /** How often the schedule looks for due sources. */
  tickMs?: number;
  /** A full pass (removals found) at least this often; the syncs between ask only what changed. */
  fullEveryMs?: number;
  /** After a failed sync, the next try comes at most this soon (not a whole interval later). */
  retryAfterFailureMs?: number;
}

/**
 * The syncs of every source: on demand (the API), and on each source's schedule
 * (`sync_interval_minutes`, default 6 h). One sync per source at a time, never two of the same
 * source overlapping; different sources sync side by side. A failed sync is recorded
 * (last_sync_status, last_sync_error) and changes nothing already imported (src/sources/sync.ts).
 */
export class SourceSyncs {
  private readonly progress = new Map<string, SyncProgress>();
  private readonly running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  private readonly lastFullMs = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SourceSyncsOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  status(key: string): SyncProgress {
    const progress = this.progress.get(key);
    return progress ? structuredClone(progress) : { ...IDLE, libraries: [] };
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /**
   * Starts a sync of the source now unless one runs (then that one's progress is the answer).
   * `full`: list everything and mark what the server no longer has.
   */
  start(key: string, options: { full?: boolean } = {}): SyncProgress {
    if (this.running.has(key) || this.stopped) return this.status(key);
    const source = this.options.store.get(key);
    if (!source) throw new Error(`no source ${key}`);
    const lastFull = this.lastFullMs.get(key);
    const full = options.full === true || lastFull === undefined || this.now() - lastFull >= (this.options.fullEveryMs ?? 24 * 3600_000);
    const startedAt = new Date(this.now()).toISOString();
    this.progress.set(key, { ...IDLE, state: 'running', full, started_at: startedAt, libraries: source.libraries.map((id) => ({ id, name: null, done: 0, total: null })) });
    const abort = new AbortController();
    this.options.store.syncStarted(source, startedAt);
    const log = this.options.log.child({ source: key });
    const promise = (async () => {
      let summary: SyncSummary | undefined;
      try {
        const client = this.options.clientFor(this.options.store.connectionOf(source));
        summary = await syncSource({
          db: this.options.db,
          source,
          client,
          full,
          signal: abort.signal,
          onProgress: (libraries) => {
            const current = this.progress.get(key);
            if (current) this.progress.set(key, { ...current, libraries });
          },
          now: () => this.now(),
        });
        if (summary.full) this.lastFullMs.set(key, this.now());
        this.options.store.syncFinished(source, { ok: true, cursorMs: summary.cursorMs, info: summary.info }, new Date(this.now()).toISOString());
        const done = summary;
        this.progress.set(key, { ...this.progress.get(key)!, state: 'ok', full: done.full, finished_at: new Date(this.now()).toISOString(), added: done.added, updated: done.updated, re_resolved: done.reResolved, missing: done.missing });
        log.info({ full: done.full, added: done.added, updated: done.updated, reResolved: done.reResolved, missing: done.missing }, 'media server synced');
      } catch (error) {
        const message = (error as Error).message || String(error);
        this.options.store.syncFinished(source, { ok: false, error: message }, new Date(this.now()).toISOString());
        this.progress.set(key, { ...this.progress.get(key)!, state: 'failed', finished_at: new Date(this.now()).toISOString(), error: message });
        log.warn({ error: message }, 'media server sync failed: nothing already imported was changed');
      } finally {
        this.running.delete(key);
      }
      if (summary && (summary.added > 0 || summary.missing > 0 || summary.reResolved > 0)) {
        try {
          await this.options.libraryChanged?.();
        } catch (error) {
          log.warn({ err: error }, 'the library changed but the channels could not be told');
        }
      }
    })();
    this.running.set(key, { promise, abort });
    return this.status(key);
  }

  /** Resolves when the source's running sync (if any) has finished. */
  async settled(key: string): Promise<void> {
    await this.running.get(key)?.promise;
  }

  /** Stops the source's running sync (the source is being removed). */
  async cancel(key: string): Promise<void> {
    const run = this.running.get(key);
    if (!run) return;
    run.abort.abort();
    await run.promise;
  }

  forget(key: string): void {
    this.progress.delete(key);
    this.lastFullMs.delete(key);
  }

  /** The sources whose interval has passed since their last sync started. */
  due(): string[] {
    const now = this.now();
    return this.options.store
      .list()
      .filter((source) => {
        if (this.running.has(source.key) || source.libraries.length === 0) return false;
        if (!source.lastSyncStartedAt) return true;
        const interval = source.syncIntervalMinutes * 60_000;
        const wait = source.lastSyncStatus === 'failed' ? Math.min(interval, this.options.retryAfterFailureMs ?? 30 * 60_000) : interval;
        return now - Date.parse(source.lastSyncStartedAt) >= wait;
      })
      .map((source) => source.key);
  }

  /** Starts the schedule: due sources are synced now and then whenever their interval passes. */
  startSchedule(): void {
    this.options.store.markInterruptedSyncs();
    const tick = () => {
      if (this.stopped) return;
      for (const key of this.due()) this.start(key);
    };
    tick();
    this.timer = setInterval(tick, this.options.tickMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const runs = [...this.running.values()];
    for (const run of runs) run.abort.abort();
    await Promise.allSettled(runs.map((run) => run.promise));
  }
}
