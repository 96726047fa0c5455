/**
 * Plex Media Server as a library source, through its HTTP API as documented for PMS 1.32–1.41
 * (the developer.plex.tv reference, "Plex Media Server API"; JSON with `Accept: application/json`,
 * every answer wrapped in `{ "MediaContainer": { … } }`). What is used:
 *  - GET /identity → machineIdentifier, version (answers without a token: it tells "is Plex");
 *  - GET / → friendlyName (needs the token: it tells "token accepted");
 *  - GET /library/sections → Directory[] { key, title, type: "show" | "movie" | … };
 *  - GET /library/sections/{key}/all?type=4 (episodes) or type=1 (movies), includeGuids=1, paged
 *    with X-Plex-Container-Start / X-Plex-Container-Size (query form), MediaContainer.totalSize;
 *    type=2 gives the shows (their summary, genres and rating: episodes carry none of those);
 *    `updatedAt>>=<unix seconds>` filters to what changed after that second (Plex's filter
 *    operator `>>` is "greater than / after");
 *  - GET /library/metadata/{ratingKey}?includeChapters=1&includeMarkers=1 → the item with
 *    Media[].Part[].Stream[], Chapter[] { tag, startTimeOffset, endTimeOffset } and
 *    Marker[] { type: "intro" | "credits", startTimeOffset, endTimeOffset } (markers: PMS 1.30+);
 *  - GET /library/sections/{key}/collections, /library/collections/{ratingKey}/children,
 *    /library/metadata/{ratingKey}/allLeaves (a show's or season's episodes);
 *  - GET /playlists?playlistType=video, /playlists/{ratingKey}/items;
 *  - a Part's `key` (/library/parts/{id}/{changedAt}/file.ext) streams the file as is.
 * The token goes in the X-Plex-Token header only, never in a URL.
 */
import { getImage, getJson, mapBounded, parseServerUrl, type ServerEndpoint } from '../bounded-http.js';
import {
  SourceError,
  type MediaServerClient,
  type RemoteAudio,
  type RemoteCollection,
  type RemoteItem,
  type RemoteLibrary,
  type RemoteSubtitle,
  type RemoteVideo,
  type ServerInfo,
  type SourceConnection,
} from '../media-server.js';
import { bool, displayAspect, dropUndefined, externalId, isoDay, num, obj, objs, smallInt, tags, text, type Json } from './json-fields.js';
import { resolveClientOptions, type ClientOptions } from './options.js';
import { allPageItems, pages } from './paging.js';

/** Plex's metadata type numbers for the `type` filter. */
const PLEX_TYPE = { movie: 1, show: 2, episode: 4 } as const;

/** Who Retrovue says it is; Plex lists the client under these in its dashboard. */
const PLEX_CLIENT_HEADERS = {
  'X-Plex-Product': 'Retrovue',
  'X-Plex-Client-Identifier': 'retrovue',
  'X-Plex-Version': '0.1.0',
};

/** What an episode inherits from its show (Plex keeps these on the show only). */
export interface PlexShowInfo {
  summary?: string;
  genres: string[];
  contentRating?: string;
  thumb?: string;
}

