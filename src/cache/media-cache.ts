import { existsSync } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { isDiskError } from '../disk/write-errors.js';
import type { OutputProfile } from '../config/quality.js';
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import { isMediaServerPath, resolveMediaInput, sanitiseInputText, type MediaInput } from '../ffmpeg/media-input.js';
import { checkSource } from '../library/probe.js';
import type { Logger } from '../logging/logger.js';
import { indexCachedFile } from './cache-index.js';
import { cacheKey, profileKey, sameFile, type FileIdentity } from './cache-key.js';
import { MAX_KEYFRAME_INTERVAL_SECONDS } from '../hls/segment-grid.js';
import { CacheStore, type CacheEntry } from './cache-store.js';
import { chooseEvictions, chooseEvictionsToFree } from './eviction.js';
import { buildCacheFillArgs } from './fill-command.js';

export interface MediaCacheOptions {
  db: Database;
  /** Folder of the cached files (`<data_dir>/cache`). */
  dir: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** Storage budget; least recently aired entries are evicted beyond it. */
  budgetBytes: number;
  /** The database could not record an airing (a full or failing disk): the data disk's report (src/disk). */
  onDatabaseWriteError?: (error: unknown) => void;
  log?: Logger;
  now?: () => number;
}

export interface FillRequest {
  path: string;
  durationSeconds: number;
  chapterSeconds: number[];
  profile: OutputProfile;
  loudnessTarget: number | null;
  /**
   * A per-channel variant: the channel's always-on bug burned in (src/graphics/planner.ts,
   * StaticBug). Its entries are keyed by the profile plus the variant's key.
   */
  variant?: { key: string; filter: string };
}

/** The profile key of a fill request's entry: the profile's, plus its variant's when it has one. */
export function entryProfileKey(request: Pick<FillRequest, 'profile' | 'loudnessTarget' | 'variant'>): string {
  return variantProfileKey(profileKey(request.profile, request.loudnessTarget, MAX_KEYFRAME_INTERVAL_SECONDS), request.variant?.key);
}

/** A profile key with a variant (`…|bug-…`), or the profile key itself. */
export function variantProfileKey(profile: string, variant: string | undefined): string {
  return variant ? `${profile}|${variant}` : profile;
}

/** Runs ffmpeg at the lowest CPU priority: a fill must never take time from a live encoder. */
function spawnNiced(command: string, args: string[]) {
  return spawnFfmpeg(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], background: true });
}

/**
 * The media cache: each (file, output profile) normalised once into an MPEG-TS file with
 * keyframes on the file's own grid, indexed, so an airing of it is copy-spliced
 * (src/cache/ts-splicer.ts) instead of decoded and encoded again. Entries are keyed by the
 * file's identity: a file changed on disk no longer matches its entry and is re-cached, never
 * aired stale. Entries that air are pinned and never evicted while they do.
 */
