import { ConfigError, loadConfig } from '../config/load.js';
import { openDatabase, type Database } from '../db/database.js';
import { addUserChapter, chaptersOf, LibraryRequestError, removeChapter, type ChapterMarker } from '../library/chapters.js';
import { mediaRow, resolveMediaRef } from '../library/media-queries.js';

export interface ChaptersFlags {
  config?: string;
  data?: string;
  json?: boolean;
}

/**
 * A chapter time as users write it: milliseconds ("90500"), or clock time with optional
 * fraction ("1:30.5", "0:01:30.500"). Undefined when it is neither.
 */
export function parseChapterTime(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.(\d{1,3}))?$/.exec(trimmed);
  if (!match) return undefined;
  const [, hours = '0', minutes, seconds, fraction = ''] = match;
  if (Number(seconds) >= 60 || (match[1] !== undefined && Number(minutes) >= 60)) return undefined;
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + Number(fraction.padEnd(3, '0'));
}

function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return `${h}:${String(m).padStart(2, '0')}:${s}`;
}

function describe(marker: ChapterMarker): string {
  return `${String(marker.id).padStart(5)}  ${formatTime(marker.timestampMs)}  ${marker.source.padEnd(4)}  ${marker.title}`;
}

/** Opens the library database and finds the media file named by id or path. */
function withMedia<T>(flags: ChaptersFlags, mediaRef: string, work: (db: Database, mediaId: number) => T): T {
  const config = loadConfig({ config: flags.config, data: flags.data });
  const db = openDatabase(config.data_dir);
  try {
    const id = resolveMediaRef(db, mediaRef);
    if (id === undefined || !mediaRow(db, id)) throw new LibraryRequestError('not_found', `no media file ${mediaRef} in the library (run retrovue scan first?)`);
    return work(db, id);
  } finally {
    db.close();
  }
}

function fail(error: unknown): number {
  if (error instanceof ConfigError || error instanceof LibraryRequestError) {
    process.stderr.write(`retrovue: ${error.message}\n`);
    return error instanceof LibraryRequestError && error.code === 'not_found' ? 3 : 2;
  }
  throw error;
}

export function runChaptersList(mediaRef: string, flags: ChaptersFlags): number {
  try {
    return withMedia(flags, mediaRef, (db, id) => {
      const markers = chaptersOf(db, id);
      if (flags.json) process.stdout.write(`${JSON.stringify(markers)}\n`);
      else {
        const row = mediaRow(db, id)!;
        process.stdout.write(`${row.title} (${row.path}): ${markers.length} chapter(s)\n`);
        for (const marker of markers) process.stdout.write(`${describe(marker)}\n`);
      }
      return 0;
    });
  } catch (error) {
    return fail(error);
  }
}

export function runChaptersAdd(mediaRef: string, time: string, title: string, flags: ChaptersFlags): number {
  try {
    const timestampMs = parseChapterTime(time);
    if (timestampMs === undefined) throw new LibraryRequestError('invalid', `time "${time}": use milliseconds (90500) or [h:]mm:ss[.mmm] (1:30.5)`);
    return withMedia(flags, mediaRef, (db, id) => {
      const marker = addUserChapter(db, id, { title, timestampMs });
      process.stdout.write(flags.json ? `${JSON.stringify(marker)}\n` : `added ${describe(marker).trim()}\n`);
      return 0;
    });
  } catch (error) {
    return fail(error);
  }
}

export function runChaptersRemove(mediaRef: string, chapterId: string, flags: ChaptersFlags): number {
  try {
    if (!/^\d+$/.test(chapterId)) throw new LibraryRequestError('invalid', `chapter id "${chapterId}" must be a number (see retrovue chapters list)`);
    return withMedia(flags, mediaRef, (db, id) => {
      const marker = removeChapter(db, id, Number(chapterId));
      const note = marker.source === 'file' ? ' (imported from the file; a rescan will not bring it back)' : '';
      process.stdout.write(flags.json ? `${JSON.stringify(marker)}\n` : `removed ${describe(marker).trim()}${note}\n`);
      return 0;
    });
  } catch (error) {
    return fail(error);
  }
}
