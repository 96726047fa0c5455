import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { GoLiveService } from '../live/go-live.js';
import { LiveSources } from '../live/live-sources.js';
import type { Logger } from '../logging/logger.js';
import type { Airing } from '../timeline/types.js';
import { registerSecret } from '../logging/redact.js';
import { registerGoLiveRoutes } from '../server/routes/go-live-routes.js';
import { registerLiveSourceRoutes } from '../server/routes/live-source-routes.js';

const TAKE_MESSAGES = {
  start: 'go live now: the channel takes the live source',
  stop: 'live take ended: back to the timeline',
  camera: 'camera taken: the live event cuts to it',
} as const;

export interface LiveWiring {
  live: LiveSources;
  /** "Go live now" takes, laid over the channels' timelines (src/live/go-live.ts). */
  goLive: GoLiveService;
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
export function createLiveWiring(options: {
  db: Database;
  ffmpegPath: string;
  log: Logger;
  httpPort: number;
  /** Channel numbers that exist now, and what to tell playout when takes start or end: asked only once the server runs. */
  playout: { channelNumbers: () => number[]; onAirChanged: (channels: number[]) => void; timelineAiringAt: (channel: number, tMs: number) => Airing | undefined };
}): LiveWiring {
  const live = new LiveSources({ db: options.db, ffmpegPath: options.ffmpegPath, log: options.log.child({ component: 'live' }), onSecret: registerSecret, reservedPorts: [options.httpPort] });
  const log = options.log.child({ component: 'live' });
  const goLive = new GoLiveService({
    sourceName: (id) => live.get(id)?.row.name,
    channelNumbers: () => options.playout.channelNumbers(),
    onAirChanged: (channels) => options.playout.onAirChanged(channels),
    timelineAiringAt: (channel, tMs) => options.playout.timelineAiringAt(channel, tMs),
    onTake: (take, change) => log.info({ channel: take.channel, source: take.sourceId, title: take.title, until: change === 'start' && !take.untilStopped ? new Date(take.endMs).toISOString() : undefined }, TAKE_MESSAGES[change]),
  });
  return {
    live,
    goLive,
    registerRoutes: (app) => {
      registerLiveSourceRoutes(app, { live });
      registerGoLiveRoutes(app, goLive);
    },
    start: () => live.start(),
    stop: () => live.stop(),
  };
}
