import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ChannelRequestError, ChannelStore } from '../channels/channel-store.js';
import { ChannelTimelines } from '../channels/channel-timelines.js';
import { ConfigError, loadConfig, playoutWasChosen, type ServeFlags } from '../config/load.js';
import { demoStationWasSeeded, seedDemoStation } from '../demo/demo-station.js';
import type { RetrovueConfig } from '../config/schema.js';
import { openDatabase, type Database } from '../db/database.js';
import { demoLibraryIsPresent } from '../demo/generate-demo-library.js';
import { killAllChildrenNow } from '../ffmpeg/process-registry.js';
import { probeToolchain, ToolchainError, type Toolchain } from '../ffmpeg/toolchain.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { LogTail } from '../logging/log-tail.js';
import { DeviceIdentityError } from '../livetv/device-identity.js';
import { createLiveTv } from '../livetv/live-tv.js';
import { loopItemsOf } from '../timeline/loop-timeline.js';
import type { Catalog, CatalogItem } from '../library/catalog.js';
import { LibraryFolderError } from '../library/file-walker.js';
import { libraryLayout, type LibraryLayout } from '../library/folder-rules.js';
import { LibraryFolders } from '../library/library-folders.js';
import { scanWithProgressBar, summaryLine } from '../library/progress.js';
import { LibraryScanJob, rescanSoon } from '../library/scan-job.js';
import { scanLibrary, type ScanProgress, type ScanSummary } from '../library/scanner.js';
import { createSqliteCatalog } from '../library/sqlite-catalog.js';
import { ChannelManager } from '../playout/channel-manager.js';
import { handOverLeadSeconds } from '../playout/channel-session.js';
import type { FillQueue } from '../cache/fill-queue.js';
import { stationFillQueue } from '../cache/fill-wiring.js';
import { MediaCache } from '../cache/media-cache.js';
import { ChannelFactory, playoutSettings } from '../playout/channel-factory.js';
import { ChannelDegradation } from '../capacity/overload-actuator.js';
import { StationWatch } from './station-watch.js';
import { ChannelOutputs } from '../playout/channel-outputs.js';
import { ensureAdminToken } from '../server/access/admin-token.js';
import { timelineSpans } from '../schedule/compiled-timeline.js';
import { listeningTcpPorts, proxyAdviceAtStart } from '../server/access/client-address.js';
import { buildApp } from '../server/app.js';
import { GraphicsConfigError } from '../config/graphics-settings.js';
import { GraphicsStore } from '../graphics/graphics-store.js';
import { GraphicsPlanner } from '../graphics/planner.js';
import { renderGraphicsPreview } from '../graphics/preview.js';
import { registerGraphicsRoutes } from '../server/routes/graphics-routes.js';
import { registerLibraryFolderRoutes } from '../server/routes/library-folder-routes.js';
import { SecretsFileError } from '../sources/source-secrets.js';
import { createSourceWiring, type SourceWiring } from './source-wiring.js';
import { createLiveWiring, type LiveWiring } from './live-wiring.js';
import type { LiveFeeds } from '../playout/live-feed.js';
import type { LiveTakes } from '../live/go-live.js';
import { SchedulingService } from '../schedule/scheduling-service.js';
import { defaultDemoDir } from './demo-media-command.js';
import { DemoPreparation } from '../demo/demo-preparation.js';
import { AlertService } from '../alerts/alert-service.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { AlertSource } from '../alerts/alert-timeline.js';
import { SubtitleLibrary, subtitleCacheDir } from '../library/subtitles/subtitle-library.js';
import type { SubtitleCueSource } from '../subtitles/cue.js';

class StartupError extends Error {}

/**
 * The media folders to scan: the config file's and those added from the control room; with
 * none at all, the demo library, entered as an added folder so the control room lists it and
 * the user can replace it with their own. `demoToPrepare` is set when the demo library is not
 * complete yet: serve listens first and prepares it in the background (src/demo/demo-preparation.ts).
 */
