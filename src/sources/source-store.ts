import type { Database } from 'better-sqlite3';
import type { MediaServerType, ServerInfo, SourceConnection } from './media-server.js';
import type { PathMapping } from './path-mapping.js';
import type { SourceSecret, SourceSecrets } from './source-secrets.js';

/** One media server as the user added it (media_sources), without its secret. */
export interface MediaSource {
  id: number;
  /** "plex-1", "jellyfin-2": the type and the row's number, never reused. */
  key: string;
  type: MediaServerType;
  url: string;
  user: string | null;
  userId: string | null;
  serverName: string | null;
  serverVersion: string | null;
  serverId: string | null;
  libraries: string[];
  pathMappings: PathMapping[];
  syncIntervalMinutes: number;
  /** false once removed: kept so its items (missing now) still say where they came from. */
  enabled: boolean;
  lastSyncStartedAt: string | null;
  lastSyncFinishedAt: string | null;
  lastSyncStatus: 'ok' | 'failed' | 'running' | null;
  lastSyncError: string | null;
  lastSyncCursorMs: number | null;
}

interface SourceRow {
  id: number;
  key: string;
  type: MediaServerType;
  url: string;
  user_name: string | null;
  user_id: string | null;
  server_name: string | null;
  server_version: string | null;
  server_id: string | null;
  libraries_json: string;
  path_mappings_json: string;
  sync_interval_minutes: number;
  enabled: number;
  last_sync_started_at: string | null;
  last_sync_finished_at: string | null;
  last_sync_status: MediaSource['lastSyncStatus'];
  last_sync_error: string | null;
  last_sync_cursor_ms: number | null;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

function toSource(row: SourceRow): MediaSource {
  return {
    id: row.id,
    key: row.key,
    type: row.type,
    url: row.url,
    user: row.user_name,
    userId: row.user_id,
    serverName: row.server_name,
    serverVersion: row.server_version,
    serverId: row.server_id,
    libraries: JSON.parse(row.libraries_json) as string[],
    pathMappings: JSON.parse(row.path_mappings_json) as PathMapping[],
    syncIntervalMinutes: row.sync_interval_minutes,
    enabled: row.enabled === 1,
    lastSyncStartedAt: row.last_sync_started_at,
    lastSyncFinishedAt: row.last_sync_finished_at,
    lastSyncStatus: row.last_sync_status,
    lastSyncError: row.last_sync_error,
    lastSyncCursorMs: row.last_sync_cursor_ms,
  };
}

export interface NewSource {
  type: MediaServerType;
  url: string;
  user?: string;
  info: ServerInfo;
  libraries: string[];
  pathMappings: PathMapping[];
  syncIntervalMinutes: number;
}

/**
 * The media servers added (media_sources) and their secrets (the secrets file): one store so a
 * source and its secret are added and removed together. Validation happens before (the routes
 * check the body with the API's schemas and the connection with the client).
 */
export class SourceStore {
  constructor(
    private readonly db: Database,
    readonly secrets: SourceSecrets,
  ) {}

  /** The sources in use (removed ones are kept in the table, not listed). */
  list(): MediaSource[] {
    return (this.db.prepare('SELECT * FROM media_sources WHERE enabled = 1 ORDER BY id').all() as SourceRow[]).map(toSource);
  }

  get(key: string): MediaSource | undefined {
    const row = this.db.prepare('SELECT * FROM media_sources WHERE key = ? AND enabled = 1').get(key) as SourceRow | undefined;
    return row ? toSource(row) : undefined;
  }

  byId(id: number): MediaSource | undefined {
    const row = this.db.prepare('SELECT * FROM media_sources WHERE id = ?').get(id) as SourceRow | undefined;
    return row ? toSource(row) : undefined;
  }

