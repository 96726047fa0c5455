import type { Database } from 'better-sqlite3';
import type { SubtitleTrack } from '../../subtitles/cue.js';
import { normaliseLanguage, UNDETERMINED } from '../../subtitles/languages.js';

/** A track as the library knows it: the shared shape, and what only the library shows. */
export interface LibrarySubtitleTrack extends SubtitleTrack {
  /** For the deaf and hard of hearing (SDH/CC): sounds described as well as speech. */
  hearingImpaired: boolean;
  /** Cues dropped or cut when the track was last read (the first few, by line), else null. */
  warning: string | null;
}

interface TrackRow {
  id: number;
  media_file_id: number;
  origin: 'embedded' | 'sidecar';
  stream_index: number | null;
  sidecar_path: string | null;
  codec: string;
  language: string | null;
  title: string | null;
  forced: number;
  is_default: number;
  hearing_impaired: number;
  picture_only: number;
  problem: string | null;
  warning: string | null;
}

/**
 * A stored language tag as the shared shape has it: ISO 639-2/B, any other three-letter code
 * kept as it is (a language the table lacks), anything else (none, "English", "xx") 'und'.
 */
export function trackLanguage(tag: string | null): string {
  if (!tag) return UNDETERMINED;
  return normaliseLanguage(tag) ?? (/^[a-z]{3}$/i.test(tag) ? tag.toLowerCase() : UNDETERMINED);
}

/** The file's subtitle tracks in the order a list shows them: its own streams by index, then the files beside it by name. */
export function subtitleTracksOf(db: Database, mediaFileId: number): LibrarySubtitleTrack[] {
  const rows = db
    .prepare(
      `SELECT id, media_file_id, origin, stream_index, sidecar_path, codec, language, title, forced, is_default, hearing_impaired, picture_only, problem, warning
       FROM media_subtitle_streams WHERE media_file_id = ? ORDER BY origin = 'sidecar', stream_index, sidecar_path`,
    )
    .all(mediaFileId) as TrackRow[];
  return rows.map((row) => ({
    id: row.id,
    mediaFileId: row.media_file_id,
    origin: row.origin,
    streamIndex: row.origin === 'embedded' ? row.stream_index : null,
    sidecarPath: row.origin === 'sidecar' ? row.sidecar_path : null,
    codec: row.codec,
    language: trackLanguage(row.language),
    title: row.title,
    forced: row.forced === 1,
    default: row.is_default === 1,
    hearingImpaired: row.hearing_impaired === 1,
    pictureOnly: row.picture_only === 1,
    problem: row.problem,
    warning: row.warning,
  }));
}
