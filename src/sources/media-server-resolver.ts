import type { Database } from 'better-sqlite3';
import { parseMediaServerPath, type MediaServerResolver } from '../ffmpeg/media-input.js';
import type { MediaServerClient, SourceConnection } from './media-server.js';
import type { SourceStore } from './source-store.js';

/**
 * From a library path "media-server:<source id>:<uuid>" to what a renderer reads: the item's
 * direct-play URL on its server and the headers that authorise it (the secret travels in a
 * header, never in the URL, and is registered with the log redactor), or why it cannot air.
 * Registered for the whole station with `setMediaServerResolver` (src/ffmpeg/media-input.ts).
 */
export type MediaServerInput = ReturnType<MediaServerResolver>;

export interface MediaServerResolverOptions {
  db: Database;
  store: SourceStore;
  clientFor: (connection: SourceConnection) => MediaServerClient;
  /** Told the secret a resolved input carries (the log redactor). */
  onSecret?: (secret: string) => void;
}

export function createMediaServerResolver(options: MediaServerResolverOptions): MediaServerResolver {
  const byPath = options.db.prepare('SELECT id, title, status, status_reason, source_id, remote_id, remote_part, size_bytes, mtime_ms FROM media_files WHERE path = ?');
  return (path) => {
    const parsed = parseMediaServerPath(path);
    if (!parsed) return { unavailable: `${path.slice(0, 80)} is not a media-server item's path` };
    const row = byPath.get(path) as { id: number; title: string; status: string; status_reason: string | null; source_id: number | null; remote_id: string | null; remote_part: string | null; size_bytes: number; mtime_ms: number } | undefined;
    if (!row) return { unavailable: `no library item has the path ${path}` };
    if (row.source_id === null || row.source_id !== parsed.sourceId) return { unavailable: `media file ${row.id} does not belong to media server ${parsed.sourceId}` };
    if (row.status !== 'ok') return { unavailable: `"${row.title}" is ${row.status}: ${row.status_reason ?? 'no reason recorded'}` };
    const source = options.store.byId(row.source_id);
    if (!source || !source.enabled) return { unavailable: `"${row.title}" came from a media server that was removed` };
    if (!row.remote_id || !row.remote_part) return { unavailable: `${source.key} gave no file to stream for "${row.title}"` };
    const connection = options.store.connectionOf(source);
    for (const secret of [connection.token, connection.apiKey]) if (secret) options.onSecret?.(secret);
    try {
      const input = options.clientFor(connection).streamInput({ remoteId: row.remote_id, part: row.remote_part });
      // The remote file's version (its size and the server's last change) keys the media cache.
      return { url: input.url, headers: input.headers, label: `${source.key}: ${row.title}`, identity: { sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms } };
    } catch (error) {
      return { unavailable: `${source.key} cannot stream "${row.title}": ${(error as Error).message}` };
    }
  };
}

/** The poster of a media-server item: fetched from its server with the source's secret, bounded. */
export function createRemotePosterFetcher(options: MediaServerResolverOptions & { maxBytes: number }): (mediaId: number, serverPath: string) => Promise<{ contentType: string; body: Buffer }> {
  const sourceOf = options.db.prepare('SELECT source_id FROM media_files WHERE id = ?');
  return async (mediaId, serverPath) => {
    const row = sourceOf.get(mediaId) as { source_id: number | null } | undefined;
    const source = row?.source_id != null ? options.store.byId(row.source_id) : undefined;
    if (!source || !source.enabled) throw new Error(`media file ${mediaId} has no media server to fetch its poster from`);
    const connection = options.store.connectionOf(source);
    return options.clientFor(connection).fetchImage(serverPath, options.maxBytes);
  };
}
