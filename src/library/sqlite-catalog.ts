import type { Database } from 'better-sqlite3';
import type { Catalog, CatalogItem, MediaKind } from './catalog.js';
import { chaptersByFile, chaptersOf, type ChapterMarker } from './chapters.js';
import { compareNatural } from './file-walker.js';

export type MediaStatus = 'ok' | 'missing' | 'unplayable';

/** A media_files row as stored. */
export interface MediaRow {
  id: number;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  status: MediaStatus;
  status_reason: string | null;
  container: string | null;
  duration_ms: number | null;
  video_codec: string | null;
  video_profile: string | null;
  width: number | null;
  height: number | null;
  frame_rate: number | null;
  frame_rate_fraction: string | null;
  pixel_format: string | null;
  bit_depth: number | null;
  field_order: string | null;
  interlaced: number | null;
  display_aspect: string | null;
  sample_aspect: string | null;
  title: string;
  show: string | null;
  season: number | null;
  episode: number | null;
  year: number | null;
  kind: MediaKind;
  tags_json: string;
  probed_at: string | null;
  created_at: string;
  updated_at: string;
}

function toItem(row: MediaRow, chapters: ChapterMarker[]): CatalogItem {
  const item: CatalogItem = {
    id: row.id,
    path: row.path,
    durationMs: row.duration_ms ?? 0,
    kind: row.kind,
    title: row.title,
    chapters: chapters.map((c) => ({ title: c.title, timestampMs: c.timestampMs })),
    tags: JSON.parse(row.tags_json) as string[],
  };
  if (row.show !== null) item.show = row.show;
  if (row.season !== null) item.season = row.season;
  if (row.episode !== null) item.episode = row.episode;
  if (row.year !== null) item.year = row.year;
  return item;
}

/**
 * The Catalog over the SQLite library. Reads the database on every call, so a rescan or a
 * chapter edit is visible to the next caller without any cache to invalidate.
 */
export function createSqliteCatalog(db: Database): Catalog {
  const selectOk = db.prepare("SELECT * FROM media_files WHERE status = 'ok'");
  const selectById = db.prepare('SELECT * FROM media_files WHERE id = ?');
  return {
    playable() {
      const rows = selectOk.all() as MediaRow[];
      const chapters = chaptersByFile(db);
      return rows.sort((a, b) => compareNatural(a.path, b.path)).map((row) => toItem(row, chapters.get(row.id) ?? []));
    },
    byId(id) {
      const row = selectById.get(id) as MediaRow | undefined;
      if (!row) return undefined;
      return { ...toItem(row, chaptersOf(db, id)), status: row.status };
    },
  };
}
