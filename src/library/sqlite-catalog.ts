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
  // Migration 9: media servers and programme metadata.
  source_id: number | null;
  remote_id: string | null;
  remote_path: string | null;
  remote_part: string | null;
  external_ids_json: string;
  description: string | null;
  show_description: string | null;
  content_rating: string | null;
  genres_json: string;
  air_date: string | null;
  poster_path: string | null;
  poster_remote: string | null;
  metadata_source: string | null;
}

/** What a row's media server adds to its item: the source's key, collections, credits marker. */
interface SourceFacts {
  sourceKeys: Map<number, string>;
  collections: Map<number, string[]>;
  positions: Map<number, Record<string, number>>;
  creditsStart: Map<number, number>;
}

function toItem(row: MediaRow, chapters: ChapterMarker[], facts: SourceFacts): CatalogItem {
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
  if (row.description) item.description = row.description;
  if (row.show_description) item.showDescription = row.show_description;
  if (row.content_rating) item.contentRating = row.content_rating;
  const genres = JSON.parse(row.genres_json) as string[];
  if (genres.length > 0) item.genres = genres;
  if (row.air_date) item.airDate = row.air_date;
  if (row.poster_path || row.poster_remote) item.hasPoster = true;
  const sourceKey = row.source_id !== null ? facts.sourceKeys.get(row.source_id) : undefined;
  if (sourceKey) item.sourceKey = sourceKey;
  const collections = facts.collections.get(row.id);
  if (collections) item.collections = collections;
  const positions = facts.positions.get(row.id);
  if (positions) item.collectionPositions = positions;
  const credits = facts.creditsStart.get(row.id);
  if (credits !== undefined) item.creditsStartMs = credits;
  return item;
}

/** Source keys, collection memberships and credits markers, for every row at once (or one row's). */
function sourceFacts(db: Database, mediaFileId?: number): SourceFacts {
  const sourceKeys = new Map<number, string>();
  for (const row of db.prepare('SELECT id, key FROM media_sources').all() as Array<{ id: number; key: string }>) sourceKeys.set(row.id, row.key);
  const collections = new Map<number, string[]>();
  const one = mediaFileId === undefined ? '' : ' WHERE c.media_file_id = ?';
  const args = mediaFileId === undefined ? [] : [mediaFileId];
  const memberships = db
    .prepare(`SELECT c.media_file_id AS id, s.key || '/' || c.name AS name, c.position AS position FROM media_collections c JOIN media_sources s ON s.id = c.source_id${one} ORDER BY c.name`)
    .all(...args) as Array<{ id: number; name: string; position: number }>;
  const positions = new Map<number, Record<string, number>>();
  for (const row of memberships) {
    const list = collections.get(row.id) ?? [];
    list.push(row.name);
    collections.set(row.id, list);
    positions.set(row.id, { ...positions.get(row.id), [row.name]: row.position });
  }
  const creditsStart = new Map<number, number>();
  const oneMarker = mediaFileId === undefined ? '' : ' AND media_file_id = ?';
  const credits = db.prepare(`SELECT media_file_id AS id, MIN(start_ms) AS start FROM media_markers WHERE kind = 'credits'${oneMarker} GROUP BY media_file_id`).all(...args) as Array<{ id: number; start: number }>;
  for (const row of credits) creditsStart.set(row.id, row.start);
  return { sourceKeys, collections, positions, creditsStart };
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
      const facts = sourceFacts(db);
      return rows.sort((a, b) => compareNatural(a.path, b.path)).map((row) => toItem(row, chapters.get(row.id) ?? [], facts));
    },
    byId(id) {
      const row = selectById.get(id) as MediaRow | undefined;
      if (!row) return undefined;
      return { ...toItem(row, chaptersOf(db, id), sourceFacts(db, id)), status: row.status };
    },
  };
}
