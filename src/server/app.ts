import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ChannelDirectory } from '../channels/channel-info.js';
import type { ChannelTimelines } from '../channels/channel-timelines.js';
import type { RetrovueConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { DataDisk } from '../disk/data-disk.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import type { Catalog } from '../library/catalog.js';
import type { LibraryScanJob } from '../library/scan-job.js';
import type { LiveTv } from '../livetv/live-tv.js';
import type { Logger } from '../logging/logger.js';
import type { LogTail } from '../logging/log-tail.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import type { AlertService } from '../alerts/alert-service.js';
import { AdminCredential } from './access/admin-token.js';
import { ProxyTrust } from './access/client-address.js';
import { HostAllowList } from './access/host-allow-list.js';
import { registerSecurityHeaders } from './access/security-headers.js';
import { registerWriteGuard } from './access/write-guard.js';
import { registerCors } from './cors.js';
import { codeForStatus, sendError } from './errors.js';
import { ApiOperationRegistry } from './openapi/route-table.js';
import { registerAlertRoutes } from './routes/alert-routes.js';
import { registerApiRoutes } from './routes/api-routes.js';
import type { StationStatusAnswer } from './openapi/api-schemas.js';
import { registerChannelRoutes } from './routes/channel-routes.js';
import { registerDocsRoutes } from './routes/docs-routes.js';
import { registerLogoRoutes } from './routes/logo-routes.js';
import { registerMonitorRoutes } from './routes/monitor-routes.js';
import { libraryLanguageLookup, registerGuideRoutes } from './routes/guide-routes.js';
import { ChannelOutputs } from '../playout/channel-outputs.js';
import { registerScheduleRoutes } from './routes/schedule-routes.js';
import { registerCapacityRoutes } from './routes/capacity-routes.js';
import type { Capacity } from '../capacity/capacity.js';
import type { OverloadWatch } from '../capacity/overload-actuator.js';
import { registerLivetvRoutes } from './routes/livetv-routes.js';
import { registerMediaRoutes } from './routes/media-routes.js';
import { registerPosterRoutes } from './routes/poster-routes.js';
import type { RemotePosterFetcher } from '../library/metadata/posters.js';
import { registerWebRoutes } from './routes/web-routes.js';
import { registerLanguageRoutes } from './routes/language-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerHttpMetrics } from '../metrics/http-metrics.js';
import { StationMetrics } from '../metrics/station-metrics.js';

/**
 * What serve hands the HTTP app. Each route file is given only the parts it uses (its own
 * `…RoutesContext`), picked out in buildApp.
 */
export interface AppContext {
  config: RetrovueConfig;
  toolchain: Toolchain;
  /**
   * The channels on the air (started by viewers, stopped when idle). Named for its folder:
   * "channels" alone would be the stored channels (`directory`, `timelines.store`) or the config list.
   */
  playout: ChannelManager;
  /** Channel identities (name, call sign, logo, group) for the guide, M3U and lineup. */
  directory: ChannelDirectory;
  log: Logger;
  startedAtMs: number;
  /** The open database (closed by serve on shutdown) and the library read through it. */
  db: Database;
  catalog: Catalog;
  /** Rescans of the library folders from the control room (absent in tools that build the app without serve). */
  libraryScan?: LibraryScanJob;
  /** Each channel's timeline (loop or compiled), stored channels and their edits: the API and the guide read it. */
  timelines: ChannelTimelines;
  /** Tuner identity, tuner pool and logos (made by serve; shared by the .ts route and the Live TV routes). */
  liveTv: LiveTv;
  /** Emergency alerts: sent over the API, laid over the channels' timelines by playout. */
  alerts: AlertService;
  /** The last log lines, for the web monitor (absent in tools that build the app without serve). */
  logTail?: LogTail;
  /** The media cache's totals and fill queue (src/cache), for /api/health; absent when off. */
  mediaCache?: { summary(): Record<string, unknown> };
  /** Capacity (src/capacity): the cost check of channel changes, /api/capacity and the overload ladder; absent in tools without serve. */
  capacity?: { service: Capacity; overload: Pick<OverloadWatch, 'state'> };
  /** The data disk: free space, write errors, its warnings (src/disk); absent in tools that build the app without serve. */
  disk?: DataDisk;
  /** Server-wide warnings beyond the disk's (the cache fill paused…), for the monitor. */
  serverWarnings?: () => string[];
  /** The first run's demo station coming up (src/demo/demo-preparation.ts): /api/health says how far, channels answer 503 until they are on the air. */
  station?: () => StationStatusAnswer;
  /** Fetches a media-server item's poster for /media/{id}/poster (wired by serve with the sources); absent: only local posters are served. */
  remotePosterFetcher?: RemotePosterFetcher;
}

export function buildApp(context: AppContext): FastifyInstance {
  const { server } = context.config;
  const proxies = new ProxyTrust(server.trust_proxy);
  const app = Fastify({
    // Per-request lines would drown the log (players poll playlists every second or two).
    loggerInstance: context.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // HEAD is answered explicitly where it matters: an automatic HEAD would run the GET
    // handler and start an encoder for a probe that only wants headers.
    exposeHeadRoutes: false,
    // Behind a reverse proxy, the client's address comes from X-Forwarded-For — only through
    // the proxies server.trust_proxy names (never "everyone": the leftmost entry is the client's
    // own claim). The write guard decides on the same rule (access/client-address.ts).
    trustProxy: proxies.fastifyOption(),
    // A client has server.request_timeout to send its whole request; a body trickled in a byte
    // at a time is cut off with 408 instead of holding a connection for ever. Node checks the
    // deadline every connectionsCheckingInterval, so that is kept well under the timeout.
    requestTimeout: server.request_timeout * 1000,
    // At shutdown, requests still in flight (a keep-alive PUT waiting for its recompile, a
    // viewer's .ts stream) are cut rather than holding the exit up to the forced one.
    forceCloseConnections: true,
    http: {
      connectionsCheckingInterval: Math.min(1000, (server.request_timeout * 1000) / 4),
      headersTimeout: Math.min(60_000, server.request_timeout * 1000),
    },
  });

  // Before any route: every route declared with defineRoute, here or added later by serve, is
  // recorded for the OpenAPI document.
  const apiOperations = new ApiOperationRegistry(app);

  app.setNotFoundHandler((request, reply) => {
    void sendError(reply, 404, 'not_found', `no such resource: ${request.method} ${request.url}`);
  });
  // Fastify's own refusals (malformed JSON, a body too large, an unknown content type) and
  // anything thrown get the same shape as the routes' answers.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    // A write the database could not make (SQLITE_FULL, SQLITE_IOERR: a full or failing data
    // disk) is the disk's fault, not the request's: reported with the disk's errors, and 507.
    if (context.disk && !error.statusCode && /^SQLITE_(FULL|IOERR)/.test(String((error as { code?: unknown }).code))) {
      context.disk.report('database', context.config.data_dir, error);
      return void sendError(reply, 507, 'insufficient_storage', `the database could not be written (${(error as { code?: string }).code}): the data disk in ${context.config.data_dir} is full or failing; nothing was changed`);
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) context.log.error({ err: error }, 'request failed');
    void sendError(reply, status, codeForStatus(status), status >= 500 ? `internal error: ${error.message}` : error.message);
  });

  // First of the hooks, so requests the guards refuse are timed too.
  const metrics = new StationMetrics();
  const hlsViewers = registerHttpMetrics(app, {
    registry: metrics.registry,
    isChannel: (n) => context.playout.channel(n) !== undefined,
    segmentDurationSeconds: context.config.streaming.segment_duration,
  });
  const credential = new AdminCredential(context.config.data_dir, server.admin_password);
  registerSecurityHeaders(app);
  registerWriteGuard(app, {
    credential,
    readOnlyLan: server.read_only_lan,
    proxies,
    hosts: new HostAllowList({ publicUrl: server.public_url, allowedHosts: server.allowed_hosts }),
    log: app.log,
  });
  registerCors(app);
  const { config, playout, timelines, alerts } = context;
  const station = context.station;
  const overload = context.capacity ? () => context.capacity!.overload.state() : undefined;
  const capacityNow = context.capacity
    ? () => {
        const service = context.capacity!.service;
        const round = (cores: number) => Math.round(cores * 100) / 100;
        return { cores: service.cores, usableCores: round(service.usableCores), inUseCores: round(service.inUseCores()) };
      }
    : undefined;
  const notOnAirYet = station ? () => { const now = station(); return now.channelsOnAir ? undefined : now.message; } : undefined;
  registerChannelRoutes(app, { playout, segmentDurationSeconds: config.streaming.segment_duration, tuners: context.liveTv.tuners, ...(notOnAirYet ? { notOnAirYet } : {}) });
  registerApiRoutes(app, { playout, toolchain: context.toolchain, mode: config.streaming.mode, startedAtMs: context.startedAtMs, mediaCache: context.mediaCache, disk: context.disk, ...(station ? { station } : {}), ...(overload ? { overload } : {}), ...(capacityNow ? { capacity: capacityNow } : {}) });
  // What the guide and the timeline say of a programme's subtitles and language: the library's tracks under each channel's languages.
  const outputs = new ChannelOutputs(config, timelines);
  const languages = libraryLanguageLookup(context.db, (n) => outputs.languagesOf(n));
  registerScheduleRoutes(app, { timelines, guide: config.guide, alerts, languages, ...(context.capacity ? { capacity: context.capacity.service } : {}) });
  if (context.capacity) registerCapacityRoutes(app, { capacity: context.capacity.service });
  registerLanguageRoutes(app, { timelines, languagesOf: (n) => outputs.languagesOf(n) });
  registerGuideRoutes(app, { guide: config.guide, directory: context.directory, timelines, languages });
  registerMediaRoutes(app, {
    db: context.db,
    thumbnails: { dir: path.join(config.data_dir, 'thumbnails'), ffmpegPath: context.toolchain.ffmpegPath },
    timelines,
    log: context.log,
    libraryScan: context.libraryScan,
  });
  registerPosterRoutes(app, { db: context.db, dataDir: config.data_dir, log: context.log, ...(context.remotePosterFetcher ? { fetchRemote: context.remotePosterFetcher } : {}) });
  registerLivetvRoutes(app, { config, liveTv: context.liveTv, directory: context.directory, log: context.log });
  registerAlertRoutes(app, { alerts, maxAlertSeconds: config.alerts.max_duration });
  registerLogoRoutes(app, timelines.store, config.data_dir);
  registerMonitorRoutes(app, { playout, startedAtMs: context.startedAtMs, logTail: context.logTail, disk: context.disk, serverWarnings: context.serverWarnings, ...(overload ? { overload } : {}) });
  metrics.attach({
    // The health document as the API answers it (disk and capacity included where reported): one source for both.
    health: async () => (await app.inject({ method: 'GET', url: '/api/health' })).json(),
    alertsOnAir: () => alerts.list({ limit: 1, offset: 0 }).active.length,
    dataDir: config.data_dir,
    hlsViewers,
  });
  registerMetricsRoutes(app, { metrics, credential, open: config.metrics.public });
  registerDocsRoutes(app, apiOperations);
  registerWebRoutes(app);
  return app;
}
