/**
 * A media server (Plex, Jellyfin, Emby) as a library source: what Retrovue asks of one, in
 * Retrovue's words. Each client (src/sources/clients/) speaks its server's API and answers in
 * these shapes; the sync (src/sources/sync.ts) turns them into library rows and never sees the
 * server's own JSON or XML.
 */
export type MediaServerType = 'plex' | 'jellyfin' | 'emby';

/** How to reach a server. Secrets are only ever held here and in the secrets file. */
export interface SourceConnection {
  type: MediaServerType;
  /** http(s)://host:port[/base], no query, no credentials in it. */
  url: string;
  /** Plex: X-Plex-Token. */
  token?: string;
  /** Jellyfin / Emby: API key or a user's access token. */
  apiKey?: string;
  /** Jellyfin / Emby: the user whose view is imported (name or id). */
  user?: string;
}

export interface RemoteLibrary {
  id: string;
  name: string;
  kind: 'shows' | 'movies' | 'other';
  itemCount?: number;
}

/** The answer to a connection check: who the server is and what it offers. */
export interface ServerInfo {
  name: string;
  version: string;
  id: string;
  /** Jellyfin / Emby: the id of the user whose view is imported. */
  userId?: string;
  libraries: RemoteLibrary[];
}

export interface RemoteVideo {
  codec: string;
  width: number;
  height: number;
  /** Frames per second, when the server knows it. */
  frameRate?: number;
  profile?: string;
  pixelFormat?: string;
  bitDepth?: number;
  interlaced?: boolean;
  /** "16:9" */
  displayAspect?: string;
}

export interface RemoteAudio {
  /** The stream's index in the file (ffprobe's numbering), so a language slot maps to it. */
  index: number;
  codec: string;
  language?: string;
  channels: number;
  channelLayout?: string;
  sampleRate?: number;
  title?: string;
}

export interface RemoteSubtitle {
  index: number;
  codec: string;
  language?: string;
  title?: string;
  forced?: boolean;
  default?: boolean;
  hearingImpaired?: boolean;
}

/** One playable episode or movie as its server knows it. */
export interface RemoteItem {
  /** The server's id now (Plex ratingKey, Jellyfin/Emby Id); it may change on a reindex. */
  remoteId: string;
  kind: 'episode' | 'movie' | 'other';
  /** Episode title for an episode; the movie's title for a movie. */
  title: string;
  show?: string;
  season?: number;
  episode?: number;
  year?: number;
  description?: string;
  showDescription?: string;
  contentRating?: string;
  genres: string[];
  /** "YYYY-MM-DD" */
  airDate?: string;
  durationMs: number;
  /** From the server's GUIDs / provider ids: what finds the item again after its id changes. */
  externalIds: { imdb?: string; tmdb?: string; tvdb?: string };
  /** The file: its path on the server, its size, and what to stream it by. */
  file?: { path: string; sizeBytes?: number; container?: string; part: string };
  video?: RemoteVideo;
  audio: RemoteAudio[];
  subtitles: RemoteSubtitle[];
  chapters: Array<{ title: string; startMs: number }>;
  markers: Array<{ kind: 'intro' | 'credits'; startMs: number; endMs: number }>;
  /** A path on the server (Plex `thumb`, Jellyfin `/Items/{id}/Images/Primary`), fetched with the secret. */
  poster?: string;
  /** When the server last changed it (epoch ms), when known. */
  updatedAtMs?: number;
}

export interface RemoteCollection {
  name: string;
  kind: 'collection' | 'playlist';
  /** Members' remote ids, in the collection's order. */
  itemRemoteIds: string[];
}

/** What a client of one media server does. Every call is bounded in time, size and pages. */
export interface MediaServerClient {
  readonly type: MediaServerType;
  /** Who the server is, and its libraries; throws SourceError with a specific code and message. */
  check(): Promise<ServerInfo>;
  /**
   * The library's episodes and movies (with chapters and markers), page by page; with
   * `updatedSinceMs` only what changed since (where the server can tell).
   */
  items(libraryId: string, options?: { updatedSinceMs?: number; onProgress?: (done: number, total: number | undefined) => void; signal?: AbortSignal }): AsyncIterable<RemoteItem>;
  /** Collections and playlists that hold items of these libraries. */
  collections(libraryIds: string[]): Promise<RemoteCollection[]>;
  /** The direct-play URL of an item's file and the headers that authorise it (the secret is in the headers, never in the URL). */
  streamInput(item: { remoteId: string; part: string }): { url: string; headers: Record<string, string> };
  /** An image by its path on the server (a poster), at most `maxBytes`. */
  fetchImage(serverPath: string, maxBytes: number): Promise<{ contentType: string; body: Buffer }>;
}

export type SourceErrorCode =
  | 'invalid_url'
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'not_a_media_server'
  | 'too_large'
  | 'bad_response'
  | 'too_many_pages';

/** A media server that cannot be used, and why, in words a user can act on. */
export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
