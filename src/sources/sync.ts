import type { Database } from 'better-sqlite3';
import { MEDIA_SERVER_PREFIX, mediaServerPath } from '../ffmpeg/media-input.js';
import { randomUUID } from 'node:crypto';
import { IdentityIndex, type KnownRow } from './identity.js';
import { SourceError, type MediaServerClient, type RemoteItem, type ServerInfo } from './media-server.js';
import { mappedFileProblem, mapRemotePath } from './path-mapping.js';
import { remoteDetailWriter, remoteRowFacts, type RemoteRowFacts } from './remote-facts.js';
import type { MediaSource } from './source-store.js';

/**
 * One sync of one media server into the library: every chosen library's items, page by page,
 * written in batches (each batch one transaction, the event loop turning between them, so a
 * 10 000-episode library neither blocks playout nor waits until the end to appear), then the
 * collections, then — on a full pass only — what the server no longer lists becomes missing.
 *
 * A sync that fails part way (the server dies, times out, answers garbage) keeps what it wrote
 * (those rows are the server's own current facts) but marks nothing missing and leaves the
 * collections and the cursor as they were: a failure never takes anything off the air.
 */

/** The streamed path of an item: stable for the row's life (src/ffmpeg/media-input.ts reads it). */
export function streamedPath(sourceId: number): string {
  return mediaServerPath(sourceId, randomUUID());
}

export interface LibraryProgress {
  id: string;
  name: string | null;
  done: number;
  total: number | null;
}

export interface SyncSummary {
  full: boolean;
  added: number;
  updated: number;
  /** Rows found again after the server changed their ids (external id, path or episode). */
  reResolved: number;
  /** Rows this sync marked missing. */
  missing: number;
  /** The cursor for the next incremental sync: the latest change the server reported. */
  cursorMs: number | null;
  info: ServerInfo;
}

