import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ChannelRequestError, ChannelStore } from '../channels/channel-store.js';
import { ConfigError, loadConfig, type ServeFlags } from '../config/load.js';
import { resolveOutputProfile } from '../config/quality.js';
import type { RetrovueConfig } from '../config/schema.js';
import { channelEpoch, openDatabase, resetChannelEpoch, type Database } from '../db/database.js';
import { demoLibraryIsPresent } from '../demo/generate-demo-library.js';
import { killAllChildrenNow } from '../ffmpeg/process-registry.js';
import { probeToolchain, ToolchainError, type Toolchain } from '../ffmpeg/toolchain.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { DeviceIdentityError } from '../livetv/device-identity.js';
import { airingKindOf } from '../library/airing-kind.js';
import type { Catalog, CatalogItem } from '../library/catalog.js';
import { LibraryFolderError } from '../library/file-walker.js';
import { libraryLayout, type LibraryLayout } from '../library/folder-rules.js';
import { scanWithProgressBar, summaryLine } from '../library/progress.js';
import { createSqliteCatalog } from '../library/sqlite-catalog.js';
import { ChannelManager } from '../playout/channel-manager.js';
import { ChannelSession } from '../playout/channel-session.js';
import { buildApp } from '../server/app.js';
import { GraphicsConfigError } from '../graphics/config.js';
import { GraphicsStore } from '../graphics/graphics-store.js';
import { GraphicsPlanner } from '../graphics/planner.js';
import { registerGraphicsRoutes } from '../server/routes/graphics-routes.js';
import { SchedulingService } from '../schedule/scheduling-service.js';
import { ensureSlate } from '../schedule/slate.js';
import { LoopTimeline } from '../timeline/loop-timeline.js';
import type { ChannelTimeline } from '../timeline/types.js';
import { defaultDemoDir, generateDemoWithProgress } from './demo-media-command.js';

class StartupError extends Error {}

/** The media folders to scan: configured ones, else the demo library (generated on first run). */
async function resolveLibraryLayout(config: RetrovueConfig, configFile: string | undefined, toolchain: Toolchain, log: Logger): Promise<LibraryLayout> {
  const layout = libraryLayout(config, configFile);
  if (layout.roots.length > 0) return layout;
  const demoDir = defaultDemoDir(config.data_dir);
  if (!demoLibraryIsPresent(demoDir)) {
    log.info('no media folders configured: generating the demo library (first run only)');
    await generateDemoWithProgress(toolchain.ffmpegPath, demoDir, (line) => process.stdout.write(line));
  }
  return { ...layout, roots: [demoDir] };
}

/** Scans the library folders into the database (incremental: unchanged files are not probed). */
async function loadLibrary(config: RetrovueConfig, configFile: string | undefined, toolchain: Toolchain, log: Logger, db: Database): Promise<Catalog> {
  const layout = await resolveLibraryLayout(config, configFile, toolchain, log);
  let summary;
  try {
    summary = await scanWithProgressBar(
      { db, roots: layout.roots, rules: layout.rules, ffprobePath: toolchain.ffprobePath, concurrency: config.library.probe_concurrency },
      process.stderr,
    );
  } catch (error) {
    if (error instanceof LibraryFolderError) throw new StartupError(error.message);
    throw error;
  }
  for (const file of summary.unplayableFiles) log.warn({ file: file.path, reason: file.reason }, 'unplayable file: it will not air');
  const { unplayableFiles: _listed, ...counts } = summary;
  log.info({ ...counts, folders: layout.roots }, summaryLine(summary));
  const catalog = createSqliteCatalog(db);
  if (catalog.playable().length === 0) {
    throw new StartupError(
      `no playable video in ${layout.roots.join(', ')}` + (summary.unplayable ? ` (${summary.unplayable} file(s) unplayable)` : ''),
    );
  }
  return catalog;
}

function buildChannels(
  config: RetrovueConfig,
  toolchain: Toolchain,
  log: Logger,
  db: Database,
  items: CatalogItem[],
  scheduling: SchedulingService,
  graphics: GraphicsStore,
): ChannelManager {
  const planner = new GraphicsPlanner({
    ffmpegPath: toolchain.ffmpegPath,
    ffprobePath: toolchain.ffprobePath,
    dataDir: config.data_dir,
    log: log.child({ component: 'graphics' }),
    canDrawText: toolchain.filters.has('drawtext'),
  });
  const now = Date.now();
  // schedule mode: every enabled stored channel plays its compiled timeline (channels created
  // over the API too, from their first viewer on). loop and concat (the library back to back)
  // keep the loop engine over channels 1..streaming.channels.
  const scheduled = config.streaming.mode === 'schedule';
  const makeSession = (channelNumber: number): ChannelSession | undefined => {
    const stored = scheduling.channels.get(channelNumber);
    if (scheduled && !stored?.enabled) return undefined;
    // `--loops N` counts its N passes from this start; otherwise the channel keeps its clock.
    if (config.streaming.loops !== undefined && !scheduled) resetChannelEpoch(db, channelNumber, now);
    const epochMs = channelEpoch(db, channelNumber, now);
    const timeline: ChannelTimeline | undefined = scheduled
      ? scheduling.timeline(channelNumber)
      : new LoopTimeline({
          items: items.map((item) => ({ mediaPath: item.path, durationMs: item.durationMs, title: item.title, kind: airingKindOf(item.kind) })),
          epochMs,
          loops: config.streaming.loops,
        });
    if (!timeline) return undefined;
    const profile = resolveOutputProfile(config, scheduled ? stored?.quality : undefined);
    return new ChannelSession({
      channelNumber,
      timeline,
      epochMs,
      toolchain,
      // A stored channel's own quality (schedule mode) overrides streaming.quality.
      profile,
      segmentDurationSeconds: config.streaming.segment_duration,
      playlistSize: config.streaming.playlist_size,
      loudnessTarget: config.ffmpeg.loudness_target,
      workDir: path.join(config.data_dir, 'channels', String(channelNumber)),
      log: log.child({ channel: channelNumber }),
      // Read afresh for every airing: a graphics or branding change airs from the next one.
      graphics: (slice) => {
        const channel = scheduling.channels.get(channelNumber);
        const settings = graphics.effective(channelNumber);
        return planner.graphicsFor(
          channel ? { number: channelNumber, name: channel.name, callSign: channel.callSign, timeZone: channel.timeZone, logoPath: channel.logoPath, settings } : undefined,
          { timeline, airing: slice.airing, slice: { fromMs: slice.fromMs, toMs: slice.toMs }, frame: profile },
        );
      },
    });
  };
  const alwaysOnChannels = new Set((config.channels ?? []).filter((c) => c.always_on).map((c) => c.number));
  const manager = new ChannelManager({
    idleTimeoutSeconds: config.streaming.idle_timeout,
    alwaysOnChannels,
    log,
    ...(scheduled ? { createSession: makeSession } : {}),
  });
  const numbers = scheduled
    ? scheduling.channels.list().map((c) => c.number)
    : Array.from({ length: config.streaming.channels }, (_, i) => i + 1);
  for (const channelNumber of numbers) {
    const session = makeSession(channelNumber);
    if (session) manager.add(session);
  }
  return manager;
}

