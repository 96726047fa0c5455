import type { Database } from 'better-sqlite3';
import type { ProbedChapter } from './probe.js';

export type ChapterSource = 'file' | 'user';

export interface ChapterMarker {
  id: number;
  mediaFileId: number;
  title: string;
  timestampMs: number;
  source: ChapterSource;
  createdAt: string;
  updatedAt: string;
}

/** A request the library refuses; `code` picks the HTTP status (400, 404 or 409), `field` names the input at fault. */
export class LibraryRequestError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LibraryRequestError';
  }
}

interface MarkerRow {
  id: number;
  media_file_id: number;
  chapter_title: string;
  timestamp_ms: number;
  source: ChapterSource | null;
  created_at: string;
  updated_at: string;
}

const MAX_TITLE_LENGTH = 200;

function toMarker(row: MarkerRow): ChapterMarker {
  return {
    id: row.id,
    mediaFileId: row.media_file_id,
    title: row.chapter_title,
    timestampMs: row.timestamp_ms,
    // A marker written by something that did not record a source is treated as the user's.
    source: row.source ?? 'user',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const SELECT_MARKERS = `
  SELECT m.id, m.media_file_id, m.chapter_title, m.timestamp_ms, s.source, m.created_at, m.updated_at
  FROM chapter_markers m LEFT JOIN chapter_marker_sources s ON s.chapter_marker_id = m.id`;

/** The file's markers sorted by time (ties by id). */
export function chaptersOf(db: Database, mediaFileId: number): ChapterMarker[] {
  const rows = db.prepare(`${SELECT_MARKERS} WHERE m.media_file_id = ? ORDER BY m.timestamp_ms, m.id`).all(mediaFileId) as MarkerRow[];
  return rows.map(toMarker);
}

/** Every marker of the given files, grouped by file id (one query for the whole catalog). */
export function chaptersByFile(db: Database): Map<number, ChapterMarker[]> {
  const rows = db.prepare(`${SELECT_MARKERS} ORDER BY m.media_file_id, m.timestamp_ms, m.id`).all() as MarkerRow[];
  const byFile = new Map<number, ChapterMarker[]>();
  for (const row of rows) {
    const list = byFile.get(row.media_file_id) ?? [];
    list.push(toMarker(row));
    byFile.set(row.media_file_id, list);
  }
  return byFile;
}

function mediaDuration(db: Database, mediaFileId: number): { duration_ms: number | null } {
  const row = db.prepare('SELECT duration_ms FROM media_files WHERE id = ?').get(mediaFileId) as { duration_ms: number | null } | undefined;
  if (!row) throw new LibraryRequestError('not_found', `no media file with id ${mediaFileId}`);
  return row;
}

/** Checks a user's chapter before anything is written; every problem is named. */
export function validateChapterInput(input: { title?: unknown; timestampMs?: unknown }, durationMs: number | null): { title: string; timestampMs: number } {
  const problems: string[] = [];
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (typeof input.title !== 'string' || title === '') problems.push('title: must be a non-empty string');
  else if (title.length > MAX_TITLE_LENGTH) problems.push(`title: at most ${MAX_TITLE_LENGTH} characters`);
  const timestampMs = input.timestampMs;
  if (typeof timestampMs !== 'number' || !Number.isInteger(timestampMs) || timestampMs < 0) {
    problems.push('timestampMs: must be a whole number of milliseconds, 0 or more');
  } else if (durationMs !== null && timestampMs >= durationMs) {
    problems.push(`timestampMs: ${timestampMs} is not inside the file (duration ${durationMs} ms)`);
  }
  if (problems.length > 0) throw new LibraryRequestError('invalid', problems.join('; '), problems[0]!.split(':', 1)[0]);
  return { title, timestampMs: timestampMs as number };
}

function refuseClash(db: Database, mediaFileId: number, timestampMs: number, exceptId?: number): void {
  const clash = db.prepare('SELECT id FROM chapter_markers WHERE media_file_id = ? AND timestamp_ms = ? AND id IS NOT ?').get(mediaFileId, timestampMs, exceptId ?? null) as
    | { id: number }
    | undefined;
  if (clash) throw new LibraryRequestError('conflict', `chapter ${clash.id} already starts at ${timestampMs} ms`, 'timestampMs');
}

/** Adds a user marker. Refuses a second marker at the same instant. */
export function addUserChapter(db: Database, mediaFileId: number, input: { title?: unknown; timestampMs?: unknown }): ChapterMarker {
  return db.transaction(() => {
    const { duration_ms } = mediaDuration(db, mediaFileId);
    const { title, timestampMs } = validateChapterInput(input, duration_ms);
    refuseClash(db, mediaFileId, timestampMs);
    const { lastInsertRowid } = db
      .prepare('INSERT INTO chapter_markers (media_file_id, chapter_title, timestamp_ms) VALUES (?, ?, ?)')
      .run(mediaFileId, title, timestampMs);
    db.prepare("INSERT INTO chapter_marker_sources (chapter_marker_id, source) VALUES (?, 'user')").run(lastInsertRowid);
    return chaptersOf(db, mediaFileId).find((marker) => marker.id === Number(lastInsertRowid))!;
  })();
}

/**
 * Moves and/or renames a marker, keeping its id (a drag on the chapter strip is one edit, not a
 * remove and an add). Refuses a move onto another marker's instant. An imported marker becomes
 * the user's and its original instant is remembered as suppressed (as a removal is), so the
 * next rescan of a changed file neither moves it back nor brings back a copy at the old place.
 */
export function updateChapter(db: Database, mediaFileId: number, chapterId: number, change: { title?: unknown; timestampMs?: unknown }): ChapterMarker {
  return db.transaction(() => {
    const { duration_ms } = mediaDuration(db, mediaFileId);
    const marker = chaptersOf(db, mediaFileId).find((m) => m.id === chapterId);
    if (!marker) throw new LibraryRequestError('not_found', `media file ${mediaFileId} has no chapter ${chapterId}`);
    const { title, timestampMs } = validateChapterInput(
      { title: change.title === undefined ? marker.title : change.title, timestampMs: change.timestampMs === undefined ? marker.timestampMs : change.timestampMs },
      duration_ms,
    );
    if (title === marker.title && timestampMs === marker.timestampMs) return marker;
    if (timestampMs !== marker.timestampMs) refuseClash(db, mediaFileId, timestampMs, chapterId);
    if (marker.source === 'file') {
      db.prepare('INSERT OR REPLACE INTO chapter_suppressions (media_file_id, timestamp_ms, chapter_title) VALUES (?, ?, ?)').run(mediaFileId, marker.timestampMs, marker.title);
      db.prepare("INSERT OR REPLACE INTO chapter_marker_sources (chapter_marker_id, source) VALUES (?, 'user')").run(chapterId);
    }
    db.prepare("UPDATE chapter_markers SET chapter_title = ?, timestamp_ms = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?").run(title, timestampMs, chapterId);
    return chaptersOf(db, mediaFileId).find((m) => m.id === chapterId)!;
  })();
}

/**
 * Removes a marker. An imported one is also remembered as suppressed, so the next rescan
 * of a changed file does not bring it back.
 */
export function removeChapter(db: Database, mediaFileId: number, chapterId: number): ChapterMarker {
  return db.transaction(() => {
    mediaDuration(db, mediaFileId);
    const marker = chaptersOf(db, mediaFileId).find((m) => m.id === chapterId);
    if (!marker) throw new LibraryRequestError('not_found', `media file ${mediaFileId} has no chapter ${chapterId}`);
    if (marker.source === 'file') {
      db.prepare('INSERT OR REPLACE INTO chapter_suppressions (media_file_id, timestamp_ms, chapter_title) VALUES (?, ?, ?)').run(
        mediaFileId,
        marker.timestampMs,
        marker.title,
      );
    }
    db.prepare('DELETE FROM chapter_marker_sources WHERE chapter_marker_id = ?').run(chapterId);
    db.prepare('DELETE FROM chapter_markers WHERE id = ?').run(chapterId);
    return marker;
  })();
}

/**
 * Brings the file-sourced markers in line with the chapters ffprobe found: unchanged ones
 * keep their ids, vanished ones go, new ones arrive unless the user removed one at that
 * instant. User markers are never touched. Runs inside the caller's transaction.
 */
export function syncFileChapters(db: Database, mediaFileId: number, chapters: ProbedChapter[]): void {
  const key = (timestampMs: number, title: string) => `${timestampMs}\u0000${title}`;
  const existing = chaptersOf(db, mediaFileId).filter((marker) => marker.source === 'file');
  const suppressed = new Set(
    (db.prepare('SELECT timestamp_ms FROM chapter_suppressions WHERE media_file_id = ?').all(mediaFileId) as Array<{ timestamp_ms: number }>).map(
      (row) => row.timestamp_ms,
    ),
  );
  const wanted = new Map<string, ProbedChapter>();
  for (const chapter of chapters) if (!suppressed.has(chapter.startMs)) wanted.set(key(chapter.startMs, chapter.title), chapter);

  const deleteSource = db.prepare('DELETE FROM chapter_marker_sources WHERE chapter_marker_id = ?');
  const deleteMarker = db.prepare('DELETE FROM chapter_markers WHERE id = ?');
  for (const marker of existing) {
    if (wanted.delete(key(marker.timestampMs, marker.title))) continue;
    deleteSource.run(marker.id);
    deleteMarker.run(marker.id);
  }
  const insertMarker = db.prepare('INSERT INTO chapter_markers (media_file_id, chapter_title, timestamp_ms) VALUES (?, ?, ?)');
  const insertSource = db.prepare("INSERT INTO chapter_marker_sources (chapter_marker_id, source) VALUES (?, 'file')");
  for (const chapter of wanted.values()) {
    const { lastInsertRowid } = insertMarker.run(mediaFileId, chapter.title, chapter.startMs);
    insertSource.run(lastInsertRowid);
  }
}
