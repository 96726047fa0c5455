import type { Database } from 'better-sqlite3';
import { syncFileChapters } from '../library/chapters.js';
import type { ProbedChapter } from '../library/probe.js';
import { embeddedSubtitle } from '../library/scanner.js';
import type { RemoteItem } from './media-server.js';

/**
 * What a media server's item becomes in the library: the media_files columns, its audio and
 * subtitle streams, its chapters (break points) and its intro/credits markers. The server's
 * answer is hostile input: text is cut to size and stripped of control characters, numbers
 * outside sense are dropped, so one odd item cannot spoil a row or a guide.
 */

const MAX_TITLE = 500;
const MAX_TEXT = 8000;
const MAX_SHORT = 100;
const MAX_CHAPTERS = 200;
const MAX_STREAMS = 64;
const MAX_GENRES = 20;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function cleanText(text: string | undefined, max: number): string | undefined {
  if (typeof text !== 'string') return undefined;
  const clean = text.replace(CONTROL, '').trim();
  return clean === '' ? undefined : clean.slice(0, max);
}

function wholeNumber(value: number | undefined, max: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max ? Math.round(value) : null;
}

/** The columns of media_files an item sets (the sync adds path, status and the source's own). */
export interface RemoteRowFacts {
  kind: 'episode' | 'movie' | 'other';
  title: string;
  show: string | null;
  season: number | null;
  episode: number | null;
  year: number | null;
  duration_ms: number | null;
  size_bytes: number;
  mtime_ms: number;
  container: string | null;
  video_codec: string | null;
  video_profile: string | null;
  width: number | null;
  height: number | null;
  frame_rate: number | null;
  pixel_format: string | null;
  bit_depth: number | null;
  interlaced: number | null;
  display_aspect: string | null;
  description: string | null;
  show_description: string | null;
  content_rating: string | null;
  genres_json: string;
  air_date: string | null;
  poster_remote: string | null;
  external_ids_json: string;
  remote_id: string;
  remote_path: string | null;
  remote_part: string | null;
}

/** An item's external ids, normalised (`tt0123456`, digits for TMDb/TVDB) and sorted by provider. */
export function externalIdsOf(item: Pick<RemoteItem, 'externalIds'>): { imdb?: string; tmdb?: string; tvdb?: string } {
  const ids: { imdb?: string; tmdb?: string; tvdb?: string } = {};
  const imdb = cleanText(item.externalIds?.imdb, MAX_SHORT)?.toLowerCase();
  if (imdb && /^tt\d{5,12}$/.test(imdb)) ids.imdb = imdb;
  const tmdb = cleanText(item.externalIds?.tmdb, MAX_SHORT);
  if (tmdb && /^\d{1,12}$/.test(tmdb)) ids.tmdb = tmdb;
  const tvdb = cleanText(item.externalIds?.tvdb, MAX_SHORT);
  if (tvdb && /^\d{1,12}$/.test(tvdb)) ids.tvdb = tvdb;
  return ids;
}

export function remoteRowFacts(item: RemoteItem): RemoteRowFacts {
  const durationMs = wholeNumber(item.durationMs, 100 * 3600_000);
  const video = item.video;
  const genres = (Array.isArray(item.genres) ? item.genres : []).map((g) => cleanText(g, MAX_SHORT)).filter((g): g is string => g !== undefined).slice(0, MAX_GENRES);
  const airDate = typeof item.airDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(item.airDate) ? item.airDate : null;
  const kind = item.kind === 'episode' || item.kind === 'movie' ? item.kind : 'other';
  const show = kind === 'episode' ? (cleanText(item.show, MAX_TITLE) ?? null) : null;
  return {
    kind,
    title: cleanText(item.title, MAX_TITLE) ?? cleanText(item.file?.path?.split(/[\\/]/).pop(), MAX_TITLE) ?? `item ${String(item.remoteId).slice(0, 40)}`,
    show,
    season: show ? wholeNumber(item.season, 100_000) : null,
    episode: show ? wholeNumber(item.episode, 100_000) : null,
    year: wholeNumber(item.year, 9999),
    duration_ms: durationMs && durationMs > 0 ? durationMs : null,
    size_bytes: wholeNumber(item.file?.sizeBytes, Number.MAX_SAFE_INTEGER) ?? 0,
    mtime_ms: wholeNumber(item.updatedAtMs, Number.MAX_SAFE_INTEGER) ?? 0,
    container: cleanText(item.file?.container, MAX_SHORT) ?? null,
    video_codec: cleanText(video?.codec, MAX_SHORT) ?? null,
    video_profile: cleanText(video?.profile, MAX_SHORT) ?? null,
    width: wholeNumber(video?.width, 16384),
    height: wholeNumber(video?.height, 16384),
    frame_rate: typeof video?.frameRate === 'number' && video.frameRate > 0 && video.frameRate < 1000 ? video.frameRate : null,
    pixel_format: cleanText(video?.pixelFormat, MAX_SHORT) ?? null,
    bit_depth: wholeNumber(video?.bitDepth, 64),
    interlaced: video?.interlaced === undefined ? null : video.interlaced ? 1 : 0,
    display_aspect: cleanText(video?.displayAspect, 20) ?? null,
    description: cleanText(item.description, MAX_TEXT) ?? null,
    show_description: cleanText(item.showDescription, MAX_TEXT) ?? null,
    content_rating: cleanText(item.contentRating, MAX_SHORT) ?? null,
    genres_json: JSON.stringify(genres),
    air_date: airDate,
    poster_remote: cleanText(item.poster, 2000) ?? null,
    external_ids_json: JSON.stringify(externalIdsOf(item)),
    remote_id: String(item.remoteId).slice(0, 200),
    remote_path: cleanText(item.file?.path, 4096) ?? null,
    remote_part: cleanText(item.file?.part, 2000) ?? null,
  };
}