/**
 * Stored channels (config-file `channels`, else 1..streaming.channels, plus any created over
 * the API) with their schedules and compiled timelines; the guide and the API use it in every mode.
 */
async function buildScheduling(config: RetrovueConfig, toolchain: Toolchain, db: Database, catalog: Catalog): Promise<SchedulingService> {
  const channels = new ChannelStore(db, Intl.DateTimeFormat().resolvedOptions().timeZone);
  channels.seed(config.channels, config.streaming.channels);
  const slate = await ensureSlate(toolchain.ffmpegPath, config.data_dir);
  return new SchedulingService({
    db,
    channels,
    catalog: () => catalog.playable(),
    slate,
    horizonMs: Math.max(48, config.guide.days * 24) * 3600_000,
    historyMs: Math.max(config.guide.history_hours, 1) * 3600_000,
    compile: config.streaming.mode === 'schedule',
  });
}

/** `retrovue serve`: returns the process exit code. */
export async function runServeCommand(flags: ServeFlags): Promise<number> {
  let config: RetrovueConfig;
  try {
    config = loadConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.log_level);
  // No orphan encoders, whatever way this process ends.
  process.once('exit', killAllChildrenNow);
  process.once('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception: stopping');
    killAllChildrenNow();
    process.exit(1);
  });

  let manager: ChannelManager;
  let toolchain: Toolchain;
  let db: Database | undefined;
  let catalog: Catalog;
  let scheduling: SchedulingService;
  let graphics: GraphicsStore;
  try {
    toolchain = await probeToolchain({
      ffmpegPath: config.ffmpeg.path,
      ffprobePath: config.ffmpeg.ffprobe_path,
      requiredEncoders: [config.ffmpeg.video_codec, config.ffmpeg.audio_codec],
    });
    log.info({ version: toolchain.version, hwaccels: toolchain.hwaccels }, 'ffmpeg found');
    mkdirSync(config.data_dir, { recursive: true });
    // Open for the server's life: the media API and chapter edits use it; closed at shutdown.
    db = openDatabase(config.data_dir);
    catalog = await loadLibrary(config, flags.config, toolchain, log, db);
    scheduling = await buildScheduling(config, toolchain, db, catalog);
    graphics = new GraphicsStore(db, config.graphics);
    graphics.seed(config.channels);
    manager = buildChannels(config, toolchain, log, db, catalog.playable(), scheduling, graphics);
  } catch (error) {
    db?.close();
    if (error instanceof ToolchainError || error instanceof StartupError || error instanceof ChannelRequestError || error instanceof GraphicsConfigError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 3;
    }
    throw error;
  }

  const directory = scheduling.channels;
  let app: ReturnType<typeof buildApp>;
  try {
    app = buildApp({ config, toolchain, channels: manager, directory, log, startedAtMs: Date.now(), db, catalog, scheduling });
  } catch (error) {
    // e.g. a damaged tuner identity file: say which and how to fix it, rather than crash.
    if (!(error instanceof DeviceIdentityError)) throw error;
    process.stderr.write(`retrovue: ${error.message}\n`);
    db.close();
    return 3;
  }
  registerGraphicsRoutes(app, { store: graphics, hasChannel: (n) => scheduling.channels.get(n) !== undefined });
  try {
    await app.listen({ port: config.streaming.port, host: config.streaming.host });
  } catch (error) {
    process.stderr.write(`retrovue: cannot listen on ${config.streaming.host}:${config.streaming.port}: ${(error as Error).message}\n`);
    await manager.closeAll();
    db.close();
    return 3;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.streaming.port;
  log.info({ port }, `Retrovue is on the air: http://localhost:${port}/  ·  VLC: http://localhost:${port}/channel/1.ts`);
  // A machine-readable line for scripts and tests that start the server on port 0.
  if (!process.stdout.isTTY) process.stdout.write(`${JSON.stringify({ retrovue: 'listening', port })}\n`);

  await manager.startAlwaysOn();
  manager.watchIdle();

  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping');
      const forceExit = setTimeout(() => {
        killAllChildrenNow();
        resolve(1);
      }, 5000);
      void (async () => {
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
}
