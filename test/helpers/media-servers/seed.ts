/**
 * What the fake media servers (fake-plex.ts, fake-jellyfin.ts) hold: episodes and movies
 * described once, served in each server's own shapes. The seed helpers build many items cheaply
 * (a 10 000-episode library shares one small file), with stable external ids so a test can
 * rebuild the server (every id changes) and see the items found again.
 */
import path from 'node:path';
import type { Misbehaviour, MisbehaveOptions } from './fake-http.js';

export interface FakeMarker {
  kind: 'intro' | 'credits';
  startMs: number;
  endMs: number;
}

export interface FakeChapter {
  title: string;
  startMs: number;
  endMs?: number;
}

export interface FakeMediaItem {
  kind: 'episode' | 'movie';
  /** The id of the fake library that holds it (see FakeLibrary). */
  library: string;
  title: string;
  show?: string;
  season?: number;
  episode?: number;
  year?: number;
  overview?: string;
  /** The show's own summary (Plex/Jellyfin keep it on the show, not the episode). */
  showOverview?: string;
  genres?: string[];
  /** Content rating: "TV-Y7", "PG". */
  rating?: string;
  /** "YYYY-MM-DD" */
  airDate?: string;
  guids?: { imdb?: string; tmdb?: string; tvdb?: string };
  chapters?: FakeChapter[];
  markers?: FakeMarker[];
  durationMs: number;
  /** A file on this machine that the fake streams at the item's part URL (Range supported). */
  file: string;
  /** The file's path as the server knows it (default /media/<show>/Season NN/… or /media/movies/…). */
  path?: string;
  sizeBytes?: number;
  /** When the server last changed the item (epoch ms; default: when the fake got it). */
  updatedAtMs?: number;
}

export interface FakeLibrary {
  id: string;
  name: string;
  type: 'shows' | 'movies';
}

/** A collection or playlist: members are items (the same objects the fake holds) or whole shows. */
export interface FakeCollection {
  name: string;
  kind: 'collection' | 'playlist';
  /** The library a collection belongs to (Plex collections live in a library; playlists do not). */
  library?: string;
  members: Array<FakeMediaItem | { show: string }>;
}

export interface FakeShowOptions {
  file: string;
  seasons?: number;
  episodes?: number;
  library?: string;
  durationMs?: number;
  genres?: string[];
  rating?: string;
  showOverview?: string;
  /** Chapter marks every so many ms (none by default). */
  chapterEveryMs?: number;
  /** An intro from 0 to this many ms, and credits over the last this-many ms, on every episode. */
  introMs?: number;
  creditsMs?: number;
  /** Give the episodes no external ids (then only the path finds them again). Default: ids. */
  withoutIds?: boolean;
  firstYear?: number;
}

/** Every episode of a show: `fakeShow('80s Cartoons', { seasons: 2, episodes: 5, file })`. */
export function fakeShow(name: string, options: FakeShowOptions): FakeMediaItem[] {
  const seasons = options.seasons ?? 1;
  const episodes = options.episodes ?? 3;
  const durationMs = options.durationMs ?? 10_000;
  const items: FakeMediaItem[] = [];
  for (let season = 1; season <= seasons; season++) {
    for (let episode = 1; episode <= episodes; episode++) {
      const code = `S${pad(season)}E${pad(episode)}`;
      const chapters: FakeChapter[] = [];
      if (options.chapterEveryMs) {
        for (let at = 0, n = 1; at < durationMs; at += options.chapterEveryMs, n++) chapters.push({ title: `Chapter ${n}`, startMs: at, endMs: Math.min(at + options.chapterEveryMs, durationMs) });
      }
      const markers: FakeMarker[] = [];
      if (options.introMs) markers.push({ kind: 'intro', startMs: 0, endMs: options.introMs });
      if (options.creditsMs) markers.push({ kind: 'credits', startMs: durationMs - options.creditsMs, endMs: durationMs });
      const year = (options.firstYear ?? 1985) + season - 1;
      items.push({
        kind: 'episode',
        library: options.library ?? 'shows',
        show: name,
        season,
        episode,
        title: `${name} ${code}`,
        overview: `Episode ${episode} of season ${season} of ${name}.`,
        showOverview: options.showOverview ?? `${name}, a show.`,
        genres: options.genres ?? ['Animation'],
        rating: options.rating ?? 'TV-Y7',
        year,
        airDate: `${year}-${pad(((episode - 1) % 12) + 1)}-${pad(((season + episode) % 28) + 1)}`,
        guids: options.withoutIds ? undefined : { tvdb: String(stableNumber(`${name}|${season}|${episode}`)), imdb: `tt${String(stableNumber(`imdb|${name}|${season}|${episode}`) % 100_000_000).padStart(8, '0')}` },
        chapters,
        markers,
        durationMs,
        file: options.file,
        path: `/media/shows/${name}/Season ${pad(season)}/${name} - ${code}${path.extname(options.file) || '.mp4'}`,
      });
    }
  }
  return items;
}

