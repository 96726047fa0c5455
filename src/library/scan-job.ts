import type { ScanProgress, ScanSummary } from './scanner.js';

export type ScanState = 'idle' | 'running' | 'done' | 'failed';

/** What `GET /api/library/scan` answers: the running scan's progress, or the last one's result. */
export interface ScanStatus {
  state: ScanState;
  startedAt: string | null;
  finishedAt: string | null;
  /** Files probed so far and files to probe (unchanged files are not probed, so not counted). */
  processed: number;
  total: number;
  /** Files found on disk so far (known once the folders have been walked). */
  found: number;
  currentFile: string | null;
  /** The finished scan's counts (added, updated, unchanged, missing, unplayable…). */
  summary: ScanSummary | null;
  error: string | null;
}

/** A second scan asked for while one runs. */
export class ScanRunningError extends Error {
  constructor() {
    super('a library scan is already running; follow it with GET /api/library/scan');
    this.name = 'ScanRunningError';
  }
}

/**
 * One library scan at a time, started on request (the control room's Rescan button) and
 * followed by polling `status()`. `run` is the server's own scan of its library folders (the
 * one it runs at start), given the progress callback.
 */
export class LibraryScanJob {
  private current: ScanStatus = { state: 'idle', startedAt: null, finishedAt: null, processed: 0, total: 0, found: 0, currentFile: null, summary: null, error: null };
  private running: Promise<void> | undefined;

  constructor(
    private readonly run: (onProgress: (progress: ScanProgress) => void) => Promise<ScanSummary>,
    private readonly now: () => number = Date.now,
  ) {}

  status(): ScanStatus {
    return { ...this.current };
  }

  /** Starts a scan; throws ScanRunningError while one runs. Resolves at once with the new status. */
  start(): ScanStatus {
    if (this.current.state === 'running') throw new ScanRunningError();
    this.current = { state: 'running', startedAt: new Date(this.now()).toISOString(), finishedAt: null, processed: 0, total: 0, found: 0, currentFile: null, summary: null, error: null };
    const onProgress = (progress: ScanProgress) => {
      this.current = { ...this.current, processed: progress.probed, total: progress.toProbe, found: progress.found, currentFile: progress.currentFile ?? this.current.currentFile };
    };
    this.running = (async () => {
      try {
        const summary = await this.run(onProgress);
        this.current = { ...this.current, state: 'done', finishedAt: new Date(this.now()).toISOString(), processed: summary.probed, total: summary.probed, found: summary.found, currentFile: null, summary };
      } catch (error) {
        this.current = { ...this.current, state: 'failed', finishedAt: new Date(this.now()).toISOString(), currentFile: null, error: (error as Error).message };
      }
    })();
    return this.status();
  }

  /** Resolves when the running scan (if any) has finished. */
  async settled(): Promise<void> {
    await this.running;
  }
}

/**
 * Starts a scan now, or, when one is running (it may have walked the folders already), one more
 * right after it: a folder just added is in the library a moment later either way.
 */
export function rescanSoon(scanJob: LibraryScanJob): ScanStatus {
  try {
    return scanJob.start();
  } catch (error) {
    if (!(error instanceof ScanRunningError)) throw error;
    void scanJob.settled().then(() => {
      try {
        scanJob.start();
      } catch {
        // Another caller started one meanwhile: it walks the folders as they are now.
      }
    });
    return scanJob.status();
  }
}
