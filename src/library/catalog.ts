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
}

/** Read side of the library, as schedules and playout see it. */
export interface Catalog {
  /** Every item whose status is `ok`, in natural path order. */
  playable(): CatalogItem[];
  /** One item by id, including `missing`/`unplayable` ones' last known facts; undefined if unknown. */
  byId(id: number): (CatalogItem & { status: 'ok' | 'missing' | 'unplayable' }) | undefined;
}