export interface SyncOptions {
  db: Database;
  source: MediaSource;
  client: MediaServerClient;
  /** List everything and mark what is gone; else only what changed since the stored cursor. */
  full: boolean;
  signal?: AbortSignal;
  onProgress?: (libraries: LibraryProgress[]) => void;
  batchSize?: number;
  now?: () => number;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const COLUMNS = [
  'kind', 'title', 'show', 'season', 'episode', 'year', 'duration_ms', 'size_bytes', 'mtime_ms', 'container', 'video_codec', 'video_profile', 'width', 'height',
  'frame_rate', 'pixel_format', 'bit_depth', 'interlaced', 'display_aspect', 'description', 'show_description', 'content_rating', 'genres_json', 'air_date',
  'poster_remote', 'external_ids_json', 'remote_id', 'remote_path', 'remote_part',
] as const satisfies ReadonlyArray<keyof RemoteRowFacts>;

interface RowWrite extends RemoteRowFacts {
  path: string;
  status: 'ok' | 'missing' | 'unplayable';
  status_reason: string | null;
}

function rowWriter(db: Database, source: MediaSource) {
  const all = [...COLUMNS, 'path', 'status', 'status_reason'] as const;
  const insert = db.prepare(
    `INSERT INTO media_files (${all.join(', ')}, source_id, metadata_source, tags_json, probed_at) VALUES (${all.map((c) => `@${c}`).join(', ')}, @source_id, @metadata_source, '[]', ${NOW}) RETURNING id`,
  );
  const update = db.prepare(`UPDATE media_files SET ${all.map((c) => `${c} = @${c}`).join(', ')}, metadata_source = @metadata_source, probed_at = ${NOW}, updated_at = ${NOW} WHERE id = @id`);
  const pathOwner = db.prepare('SELECT id, source_id FROM media_files WHERE path = ?');
  const currentPath = db.prepare('SELECT path FROM media_files WHERE id = ?');
  const details = remoteDetailWriter(db);
  const streamedPrefix = `${MEDIA_SERVER_PREFIX}${source.id}:`;

  /** Where the row's file is read from, and whether it can be. */
  const placeOf = (facts: RemoteRowFacts, existingId: number | undefined): Pick<RowWrite, 'path' | 'status' | 'status_reason'> => {
    const existingPath = existingId === undefined ? undefined : (currentPath.get(existingId) as { path: string }).path;
    const keepOrNewStreamed = () => (existingPath?.startsWith(streamedPrefix) ? existingPath : streamedPath(source.id));
    if (!facts.remote_part && !facts.remote_path) return { path: keepOrNewStreamed(), status: 'unplayable', status_reason: `${source.key} lists no file for this item` };
    const mapped = facts.remote_path ? mapRemotePath(facts.remote_path, source.pathMappings) : undefined;
    let place: Pick<RowWrite, 'path' | 'status' | 'status_reason'>;
    if (mapped) {
      const problem = mappedFileProblem(mapped.localPath, mapped.mapping);
      place = { path: mapped.localPath, status: problem ? 'missing' : 'ok', status_reason: problem ?? null };
      const owner = pathOwner.get(mapped.localPath) as { id: number; source_id: number | null } | undefined;
      if (owner && owner.id !== existingId) {
        // Another row (a local folder's, another source's) is that file already: one row per file.
        const whose = owner.source_id === null ? 'a local library folder' : 'another media server';
        return { path: keepOrNewStreamed(), status: 'missing', status_reason: `mapped to ${mapped.localPath}, which is already in the library from ${whose} (media file ${owner.id})` };
      }
    } else {
      place = { path: keepOrNewStreamed(), status: 'ok', status_reason: null };
    }
    if (place.status === 'ok' && facts.duration_ms === null) return { ...place, status: 'unplayable', status_reason: `${source.key} gives no duration for this item` };
    return place;
  };

  return (facts: RemoteRowFacts, item: RemoteItem, existingId: number | undefined): number => {
    const values = { ...facts, ...placeOf(facts, existingId), source_id: source.id, metadata_source: source.type };
    let id: number;
    if (existingId === undefined) id = (insert.get(values) as { id: number }).id;
    else {
      update.run({ ...values, id: existingId });
      id = existingId;
    }
    details(id, item, facts.duration_ms);
    return id;
  };
}

function knownRows(db: Database, sourceId: number): KnownRow[] {
  return db
    .prepare('SELECT id, remote_id, remote_path, external_ids_json, kind, show, season, episode, title FROM media_files WHERE source_id = ?')
    .all(sourceId) as KnownRow[];
}

function abortIfAsked(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SourceError('timeout', 'the sync was stopped (the source was removed or Retrovue is stopping)');
}

export async function syncSource(options: SyncOptions): Promise<SyncSummary> {
  const { db, source, client, signal } = options;
  // 50 items a transaction: measured on 10 000 episodes, the event loop waits at most ~50-90 ms at a time (200: ~140 ms), same total time.
  const batchSize = options.batchSize ?? 50;
  const info = await client.check();
  abortIfAsked(signal);
  const wanted = source.libraries;
  const gone = wanted.filter((id) => !info.libraries.some((library) => library.id === id));
  if (gone.length > 0) {
    throw new SourceError(
      'not_found',
      `${source.key}: librar${gone.length === 1 ? 'y' : 'ies'} ${gone.map((id) => JSON.stringify(id)).join(', ')} no longer on the server (rebuilt or removed there?): choose the libraries again; nothing was changed`,
    );
  }
  // A server whose own id changed was reinstalled or rebuilt: its change dates say nothing
  // about what we hold, so everything is listed again and matched by identity.
  const full = options.full || source.lastSyncCursorMs === null || (source.serverId !== null && info.id !== source.serverId);
  const progress: LibraryProgress[] = wanted.map((id) => ({ id, name: info.libraries.find((l) => l.id === id)?.name ?? null, done: 0, total: info.libraries.find((l) => l.id === id)?.itemCount ?? null }));
  options.onProgress?.(progress.map((p) => ({ ...p })));

  const index = new IdentityIndex(knownRows(db, source.id));
  const write = rowWriter(db, source);
  const seen = new Set<number>();
  const summary: SyncSummary = { full, added: 0, updated: 0, reResolved: 0, missing: 0, cursorMs: source.lastSyncCursorMs, info };
  let latestChange = source.lastSyncCursorMs ?? 0;

  const writeBatch = db.transaction((items: RemoteItem[]) => {
    for (const item of items) {
      const facts = remoteRowFacts(item);
      const found = index.resolve(facts);
      const id = write(facts, item, found?.id);
      if (!found) {
        index.claim(id);
        summary.added += 1;
      } else {
        summary.updated += 1;
        if (found.by !== 'remote_id') summary.reResolved += 1;
      }
      seen.add(id);
    }
  });

  for (const [position, libraryId] of wanted.entries()) {
    const library = progress[position]!;
    let batch: RemoteItem[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      writeBatch(batch);
      library.done += batch.length;
      batch = [];
      options.onProgress?.(progress.map((p) => ({ ...p })));
      // Let the event loop turn (playout, requests) between batches.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const iterator = client.items(libraryId, {
      ...(full ? {} : { updatedSinceMs: source.lastSyncCursorMs ?? undefined }),
      onProgress: (_done, total) => {
        if (total !== undefined) library.total = total;
      },
      ...(signal ? { signal } : {}),
    });
    for await (const item of iterator) {
      abortIfAsked(signal);
      if (typeof item?.remoteId !== 'string' || item.remoteId === '') continue;
      if (typeof item.updatedAtMs === 'number' && Number.isFinite(item.updatedAtMs)) latestChange = Math.max(latestChange, item.updatedAtMs);
      batch.push(item);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (library.total === null || library.total < library.done) library.total = library.done;
  }

  const collections = await client.collections(wanted);
  abortIfAsked(signal);
  db.transaction(() => {
    replaceCollections(db, source.id, collections);
    if (full) summary.missing = markUnlisted(db, source, seen, options.now?.() ?? Date.now());
  })();
  summary.cursorMs = latestChange > 0 ? latestChange : null;
  options.onProgress?.(progress.map((p) => ({ ...p })));
  return summary;
}

/** The source's collections and playlists, as the server lists them now (members it still has). */
function replaceCollections(db: Database, sourceId: number, collections: Awaited<ReturnType<MediaServerClient['collections']>>): void {
  db.prepare('DELETE FROM media_collections WHERE source_id = ?').run(sourceId);
  const rowsByRemoteId = new Map<string, number>();
  // An ok row wins over a stale one that still carries a reused id.
  for (const row of db.prepare("SELECT id, remote_id FROM media_files WHERE source_id = ? AND remote_id IS NOT NULL ORDER BY status = 'ok', id").all(sourceId) as Array<{ id: number; remote_id: string }>) {
    rowsByRemoteId.set(row.remote_id, row.id);
  }
  const insert = db.prepare('INSERT OR IGNORE INTO media_collections (source_id, name, media_file_id, position) VALUES (?, ?, ?, ?)');
  for (const collection of collections.slice(0, 2000)) {
    const name = typeof collection.name === 'string' ? collection.name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200) : '';
    if (name === '' || !Array.isArray(collection.itemRemoteIds)) continue;
    collection.itemRemoteIds.slice(0, 100_000).forEach((remoteId, position) => {
      const id = rowsByRemoteId.get(String(remoteId));
      if (id !== undefined) insert.run(sourceId, name, id, position);
    });
  }
}

/** Rows of the source the full pass did not see: missing, with the reason, never deleted. */
function markUnlisted(db: Database, source: MediaSource, seen: Set<number>, nowMs: number): number {
  const rows = db.prepare("SELECT id, remote_id, remote_path FROM media_files WHERE source_id = ? AND status != 'missing'").all(source.id) as Array<{ id: number; remote_id: string | null; remote_path: string | null }>;
  const mark = db.prepare(`UPDATE media_files SET status = 'missing', status_reason = ?, updated_at = ${NOW} WHERE id = ?`);
  let marked = 0;
  const when = new Date(nowMs).toISOString().slice(0, 16).replace('T', ' ');
  for (const row of rows) {
    if (seen.has(row.id)) continue;
    mark.run(
      `${source.key} no longer lists this item (sync of ${when} UTC; it was id ${row.remote_id ?? '?'}${row.remote_path ? `, ${row.remote_path}` : ''}); no item there has its external ids, path or episode`,
      row.id,
    );
    marked += 1;
  }
  return marked;
}
