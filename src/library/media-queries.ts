import type { Database } from 'better-sqlite3';
import { languageName } from '../subtitles/languages.js';
import type { MediaKind } from './catalog.js';
import { chaptersOf } from './chapters.js';
import type { MediaRow, MediaStatus } from './sqlite-catalog.js';
import { subtitleTracksOf, type LibrarySubtitleTrack } from './subtitles/tracks.js';

export interface MediaFilter {
  kind?: MediaKind;
  show?: string;
  status?: MediaStatus;
  limit: number;
  offset: number;
}

/** The API's summary of a file: what a list needs, without streams and chapters. */
export function mediaSummary(row: MediaRow) {
  return {
    id: row.id,
    path: row.path,
    status: row.status,
    reason: row.status_reason,
    kind: row.kind,
    title: row.title,
    show: row.show,
    season: row.season,
    episode: row.episode,
    year: row.year,
    durationMs: row.duration_ms,
    container: row.container,
    video: row.video_codec
      ? { codec: row.video_codec, width: row.width, height: row.height, frameRate: row.frame_rate_fraction, aspect: row.display_aspect }
      : null,
    tags: JSON.parse(row.tags_json) as string[],
  };
}

/** Files matching the filter, in path order, one page of them, and how many match in all. */
export function listMedia(db: Database, filter: MediaFilter) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.kind) (where.push('kind = ?'), params.push(filter.kind));
  if (filter.show) (where.push('show = ? COLLATE NOCASE'), params.push(filter.show));
  if (filter.status) (where.push('status = ?'), params.push(filter.status));
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const { total } = db.prepare(`SELECT COUNT(*) AS total FROM media_files ${clause}`).get(...params) as { total: number };
  const rows = db.prepare(`SELECT * FROM media_files ${clause} ORDER BY path LIMIT ? OFFSET ?`).all(...params, filter.limit, filter.offset) as MediaRow[];
  return { total, limit: filter.limit, offset: filter.offset, items: rows.map(mediaSummary) };
}

export function mediaRow(db: Database, id: number): MediaRow | undefined {
  return db.prepare('SELECT * FROM media_files WHERE id = ?').get(id) as MediaRow | undefined;
}

/** Everything known about one file: facts, every stream, chapters with their source. */
export function mediaDetail(db: Database, id: number) {
  const row = mediaRow(db, id);
  if (!row) return undefined;
  const audio = db
    .prepare('SELECT stream_index, codec, language, channels, channel_layout, sample_rate, title FROM media_audio_streams WHERE media_file_id = ? ORDER BY stream_index')
    .all(id) as Array<{ stream_index: number; codec: string; language: string | null; channels: number; channel_layout: string | null; sample_rate: number; title: string | null }>;
  return {
    ...mediaSummary(row),
    sizeBytes: row.size_bytes,
    modifiedAt: new Date(row.mtime_ms).toISOString(),
    probedAt: row.probed_at,
    video: row.video_codec
      ? {
          codec: row.video_codec,
          profile: row.video_profile,
          width: row.width,
          height: row.height,
          frameRate: row.frame_rate,
          frameRateFraction: row.frame_rate_fraction,
          pixelFormat: row.pixel_format,
          bitDepth: row.bit_depth,
          fieldOrder: row.field_order,
          interlaced: row.interlaced === 1,
          displayAspect: row.display_aspect,
          sampleAspect: row.sample_aspect,
        }
      : null,
    audio: audio.map((a) => ({
      index: a.stream_index, codec: a.codec, language: a.language, channels: a.channels, channelLayout: a.channel_layout, sampleRate: a.sample_rate, title: a.title,
    })),
    subtitles: subtitleTracksOf(db, id).map(subtitleTrackJson),
    chapters: chaptersOf(db, id).map(chapterJson),
  };
}

/**
 * A subtitle track as the API shows it: where it comes from (the file's stream `index`, or the
 * `sidecarPath` beside it), its language as a code and a readable name, its flags, and why it
 * cannot be used (`problem`) or which cues were dropped (`warning`).
 */
export function subtitleTrackJson(track: LibrarySubtitleTrack) {
  return {
    id: track.id,
    origin: track.origin,
    index: track.streamIndex,
    sidecarPath: track.sidecarPath,
    codec: track.codec,
    language: track.language,
    languageName: languageName(track.language),
    title: track.title,
    forced: track.forced,
    default: track.default,
    hearingImpaired: track.hearingImpaired,
    pictureOnly: track.pictureOnly,
    problem: track.problem,
    warning: track.warning,
  };
}

export function chapterJson(marker: ReturnType<typeof chaptersOf>[number]) {
  return { id: marker.id, title: marker.title, timestampMs: marker.timestampMs, source: marker.source, createdAt: marker.createdAt, updatedAt: marker.updatedAt };
}

/** A media id from the command line: a number, or a path the library knows. */
export function resolveMediaRef(db: Database, ref: string): number | undefined {
  if (/^\d+$/.test(ref)) return Number(ref);
  const row = db.prepare('SELECT id FROM media_files WHERE path = ?').get(ref) as { id: number } | undefined;
  return row?.id;
}
