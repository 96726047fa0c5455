import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { registerChild } from '../ffmpeg/process-registry.js';

/** Width of a chapter-strip thumbnail, in pixels (the height follows the picture's aspect). */
export const THUMBNAIL_WIDTH = 160;
/** ffmpeg processes making thumbnails at once: a strip asks for all its marks together. */
const MAX_RUNNING = 2;
const FFMPEG_TIMEOUT_MS = 20_000;

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

/** `<size>-<mtime>`: the part of a cached name that ties it to one version of the file. */
export function fileIdentity(source: Pick<ThumbnailSource, 'sizeBytes' | 'mtimeMs'>): string {
  return `${source.sizeBytes}-${Math.round(source.mtimeMs)}`;
}

/** Where a thumbnail is kept: `<dir>/<media id>/<size>-<mtime>-<ms>.jpg`. */
export function thumbnailPath(dir: string, source: ThumbnailSource, atMs: number): string {
  return path.join(dir, String(source.mediaId), `${fileIdentity(source)}-${atMs}.jpg`);
}

/** ffmpeg's arguments for one small JPEG at `atMs`: a fast seek before the input, one frame. */
export function thumbnailArgs(input: string, atMs: number, output: string, width = THUMBNAIL_WIDTH): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-ss', (atMs / 1000).toFixed(3), '-i', input,
    '-map', '0:v:0', '-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '5',
    '-f', 'image2', '-c:v', 'mjpeg', '-y', output,
  ];
}

/**
 * Small JPEGs of instants of library files (the chapter strip's pictures at the marks), made
 * with ffmpeg on first request and kept on disk under the data folder. A cached picture is
 * keyed by media id, file identity and instant, so it is never stale; pictures of an older
 * version of a file are deleted when a new one is made.
 */
export class ThumbnailCache {
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: { dir: string; ffmpegPath: string; width?: number }) {}

  async get(source: ThumbnailSource, atMs: number): Promise<Buffer> {
    const file = thumbnailPath(this.options.dir, source, atMs);
    const cached = await readFile(file).catch(() => undefined);
    if (cached && cached.length > 0) return cached;
    let pending = this.inFlight.get(file);
    if (!pending) {
      pending = this.make(source, atMs, file).finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, pending);
    }
    return pending;
  }

  private async make(source: ThumbnailSource, atMs: number, file: string): Promise<Buffer> {
    const onDisk = await stat(source.path).catch(() => undefined);
    if (!onDisk?.isFile()) throw new ThumbnailError('missing', `${source.path} is not on disk (rescan the library?)`);
    await mkdir(path.dirname(file), { recursive: true });
    await this.forgetOtherVersions(source);
    const partial = `${file}.${process.pid}.${Date.now()}.part`;
    await this.slot();
    try {
      await this.runFfmpeg(thumbnailArgs(source.path, atMs, partial, this.options.width));
      const bytes = await readFile(partial).catch(() => undefined);
      if (!bytes || bytes.length === 0) throw new ThumbnailError('no_picture', `no picture at ${atMs} ms in ${path.basename(source.path)}`);
      await rename(partial, file);
      return bytes;
    } finally {
      this.release();
      await rm(partial, { force: true });
    }
  }

  private async forgetOtherVersions(source: ThumbnailSource): Promise<void> {
    const folder = path.join(this.options.dir, String(source.mediaId));
    const identity = `${fileIdentity(source)}-`;
    const names = await readdir(folder).catch(() => [] as string[]);
    await Promise.all(names.filter((name) => name.endsWith('.jpg') && !name.startsWith(identity)).map((name) => rm(path.join(folder, name), { force: true })));
  }

  private runFfmpeg(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      registerChild(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        const reason = signal ? `ffmpeg was stopped (${signal}) after ${FFMPEG_TIMEOUT_MS / 1000} s` : stderr.trim().split('\n').pop() || `ffmpeg exited with ${code}`;
        reject(new ThumbnailError('no_picture', `no picture could be made: ${reason}`));
      });
    });
  }

  private slot(): Promise<void> {
    if (this.running < MAX_RUNNING) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.running -= 1;
  }
}
