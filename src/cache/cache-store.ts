import type { Database } from 'better-sqlite3';
import type { CacheIndex } from './cache-index.js';
import type { FileIdentity } from './cache-key.js';

/** One cached rendition, as stored (table `media_cache`, migration 5). */
export interface CacheEntry extends CacheIndex {
  key: string;
  source: FileIdentity;
  profileKey: string;
  /** The normalised MPEG-TS file. */
  file: string;
  bytes: number;
  createdAtMs: number;
  lastAiredMs: number | undefined;
}

interface Row {
  key: string;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  profile_key: string;
  file: string;
  bytes: number;
  origin_pts: number;
  duration_s: number;
  keyframes_json: string;
  created_at_ms: number;
  last_aired_ms: number | null;
}

function toEntry(row: Row): CacheEntry {
  return {
    key: row.key,
    source: { path: row.path, sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms },
    profileKey: row.profile_key,
    file: row.file,
    bytes: row.bytes,
    originPts: row.origin_pts,
    durationSeconds: row.duration_s,
    keyframes: JSON.parse(row.keyframes_json) as Array<[number, number]>,
    createdAtMs: row.created_at_ms,
    lastAiredMs: row.last_aired_ms ?? undefined,
  };
}

/** SQLite rows of the cache; no file I/O (MediaCache owns the files). */
export class CacheStore {
  constructor(private readonly db: Database) {}

  /** Every entry for this source path and profile (normally one; more only while a stale one awaits removal). */
  forSource(path: string, profileKey: string): CacheEntry[] {
    return (this.db.prepare('SELECT * FROM media_cache WHERE path = ? AND profile_key = ?').all(path, profileKey) as Row[]).map(toEntry);
  }

  get(key: string): CacheEntry | undefined {
    const row = this.db.prepare('SELECT * FROM media_cache WHERE key = ?').get(key) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  all(): CacheEntry[] {
    return (this.db.prepare('SELECT * FROM media_cache ORDER BY created_at_ms').all() as Row[]).map(toEntry);
  }

  put(entry: CacheEntry): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO media_cache (key, path, size_bytes, mtime_ms, profile_key, file, bytes, origin_pts, duration_s, keyframes_json, created_at_ms, last_aired_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(entry.key, entry.source.path, entry.source.sizeBytes, Math.round(entry.source.mtimeMs), entry.profileKey, entry.file, entry.bytes, entry.originPts, entry.durationSeconds, JSON.stringify(entry.keyframes), entry.createdAtMs, entry.lastAiredMs ?? null);
  }

  markAired(key: string, atMs: number): void {
    this.db.prepare('UPDATE media_cache SET last_aired_ms = ? WHERE key = ?').run(atMs, key);
  }

  remove(key: string): void {
    this.db.prepare('DELETE FROM media_cache WHERE key = ?').run(key);
  }

  totals(): { entries: number; bytes: number } {
    const row = this.db.prepare('SELECT COUNT(*) AS entries, COALESCE(SUM(bytes), 0) AS bytes FROM media_cache').get() as { entries: number; bytes: number };
    return row;
  }
}