function resolveLibraryLayout(config: RetrovueConfig, configFile: string | undefined, log: Logger, folders: LibraryFolders): { layout: LibraryLayout; demoToPrepare?: string } {
  const layout = libraryLayout(config, configFile, folders.rules());
  const demoDir = defaultDemoDir(config.data_dir);
  const complete = demoLibraryIsPresent(demoDir);
  // A first run stopped half way registered the demo folder already: it goes on where it stopped.
  const demoListed = layout.roots.some((root) => path.resolve(root) === path.resolve(demoDir));
  if (demoListed && !complete) return { layout, demoToPrepare: demoDir };
  if (layout.roots.length > 0) return { layout };
  if (!complete) {
    log.info('no media folders configured: the demo library is made in the background (first run only)');
    // Scanned at start like any folder: after a restart mid-render, the files already made.
    mkdirSync(demoDir, { recursive: true });
  }
  folders.add({ path: demoDir }, []);
  return { layout: libraryLayout(config, configFile, folders.rules()), ...(complete ? {} : { demoToPrepare: demoDir }) };
}

/**
 * Seconds beyond the hand-over lead that a demo programme joins a unit in progress after now:
 * room for the event loop and the ladder's rungs, so nothing already handed over is ever changed.
 */
const JOIN_MARGIN_SECONDS = 2;

/** The demo library's render profile: `tiny` (RETROVUE_DEMO_SIZE=tiny) only for tests and benches of the first run. */
function demoSize(): 'full' | 'tiny' {
  return process.env.RETROVUE_DEMO_SIZE === 'tiny' ? 'tiny' : 'full';
}

/** One scan of the server's library folders; with no progress callback, a progress bar on the terminal. */
export type LibraryScan = (onProgress?: (progress: ScanProgress) => void) => Promise<ScanSummary>;

/**
 * The server's scan of its library folders (incremental: unchanged files are not probed), each
 * unplayable file and the summary logged. Run at start, and again on request from the control
 * room (POST /api/library/scan): the catalog reads the database, so what a rescan adds airs in
 * every schedule compiled after it, as after a restart.
 */
function libraryScanner(config: RetrovueConfig, currentLayout: () => LibraryLayout, toolchain: Toolchain, log: Logger, db: Database): LibraryScan {
  return async (onProgress) => {
    // Read afresh: folders added or removed from the control room count from the next scan.
    const layout = currentLayout();
    // The log names each subtitle file with cues dropped or cut (the control room shows them too).
    const options = { db, roots: layout.roots, rules: layout.rules, ffprobePath: toolchain.ffprobePath, concurrency: config.library.probe_concurrency, log: log.child({ component: 'library' }) };
    const summary = onProgress ? await scanLibrary({ ...options, onProgress }) : await scanWithProgressBar(options, process.stderr);
    for (const file of summary.unplayableFiles) log.warn({ file: file.path, reason: file.reason }, 'unplayable file: it will not air');
    const { unplayableFiles: _listed, ...counts } = summary;
    log.info({ ...counts, folders: layout.roots }, summaryLine(summary));
    return summary;
  };
}

/** Scans the library folders into the database at start; returns the catalog and the scan, for rescans. */
async function loadLibrary(config: RetrovueConfig, configFile: string | undefined, toolchain: Toolchain, log: Logger, db: Database, folders: LibraryFolders): Promise<{ catalog: Catalog; scan: LibraryScan; demoToPrepare?: string }> {
  const { layout, demoToPrepare } = resolveLibraryLayout(config, configFile, log, folders);
  const scan = libraryScanner(config, () => libraryLayout(config, configFile, folders.rules()), toolchain, log, db);
  let summary;
  try {
    summary = await scan();
  } catch (error) {
    if (error instanceof LibraryFolderError) throw new StartupError(error.message);
    throw error;
  }
  const catalog = createSqliteCatalog(db);
  // The demo library being made is empty at first: its channels wait for their sign-on files.
  if (demoToPrepare) return { catalog, scan, demoToPrepare };
  if (catalog.playable().length === 0) {
    throw new StartupError(
      `no playable video in ${layout.roots.join(', ')}` + (summary.unplayable ? ` (${summary.unplayable} file(s) unplayable)` : ''),
    );
  }
  return { catalog, scan };
}

/**
 * Playout wired together: the channels' timelines (which one each channel plays), what each airs
 * at, and the encoders that play them. Channels are made for those that play at start, and
 * later for a channel created over the API, from its first viewer on.
 */
