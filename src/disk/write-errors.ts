/**
 * Write errors on the data disk (issue 23): a full disk (ENOSPC, EDQUOT, SQLITE_FULL), a
 * read-only or failing one (EROFS, EIO, SQLITE_IOERR…), or any other error of a write. Each
 * part of the server that writes (a channel's segments, the media cache, the database) keeps
 * a WriteErrorLog: it counts the errors, remembers the last one, and tells its owner when an
 * EPISODE begins (the first error after a success) and ends (the first success after errors),
 * so the log gets one line when the disk fills and one when it recovers, not one per segment.
 */

/** Error codes that mean "no room": the disk (or the user's quota, or SQLite's file) is full. */
const FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** The code of a write error (`ENOSPC`, `SQLITE_FULL`, …), or `EWRITE` when it has none. */
export function writeErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  // ffmpeg (a cache fill) reports a full disk only in words.
  if (/no space left on device/i.test(String((error as Error | null)?.message ?? error))) return 'ENOSPC';
  return 'EWRITE';
}

/** True when the error means the disk is full (rather than failing or read-only). */
export function isDiskFull(code: string): boolean {
  return FULL_CODES.has(code);
}

/** True for errors that are the disk's doing (full, read-only, I/O, quota), not a bug of ours. */
export function isDiskError(error: unknown): boolean {
  const code = writeErrorCode(error);
  return isDiskFull(code) || code === 'EIO' || code === 'EROFS' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY';
}

export interface WriteErrorRecord {
  code: string;
  message: string;
  /** ISO time of the error. */
  at: string;
}

/** What status and health show (`writeErrors`); the /metrics exporter reads the same names. */
export interface WriteErrorSummary {
  count: number;
  last: WriteErrorRecord | null;
}

export class WriteErrorLog {
  private count = 0;
  private last: WriteErrorRecord | null = null;
  /** The error of the episode under way (cleared by the next successful write). */
  private current: WriteErrorRecord | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A write into `folder` failed. Returns the record when this error begins an episode (the
   * owner logs it once), undefined while the episode goes on.
   */
  failed(error: unknown, folder: string): WriteErrorRecord | undefined {
    const code = writeErrorCode(error);
    const reason = isDiskFull(code) ? 'disk full' : `write error ${code}`;
    const detail = String((error as Error | null)?.message ?? error);
    const record = { code, message: `${reason}: cannot write to ${folder} (${detail})`, at: new Date(this.now()).toISOString() };
    this.count += 1;
    this.last = record;
    const starts = this.current === null;
    // The episode is dated by its first error (a success must start after it to end it).
    if (starts) this.current = record;
    return starts ? record : undefined;
  }

  /**
   * A write succeeded. Returns the episode's error when this success ends one (the owner logs
   * "recovered"). `startedAtMs`: when the write began; one begun before the episode's first
   * error (still in flight when the disk filled) proves nothing and ends nothing.
   */
  succeeded(startedAtMs?: number): WriteErrorRecord | undefined {
    if (this.current && startedAtMs !== undefined && startedAtMs < Date.parse(this.current.at)) return undefined;
    const ended = this.current;
    this.current = null;
    return ended ?? undefined;
  }

  /** The error of the episode under way, if writes are failing now. */
  get active(): WriteErrorRecord | null {
    return this.current;
  }

  summary(): WriteErrorSummary {
    return { count: this.count, last: this.last };
  }
}
