/**
 * Subtitle cues: the one shape every part of "languages and captions" (issue 22) trades in.
 *
 *  - the library (src/library/subtitles) reads cues from sidecar files and embedded text
 *    tracks, in the file's own time;
 *  - the channel's subtitle timeline (src/subtitles) places them on the wall clock through the
 *    airings that play the file, and cuts WebVTT segments from them (src/hls);
 *  - the caption encoder (src/captions) turns them into CEA-608 caption data in the video.
 */

/** One cue as the file has it: milliseconds of the media file's own time. */
export interface Cue {
  startMs: number;
  /** Exclusive; always > startMs. */
  endMs: number;
  /**
   * Plain text: markup (HTML-like tags, ASS override blocks) removed, lines joined by '\n',
   * no control characters, at most MAX_CUE_TEXT_CHARS characters.
   */
  text: string;
}

/** One cue placed on the wall clock (UTC epoch milliseconds) by the airing that plays it. */
export interface WallCue {
  startMs: number;
  endMs: number;
  text: string;
}

/** Longest cue text kept (a 10 MB line in a hostile file is cut here, with a log line). */
export const MAX_CUE_TEXT_CHARS = 500;
/** Most cues kept per track (a 50 000-cue file keeps its first ones, with a log line). */
export const MAX_CUES_PER_TRACK = 20_000;

/** ISO 639-2/B three-letter code, or 'und' when the source does not say. */
export type LanguageCode = string;

/** Where a subtitle track comes from. */
export type SubtitleOrigin = 'sidecar' | 'embedded';

/**
 * A subtitle track of a media file as the library records it. Text tracks have cues (read on
 * demand and cached); picture tracks (PGS, VobSub, DVB) can only be burned in.
 */
export interface SubtitleTrack {
  /** Row id in media_subtitle_streams (stable while the file is unchanged). */
  id: number;
  mediaFileId: number;
  origin: SubtitleOrigin;
  /** Embedded: the stream index in the file. Sidecar: null. */
  streamIndex: number | null;
  /** Sidecar: the path of the subtitle file. Embedded: null. */
  sidecarPath: string | null;
  /** ffprobe codec name (subrip, ass, webvtt, mov_text, hdmv_pgs_subtitle, dvd_subtitle, dvb_subtitle). */
  codec: string;
  language: LanguageCode;
  title: string | null;
  forced: boolean;
  default: boolean;
  /** Picture subtitles have no text: burn-in only. */
  pictureOnly: boolean;
  /** Why the track cannot be used (unreadable file, no valid cue), else null. */
  problem: string | null;
}

/**
 * What the channel side asks the library for: the cues of a file's text track in a language.
 * Implemented by the library (src/library/subtitles); the HLS subtitle renditions, the caption
 * encoder and burn-in only see this.
 */
export interface SubtitleCueSource {
  /** The file's subtitle tracks as recorded (sidecars and embedded), best first. */
  tracksOf(mediaFileId: number): SubtitleTrack[];
  /**
   * The cues of the file's best text track in `language` ('forced': only a forced track),
   * file time, sorted by start, bad cues already dropped; undefined when the file has none.
   * Reading may run ffmpeg once (embedded tracks) and is cached after that.
   */
  cuesFor(mediaFileId: number, language: LanguageCode, options?: { forced?: boolean }): Promise<Cue[] | undefined>;
}