export interface FakeMovieOptions {
  file: string;
  library?: string;
  year?: number;
  durationMs?: number;
  genres?: string[];
  rating?: string;
  overview?: string;
  chapters?: FakeChapter[];
  markers?: FakeMarker[];
  withoutIds?: boolean;
}

export function fakeMovie(title: string, options: FakeMovieOptions): FakeMediaItem {
  const year = options.year ?? 1985;
  return {
    kind: 'movie',
    library: options.library ?? 'movies',
    title,
    year,
    overview: options.overview ?? `${title}, a film.`,
    genres: options.genres ?? ['Adventure'],
    rating: options.rating ?? 'PG',
    airDate: `${year}-07-03`,
    guids: options.withoutIds ? undefined : { imdb: `tt${String(stableNumber(`movie|${title}`) % 100_000_000).padStart(8, '0')}`, tmdb: String(stableNumber(`tmdb|${title}`)) },
    chapters: options.chapters ?? [],
    markers: options.markers ?? [],
    durationMs: options.durationMs ?? 10_000,
    file: options.file,
    path: `/media/movies/${title} (${year})/${title} (${year})${path.extname(options.file) || '.mp4'}`,
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A stable positive number (up to 11 digits) from text: two FNV-1a hashes, so 10 000 items do not collide. */
export function stableNumber(text: string): number {
  const fnv = (seed: number) => {
    let hash = seed;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash;
  };
  return (fnv(0x811c9dc5) % 1_000_000) * 100_000 + (fnv(0x01234567) % 100_000) + 1;
}

/** The server's path for an item (its own, or one made from show/season/episode). */
export function serverPathOf(item: FakeMediaItem): string {
  return item.path ?? (item.kind === 'episode' ? `/media/shows/${item.show}/Season ${pad(item.season ?? 1)}/${item.title}.mp4` : `/media/movies/${item.title}.mp4`);
}

/** What every fake media server lets a test see and do; each fake adds its own (tokens, users, parts). */
export interface FakeMediaServerControls {
  url: string;
  /** Paths with queries of every request seen (never holding the secret, when the client is right). */
  requests: string[];
  requestHeaders: Array<Record<string, string | string[] | undefined>>;
  /** Collections and playlists (edit freely: answers are built from it on each request). */
  collections: FakeCollection[];
  /** The items held, in order. */
  items(): FakeMediaItem[];
  setItems(items: FakeMediaItem[]): void;
  /** Adds an item; returns its remote id. */
  addItem(item: FakeMediaItem): string;
  /** Changes an item's fields (its change time moves to now). */
  updateItem(remoteId: string, changes: Partial<FakeMediaItem>): void;
  removeItem(remoteId: string): void;
  /** The remote id an item has now. */
  remoteIdOf(item: FakeMediaItem): string;
  /** The item a remote id names now. */
  itemOf(remoteId: string): FakeMediaItem | undefined;
  /** Every item's remote id changes, like a rebuilt database; returns old → new. */
  rebuild(): Map<string, string>;
  /** A new version of the file; returns the item's remote id after it. */
  upgradeFile(remoteId: string): string;
  mode: Misbehaviour | null;
  misbehave(mode: Misbehaviour | null, options?: MisbehaveOptions): Promise<void>;
  stop(): Promise<void>;
}