function buildPlayout(
  config: RetrovueConfig,
  toolchain: Toolchain,
  log: Logger,
  channelStore: ChannelStore,
  items: CatalogItem[],
  scheduling: SchedulingService,
  alerts: AlertSource,
  graphics: GraphicsStore,
  mediaCache: MediaCache | undefined,
  subtitleCues: SubtitleCueSource,
  degradation: ChannelDegradation,
  live: LiveFeeds,
  takes: LiveTakes,
): { manager: ChannelManager; timelines: ChannelTimelines; planner: GraphicsPlanner; outputs: ChannelOutputs; factory: ChannelFactory } {
  const timelines = new ChannelTimelines({
    mode: config.streaming.mode,
    store: channelStore,
    scheduling,
    loop: {
      items: loopItemsOf(items),
      channelCount: config.streaming.channels,
      loops: config.streaming.loops,
    },
    stopChannel: (channelNumber) => manager.remove(channelNumber),
    alwaysOnChanged: (channelNumber, alwaysOn) => void manager.alwaysOnChanged(channelNumber, alwaysOn),
  });
  const planner = new GraphicsPlanner({
    ffmpegPath: toolchain.ffmpegPath,
    ffprobePath: toolchain.ffprobePath,
    dataDir: config.data_dir,
    log: log.child({ component: 'graphics' }),
    canDrawText: toolchain.filters.has('drawtext'),
  });
  const outputs = new ChannelOutputs(config, timelines);
  const factory = new ChannelFactory({
    timelines,
    outputs,
    directory: channelStore,
    graphics,
    planner,
    alerts,
    ...(mediaCache ? { mediaCache } : {}),
    subtitleCues,
    toolchain,
    settings: playoutSettings(config),
    log,
    degradation,
    live,
    takes,
  });
  const manager = new ChannelManager({
    idleTimeoutSeconds: config.streaming.idle_timeout,
    // Players reload a live playlist about every target duration: two of them is still watching.
    playlistReloadGraceSeconds: 2 * config.streaming.segment_duration,
    isChannelAlwaysOn: (channelNumber) => timelines.plays(channelNumber) && channelStore.get(channelNumber)?.alwaysOn === true,
    log,
    factory,
  });
  for (const channelNumber of timelines.channelNumbers()) manager.channel(channelNumber);
  return { manager, timelines, planner, outputs, factory };
}

/**
 * The admin token for writes from the network: generated on first start and printed this
 * once (on stderr, so it reaches the terminal even with JSON logs); afterwards only its file
 * is named. `retrovue token` prints it again, `retrovue token --rotate` replaces it.
 */
function announceAdminToken(dataDir: string, log: Logger): void {
  const { token, created, path: file } = ensureAdminToken(dataDir);
  if (created) {
    process.stderr.write(
      `\nretrovue: admin token (needed to change the station from another machine; shown once, kept in ${file}):\n\n    ${token}\n\n` +
        'retrovue: `retrovue token` prints it again, `retrovue token --rotate` replaces it.\n\n',
    );
  } else {
    log.info({ file }, 'admin token for writes from the network is in the data folder (`retrovue token` prints it)');
  }
}

/**
 * Stored channels (config-file `channels`, else 1..streaming.channels, plus any created over
 * the API); the guide and the API use them in every mode.
 */
function buildChannelStore(config: RetrovueConfig, db: Database, graphics: GraphicsStore, demoStation: boolean, log: Logger, liveSourceExists: (id: string) => boolean): ChannelStore {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const channelStore = new ChannelStore(db, zone, { logoFolder: config.server.logo_folder, liveSourceExists });
  const released = channelStore.releaseForeignLogos(path.join(config.data_dir, 'logos'));
  if (released.length) log.warn({ channels: released }, 'channel logos outside the data folder\'s logos/ and server.logo_folder were set over the API before logos were confined there: those channels show their call-sign card until a logo is uploaded');
  if (demoStation && seedDemoStation(channelStore, graphics, config.data_dir, zone)) {
    log.info('first run: the demo station (three scheduled channels) is on the air; change it at /control');
  }
  // The demo station replaces the default "Retrovue 1..N" channels for good, even once edited away.
  if (!(demoStation && demoStationWasSeeded(config.data_dir))) channelStore.seed(config.channels, config.streaming.channels);
  return channelStore;
}

/**
 * The first run's demo station: no media and no channels configured, and no playout mode
 * chosen. It plays the demo library as scheduled channels (schedule mode).
 */
