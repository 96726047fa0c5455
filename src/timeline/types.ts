/**
 * The timeline is Retrovue's single source of truth: for every channel, what airs when.
 * Schedules (loop mode today, compiled schedules later) produce a ChannelTimeline; the
 * playout engine, the guide and the now/next API only ever read it.
 */
export type AiringKind = 'program' | 'commercial' | 'bumper' | 'station_id' | 'promo' | 'filler' | 'slate' | 'alert' | 'live';

export interface Airing {
  /** Wall-clock start and end, UTC epoch milliseconds; end is exclusive. */
  startMs: number;
  endMs: number;
  mediaPath: string;
  /** Slice of the media file that airs, in milliseconds of the file's own time. */
  inPointMs: number;
  outPointMs: number;
  kind: AiringKind;
  title: string;
  /** Library id of the media (media_files.id) when it came from the catalog. */
  mediaId?: number;
  /** The guide programme this airing belongs to: a show airing and its breaks share one. */
  program?: AiringProgram;
  /** Set on an emergency alert laid over the timeline (kind `alert`; never in the guide). */
  alert?: AiringAlert;
  /**
   * Set on a scheduled live block (kind `live`, issue 25): the live source (src/live) it airs.
   * It has no file (`mediaPath` ''): playout feeds the source's stream to its renderer.
   */
  live?: { sourceId: string };
}

export interface AiringAlert {
  id: number;
  type: 'emergency' | 'weather' | 'system' | 'custom';
  message: string;
  priority: number;
  issuedAtMs: number;
}

/** What the guide shows for a slot: one per show airing, its breaks folded in. */
export interface AiringProgram {
  /** Stable id shared by every airing of the slot (the show and its breaks). */
  id: string;
  title: string;
  /** Episode title. */
  subtitle?: string;
  description?: string;
  season?: number;
  episode?: number;
  year?: number;
  category?: string;
  /** Genres from the programme's metadata (.nfo, media server): more <category> in the guide. */
  genres?: string[];
  /** Content rating as the source gives it: "TV-PG", "PG-13", "GB:15". */
  rating?: string;
  /** First aired / released, "YYYY-MM-DD". */
  airDate?: string;
  /** The media id whose poster is served at /media/{id}/poster (absent: no poster known). */
  posterMediaId?: number;
  /** Where the end credits start, in the file's own time (media-server marker): "up next" shows from there. */
  creditsStartMs?: number;
  /** Schedule block that produced it, if any. */
  block?: string;
}

export interface TimelinePosition {
  airing: Airing;
  /** Milliseconds since the airing started. */
  offsetMs: number;
}

export interface ChannelTimeline {
  /** What airs at instant t (epoch ms), or undefined when the channel is off the air. */
  at(tMs: number): TimelinePosition | undefined;
  /** Airings that overlap [fromMs, toMs), in air order; at most `limit` of them. */
  airingsBetween(fromMs: number, toMs: number, limit?: number): Airing[];
  /** When the channel goes off the air for good (e.g. after `--loops N`), else undefined. */
  readonly endsAtMs: number | undefined;
}
