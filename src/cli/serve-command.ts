import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultChannels, staticDirectory } from '../channels/channel-info.js';
import { ConfigError, loadConfig, type ServeFlags } from '../config/load.js';
import { resolveOutputProfile } from '../config/quality.js';
import type { RetrovueConfig } from '../config/schema.js';
import { channelEpoch, openDatabase, resetChannelEpoch, type Database } from '../db/database.js';
import { demoLibraryIsPresent } from '../demo/generate-demo-library.js';
import { killAllChildrenNow } from '../ffmpeg/process-registry.js';
import { probeToolchain, ToolchainError, type Toolchain } from '../ffmpeg/toolchain.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { airingKindOf } from '../library/airing-kind.js';
import type { Catalog, CatalogItem } from '../library/catalog.js';
import { LibraryFolderError } from '../library/file-walker.js';
import { libraryLayout, type LibraryLayout } from '../library/folder-rules.js';
import { progressBar, summaryLine } from '../library/progress.js';
import { scanLibrary } from '../library/scanner.js';
import { createSqliteCatalog } from '../library/sqlite-catalog.js';
import { ChannelManager } from '../playout/channel-manager.js';
import { ChannelSession } from '../playout/channel-session.js';
import { buildApp } from '../server/app.js';
import { LoopTimeline } from '../timeline/loop-timeline.js';
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
  const bar = progressBar(process.stderr);
  let summary;
  try {
    summary = await scanLibrary({
      db,
      roots: layout.roots,
      rules: layout.rules,
      ffprobePath: toolchain.ffprobePath,
      concurrency: config.library.probe_concurrency,
      onProgress: bar.update,
    });
  } catch (error) {
    if (error instanceof LibraryFolderError) throw new StartupError(error.message);
    throw error;
  } finally {
    bar.done();
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

function buildChannels(config: RetrovueConfig, toolchain: Toolchain, log: Logger, db: Database, items: CatalogItem[]): ChannelManager {
  const manager = new ChannelManager({ idleTimeoutSeconds: config.streaming.idle_timeout, log });
  const profile = resolveOutputProfile(config);
  const now = Date.now();
  for (let channelNumber = 1; channelNumber <= config.streaming.channels; channelNumber += 1) {
    // `--loops N` counts its N passes from this start; otherwise the channel keeps its clock.
    if (config.streaming.loops !== undefined) resetChannelEpoch(db, channelNumber, now);
    const epochMs = channelEpoch(db, channelNumber, now);
    const timeline = new LoopTimeline({
      items: items.map((item) => ({ mediaPath: item.path, durationMs: item.durationMs, title: item.title, kind: airingKindOf(item.kind) })),
      epochMs,
      loops: config.streaming.loops,
    });
    manager.add(
      new ChannelSession({
        channelNumber,
        timeline,
        epochMs,
        toolchain,
        profile,
        segmentDurationSeconds: config.streaming.segment_duration,
        playlistSize: config.streaming.playlist_size,
        workDir: path.join(config.data_dir, 'channels', String(channelNumber)),
        log: log.child({ channel: channelNumber }),
      }),
    );
  }
  return manager;
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
  if (config.streaming.mode !== 'loop') {
    process.stderr.write(
      `retrovue: --mode ${config.streaming.mode} (streaming.mode) is not available in this version yet; use --mode loop\n`,
    );
    return 2;
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
    manager = buildChannels(config, toolchain, log, db, catalog.playable());
  } catch (error) {
    db?.close();
    if (error instanceof ToolchainError || error instanceof StartupError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 3;
    }
    throw error;
  }

  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const directory = staticDirectory(defaultChannels(config.streaming.channels, timeZone));
  const app = buildApp({ config, toolchain, channels: manager, directory, log, startedAtMs: Date.now(), db, catalog });
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

  if (manager.alwaysOn) await manager.startAll();
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
