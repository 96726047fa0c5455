import type { Database } from 'better-sqlite3';
import type { Logger } from '../logging/logger.js';
import { LiveIngest } from './live-ingest.js';
import { LiveSourceStore, type LiveSourceRow } from './live-source-store.js';
import type { LiveStatusSnapshot } from './live-status.js';
import { decodeThumbnail, LiveThumbnailError } from './live-thumbnail.js';
import { generateLiveKey, LIVE_ID_PATTERN, MAX_LIVE_NAME_CHARS, parseLiveUrl, urlPassword, type LiveEndpoint } from './live-url.js';
import type { ChunkListener } from './ts-ring.js';

export class LiveSourceError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LiveSourceError';
  }
}

export interface LiveSourceView {
  row: LiveSourceRow;
  endpoint: LiveEndpoint;
  status: LiveStatusSnapshot;
  refusedPublishers: number;
}

/** A thumbnail is made at most this often per source; between, the last one is answered. */
export const THUMBNAIL_CACHE_MS = 2000;
const MAX_THUMBNAILS_AT_ONCE = 2;

export interface LiveSourcesOptions {
  db: Database;
  ffmpegPath: string;
  log: Logger;
  /** Told every secret (push keys, camera passwords) before anything could log it. */
  onSecret: (secret: string) => void;
  /** Ports this server already uses (its HTTP port): no push source may listen there. */
  reservedPorts?: number[];
}

/**
 * The live sources (issue 25, first slice): defined and kept (LiveSourceStore), each ingested
 * by its own LiveIngest while the server runs. What playout will need: `subscribe(id, onChunk)`
 * for the source's MPEG-TS as it arrives, and `isUp(id)` to know whether it flows now (the
 * shape playout's `LiveFeeds` asks for, src/playout/live-feed.ts: a live block airs through it).
 */
export class LiveSources {
  readonly store: LiveSourceStore;
  private readonly ingests = new Map<string, LiveIngest>();
  private readonly thumbnails = new Map<string, { at: number; jpeg: Promise<Buffer> }>();
  private thumbnailsRunning = 0;
  private running = false;

  constructor(private readonly options: LiveSourcesOptions) {
    this.store = new LiveSourceStore(options.db);
    for (const row of this.store.list()) this.registerSecrets(row);
  }

  private registerSecrets(row: LiveSourceRow): void {
    if (row.key) this.options.onSecret(row.key);
    const password = urlPassword(row.url);
    if (password) this.options.onSecret(password);
  }

  private endpointOf(row: LiveSourceRow): LiveEndpoint {
    const parsed = parseLiveUrl(row.url);
    if (!parsed.ok) throw new LiveSourceError('bad_request', `live source ${row.id}: ${parsed.message}`, 'url');
    return parsed.endpoint;
  }

  list(): LiveSourceView[] {
    return this.store.list().map((row) => this.view(row));
  }

  get(id: string): LiveSourceView | undefined {
    const row = this.store.get(id);
    return row ? this.view(row) : undefined;
  }

  private view(row: LiveSourceRow): LiveSourceView {
    const ingest = this.ingests.get(row.id);
    const status: LiveStatusSnapshot = ingest?.snapshot() ?? { state: 'waiting', since: row.updatedAt, lastError: null, bytesPerSecond: 0, video: null, audio: null, connections: 0 };
    return { row, endpoint: this.endpointOf(row), status, refusedPublishers: ingest?.refusedPublishers ?? 0 };
  }

  private checkName(name: unknown): string {
    if (typeof name !== 'string' || name.trim().length === 0) throw new LiveSourceError('bad_request', 'name is required', 'name');
    if (name.length > MAX_LIVE_NAME_CHARS) throw new LiveSourceError('bad_request', `name is longer than ${MAX_LIVE_NAME_CHARS} characters`, 'name');
    return name.trim();
  }

  private checkUrl(url: string, id: string): LiveEndpoint {
    const parsed = parseLiveUrl(url);
    if (!parsed.ok) throw new LiveSourceError('bad_request', parsed.message, 'url');
    const endpoint = parsed.endpoint;
    if (endpoint.kind === 'push') {
      if (this.options.reservedPorts?.includes(endpoint.port)) throw new LiveSourceError('conflict', `port ${endpoint.port} is this server's own port: choose another for the push source`, 'url');
      // One listener per port: a second would fail to bind and never receive its encoder.
      const twin = this.store.list().find((other) => other.id !== id && (() => {
        const parsedOther = parseLiveUrl(other.url);
        return parsedOther.ok && parsedOther.endpoint.kind === 'push' && parsedOther.endpoint.port === endpoint.port;
      })());
      if (twin) throw new LiveSourceError('conflict', `port ${endpoint.port} is already the push port of live source ${twin.id}: choose another`, 'url');
    }
    return endpoint;
  }

  /** A new source; its key (push sources) is in the answer, the only time it is shown unasked. */
  create(input: { id: string; name: string; url: string }): { view: LiveSourceView; key: string | undefined } {
    if (!LIVE_ID_PATTERN.test(input.id)) throw new LiveSourceError('bad_request', 'id must be 1 to 32 of a-z, 0-9 and -', 'id');
    const name = this.checkName(input.name);
    if (this.store.get(input.id)) throw new LiveSourceError('conflict', `live source ${input.id} exists: change it with PATCH /api/live/sources/${input.id}`, 'id');
    const endpoint = this.checkUrl(input.url, input.id);
    const key = endpoint.kind === 'push' ? generateLiveKey() : undefined;
    const row = { id: input.id, name, url: input.url, key };
    this.registerSecrets({ ...row, createdAt: '', updatedAt: '' });
    const saved = this.store.insert(row);
    this.startIngest(saved);
    return { view: this.view(saved), key };
  }

