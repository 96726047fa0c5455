import path from 'node:path';
import { orderFillJobs } from '../cache/fill-queue.js';
import { fillJobForItem } from '../cache/library-jobs.js';
import { MediaCache } from '../cache/media-cache.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { allLadderRungs, channelProfiles, resolveOutputProfile } from '../config/quality.js';
import type { QualityName } from '../config/schema.js';
import { openDatabase } from '../db/database.js';
import { SecretsFileError } from '../sources/source-secrets.js';
import { useMediaServersForReading } from './source-wiring.js';
import { probeToolchain, ToolchainError } from '../ffmpeg/toolchain.js';
import { createSqliteCatalog } from '../library/sqlite-catalog.js';

export interface CacheFlags {
  config?: string;
  data?: string;
  quality?: QualityName;
  json?: boolean;
  /** Only these library files (absolute or relative paths); default all. */
  files?: string[];
}

const BAR_WIDTH = 28;
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(2)} GB`;

/** A bar redrawn in place on a terminal (files done, and the current file's fraction); nothing elsewhere. */
function fillBar(stream: NodeJS.WriteStream, total: number) {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done: number, fraction: number, name: string) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const overall = total === 0 ? 1 : (done + fraction) / total;
      const filled = Math.round(overall * BAR_WIDTH);
      const line = `Caching [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${path.basename(name)} ${Math.round(fraction * 100)}%`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 80) - 1).padEnd(Math.min((stream.columns ?? 80) - 1, 100))}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

async function withCache<T>(flags: CacheFlags, work: (cache: MediaCache, context: { config: ReturnType<typeof loadConfig>; db: ReturnType<typeof openDatabase> }) => Promise<T>): Promise<number> {
  try {
    const config = loadConfig({ config: flags.config, data: flags.data });
    const toolchain = await probeToolchain({ ffmpegPath: config.ffmpeg.path, ffprobePath: config.ffmpeg.ffprobe_path, requiredEncoders: [] });
    const db = openDatabase(config.data_dir);
    try {
      // Items streamed from a media server fill the cache from it, as in serve.
      useMediaServersForReading({ db, dataDir: config.data_dir, warn: (message) => process.stderr.write(`retrovue: ${message}\n`) });
      const cache = new MediaCache({ db, dir: path.join(config.data_dir, 'cache'), ffmpegPath: toolchain.ffmpegPath, ffprobePath: toolchain.ffprobePath, budgetBytes: config.cache.budget_gb * 1e9 });
      await work(cache, { config, db });
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ToolchainError || error instanceof SecretsFileError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** `retrovue cache status`: entries, bytes against the budget. */
export function runCacheStatus(flags: CacheFlags): Promise<number> {
  return withCache(flags, async (cache) => {
    const stats = cache.stats();
    const entries = cache.store.all();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...stats, items: entries.map((e) => ({ path: e.source.path, profile: e.profileKey, bytes: e.bytes, durationSeconds: e.durationSeconds, lastAiredMs: e.lastAiredMs ?? null })) })}\n`);
      return;
    }
    process.stdout.write(`Media cache: ${stats.entries} entries, ${gb(stats.bytes)} of ${gb(stats.budgetBytes)}\n`);
    for (const e of entries) process.stdout.write(`  ${path.basename(e.source.path)}  ${(e.durationSeconds).toFixed(1)} s  ${(e.bytes / 1e6).toFixed(1)} MB  ${e.lastAiredMs ? `aired ${new Date(e.lastAiredMs).toISOString()}` : 'not aired yet'}\n`);
  });
}

/**
 * `retrovue cache fill`: caches every playable library file at the configured quality and every
 * rung of `streaming.ladder` (or only `--quality`), commercials, bumpers, station IDs and promos first, with a progress bar and a summary.
 */
export function runCacheFill(flags: CacheFlags): Promise<number> {
  return withCache(flags, async (cache, { config, db }) => {
    // `--quality` fills that one; otherwise the channel quality and every rung of every ladder.
    const qualities = flags.quality ? [resolveOutputProfile(config, flags.quality)] : channelProfiles(resolveOutputProfile(config), allLadderRungs(config));
    // Cached with the server-wide audio language slots, as the channels air them (a channel with
    // languages of its own is filled by the server's background fill, which knows each channel's).
    const profiles = config.languages.audio.length > 0 ? qualities.map((p) => ({ ...p, audioLanguages: config.languages.audio })) : qualities;
    const only = flags.files?.length ? new Set(flags.files.map((f) => path.resolve(f))) : undefined;
    const items = createSqliteCatalog(db).playable().filter((item) => !only || only.has(path.resolve(item.path)));
    const jobs = orderFillJobs(
      profiles.flatMap((profile) => items.map((item) => fillJobForItem(item, profile, config.ffmpeg.loudness_target))),
      (j) => cache.profileKeyOf(j.profile, j.loudnessTarget),
    );
    const bar = fillBar(process.stderr, jobs.length);
    const started = Date.now();
    let filled = 0;
    let already = 0;
    const failed: Array<{ path: string; reason: string }> = [];
    for (const [i, job] of jobs.entries()) {
      if (await cache.lookup(job.path, cache.profileKeyOf(job.profile, job.loudnessTarget))) {
        already += 1;
        continue;
      }
      try {
        await cache.fill(job, (fraction) => bar.update(i, fraction, job.path));
        filled += 1;
      } catch (error) {
        failed.push({ path: job.path, reason: (error as Error).message });
      }
      bar.update(i + 1, 0, job.path);
    }
    bar.done();
    const stats = cache.stats();
    const summary = { files: jobs.length, filled, alreadyCached: already, failed: failed.length, failures: failed, bytes: stats.bytes, elapsedMs: Date.now() - started };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`Cached ${filled} of ${jobs.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s (${already} already cached, ${failed.length} failed); cache holds ${gb(stats.bytes)}\n`);
      for (const f of failed) process.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
    }
  });
}

/** `retrovue cache clear`: deletes every cached file (a running server re-renders live and refills). */
export function runCacheClear(flags: CacheFlags): Promise<number> {
  return withCache(flags, async (cache) => {
    const result = await cache.clear();
    process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `Removed ${result.removed} cached files (${gb(result.bytes)})\n`);
  });
}