export function createPlexClient(connection: SourceConnection, options: ClientOptions = {}): MediaServerClient {
  const baseUrl = parseServerUrl(connection.url, 'Plex');
  if (!connection.token) throw new SourceError('unauthorized', `Plex at ${baseUrl} needs a token (X-Plex-Token)`);
  const endpoint: ServerEndpoint = {
    baseUrl,
    product: 'Plex',
    secretName: 'token',
    headers: { ...PLEX_CLIENT_HEADERS, 'X-Plex-Token': connection.token },
  };
  const { limits, pageSize, maxPages, concurrency } = resolveClientOptions(options);

  const container = async (path: string, query: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<Json> => {
    const body = await getJson(endpoint, path, query, { ...limits, signal });
    const media = obj(obj(body)?.MediaContainer);
    if (!media) throw new SourceError('not_a_media_server', `${baseUrl} answered ${path} without a MediaContainer: is this the Plex address?`);
    return media;
  };

  /** Every Metadata entry of a paged Plex list. */
  async function* metadataPages(path: string, query: Record<string, string | number | undefined>, what: string, signal?: AbortSignal) {
    yield* pages(
      async (start, size) => {
        const media = await container(path, { ...query, 'X-Plex-Container-Start': start, 'X-Plex-Container-Size': size }, signal);
        return { items: objs(media.Metadata), total: num(media.totalSize) };
      },
      (meta) => text(meta.ratingKey),
      { pageSize, maxPages, what: `Plex at ${baseUrl} (${what})`, signal },
    );
  }

  const allMetadata = (path: string, query: Record<string, string | number | undefined>, what: string): Promise<Json[]> => allPageItems(metadataPages(path, query, what));

  const libraries = async (): Promise<RemoteLibrary[]> => plexLibraries(await container('/library/sections'));

  return {
    type: 'plex',

    async check(): Promise<ServerInfo> {
      let identity: Json;
      try {
        identity = await container('/identity');
      } catch (error) {
        // Every Plex answers /identity, without a token: a 404 there is another kind of server.
        if (error instanceof SourceError && error.code === 'not_found') throw new SourceError('not_a_media_server', `${baseUrl} has no /identity, which every Plex server answers: is this the Plex address?`);
        throw error;
      }
      const id = text(identity.machineIdentifier);
      if (!id) throw new SourceError('not_a_media_server', `${baseUrl} answered /identity without a machineIdentifier: is this the Plex address?`);
      const root = await container('/');
      return {
        name: text(root.friendlyName) ?? 'Plex Media Server',
        version: text(identity.version) ?? text(root.version) ?? 'unknown',
        id,
        libraries: await libraries(),
      };
    },

    async *items(libraryId, itemOptions = {}) {
      const library = (await libraries()).find((entry) => entry.id === libraryId);
      if (!library) throw new SourceError('not_found', `Plex at ${baseUrl} has no library ${libraryId}`);
      if (library.kind === 'other') return;
      const signal = itemOptions.signal;
      const section = `/library/sections/${encodeURIComponent(libraryId)}/all`;
      const shows = new Map<string, PlexShowInfo>();
      if (library.kind === 'shows') {
        for await (const page of metadataPages(section, { type: PLEX_TYPE.show }, `library "${library.name}", shows`, signal)) {
          for (const show of page.items) {
            const key = text(show.ratingKey);
            if (key) shows.set(key, plexShowInfo(show));
          }
        }
      }
      const query: Record<string, string | number | undefined> = { type: library.kind === 'shows' ? PLEX_TYPE.episode : PLEX_TYPE.movie, includeGuids: 1 };
      // `>>` is strictly after: one second earlier keeps an item changed in that very second.
      if (itemOptions.updatedSinceMs !== undefined) query['updatedAt>>'] = Math.floor(itemOptions.updatedSinceMs / 1000) - 1;
      let done = 0;
      for await (const page of metadataPages(section, query, `library "${library.name}"`, signal)) {
        // Chapters, markers and streams are only in an item's own document: one request per item, a few at a time.
        const details = await mapBounded(page.items, concurrency, async (listed) => {
          const key = text(listed.ratingKey);
          if (!key) return undefined;
          try {
            const media = await container(`/library/metadata/${encodeURIComponent(key)}`, { includeChapters: 1, includeMarkers: 1, includeGuids: 1 }, signal);
            return objs(media.Metadata)[0] ?? listed;
          } catch (error) {
            // Gone between the list and its document (deleted meanwhile): the next pass sees it missing.
            if (error instanceof SourceError && error.code === 'not_found') return undefined;
            throw error;
          }
        });
        for (const meta of details) {
          if (!meta) continue;
          const item = mapPlexItem(meta, shows.get(text(meta.grandparentRatingKey) ?? ''));
          if (item) yield item;
        }
        done += page.items.length;
        itemOptions.onProgress?.(done, page.total);
      }
    },

    async collections(libraryIds) {
      const out: RemoteCollection[] = [];
      /** The playable items under a collection's child: a show or season stands for its episodes. */
      const playable = async (child: Json): Promise<string[]> => {
        const key = text(child.ratingKey);
        if (!key) return [];
        const type = text(child.type);
        if (type === 'episode' || type === 'movie') return [key];
        if (type === 'show' || type === 'season') {
          const leaves = await allMetadata(`/library/metadata/${encodeURIComponent(key)}/allLeaves`, {}, `"${text(child.title) ?? key}" episodes`);
          return leaves.flatMap((leaf) => (text(leaf.type) === 'episode' && text(leaf.ratingKey) ? [text(leaf.ratingKey)!] : []));
        }
        return [];
      };
      for (const libraryId of libraryIds) {
        const collections = await allMetadata(`/library/sections/${encodeURIComponent(libraryId)}/collections`, {}, `library ${libraryId} collections`);
        for (const collection of collections) {
          const key = text(collection.ratingKey);
          const name = text(collection.title);
          if (!key || !name) continue;
          const children = await allMetadata(`/library/collections/${encodeURIComponent(key)}/children`, {}, `collection "${name}"`);
          const ids: string[] = [];
          for (const child of children) ids.push(...(await playable(child)));
          out.push({ name, kind: 'collection', itemRemoteIds: [...new Set(ids)] });
        }
      }
      const wanted = new Set(libraryIds);
      const playlists = objs((await container('/playlists', { playlistType: 'video' })).Metadata);
      for (const playlist of playlists) {
        const key = text(playlist.ratingKey);
        const name = text(playlist.title);
        if (!key || !name) continue;
        const entries = await allMetadata(`/playlists/${encodeURIComponent(key)}/items`, {}, `playlist "${name}"`);
        // A playlist spans libraries: keep it when it holds items of the imported ones, and only those items.
        const ids = entries.flatMap((entry) => {
          const id = text(entry.ratingKey);
          const section = text(entry.librarySectionID);
          const type = text(entry.type);
          return id && section && wanted.has(section) && (type === 'episode' || type === 'movie') ? [id] : [];
        });
        if (ids.length > 0) out.push({ name, kind: 'playlist', itemRemoteIds: ids });
      }
      return out;
    },

    streamInput(item) {
      return { url: `${baseUrl}${serverPath(item.part, baseUrl)}`, headers: { ...endpoint.headers } };
    },

    async fetchImage(path, maxBytes) {
      return getImage(endpoint, serverPath(path, baseUrl), maxBytes, limits);
    },
  };
}

/** A path on the server (a part key, a thumb), refused when it could point anywhere else. */
function serverPath(path: string, baseUrl: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || /[\s\\]/.test(path) || path.includes('://')) {
    throw new SourceError('bad_response', `"${path.slice(0, 80)}" is not a path on the server at ${baseUrl}`);
  }
  return path;
}