/**
 * The break points an item brings: its chapters, plus one where the intro ends (a break after
 * the opening titles), within the file and each instant once. A chapter at 0 is kept (the
 * scanner keeps it too; the compiler never breaks there).
 */
export function remoteBreakPoints(item: RemoteItem, durationMs: number | null): ProbedChapter[] {
  const inside = (ms: number) => Number.isFinite(ms) && ms >= 0 && (durationMs === null || ms < durationMs);
  const points = new Map<number, string>();
  for (const chapter of (Array.isArray(item.chapters) ? item.chapters : []).slice(0, MAX_CHAPTERS)) {
    const at = Math.round(chapter.startMs);
    if (inside(at) && !points.has(at)) points.set(at, cleanText(chapter.title, 200) ?? `Chapter ${points.size + 1}`);
  }
  for (const marker of remoteMarkers(item, durationMs)) {
    if (marker.kind === 'intro' && marker.endMs > 0 && inside(marker.endMs) && !points.has(marker.endMs)) points.set(marker.endMs, 'After the intro');
  }
  return [...points].sort((a, b) => a[0] - b[0]).map(([startMs, title]) => ({ startMs, title }));
}

export function remoteMarkers(item: RemoteItem, durationMs: number | null): Array<{ kind: 'intro' | 'credits'; startMs: number; endMs: number }> {
  const markers: Array<{ kind: 'intro' | 'credits'; startMs: number; endMs: number }> = [];
  for (const marker of (Array.isArray(item.markers) ? item.markers : []).slice(0, 20)) {
    if (marker.kind !== 'intro' && marker.kind !== 'credits') continue;
    const startMs = Math.round(marker.startMs);
    const endMs = Math.round(marker.endMs);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs < 0 || endMs <= startMs) continue;
    if (durationMs !== null && startMs >= durationMs) continue;
    markers.push({ kind: marker.kind, startMs, endMs: durationMs === null ? endMs : Math.min(endMs, durationMs) });
  }
  return markers;
}

/** Prepared statements that write an item's streams, chapters and markers for a row (inside the caller's transaction). */
export function remoteDetailWriter(db: Database) {
  const clearAudio = db.prepare('DELETE FROM media_audio_streams WHERE media_file_id = ?');
  const clearSubtitles = db.prepare("DELETE FROM media_subtitle_streams WHERE media_file_id = ? AND origin = 'embedded'");
  const insertAudio = db.prepare(
    'INSERT INTO media_audio_streams (media_file_id, stream_index, codec, language, channels, channel_layout, sample_rate, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertSubtitle = db.prepare(`
    INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, codec, language, title, forced, is_default, hearing_impaired, picture_only, problem)
    VALUES (@mediaFileId, 'embedded', @index, @codec, @language, @title, @forced, @isDefault, @hearingImpaired, @pictureOnly, @problem)`);
  const clearMarkers = db.prepare('DELETE FROM media_markers WHERE media_file_id = ?');
  const insertMarker = db.prepare('INSERT OR IGNORE INTO media_markers (media_file_id, kind, start_ms, end_ms) VALUES (?, ?, ?, ?)');

  return (mediaFileId: number, item: RemoteItem, durationMs: number | null): void => {
    clearAudio.run(mediaFileId);
    clearSubtitles.run(mediaFileId);
    const seen = new Set<number>();
    for (const a of (Array.isArray(item.audio) ? item.audio : []).slice(0, MAX_STREAMS)) {
      const index = wholeNumber(a.index, 10_000);
      if (index === null || seen.has(index)) continue;
      seen.add(index);
      insertAudio.run(mediaFileId, index, cleanText(a.codec, MAX_SHORT) ?? 'unknown', cleanText(a.language, MAX_SHORT) ?? null, wholeNumber(a.channels, 64) ?? 2, cleanText(a.channelLayout, MAX_SHORT) ?? null, wholeNumber(a.sampleRate, 768_000) ?? 0, cleanText(a.title, MAX_TITLE) ?? null);
    }
    for (const s of (Array.isArray(item.subtitles) ? item.subtitles : []).slice(0, MAX_STREAMS)) {
      const index = wholeNumber(s.index, 10_000);
      if (index === null || seen.has(index)) continue;
      seen.add(index);
      const stream = embeddedSubtitle({
        index,
        codec: cleanText(s.codec, MAX_SHORT) ?? 'unknown',
        language: cleanText(s.language, MAX_SHORT) ?? null,
        title: cleanText(s.title, MAX_TITLE) ?? null,
        forced: Boolean(s.forced),
        default: Boolean(s.default),
        hearingImpaired: Boolean(s.hearingImpaired),
      });
      insertSubtitle.run({ mediaFileId, ...stream });
    }
    // Imported chapters are replaced; the user's own markers and suppressions stay (chapters.ts).
    syncFileChapters(db, mediaFileId, remoteBreakPoints(item, durationMs));
    clearMarkers.run(mediaFileId);
    for (const marker of remoteMarkers(item, durationMs)) insertMarker.run(mediaFileId, marker.kind, marker.startMs, marker.endMs);
  };
}
