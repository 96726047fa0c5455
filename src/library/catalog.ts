/**
 * What the rest of Retrovue may know about the library: playable media with the facts a
 * schedule needs. The library (SQLite, filled by the scanner) produces CatalogItems; the
 * schedule compiler and the timeline consume them and never touch the database or ffprobe.
 */
export type MediaKind = 'episode' | 'movie' | 'commercial' | 'bumper' | 'station_id' | 'promo' | 'other';

export interface CatalogChapter {
  title: string;
  /** Start of the chapter in the file's own time; a break point is placed here. */
  timestampMs: number;
}

export interface CatalogItem {
  /** media_files.id: stable across rescans. */
  id: number;
  path: string;
  durationMs: number;
  kind: MediaKind;
  title: string;
  show?: string;
  season?: number;
  episode?: number;
  year?: number;
  /** Sorted by timestampMs; the chapter at 0 (if any) is not a break. */
  chapters: CatalogChapter[];
  /** Free-form labels (folder-config tags) that collections select on. */
  tags: string[];
  /** Programme metadata (media server or .nfo sidecar), for the guide; absent when only the file name is known. */
  description?: string;
  /** The show's own description (tvshow.nfo, the series on a media server). */
  showDescription?: string;
  /** As the source gives it: "TV-PG", "PG-13", "12". */
  contentRating?: string;
  genres?: string[];
  /** First aired / released, "YYYY-MM-DD". */
  airDate?: string;
  /** Whether a poster is known (served at /media/{id}/poster). */
  hasPoster?: boolean;
  /** The media server this item comes from ("plex-1"); absent for local folders. */
  sourceKey?: string;
  /** Media-server collections and playlists it belongs to, as "<source key>/<name>". */
  collections?: string[];
  /** Its place in each of those collections ("<source key>/<name>" → position): a sequential collection airs in this order. */
  collectionPositions?: Record<string, number>;
  /** Where the end credits start (media-server marker), in the file's own time. */
  creditsStartMs?: number;
}

/** Read side of the library, as schedules and playout see it. */
export interface Catalog {
  /** Every item whose status is `ok`, in natural path order. */
  playable(): CatalogItem[];
  /** One item by id, including `missing`/`unplayable` ones' last known facts; undefined if unknown. */
  byId(id: number): (CatalogItem & { status: 'ok' | 'missing' | 'unplayable' }) | undefined;
}