/** The libraries of a /library/sections answer. */
export function plexLibraries(media: Json): RemoteLibrary[] {
  return objs(media.Directory).flatMap((directory) => {
    const id = text(directory.key);
    const name = text(directory.title);
    if (!id || !name) return [];
    const type = text(directory.type);
    const kind: RemoteLibrary['kind'] = type === 'show' ? 'shows' : type === 'movie' ? 'movies' : 'other';
    return [{ id, name, kind }];
  });
}

export function plexShowInfo(show: Json): PlexShowInfo {
  return {
    summary: text(show.summary),
    genres: tags(objs(show.Genre).map((genre) => genre.tag)),
    contentRating: text(show.contentRating),
    thumb: text(show.thumb),
  };
}

/** IMDb, TMDb and TVDB ids from a Plex item's Guid[] (`imdb://tt…`, `tmdb://…`, `tvdb://…`, PMS 1.20+ agents). */
export function plexExternalIds(meta: Json): RemoteItem['externalIds'] {
  const ids: RemoteItem['externalIds'] = {};
  for (const guid of objs(meta.Guid)) {
    const match = /^(imdb|tmdb|tvdb):\/\/(.+)$/.exec(text(guid.id) ?? '');
    if (!match) continue;
    const kind = match[1] as 'imdb' | 'tmdb' | 'tvdb';
    ids[kind] ??= externalId(kind, match[2]);
  }
  // The legacy IMDb agent names a movie in its own guid (com.plexapp.agents.imdb://tt0088763?lang=en).
  const legacy = /^com\.plexapp\.agents\.imdb:\/\/(tt\d+)/.exec(text(meta.guid) ?? '');
  if (legacy && text(meta.type) === 'movie') ids.imdb ??= legacy[1];
  for (const key of Object.keys(ids) as Array<keyof typeof ids>) if (ids[key] === undefined) delete ids[key];
  return ids;
}