export class MediaCache {
  readonly store: CacheStore;
  private readonly pins = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: MediaCacheOptions) {
    this.store = new CacheStore(options.db);
    this.now = options.now ?? Date.now;
  }

  /** The key of a profile (channels of one quality share their cache). */
  profileKeyOf(profile: OutputProfile, loudnessTarget: number | null): string {
    return profileKey(profile, loudnessTarget, MAX_KEYFRAME_INTERVAL_SECONDS);
  }

  /**
   * The entry for this file as it is on disk now, or undefined (not cached, file gone or
   * changed). A stale entry found on the way is deleted unless it is pinned (airing).
   */
  async lookup(filePath: string, profile: string): Promise<CacheEntry | undefined> {
    const entries = this.store.forSource(filePath, profile);
    if (entries.length === 0) return undefined;
    const identity = await identityOf(filePath);
    // A media server's item that cannot be resolved now (its source off, being synced) is not
    // proof that it changed: its entries stay until it is resolved and found changed.
    if (!identity && isMediaServerPath(filePath)) return undefined;
    let found: CacheEntry | undefined;
    for (const entry of entries) {
      if (identity && sameFile(entry.source, identity) && existsSync(entry.file)) found = entry;
      else if (!this.pins.has(entry.key)) await this.removeEntry(entry);
    }
    return found;
  }

  /** Marks an entry as airing (never evicted until the returned function is called). */
  pin(key: string): () => void {
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.pins.get(key) ?? 1) - 1;
      if (count <= 0) this.pins.delete(key);
      else this.pins.set(key, count);
    };
  }

  isPinned(key: string): boolean {
    return this.pins.has(key);
  }

  /**
   * Records that an entry aired (its recency, for eviction). A database that cannot be written
   * (SQLITE_FULL: a full data disk) must not stop the airing: reported, and the airing goes on.
   */
  markAired(key: string): void {
    try {
      this.store.markAired(key, this.now());
    } catch (error) {
      if (!isDiskError(error)) throw error;
      this.options.onDatabaseWriteError?.(error);
    }
  }

  /** Fills one file (or returns its existing entry); `onProgress` gets the fraction done. */
  async fill(request: FillRequest, onProgress?: (fraction: number) => void): Promise<CacheEntry> {
    const identity = await identityOf(request.path);
    if (!identity) throw new Error(`cannot cache ${request.path}: ${isMediaServerPath(request.path) ? 'its media server cannot stream it now' : 'file not found'}`);
    // A media server's item is filled from its server's stream, like a local file from disk.
    const resolved = resolveMediaInput(request.path);
    if (!resolved.ok) throw new Error(`cannot cache ${request.path}: ${resolved.reason}`);
    const profile = entryProfileKey(request);
    const existing = await this.lookup(request.path, profile);
    if (existing) return existing;
    const check = await checkSource(this.options.ffprobePath, request.path);
    if (!check.ok) throw new Error(`cannot cache ${request.path}: ${check.reason}`);
    const key = cacheKey(identity, profile);
    await mkdir(this.options.dir, { recursive: true });
    const file = path.join(this.options.dir, `${key}.ts`);
    const partial = `${file}.part`;
    const args = buildCacheFillArgs({
      source: { path: request.path, ...(resolved.input.kind === 'http' ? { input: resolved.input } : {}), facts: check.facts },
      durationSeconds: request.durationSeconds,
      chapterSeconds: request.chapterSeconds,
      keyframeIntervalSeconds: MAX_KEYFRAME_INTERVAL_SECONDS,
      profile: request.profile,
      loudnessTarget: request.loudnessTarget,
      output: partial,
      ...(request.variant ? { graphics: { filter: request.variant.filter } } : {}),
    });
    const release = this.pin(key);
    try {
      await runFill(this.options.ffmpegPath, args, request.durationSeconds, onProgress, resolved.input);
      // The file may have changed while it was being read: such a rendition is of no version.
      const after = await identityOf(request.path);
      if (!after || !sameFile(after, identity)) throw new Error(`${request.path} changed while it was being cached`);
      await rename(partial, file);
      const index = await indexCachedFile(file, request.profile.frameRate);
      const bytes = (await stat(file)).size;
      const entry: CacheEntry = { key, source: identity, profileKey: profile, file, bytes, ...index, createdAtMs: this.now(), lastAiredMs: undefined };
      this.store.put(entry);
      await this.evict();
      return entry;
    } catch (error) {
      await unlink(partial).catch(() => undefined);
      throw error;
    } finally {
      release();
    }
  }

  /** Deletes least recently aired entries beyond the budget, never a pinned one. */
  async evict(): Promise<string[]> {
    const entries = this.store.all();
    const victims = chooseEvictions(
      entries.map((e) => ({ key: e.key, bytes: e.bytes, lastUsedMs: e.lastAiredMs ?? e.createdAtMs })),
      this.options.budgetBytes,
      new Set(this.pins.keys()),
    );
    for (const key of victims) {
      const entry = entries.find((e) => e.key === key);
      if (entry) await this.removeEntry(entry);
    }
    if (victims.length > 0) this.options.log?.info({ evicted: victims.length }, 'media cache: evicted least recently aired entries');
    return victims;
  }

  /**
   * Deletes least recently aired entries until `bytesToFree` are freed (the disk's free-space
   * floor), never a pinned one nor one in `protect` (what airs in the next minutes on any
   * channel). Returns the bytes freed, which may be less than asked.
   */
  async freeSpace(bytesToFree: number, protect: ReadonlySet<string>): Promise<{ evicted: number; freedBytes: number }> {
    const entries = this.store.all();
    const keep = new Set([...this.pins.keys(), ...protect]);
    const victims = chooseEvictionsToFree(
      entries.map((e) => ({ key: e.key, bytes: e.bytes, lastUsedMs: e.lastAiredMs ?? e.createdAtMs })),
      bytesToFree,
      keep,
    );
    let freedBytes = 0;
    for (const key of victims) {
      const entry = entries.find((e) => e.key === key);
      if (!entry) continue;
      await this.removeEntry(entry);
      freedBytes += entry.bytes;
    }
    return { evicted: victims.length, freedBytes };
  }

  /** Deletes every entry that is not airing; returns how many went and how many stayed. */
  async clear(): Promise<{ removed: number; kept: number; bytes: number }> {
    let removed = 0;
    let kept = 0;
    let bytes = 0;
    for (const entry of this.store.all()) {
      if (this.pins.has(entry.key)) {
        kept += 1;
        continue;
      }
      await this.removeEntry(entry);
      removed += 1;
      bytes += entry.bytes;
    }
    return { removed, kept, bytes };
  }

  stats(): { entries: number; bytes: number; budgetBytes: number; pinned: number } {
    return { ...this.store.totals(), budgetBytes: this.options.budgetBytes, pinned: this.pins.size };
  }

  private async removeEntry(entry: CacheEntry): Promise<void> {
    this.store.remove(entry.key);
    await unlink(entry.file).catch(() => undefined);
  }
}

/**
 * The file's identity now: a local file's size and mtime; a media server's item's size and the
 * server's last change to it, as the library row has them (there is no local mtime), through
 * the media input's resolver. Undefined: gone, or not streamable now.
 */
async function identityOf(filePath: string): Promise<FileIdentity | undefined> {
  if (isMediaServerPath(filePath)) {
    const resolved = resolveMediaInput(filePath);
    return resolved.ok && resolved.identity ? { path: filePath, ...resolved.identity } : undefined;
  }
  try {
    const s = await stat(filePath);
    return { path: filePath, sizeBytes: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function runFill(ffmpegPath: string, args: string[], durationSeconds: number, onProgress: ((fraction: number) => void) | undefined, input: MediaInput): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnNiced(ffmpegPath, args);
    let lastError = '';
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.trim()) lastError = line;
    });
    const progress = child.stdio[3] as Readable | null;
    if (progress && onProgress) {
      createInterface({ input: progress }).on('line', (line) => {
        if (line.startsWith('out_time_us=')) onProgress(Math.min(1, Number(line.slice(12)) / 1e6 / Math.max(0.001, durationSeconds)) || 0);
      });
    }
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`cache fill failed (ffmpeg exited ${code}): ${sanitiseInputText(lastError, input)}`))));
  });
}