  /** A new name or URL; a source that becomes a push source gets a key (shown in this answer). */
  async update(id: string, change: { name?: string; url?: string }): Promise<{ view: LiveSourceView; key: string | undefined }> {
    const row = this.store.get(id);
    if (!row) throw new LiveSourceError('not_found', `no live source ${id}: GET /api/live/sources lists them`, 'id');
    const name = change.name === undefined ? row.name : this.checkName(change.name);
    const url = change.url ?? row.url;
    const endpoint = this.checkUrl(url, id);
    let key = endpoint.kind === 'push' ? row.key : undefined;
    const newKey = endpoint.kind === 'push' && !key ? generateLiveKey() : undefined;
    key ??= newKey;
    this.registerSecrets({ ...row, url, key });
    const saved = this.store.update(id, { name, url, key });
    if (url !== row.url) await this.restartIngest(saved);
    return { view: this.view(saved), key: newKey };
  }

  /** A fresh key: the old one stops working at once (a publisher using it is cut off). */
  async rotateKey(id: string): Promise<{ view: LiveSourceView; key: string }> {
    const row = this.store.get(id);
    if (!row) throw new LiveSourceError('not_found', `no live source ${id}: GET /api/live/sources lists them`, 'id');
    if (this.endpointOf(row).kind !== 'push') throw new LiveSourceError('bad_request', `live source ${id} is pulled: it has no key`, 'id');
    const key = generateLiveKey();
    this.options.onSecret(key);
    const saved = this.store.update(id, { name: row.name, url: row.url, key });
    await this.restartIngest(saved);
    return { view: this.view(saved), key };
  }

  async remove(id: string): Promise<boolean> {
    const ingest = this.ingests.get(id);
    this.ingests.delete(id);
    this.thumbnails.delete(id);
    await ingest?.stop();
    return this.store.remove(id);
  }

  /** Every new chunk of the source's MPEG-TS (for a live airing); undefined when no such source runs. */
  subscribe(id: string, listener: ChunkListener): (() => void) | undefined {
    return this.ingests.get(id)?.subscribe(listener);
  }

  /** Whether the source's stream flows now (bytes within the last 2 s). */
  isUp(id: string): boolean {
    return this.ingests.get(id)?.isUp() ?? false;
  }

  /**
   * Whether the source's stream carries sound, as its ingest read the stream it opened; undefined
   * while the source is not up or its streams are not known (a live airing then assumes sound).
   */
  hasAudio(id: string): boolean | undefined {
    const ingest = this.ingests.get(id);
    if (!ingest?.isUp()) return undefined;
    const { video, audio } = ingest.snapshot();
    return video || audio ? audio !== null : undefined;
  }

  /** Whether a source with this id is defined (a schedule may only air one that is). */
  has(id: string): boolean {
    return this.store.get(id) !== undefined;
  }

  /** A JPEG of the source now: at most one decode per source every 2 s and two at once in all. */
  thumbnail(id: string): Promise<Buffer> {
    const ingest = this.ingests.get(id);
    if (!ingest) return Promise.reject(new LiveSourceError('not_found', `no live source ${id}`, 'id'));
    const now = Date.now();
    const cached = this.thumbnails.get(id);
    if (cached && now - cached.at < THUMBNAIL_CACHE_MS) return cached.jpeg;
    if (!ingest.isUp()) return Promise.reject(new LiveThumbnailError('no_picture', `live source ${id} is ${ingest.status.state}: no picture`));
    if (this.thumbnailsRunning >= MAX_THUMBNAILS_AT_ONCE) return Promise.reject(new LiveThumbnailError('busy', 'thumbnails are being made: ask again in a second'));
    this.thumbnailsRunning += 1;
    // All the ring holds (5 s): the decode needs a keyframe, and encoders send one every 1 to 4 s.
    const jpeg = decodeThumbnail(this.options.ffmpegPath, ingest.ring.recent(now)).finally(() => {
      this.thumbnailsRunning -= 1;
    });
    const entry = { at: now, jpeg };
    this.thumbnails.set(id, entry);
    // A failure is not kept: the next ask tries again.
    jpeg.catch(() => {
      if (this.thumbnails.get(id) === entry) this.thumbnails.delete(id);
    });
    return jpeg;
  }

  private startIngest(row: LiveSourceRow): void {
    if (!this.running) return;
    let endpoint: LiveEndpoint;
    try {
      endpoint = this.endpointOf(row);
    } catch (error) {
      this.options.log.error({ err: error }, `live source ${row.id} cannot start`);
      return;
    }
    const ingest = new LiveIngest({ id: row.id, endpoint, key: row.key, ffmpegPath: this.options.ffmpegPath, log: this.options.log });
    this.ingests.set(row.id, ingest);
    ingest.start();
  }

  private async restartIngest(row: LiveSourceRow): Promise<void> {
    const old = this.ingests.get(row.id);
    this.ingests.delete(row.id);
    this.thumbnails.delete(row.id);
    await old?.stop();
    this.startIngest(row);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const row of this.store.list()) this.startIngest(row);
  }

  async stop(): Promise<void> {
    this.running = false;
    const ingests = [...this.ingests.values()];
    this.ingests.clear();
    await Promise.all(ingests.map((ingest) => ingest.stop()));
  }
}
