import type { Database } from 'better-sqlite3';
import type { Checkpoint, CompilerState } from './compiler.js';
import type { Airing, AiringKind } from '../timeline/types.js';

/** SQLite persistence of published airings, checkpoints and each channel's compile head (migration 3). */
interface AiringRow {
  start_ms: number;
  end_ms: number;
  media_id: number | null;
  media_path: string;
  in_ms: number;
  out_ms: number;
  kind: string;
  title: string;
  program_json: string | null;
}

/**
 * A live block's airing has no file: its row keeps the live source's id in `media_path` (the
 * column is the airing's "what plays"; no migration for one more field), read back into `live`.
 */
function fromRow(row: AiringRow): Airing {
  const live = row.kind === 'live' ? { live: { sourceId: row.media_path } } : {};
  return {
    startMs: row.start_ms,
    endMs: row.end_ms,
    mediaPath: row.kind === 'live' ? '' : row.media_path,
    ...live,
    inPointMs: row.in_ms,
    outPointMs: row.out_ms,
    kind: row.kind as AiringKind,
    title: row.title,
    ...(row.media_id !== null ? { mediaId: row.media_id } : {}),
    ...(row.program_json ? { program: JSON.parse(row.program_json) as Airing['program'] } : {}),
  };
}

export interface TimelineHead {
  compiledUntilMs: number;
  state: CompilerState;
}

export class TimelineStore {
  constructor(
    private readonly db: Database,
    readonly channelNumber: number,
  ) {}

  /** False once the database is closed (server shutdown): background compiles stop then. */
  get isOpen(): boolean {
    return this.db.open;
  }

  head(): TimelineHead | undefined {
    const row = this.db.prepare('SELECT compiled_until_ms, state_json FROM timeline_heads WHERE channel_number = ?').get(this.channelNumber) as
      | { compiled_until_ms: number; state_json: string }
      | undefined;
    return row ? { compiledUntilMs: row.compiled_until_ms, state: JSON.parse(row.state_json) as CompilerState } : undefined;
  }

  /** Airings ending after `fromMs`, in air order. */
  load(fromMs: number): Airing[] {
    return (
      this.db
        .prepare('SELECT * FROM timeline_airings WHERE channel_number = ? AND end_ms > ? ORDER BY start_ms')
        .all(this.channelNumber, fromMs) as AiringRow[]
    ).map(fromRow);
  }

  /** Appends a compiled piece and moves the head, atomically. */
  append(airings: Airing[], checkpoints: Checkpoint[], head: TimelineHead): void {
    const insertAiring = this.db.prepare(
      `INSERT INTO timeline_airings (channel_number, start_ms, end_ms, media_id, media_path, in_ms, out_ms, kind, title, program_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCheckpoint = this.db.prepare('INSERT OR REPLACE INTO timeline_checkpoints (channel_number, at_ms, state_json) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const a of airings) {
        insertAiring.run(this.channelNumber, a.startMs, a.endMs, a.mediaId ?? null, a.kind === 'live' ? (a.live?.sourceId ?? '') : a.mediaPath, a.inPointMs, a.outPointMs, a.kind, a.title, a.program ? JSON.stringify(a.program) : null);
      }
      for (const c of checkpoints) insertCheckpoint.run(this.channelNumber, c.atMs, JSON.stringify(c.state));
      this.db
        .prepare(
          `INSERT INTO timeline_heads (channel_number, compiled_until_ms, state_json) VALUES (?, ?, ?)
           ON CONFLICT(channel_number) DO UPDATE SET compiled_until_ms = excluded.compiled_until_ms, state_json = excluded.state_json`,
        )
        .run(this.channelNumber, head.compiledUntilMs, JSON.stringify(head.state));
    })();
  }

  /** The first unit boundary at or after `tMs` with the compiler state there. */
  checkpointAtOrAfter(tMs: number): Checkpoint | undefined {
    const row = this.db
      .prepare('SELECT at_ms, state_json FROM timeline_checkpoints WHERE channel_number = ? AND at_ms >= ? ORDER BY at_ms LIMIT 1')
      .get(this.channelNumber, tMs) as { at_ms: number; state_json: string } | undefined;
    return row ? { atMs: row.at_ms, state: JSON.parse(row.state_json) as CompilerState } : undefined;
  }

  /** The last unit boundary at or before `tMs` (where the unit on the air at `tMs` started) with the compiler state there. */
  checkpointAtOrBefore(tMs: number): Checkpoint | undefined {
    const row = this.db
      .prepare('SELECT at_ms, state_json FROM timeline_checkpoints WHERE channel_number = ? AND at_ms <= ? ORDER BY at_ms DESC LIMIT 1')
      .get(this.channelNumber, tMs) as { at_ms: number; state_json: string } | undefined;
    return row ? { atMs: row.at_ms, state: JSON.parse(row.state_json) as CompilerState } : undefined;
  }

  /** Drops everything from `fromMs` on (a schedule edit); the caller appends the recompiled future. */
  truncateFrom(fromMs: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM timeline_airings WHERE channel_number = ? AND start_ms >= ?').run(this.channelNumber, fromMs);
      this.db.prepare('DELETE FROM timeline_checkpoints WHERE channel_number = ? AND at_ms >= ?').run(this.channelNumber, fromMs);
    })();
  }

  /** Forgets a channel entirely (channel deleted). */
  clear(): void {
    this.db.transaction(() => {
      for (const table of ['timeline_airings', 'timeline_checkpoints', 'timeline_heads']) {
        this.db.prepare(`DELETE FROM ${table} WHERE channel_number = ?`).run(this.channelNumber);
      }
    })();
  }

  /** History older than `beforeMs` is no longer needed by the guide or playout. */
  prune(beforeMs: number): void {
    this.db.prepare('DELETE FROM timeline_airings WHERE channel_number = ? AND end_ms < ?').run(this.channelNumber, beforeMs);
    this.db.prepare('DELETE FROM timeline_checkpoints WHERE channel_number = ? AND at_ms < ?').run(this.channelNumber, beforeMs);
  }
}
