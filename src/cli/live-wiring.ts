import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { LiveSources } from '../live/live-sources.js';
import type { Logger } from '../logging/logger.js';
import { registerSecret } from '../logging/redact.js';
import { registerLiveSourceRoutes } from '../server/routes/live-source-routes.js';

export interface LiveWiring {
  live: LiveSources;
  registerRoutes(app: FastifyInstance): void;
  /** Every source's ingest, once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Live sources (src/live/), wired for serve: the sources and their ingests, the API routes.
 * Every key is known to the log redactor before any ingest starts. Kept out of serve-command
 * so the composition root stays small.
 */
export function createLiveWiring(options: { db: Database; ffmpegPath: string; log: Logger; httpPort: number }): LiveWiring {
  const live = new LiveSources({ db: options.db, ffmpegPath: options.ffmpegPath, log: options.log.child({ component: 'live' }), onSecret: registerSecret, reservedPorts: [options.httpPort] });
  return {
    live,
    registerRoutes: (app) => registerLiveSourceRoutes(app, { live }),
    start: () => live.start(),
    stop: () => live.stop(),
  };
}