function isDemoStation(config: RetrovueConfig, flags: ServeFlags): boolean {
  return libraryLayout(config, flags.config).roots.length === 0 && config.channels === undefined && !playoutWasChosen(flags);
}

/** The stored channels' compiled timelines (made on first use; played in schedule mode). */
function buildScheduling(config: RetrovueConfig, db: Database, catalog: Catalog, channelStore: ChannelStore, onAir: () => boolean): SchedulingService {
  return new SchedulingService({
    db,
    // While the first run's demo library has no sign-on files yet, no channel has a timeline:
    // nothing is compiled (and stored) from an empty library, and the channels answer 503.
    channel: (channelNumber) => (onAir() ? channelStore.get(channelNumber) : undefined),
    catalog: () => catalog.playable(),
    // The same spans the API's time window is checked against (schedule-routes.ts).
    ...timelineSpans(config.guide),
  });
}

/** `retrovue serve`: returns the process exit code. */
export async function runServeCommand(flags: ServeFlags): Promise<number> {
  let config: RetrovueConfig;
  let demoStation = false;
  try {
    config = loadConfig(flags);
    demoStation = isDemoStation(config, flags);
    if (demoStation) config = { ...config, streaming: { ...config.streaming, mode: 'schedule' } };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logTail = new LogTail();
  const log = createLogger(config.log_level, logTail);
  // No orphan encoders, whatever way this process ends.
  process.once('exit', killAllChildrenNow);
  process.once('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception: stopping');
    killAllChildrenNow();
    process.exit(1);
  });

  let manager: ChannelManager;
  let timelines: ChannelTimelines;
  let toolchain: Toolchain;
  let db: Database | undefined;
  let catalog: Catalog;
  let scanJob: LibraryScanJob;
  let libraryFolders: LibraryFolders;
  let sources: SourceWiring;
  let live: LiveWiring;
  let channelStore: ChannelStore;
  let alerts: AlertService;
  let graphics: GraphicsStore;
  let mediaCache: MediaCache | undefined;
  let planner: GraphicsPlanner;
  let outputs: ChannelOutputs;
  let fillQueue: FillQueue | undefined;
  let preparation: DemoPreparation | undefined;
  // The channels' overload steps: set by the station watch's overload ladder, read by playout.
  const degradation = new ChannelDegradation();
  // Capacity, the data disk, the cache's floor and paging (issue 23).
  let watch: StationWatch;
  try {
    toolchain = await probeToolchain({
      ffmpegPath: config.ffmpeg.path,
      ffprobePath: config.ffmpeg.ffprobe_path,
      requiredEncoders: [config.ffmpeg.video_codec, config.ffmpeg.audio_codec],
    });
    log.info({ version: toolchain.version, hwaccels: toolchain.hwaccels }, 'ffmpeg found');
    mkdirSync(config.data_dir, { recursive: true });
    announceAdminToken(config.data_dir, log);
    // Open for the server's life: the media API and chapter edits use it; closed at shutdown.
    db = openDatabase(config.data_dir);
    libraryFolders = new LibraryFolders(config.data_dir);
    const library = await loadLibrary(config, flags.config, toolchain, log, db, libraryFolders);
    catalog = library.catalog;
    // A rescan from the control room: the same scan as at start; loops then play the new library.
    const playNewLibrary = async (): Promise<void> => {
      const restarted = await timelines.libraryChanged(loopItemsOf(library.catalog.playable()));
      if (restarted.length > 0) {
        log.info({ channels: restarted }, 'library changed: the loops play the new library');
        // As at start: every channel has its session again, and the always-on ones run.
        for (const n of restarted) manager.channel(n);
        await manager.startAlwaysOn();
      }
    };
    scanJob = new LibraryScanJob(async (onProgress) => {
      const summary = await library.scan(onProgress);
      await playNewLibrary();
      return summary;
    });
    // Plex, Jellyfin and Emby libraries (src/sources/): a sync that changes the library is a rescan's equal.
    sources = createSourceWiring({ db, dataDir: config.data_dir, log, libraryChanged: playNewLibrary });
    // Live sources (src/live/): each ingested while the server runs.
    live = createLiveWiring({
      db, ffmpegPath: toolchain.ffmpegPath, log, httpPort: config.streaming.port,
      // A take that starts or is stopped reaches the picture now, as an alert does.
      playout: {
        channelNumbers: () => timelines.channelNumbers(),
        onAirChanged: (numbers) => numbers.forEach((n) => manager.channel(n)?.breakIn()),
        timelineAiringAt: (n, tMs) => timelines.timelineFor(n)?.at(tMs)?.airing,
        openStream: async (n) => (await manager.touch(n))?.session.fanout.addViewer(),
        liveBlockOf: (n, airing) => {
          const content = channelStore.get(n)?.schedule.blocks.find((block) => block.name === airing.program?.block)?.content;
          return content?.type === 'live' ? content : undefined;
        },
      },
      dataDir: config.data_dir,
      libraryGrew: (folder) => {
        const scanned = libraryLayout(config, flags.config, libraryFolders.rules()).roots;
        if (!scanned.some((root) => folder === root || folder.startsWith(`${root}${path.sep}`))) libraryFolders.add({ path: folder }, scanned);
        rescanSoon(scanJob);
      },
    });
    graphics = new GraphicsStore(db, config.graphics);
    channelStore = buildChannelStore(config, db, graphics, demoStation, log, (id) => live.live.has(id));
    if (library.demoToPrepare) {
      const demoDir = library.demoToPrepare;
      preparation = new DemoPreparation({
        ffmpegPath: toolchain.ffmpegPath,
        outputDir: demoDir,
        size: demoSize(),
        log: log.child({ component: 'demo' }),
        scan: async () => void (await library.scan(() => {})),
        signedOn: async () => {
          for (const n of timelines.channelNumbers()) manager.channel(n);
          await manager.startAlwaysOn();
        },
        // A new programme joins each channel's unit in progress (CompiledTimeline.joinInProgress,
        // the first run only; schedule edits reschedule from the next boundary): from the end of
        // the airing playout may already have handed over on, the unit is compiled again with the
        // programme, and each running channel reads its next airing again.
        libraryGrew: () => {
          const leadMs = (handOverLeadSeconds(playoutSettings(config).workAheadSeconds) + JOIN_MARGIN_SECONDS) * 1000;
          for (const n of timelines.channelNumbers()) {
            const joined = scheduling.timeline(n)?.joinInProgress(leadMs);
            if (joined?.joinedAtMs !== undefined) {
              manager.channel(n)?.timelineChanged();
              log.info({ channel: n, at: new Date(joined.joinedAtMs).toISOString() }, 'a new demo programme joins the block on the air');
            }
          }
        },
      });
    }
    const stationPreparation = preparation;
    const scheduling = buildScheduling(config, db, catalog, channelStore, () => stationPreparation?.status().channelsOnAir ?? true);
    graphics.seed(config.channels);
    alerts = new AlertService({
      store: new AlertStore(db),
      channelNumbers: () => timelines.channelNumbers(),
      maxDurationSeconds: config.alerts.max_duration,
      // An alert that starts, is pre-empted or ends early reaches the picture now, not at the next airing.
      onAirChanged: (numbers) => numbers.forEach((n) => manager.channel(n)?.breakIn()),
    });
    mediaCache = config.cache.enabled
      ? new MediaCache({ db, dir: path.join(config.data_dir, 'cache'), ffmpegPath: toolchain.ffmpegPath, ffprobePath: toolchain.ffprobePath, budgetBytes: config.cache.budget_gb * 1e9, onDatabaseWriteError: (error) => watch?.disk.report('database', config.data_dir, error), log: log.child({ component: 'cache' }) })
      : undefined;
    // Subtitle cues for the channels' WebVTT renditions and captions, read from the library on demand.
    const subtitleCues = new SubtitleLibrary({ db, dir: subtitleCacheDir(config.data_dir), ffmpegPath: toolchain.ffmpegPath, log: log.child({ component: 'subtitles' }) });
    let factory: ChannelFactory;
    ({ manager, timelines, planner, outputs, factory } = buildPlayout(config, toolchain, log, channelStore, catalog.playable(), scheduling, alerts, graphics, mediaCache, subtitleCues, degradation, live.live, live.goLive));
    watch = new StationWatch({ config, manager, timelines, outputs, factory, catalog, mediaCache, degradation, log });
    if (mediaCache && config.cache.fill_ahead) {
      fillQueue = stationFillQueue({
        cache: mediaCache,
        timelines,
        outputs,
        bugs: factory,
        playable: () => catalog.playable(),
        runs: () => manager.all().map((channel) => channel.session),
        fillAheadHours: config.cache.fill_ahead_hours,
        loudnessTarget: config.ffmpeg.loudness_target,
        log,
      }, watch.fillHooks());
    }
  } catch (error) {
    db?.close();
    if (error instanceof ToolchainError || error instanceof StartupError || error instanceof SecretsFileError || error instanceof ChannelRequestError || error instanceof GraphicsConfigError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 3;
    }
    throw error;
  }

  let app: ReturnType<typeof buildApp>;
  try {
    const liveTv = createLiveTv(config, toolchain, log, (n) => graphics.brandColour(n));
    const cacheForHealth = mediaCache;
    app = buildApp({
      config, toolchain, playout: manager, directory: channelStore, timelines, liveTv, alerts, log, logTail, startedAtMs: Date.now(), db, catalog, libraryScan: scanJob,
      ...(cacheForHealth ? { mediaCache: { summary: () => watch.cacheHealth(cacheForHealth, fillQueue) } } : {}),
      disk: watch.disk,
      remotePosterFetcher: sources.posterFetcher,
      capacity: { service: watch.capacity, overload: watch.overload },
      serverWarnings: () => watch.serverWarnings(),
      ...(preparation ? { station: () => ({ ...preparation!.status() }) } : {}),
    });
  } catch (error) {
    // e.g. a damaged tuner identity file: say which and how to fix it, rather than crash.
    if (!(error instanceof DeviceIdentityError)) throw error;
    process.stderr.write(`retrovue: ${error.message}\n`);
    db.close();
    return 3;
  }
  registerLibraryFolderRoutes(app, {
    folders: libraryFolders,
    configured: () => libraryLayout(config, flags.config),
    scanned: () => libraryLayout(config, flags.config, libraryFolders.rules()).roots,
    scanJob,
    db,
  });
  sources.registerRoutes(app);
  live.registerRoutes(app);
  registerGraphicsRoutes(app, {
    store: graphics,
    hasChannel: (n) => channelStore.get(n) !== undefined,
    changed: (n) => manager.channel(n)?.graphicsChanged(),
    preview: (n, settings, card) => {
      const channel = channelStore.require(n);
      // Drawn at the size the channel airs at.
      const frame = outputs.profileOf(n);
      return renderGraphicsPreview(planner, { number: n, name: channel.name, callSign: channel.callSign, timeZone: channel.timeZone, logoPath: channel.logoPath, settings }, card, frame, toolchain.ffmpegPath);
    },
  });
  try {
    await app.listen({ port: config.streaming.port, host: config.streaming.host });
  } catch (error) {
    process.stderr.write(`retrovue: cannot listen on ${config.streaming.host}:${config.streaming.port}: ${(error as Error).message}\n`);
    await manager.closeAll();
    db.close();
    return 3;
  }
  // Stopping is wired before anyone can learn the port: a SIGTERM sent the instant the server
  // says it listens still stops every channel and closes the database.
  const stopped = new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping');
      const forceExit = setTimeout(() => {
        killAllChildrenNow();
        resolve(1);
      }, 5000);
      void (async () => {
        fillQueue?.stop();
        watch.stop();
        await sources.stop();
        await live.stop();
        await manager.closeAll();
        await app.close();
        db.close();
        clearTimeout(forceExit);
        resolve(0);
      })();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.streaming.port;
  log.info({ port }, `Retrovue is on the air: http://localhost:${port}/  ·  VLC: http://localhost:${port}/channel/1.ts`);
  const proxyAdvice = proxyAdviceAtStart(config.server, port, listeningTcpPorts());
  if (proxyAdvice) log.warn(proxyAdvice);
  // A machine-readable line for scripts and tests that start the server on port 0.
  if (!process.stdout.isTTY) process.stdout.write(`${JSON.stringify({ retrovue: 'listening', port })}\n`);

  await manager.startAlwaysOn();
  manager.watchIdle();
  watch.start();
  sources.start();
  live.start();
  fillQueue?.start();
  // The first run's demo library, made while the server answers (src/demo/demo-preparation.ts).
  void preparation?.run();
  return stopped;
}
