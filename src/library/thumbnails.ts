import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import { ffmpegInputArgs, resolveMediaInput, sanitiseInputText, type MediaInput } from '../ffmpeg/media-input.js';

/** Width of a chapter-strip thumbnail, in pixels (the height follows the picture's aspect). */
export const THUMBNAIL_WIDTH = 160;

/**
 * Instants a file has thumbnails at, besides its chapter marks: whole seconds, coarser for long
 * files so that no file has more than about this many. Any `at` a viewer sends is moved to the
 * nearest one, so a viewer cannot make a new picture (an ffmpeg run and a file) per millisecond.
 */
export const MAX_GRID_POINTS = 2000;
/** A file without a known duration is taken to be at most this long (its grid is whole seconds). */
export const UNKNOWN_DURATION_LIMIT_MS = 24 * 3600_000;

/**
 * The cache's bounds. Per file: the chapter strip shows the marks and a hover preview of about a
 * hundred points, so 128 keeps one file's editing session cached. In all: 160-px JPEGs are
 * 4-10 KB, so 4 096 of them stay under about 40 MB of the data folder.
 */
export const THUMBNAILS_PER_FILE = 128;
export const THUMBNAILS_IN_ALL = 4096;
/**
 * ffmpeg runs at once (a strip asks for all its marks together; a browser sends six at a time),
 * and requests that may wait for one; past that the answer is 503 and the client retries.
 */
export const THUMBNAIL_RUNS_AT_ONCE = 2;
export const THUMBNAIL_RUNS_WAITING = 16;
/** A one-frame seek of a local file takes well under a second; a hung read must not hold a slot. */
const FFMPEG_TIMEOUT_MS = 10_000;
/** What a 503 tells the client to wait: a full queue drains in about this long. */
export const THUMBNAIL_RETRY_AFTER_SECONDS = 2;

/** The file a thumbnail is made from, as the library knows it. */
export interface ThumbnailSource {
  mediaId: number;
  path: string;
  /** The file's identity: a changed file (size or mtime) gets new thumbnails. */
  sizeBytes: number;
  mtimeMs: number;
}

/** Why no thumbnail: the file is not on disk (404) or has no picture there (422). */
export class ThumbnailError extends Error {
  constructor(
    readonly code: 'missing' | 'no_picture',
    message: string,
  ) {
    super(message);
    this.name = 'ThumbnailError';
  }
}