/** One Plex episode or movie (a /library/metadata/{id} Metadata entry, or a list entry) in Retrovue's words. */
export function mapPlexItem(meta: Json, show?: PlexShowInfo): RemoteItem | undefined {
  const remoteId = text(meta.ratingKey);
  const type = text(meta.type);
  if (!remoteId || (type !== 'episode' && type !== 'movie')) return undefined;
  const media = objs(meta.Media)[0];
  const part = media ? objs(media.Part)[0] : undefined;
  const streams = part ? objs(part.Stream) : [];
  const durationMs = num(meta.duration) ?? num(media?.duration) ?? num(part?.duration) ?? 0;
  const partKey = text(part?.key);
  const filePath = text(part?.file);
  const updatedAt = num(meta.updatedAt);
  const item: RemoteItem = {
    remoteId,
    kind: type,
    title: text(meta.title) ?? (type === 'episode' ? `Episode ${smallInt(meta.index) ?? '?'}` : 'Untitled'),
    genres: tags(objs(meta.Genre).map((genre) => genre.tag)),
    durationMs: Math.max(0, Math.round(durationMs)),
    externalIds: plexExternalIds(meta),
    audio: [],
    subtitles: [],
    chapters: plexChapters(meta),
    markers: plexMarkers(meta, durationMs),
  };
  if (type === 'episode') {
    item.show = text(meta.grandparentTitle);
    item.season = smallInt(meta.parentIndex);
    item.episode = smallInt(meta.index);
    item.showDescription = show?.summary;
    if (item.genres.length === 0 && show) item.genres = show.genres;
  }
  item.year = smallInt(meta.year);
  item.description = text(meta.summary);
  item.contentRating = text(meta.contentRating) ?? show?.contentRating;
  item.airDate = isoDay(meta.originallyAvailableAt);
  item.poster = text(meta.thumb) ?? text(meta.grandparentThumb) ?? show?.thumb;
  if (updatedAt !== undefined) item.updatedAtMs = updatedAt * 1000;
  if (partKey && filePath) {
    item.file = dropUndefined({ path: filePath, sizeBytes: num(part?.size), container: text(part?.container) ?? text(media?.container), part: partKey });
  }
  const video = streams.find((stream) => num(stream.streamType) === 1);
  if (video) item.video = plexVideo(video, num(media?.aspectRatio));
  item.audio = streams.filter((stream) => num(stream.streamType) === 2).flatMap((stream) => plexAudio(stream) ?? []);
  item.subtitles = streams.filter((stream) => num(stream.streamType) === 3).flatMap((stream) => plexSubtitle(stream) ?? []);
  return dropUndefined(item);
}

function plexVideo(stream: Json, aspectRatio: number | undefined): RemoteVideo {
  const width = num(stream.width) ?? 0;
  const height = num(stream.height) ?? 0;
  const video: RemoteVideo = { codec: text(stream.codec) ?? 'unknown', width, height };
  video.frameRate = num(stream.frameRate);
  video.profile = text(stream.profile);
  video.bitDepth = num(stream.bitDepth);
  const scan = text(stream.scanType);
  if (scan) video.interlaced = scan === 'interlaced';
  video.displayAspect = displayAspect(aspectRatio ?? (width && height ? width / height : undefined));
  return dropUndefined(video);
}

function plexAudio(stream: Json): RemoteAudio | undefined {
  const index = smallInt(stream.index);
  if (index === undefined) return undefined;
  return dropUndefined({
    index,
    codec: text(stream.codec) ?? 'unknown',
    language: text(stream.languageCode) ?? text(stream.languageTag),
    channels: num(stream.channels) ?? 2,
    channelLayout: text(stream.audioChannelLayout),
    sampleRate: num(stream.samplingRate),
    title: text(stream.title),
  });
}

function plexSubtitle(stream: Json): RemoteSubtitle | undefined {
  const index = smallInt(stream.index);
  if (index === undefined) return undefined; // a sidecar subtitle Plex found beside the file: not in the stream
  return dropUndefined({
    index,
    codec: text(stream.codec) ?? 'unknown',
    language: text(stream.languageCode) ?? text(stream.languageTag),
    title: text(stream.title),
    forced: bool(stream.forced),
    default: bool(stream.default),
    hearingImpaired: bool(stream.hearingImpaired),
  });
}

function plexChapters(meta: Json): RemoteItem['chapters'] {
  return objs(meta.Chapter)
    .flatMap((chapter) => {
      const startMs = num(chapter.startTimeOffset);
      if (startMs === undefined || startMs < 0) return [];
      return [{ title: text(chapter.tag) ?? `Chapter ${smallInt(chapter.index) ?? ''}`.trim(), startMs: Math.round(startMs) }];
    })
    .sort((a, b) => a.startMs - b.startMs);
}

function plexMarkers(meta: Json, durationMs: number): RemoteItem['markers'] {
  return objs(meta.Marker).flatMap((marker) => {
    const type = text(marker.type);
    const startMs = num(marker.startTimeOffset);
    const endMs = num(marker.endTimeOffset);
    if ((type !== 'intro' && type !== 'credits') || startMs === undefined || endMs === undefined) return [];
    if (startMs < 0 || endMs <= startMs || (durationMs > 0 && startMs >= durationMs)) return [];
    return [{ kind: type, startMs: Math.round(startMs), endMs: Math.round(durationMs > 0 ? Math.min(endMs, durationMs) : endMs) }];
  });
}


