import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { MAX_POSTER_BYTES, type RemotePosterFetcher } from '../library/metadata/posters.js';
import type { Logger } from '../logging/logger.js';
import { registerSecret } from '../logging/redact.js';
import { registerSourceRoutes } from '../server/routes/source-routes.js';
import { createMediaServerClient } from '../sources/clients/index.js';
import type { MediaServerClient, SourceConnection } from '../sources/media-server.js';
import { setMediaServerResolver, type MediaServerResolver } from '../ffmpeg/media-input.js';
import { createMediaServerResolver, createRemotePosterFetcher } from '../sources/media-server-resolver.js';
import { SourceSecrets } from '../sources/source-secrets.js';
import { SourceStore } from '../sources/source-store.js';
import { SourceSyncs } from '../sources/sync-scheduler.js';

export interface SourceWiring {
  store: SourceStore;
  syncs: SourceSyncs;
  /** "media-server:…" path → the URL and headers a renderer reads, or why it cannot air. */
  resolve: MediaServerResolver;
  posterFetcher: RemotePosterFetcher;
  registerRoutes(app: FastifyInstance): void;
  /** The sync schedule (each source every sync_interval_minutes), once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Media servers as library sources (src/sources/), wired for serve: the store and its secrets
 * file, the syncs and their schedule, the API routes, the playback resolver and the poster
 * fetcher. Kept out of serve-command so the composition root stays small.
 */
export function createSourceWiring(options: { db: Database; dataDir: string; log: Logger; libraryChanged: () => void | Promise<void>; clientFor?: (connection: SourceConnection) => MediaServerClient }): SourceWiring {
  const log = options.log.child({ component: 'sources' });
  const clientFor = options.clientFor ?? ((connection: SourceConnection) => createMediaServerClient(connection));
  const secrets = new SourceSecrets(options.dataDir, { warn: (message) => log.warn(message), onSecret: registerSecret });
  // Read at start: every stored secret is known to the log redactor before anything could log it.
  secrets.preload();
  const store = new SourceStore(options.db, secrets);
  const syncs = new SourceSyncs({ db: options.db, store, clientFor, log, libraryChanged: options.libraryChanged });
  const resolverOptions = { db: options.db, store, clientFor, onSecret: registerSecret };
  const resolve = createMediaServerResolver(resolverOptions);
  // Every reader of media (renderers, the cache, thumbnails, subtitles) streams a media-server item through it.
  setMediaServerResolver(resolve);
  return {
    store,
    syncs,
    resolve,
    posterFetcher: createRemotePosterFetcher({ ...resolverOptions, maxBytes: MAX_POSTER_BYTES }),
    registerRoutes: (app) =>
      registerSourceRoutes(app, {
        store,
        syncs,
        clientFor,
        libraryChanged: () => void Promise.resolve().then(options.libraryChanged).catch((error: unknown) => log.warn({ err: error }, 'a media server was removed but the channels could not be told')),
      }),
    start: () => syncs.startSchedule(),
    // The resolver stays: the channels, closed after this, may still read an item's stream.
    stop: () => syncs.stop(),
  };
}

/**
 * For a command that reads media outside serve (`retrovue cache fill`): media-server items
 * stream through the same resolver serve registers, with every stored secret known to the log
 * redactor first. No routes, no sync schedule.
 */
export function useMediaServersForReading(options: { db: Database; dataDir: string; warn: (message: string) => void }): void {
  const secrets = new SourceSecrets(options.dataDir, { warn: options.warn, onSecret: registerSecret });
  secrets.preload();
  const store = new SourceStore(options.db, secrets);
  setMediaServerResolver(createMediaServerResolver({ db: options.db, store, clientFor: (connection) => createMediaServerClient(connection), onSecret: registerSecret }));
}