  /**
   * Adds a source whose connection was checked. The key is the type and the row's id: rows are
   * never deleted, so a number is never given twice (plex-1 removed, the next is plex-2 or
   * jellyfin-2, never plex-1 again). The secret is written first: a failed write adds nothing.
   */
  add(input: NewSource, secret: SourceSecret): MediaSource {
    const next = (this.db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM media_sources').get() as { next: number }).next;
    const key = `${input.type}-${next}`;
    this.secrets.set(key, secret);
    try {
      this.db
        .prepare(
          `INSERT INTO media_sources (id, key, type, url, user_name, user_id, server_name, server_version, server_id, libraries_json, path_mappings_json, sync_interval_minutes)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(next, key, input.type, input.url, input.user ?? null, input.info.userId ?? null, input.info.name, input.info.version, input.info.id, JSON.stringify(input.libraries), JSON.stringify(input.pathMappings), input.syncIntervalMinutes);
    } catch (error) {
      this.secrets.remove(key);
      throw error;
    }
    return this.get(key)!;
  }

  update(key: string, change: { url?: string; user?: string; info?: ServerInfo; libraries?: string[]; pathMappings?: PathMapping[]; syncIntervalMinutes?: number; secret?: SourceSecret }): MediaSource {
    const source = this.get(key);
    if (!source) throw new Error(`no source ${key}`);
    if (change.secret) this.secrets.set(key, { ...this.secrets.get(key), ...change.secret });
    this.db
      .prepare(
        `UPDATE media_sources SET url = ?, user_name = ?, user_id = ?, server_name = ?, server_version = ?, server_id = ?, libraries_json = ?, path_mappings_json = ?, sync_interval_minutes = ?, updated_at = ${NOW} WHERE id = ?`,
      )
      .run(
        change.url ?? source.url,
        change.user ?? source.user,
        change.info ? (change.info.userId ?? null) : source.userId,
        change.info?.name ?? source.serverName,
        change.info?.version ?? source.serverVersion,
        change.info?.id ?? source.serverId,
        JSON.stringify(change.libraries ?? source.libraries),
        JSON.stringify(change.pathMappings ?? source.pathMappings),
        change.syncIntervalMinutes ?? source.syncIntervalMinutes,
        source.id,
      );
    return this.get(key)!;
  }

  /**
   * Takes a source out: its secret is forgotten, its items become missing (with the reason),
   * never deleted, so schedules, published timelines and history that name them stay valid.
   */
  remove(key: string): { itemsMissing: number } {
    const source = this.get(key);
    if (!source) return { itemsMissing: 0 };
    const result = this.db.transaction(() => {
      this.db.prepare(`UPDATE media_sources SET enabled = 0, updated_at = ${NOW} WHERE id = ?`).run(source.id);
      const wasOn = (this.db.prepare("SELECT COUNT(*) AS n FROM media_files WHERE source_id = ? AND status != 'missing'").get(source.id) as { n: number }).n;
      // Every row says so, those already missing too: the source is the reason now.
      this.db
        .prepare(`UPDATE media_files SET status = 'missing', status_reason = ?, updated_at = ${NOW} WHERE source_id = ?`)
        .run(`its media server ${key} (${source.serverName ?? source.url}) was removed from Retrovue`, source.id);
      return wasOn;
    })();
    this.secrets.remove(key);
    return { itemsMissing: result };
  }

  /** How to reach the source: its row and its secret. */
  connectionOf(source: MediaSource, override: { url?: string; user?: string; secret?: SourceSecret } = {}): SourceConnection {
    const secret = { ...this.secrets.get(source.key), ...override.secret };
    const user = override.user ?? source.user;
    return {
      type: source.type,
      url: override.url ?? source.url,
      ...(secret.token ? { token: secret.token } : {}),
      ...(secret.apiKey ? { apiKey: secret.apiKey } : {}),
      ...(user ? { user } : {}),
    };
  }

  itemCounts(source: MediaSource): { ok: number; missing: number } {
    const rows = this.db.prepare("SELECT status, COUNT(*) AS n FROM media_files WHERE source_id = ? GROUP BY status").all(source.id) as Array<{ status: string; n: number }>;
    const count = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    return { ok: count('ok'), missing: count('missing') + count('unplayable') };
  }

  /** The source's collections and playlists with their members on the air now (schedule content). */
  collectionsOf(source: MediaSource): Array<{ name: string; items: number }> {
    return this.db
      .prepare("SELECT c.name AS name, COUNT(*) AS items FROM media_collections c JOIN media_files f ON f.id = c.media_file_id WHERE c.source_id = ? AND f.status = 'ok' GROUP BY c.name ORDER BY c.name LIMIT 500")
      .all(source.id) as Array<{ name: string; items: number }>;
  }

  /** `at`: the scheduler's clock (ISO), which says when the source is due again. */
  syncStarted(source: MediaSource, at: string): void {
    this.db.prepare(`UPDATE media_sources SET last_sync_status = 'running', last_sync_started_at = ?, last_sync_error = NULL WHERE id = ?`).run(at, source.id);
  }

  syncFinished(source: MediaSource, outcome: { ok: true; cursorMs: number | null; info?: ServerInfo } | { ok: false; error: string }, at: string = new Date().toISOString()): void {
    if (outcome.ok) {
      this.db
        .prepare(`UPDATE media_sources SET last_sync_status = 'ok', last_sync_finished_at = ?, last_sync_error = NULL, last_sync_cursor_ms = ?, server_name = COALESCE(?, server_name), server_version = COALESCE(?, server_version), server_id = COALESCE(?, server_id) WHERE id = ?`)
        .run(at, outcome.cursorMs, outcome.info?.name ?? null, outcome.info?.version ?? null, outcome.info?.id ?? null, source.id);
    } else {
      // The cursor stays: the next sync asks again for everything since the last one that finished.
      this.db.prepare(`UPDATE media_sources SET last_sync_status = 'failed', last_sync_finished_at = ?, last_sync_error = ? WHERE id = ?`).run(at, outcome.error.slice(0, 2000), source.id);
    }
  }

  /** A sync that was running when the server stopped did not finish. */
  markInterruptedSyncs(): void {
    this.db.prepare("UPDATE media_sources SET last_sync_status = 'failed', last_sync_error = 'interrupted: Retrovue stopped while it ran' WHERE last_sync_status = 'running'").run();
  }
}