/** Too many thumbnails are being made: answered 503 with Retry-After. */
export class ThumbnailsBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many thumbnails are being made; try again in ${retryAfterSeconds} s`);
    this.name = 'ThumbnailsBusyError';
  }
}

/** `<size>-<mtime>`: the part of a cached name that ties it to one version of the file. */
export function fileIdentity(source: Pick<ThumbnailSource, 'sizeBytes' | 'mtimeMs'>): string {
  return `${source.sizeBytes}-${Math.round(source.mtimeMs)}`;
}

/** Where a thumbnail is kept: `<dir>/<media id>/<size>-<mtime>-<ms>.jpg`. */
export function thumbnailPath(dir: string, source: ThumbnailSource, atMs: number): string {
  return path.join(dir, String(source.mediaId), `${fileIdentity(source)}-${atMs}.jpg`);
}

/**
 * ffmpeg's arguments for one small JPEG at `atMs`: a fast seek before the input, one frame. The
 * input is a local file or a media server's stream (src/ffmpeg/media-input.ts).
 */
export function thumbnailArgs(input: string | MediaInput, atMs: number, output: string, width = THUMBNAIL_WIDTH): string[] {
  const media: MediaInput = typeof input === 'string' ? { kind: 'file', path: input } : input;
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...ffmpegInputArgs(media, atMs / 1000),
    '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '5',
    '-f', 'image2', '-c:v', 'mjpeg', '-y', output,
  ];
}

/** The spacing of a file's thumbnail grid: whole seconds, or whole multiples of them for files over MAX_GRID_POINTS seconds. */
export function thumbnailGridStepMs(durationMs: number | null): number {
  if (durationMs === null || durationMs <= 0) return 1000;
  return Math.max(1000, Math.ceil(durationMs / MAX_GRID_POINTS / 1000) * 1000);
}

/**
 * The instant a thumbnail of `atMs` is made at: a chapter mark exactly (the chapter editor shows
 * the marks' own pictures), otherwise the nearest grid point inside the file.
 */
export function thumbnailInstant(atMs: number, durationMs: number | null, chapterMarksMs: readonly number[]): number {
  if (chapterMarksMs.includes(atMs)) return atMs;
  const step = thumbnailGridStepMs(durationMs);
  const nearest = Math.round(atMs / step) * step;
  if (durationMs === null || durationMs <= 0) return nearest;
  const lastInside = Math.floor((durationMs - 1) / step) * step; // a frame at the very end may not exist
  return Math.max(0, Math.min(nearest, lastInside));
}

/**
 * Least-recently-used bookkeeping of cached files, each in a group (a media file's folder):
 * adding one past a group's bound, or past the bound in all, names the ones to delete.
 * Maps keep insertion order, so re-inserting a key makes it the most recent.
 */
export class LruFileIndex {
  private readonly recency = new Map<string, string>(); // key → group, oldest first
  private readonly groups = new Map<string, Set<string>>(); // group → keys, oldest first

  constructor(
    readonly perGroup: number,
    readonly inAll: number,
  ) {}

  get size(): number {
    return this.recency.size;
  }

  groupSize(group: string): number {
    return this.groups.get(group)?.size ?? 0;
  }

  has(key: string): boolean {
    return this.recency.has(key);
  }

  keysOf(group: string): string[] {
    return [...(this.groups.get(group) ?? [])];
  }

  /** Marks a kept file as just used. */
  touch(key: string): void {
    const group = this.recency.get(key);
    if (group === undefined) return;
    this.remove(key);
    this.insert(key, group);
  }

  /** Adds (or refreshes) a file as the most recent; returns the keys now over a bound, which the caller deletes. */
  add(key: string, group: string): string[] {
    this.remove(key);
    this.insert(key, group);
    const evicted: string[] = [];
    const members = this.groups.get(group)!;
    while (members.size > this.perGroup) evicted.push(this.evict(members.values().next().value!));
    while (this.recency.size > this.inAll) evicted.push(this.evict(this.recency.keys().next().value!));
    return evicted;
  }

  remove(key: string): void {
    const group = this.recency.get(key);
    if (group === undefined) return;
    this.recency.delete(key);
    const members = this.groups.get(group)!;
    members.delete(key);
    if (members.size === 0) this.groups.delete(group);
  }

  private insert(key: string, group: string): void {
    this.recency.set(key, group);
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Set()));
    members.add(key);
  }

  private evict(key: string): string {
    this.remove(key);
    return key;
  }
}

/**
 * At most `running` tasks at once and `waiting` more queued; past that, `run` refuses at once
 * (it throws before queueing anything), so a flood of requests costs nothing but the refusals.
 */
export class BoundedQueue {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly running: number,
    readonly waiting: number,
  ) {}

  get pending(): number {
    return this.active + this.queue.length;
  }

  /** Throws ThumbnailsBusyError synchronously when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.running && this.queue.length >= this.waiting) throw new ThumbnailsBusyError(THUMBNAIL_RETRY_AFTER_SECONDS);
    return this.slot().then(async () => {
      try {
        return await task();
      } finally {
        this.release();
      }
    });
  }

  private slot(): Promise<void> {
    if (this.active < this.running) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.active -= 1;
  }
}

export interface ThumbnailCacheOptions {
  dir: string;
  ffmpegPath: string;
  width?: number;
  perFile?: number;
  inAll?: number;
  runsAtOnce?: number;
  runsWaiting?: number;
  timeoutMs?: number;
}

/**
 * Small JPEGs of instants of library files (the chapter strip's pictures at the marks), made
 * with ffmpeg on first request and kept on disk under the data folder. A cached picture is
 * keyed by media id, file identity and instant, so it is never stale; pictures of an older
 * version of a file are deleted when a new one is made. The cache is bounded per file and in
 * all (least recently used deleted first), and so is the queue of ffmpeg runs.
 */
export class ThumbnailCache {
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly index: LruFileIndex;
  private readonly queue: BoundedQueue;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: ThumbnailCacheOptions) {
    this.index = new LruFileIndex(options.perFile ?? THUMBNAILS_PER_FILE, options.inAll ?? THUMBNAILS_IN_ALL);
    this.queue = new BoundedQueue(options.runsAtOnce ?? THUMBNAIL_RUNS_AT_ONCE, options.runsWaiting ?? THUMBNAIL_RUNS_WAITING);
  }

  /** Cached pictures known, in all (for tests and the bounds' checks). */
  get cachedCount(): number {
    return this.index.size;
  }

  /** The picture at `atMs` (already on the grid): from the cache, or made now. Throws ThumbnailsBusyError when the queue is full. */
  async get(source: ThumbnailSource, atMs: number): Promise<Buffer> {
    await this.loaded();
    const file = thumbnailPath(this.options.dir, source, atMs);
    const key = this.keyOf(file);
    if (this.index.has(key)) {
      const cached = await readFile(file).catch(() => undefined);
      if (cached && cached.length > 0) {
        this.index.touch(key);
        return cached;
      }
      this.index.remove(key); // deleted behind our back: made again below
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      // Synchronous from the check to the set: concurrent requests for one instant share one run.
      pending = this.queue.run(() => this.make(source, atMs, file, key)).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private keyOf(file: string): string {
    return path.relative(this.options.dir, file);
  }

  /**
   * The pictures already on disk, oldest first, read once: the bounds hold across restarts, and
   * a cache grown past them (by an older version, which had none) is cut down to them.
   */
  private loaded(): Promise<void> {
    this.loading ??= this.loadIndex();
    return this.loading;
  }

  private async loadIndex(): Promise<void> {
    const { dir } = this.options;
    const found: Array<{ key: string; group: string; mtimeMs: number }> = [];
    for (const group of await readdir(dir).catch(() => [] as string[])) {
      if (!/^\d+$/.test(group)) continue;
      const names = await readdir(path.join(dir, group)).catch(() => [] as string[]);
      for (const name of names) {
        const file = path.join(dir, group, name);
        // A half-written picture left by a crash is never read: it goes.
        if (!name.endsWith('.jpg')) {
          if (name.endsWith('.part')) await rm(file, { force: true });
          continue;
        }
        const info = await stat(file).catch(() => undefined);
        if (info?.isFile()) found.push({ key: path.join(group, name), group, mtimeMs: info.mtimeMs });
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    const evicted = found.flatMap((entry) => this.index.add(entry.key, entry.group));
    await this.deleteAll(evicted);
  }

  private async make(source: ThumbnailSource, atMs: number, file: string, key: string): Promise<Buffer> {
    // A media server's item is read from its server (no file here); a local one must be on disk.
    const resolved = resolveMediaInput(source.path);
    if (!resolved.ok) throw new ThumbnailError('missing', `${source.path} cannot be read: ${resolved.reason}`);
    if (resolved.input.kind === 'file') {
      const onDisk = await stat(source.path).catch(() => undefined);
      if (!onDisk?.isFile()) throw new ThumbnailError('missing', `${source.path} is not on disk (rescan the library?)`);
    }
    await mkdir(path.dirname(file), { recursive: true });
    await this.forgetOtherVersions(source);
    const partial = `${file}.${process.pid}.${Date.now()}.part`;
    try {
      await this.runFfmpeg(thumbnailArgs(resolved.input, atMs, partial, this.options.width), resolved.input);
      const bytes = await readFile(partial).catch(() => undefined);
      if (!bytes || bytes.length === 0) throw new ThumbnailError('no_picture', `no picture at ${atMs} ms in ${path.basename(source.path)}`);
      await rename(partial, file);
      await this.deleteAll(this.index.add(key, String(source.mediaId)));
      return bytes;
    } finally {
      await rm(partial, { force: true });
    }
  }

  private async forgetOtherVersions(source: ThumbnailSource): Promise<void> {
    const group = String(source.mediaId);
    const current = path.join(group, `${fileIdentity(source)}-`);
    const stale = this.index.keysOf(group).filter((key) => !key.startsWith(current));
    for (const key of stale) this.index.remove(key);
    await this.deleteAll(stale);
  }

  private async deleteAll(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(path.join(this.options.dir, key), { force: true })));
  }

  /**
   * Started as every other ffmpeg is (registered, so a server going down kills it; dying with
   * the server even on SIGKILL), at low CPU priority so live encoders keep theirs, and killed
   * when it runs past its time.
   */
  private runFfmpeg(args: string[], input: MediaInput): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? FFMPEG_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = spawnFfmpeg(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], background: true });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        const reason = signal ? `ffmpeg was stopped (${signal}) after ${timeoutMs / 1000} s` : sanitiseInputText(stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`, input);
        reject(new ThumbnailError('no_picture', `no picture could be made: ${reason}`));
      });
    });
  }
}
