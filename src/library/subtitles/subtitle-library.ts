import type { Database } from 'better-sqlite3';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logging/logger.js';
import type { Cue, LanguageCode, SubtitleCueSource } from '../../subtitles/cue.js';
import { chooseTextTracks, rankTracks } from './choose.js';
import { extractionFormat } from './codecs.js';
import { ExtractionInterrupted, extractTrack } from './extract.js';
import { isMediaServerPath } from '../../ffmpeg/media-input.js';
import { formatOf, readSubtitleFile, warningOf, type SubtitleRead } from './read-file.js';
import { subtitleTracksOf, type LibrarySubtitleTrack } from './tracks.js';

/** The cache of extracted embedded tracks: `<data folder>/subtitles`. */
export function subtitleCacheDir(dataDir: string): string {
  return path.join(dataDir, 'subtitles');
}

export interface SubtitleLibraryOptions {
  db: Database;
  /** Where extracted embedded tracks are kept: subtitleCacheDir(config.data_dir). */
  dir: string;
  ffmpegPath: string;
  log?: Pick<Logger, 'warn'>;
  /** ffmpeg extractions at once (default 1: they read whole files, and airings come first). */
  extractionsAtOnce?: number;
  /** An extraction running longer is killed (default 5 minutes: a film on a slow disk). */
  extractTimeoutMs?: number;
  /** Parsed tracks kept in memory (default 64), and their text in all (default 8 million characters). */
  cachedTracks?: number;
  cachedChars?: number;
  /** A track that could not be read for a passing reason (timeout) is tried again after this (default 10 minutes). */
  retryAfterMs?: number;
  now?: () => number;
}

interface Entry {
  read: SubtitleRead;
  weight: number;
  /** Passing failures expire; reads and lasting failures stay until evicted or the file changes. */
  expiresAtMs?: number;
}

/** The first problems shown in a log line. */
const PROBLEMS_SHOWN = 5;

/**
 * The library's subtitle cues, for the channel side (SubtitleCueSource): a file's tracks from the
 * database, and the cues of the best one in a language, read on demand — a sidecar parsed, an
 * embedded text stream extracted by ffmpeg once (cached on disk, one extraction at a time) and
 * parsed. Parsed tracks stay in a small LRU; concurrent asks for one track share one read. A
 * track that cannot be read is marked with its problem in the library (shown in the control
 * room) and the next best track is tried; every file with dropped cues is logged once per read.
 */
export class SubtitleLibrary implements SubtitleCueSource {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<SubtitleRead>>();
  private cachedWeight = 0;
  private extracting = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly options: SubtitleLibraryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The file's tracks, best first (usable full text tracks, then forced, then pictures and broken ones). */
  tracksOf(mediaFileId: number): LibrarySubtitleTrack[] {
    return rankTracks(subtitleTracksOf(this.options.db, mediaFileId));
  }

  async cuesFor(mediaFileId: number, language: LanguageCode, options: { forced?: boolean } = {}): Promise<Cue[] | undefined> {
    for (const track of chooseTextTracks(subtitleTracksOf(this.options.db, mediaFileId), language, options)) {
      const read = await this.readTrack(track);
      if (read.cues.length > 0) return read.cues;
    }
    return undefined;
  }

  /** One track's cues and problems (never throws): from memory, or read now. */
  async readTrack(track: LibrarySubtitleTrack): Promise<SubtitleRead> {
    const source = await this.sourceOf(track);
    if ('fatal' in source) return this.settle(track, source.label, { key: '', read: { cues: [], problems: [], fatal: source.fatal }, lasting: false });
    const entry = this.entries.get(source.key);
    if (entry && (entry.expiresAtMs === undefined || entry.expiresAtMs > this.now())) {
      this.entries.delete(source.key); // most recently used last
      this.entries.set(source.key, entry);
      return entry.read;
    }
    let pending = this.inFlight.get(source.key);
    if (!pending) {
      // Synchronous from the check to the set: concurrent asks for one track share one read.
      pending = source
        .load()
        .then((outcome) => this.settle(track, source.label, { key: source.key, ...outcome }))
        .finally(() => this.inFlight.delete(source.key));
      this.inFlight.set(source.key, pending);
    }
    return pending;
  }

  /** What identifies a track's current content (the cache key), and how to read it. */
  private async sourceOf(track: LibrarySubtitleTrack): Promise<
    { key: string; label: string; load: () => Promise<{ read: SubtitleRead; lasting: boolean }> } | { fatal: string; label: string }
  > {
    if (track.origin === 'sidecar') {
      const file = track.sidecarPath!;
      const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
      if (info instanceof Error) return { label: file, fatal: `cannot be read (${info.code ?? info.message})` };
      const format = formatOf(file) ?? 'srt';
      const load = async () => {
        const read = await readSubtitleFile(file, format);
        // A file that cannot be opened now (permissions, a disk gone) may be readable later: not marked.
        return { read, lasting: !read.fatal?.startsWith('cannot be read') };
      };
      return { key: `sidecar:${file}:${info.size}:${Math.trunc(info.mtimeMs)}`, label: file, load };
    }
    const row = this.options.db.prepare('SELECT path, size_bytes, mtime_ms FROM media_files WHERE id = ?').get(track.mediaFileId) as
      | { path: string; size_bytes: number; mtime_ms: number }
      | undefined;
    const label = `${row?.path ?? `media ${track.mediaFileId}`} (stream ${track.streamIndex})`;
    if (!row) return { label, fatal: 'the file is no longer in the library' };
    const embedded = { mediaId: track.mediaFileId, path: row.path, sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms, streamIndex: track.streamIndex! };
    const format = extractionFormat(track.codec);
    return {
      key: `embedded:${track.mediaFileId}:${row.size_bytes}-${row.mtime_ms}:${track.streamIndex}`,
      label,
      load: async () => {
        try {
          // A video that is not there now (a network share offline) says nothing about its tracks.
          // (A media server's item has no file here: it is read from its server.)
          const present = isMediaServerPath(row.path) || (await stat(row.path).catch(() => undefined))?.isFile();
          if (!present) throw new ExtractionInterrupted(`${row.path} is not on disk`);
          const file = await this.oneExtractionAtATime(() => extractTrack(this.options.ffmpegPath, this.options.dir, embedded, format, this.options.extractTimeoutMs ?? 300_000));
          return { read: await readSubtitleFile(file, format), lasting: true };
        } catch (error) {
          return { read: { cues: [], problems: [], fatal: (error as Error).message }, lasting: !(error instanceof ExtractionInterrupted) };
        }
      },
    };
  }

  /**
   * A read, done: logged (one line per file, its first problems), its problem and warning written
   * to the library when they are lasting facts about the file, and kept in memory.
   */
  private settle(track: LibrarySubtitleTrack, label: string, outcome: { key: string; read: SubtitleRead; lasting: boolean }): SubtitleRead {
    const { read, lasting, key } = outcome;
    if (read.fatal) this.options.log?.warn({ file: label, track: track.id, problem: read.fatal }, 'subtitle track cannot be used');
    else if (read.problems.length > 0) {
      this.options.log?.warn({ file: label, track: track.id, problems: read.problems.slice(0, PROBLEMS_SHOWN), more: Math.max(0, read.problems.length - PROBLEMS_SHOWN) }, 'subtitle cues dropped or cut');
    }
    if (lasting) {
      this.options.db
        .prepare('UPDATE media_subtitle_streams SET problem = ?, warning = ? WHERE id = ?')
        .run(read.fatal ?? null, read.fatal ? null : warningOf(read.problems), track.id);
    }
    if (key) this.remember(key, { read, weight: weightOf(read), expiresAtMs: lasting ? undefined : this.now() + (this.options.retryAfterMs ?? 600_000) });
    return read;
  }

  private remember(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) this.cachedWeight -= old.weight;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.cachedWeight += entry.weight;
    const maxTracks = this.options.cachedTracks ?? 64;
    const maxChars = this.options.cachedChars ?? 8_000_000;
    // The newest entry always stays, however big: it is about to be used.
    for (const [oldest, value] of this.entries) {
      if (this.entries.size <= 1 || (this.entries.size <= maxTracks && this.cachedWeight <= maxChars)) break;
      this.entries.delete(oldest);
      this.cachedWeight -= value.weight;
    }
  }

  private async oneExtractionAtATime<T>(work: () => Promise<T>): Promise<T> {
    if (this.extracting >= (this.options.extractionsAtOnce ?? 1)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.extracting += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.extracting -= 1;
    }
  }
}

function weightOf(read: SubtitleRead): number {
  let chars = 0;
  for (const cue of read.cues) chars += cue.text.length + 32;
  return chars + 64;
}
