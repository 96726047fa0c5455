/**
 * Jellyfin and Emby as library sources. Emby is Jellyfin's ancestor and they still share the
 * API's shape (BaseItemDto, QueryResult { Items, TotalRecordCount }); one module speaks both with
 * a flavour for what differs. As documented in Jellyfin's OpenAPI (api.jellyfin.org, 10.9–10.11)
 * and Emby's REST reference (dev.emby.media, 4.7–4.8):
 *  - auth: Jellyfin `Authorization: MediaBrowser Token="<key>"` (10.9+; the X-Emby-Token header
 *    is deprecated there), Emby `X-Emby-Token: <key>`; never `api_key` in a URL;
 *  - GET /System/Info → ServerName, Version, Id (needs auth); GET /System/Info/Public answers
 *    without it, which tells a refused key (401 then a public answer) from a wrong address;
 *  - GET /Users → [{ Name, Id }] (administrators' keys), GET /Users/Me (a user's own token);
 *  - libraries: Jellyfin GET /UserViews?userId= (10.9+; /Users/{id}/Views is its legacy
 *    route), Emby GET /Users/{id}/Views → Items [{ Id, Name, CollectionType: tvshows | movies }];
 *  - items: Jellyfin GET /Items?userId= (10.9+), Emby GET /Users/{id}/Items, with ParentId,
 *    Recursive=true, IncludeItemTypes, Fields, StartIndex, Limit → Items[], TotalRecordCount;
 *    MinDateLastSaved (ISO 8601) for what changed since. Jellyfin 10.11 shows a bare API key no
 *    episodes: every query names a user;
 *  - Fields asked are only those in 10.9's ItemFields enum: Jellyfin answers 400 to an unknown one;
 *  - chapters: Chapters[] { StartPositionTicks, Name } (1 tick = 100 ns); Emby 4.8 marks intro and
 *    credits in them (MarkerType IntroStart / IntroEnd / CreditsStart);
 *  - Jellyfin 10.10+ media segments: GET /MediaSegments/{itemId} → Items [{ Type: Intro | Outro |
 *    Recap | Preview | Commercial, StartTicks, EndTicks }]; 404 = none (or an older server);
 *  - collections: BoxSet items and their children (ParentId=<box set>); playlists: Playlist items
 *    and GET /Playlists/{id}/Items;
 *  - streaming: GET /Videos/{id}/stream?static=true&MediaSourceId=<source id>: the file as is.
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

export type JellyfinFlavour = 'jellyfin' | 'emby';

/** 10 000 ticks per millisecond (a tick is 100 ns). */
const TICKS_PER_MS = 10_000;
/** In Jellyfin 10.9's ItemFields enum and Emby's: a field the server does not know is a 400. */
const ITEM_FIELDS = 'Overview,Genres,ProviderIds,Path,MediaSources,MediaStreams,Chapters,DateCreated';

/** What an episode inherits from its series when it has none of its own. */
export interface JellyfinSeriesInfo {
  overview?: string;
  genres: string[];
  officialRating?: string;
}

interface User {
  id: string;
  name: string;
}

export function createJellyfinClient(connection: SourceConnection, flavour: JellyfinFlavour, options: ClientOptions = {}): MediaServerClient {
  const product = flavour === 'emby' ? 'Emby' : 'Jellyfin';
  const baseUrl = parseServerUrl(connection.url, product);
  if (!connection.apiKey) throw new SourceError('unauthorized', `${product} at ${baseUrl} needs an API key or a user's access token`);
  const authHeaders: Record<string, string> =
    flavour === 'emby' ? { 'X-Emby-Token': connection.apiKey } : { Authorization: `MediaBrowser Client="Retrovue", Device="Retrovue", DeviceId="retrovue", Version="0.1.0", Token="${connection.apiKey}"` };
  const endpoint: ServerEndpoint = { baseUrl, product, secretName: 'API key', headers: authHeaders };
  const { limits, pageSize, maxPages, concurrency } = resolveClientOptions(options);
  let user: User | undefined;

  const json = async (path: string, query: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<Json> => {
    const body = obj(await getJson(endpoint, path, query, { ...limits, signal }));
    if (!body) throw new SourceError('bad_response', `${product} at ${baseUrl} answered ${path} with something other than a JSON object`);
    return body;
  };

  /** The items query, on each flavour's route for it. */
  const itemsRoute = (userId: string, query: Record<string, string | number | undefined>): [string, Record<string, string | number | undefined>] =>
    flavour === 'emby' ? [`/Users/${encodeURIComponent(userId)}/Items`, query] : ['/Items', { userId, ...query }];

  async function* itemPages(userId: string, query: Record<string, string | number | undefined>, what: string, signal?: AbortSignal) {
    yield* pages(
      async (start, size) => {
        const [path, q] = itemsRoute(userId, { ...query, StartIndex: start, Limit: size, EnableTotalRecordCount: 'true' });
        const body = await json(path, q, signal);
        return { items: objs(body.Items), total: num(body.TotalRecordCount) };
      },
      (item) => text(item.Id),
      { pageSize, maxPages, what: `${product} at ${baseUrl} (${what})`, signal },
    );
  }

  const allItems = (userId: string, query: Record<string, string | number | undefined>, what: string): Promise<Json[]> => allPageItems(itemPages(userId, query, what));

  const isCode = (error: unknown, ...codes: string[]) => error instanceof SourceError && codes.includes(error.code);

  /** The user whose view is imported: named in the connection, or the only one there is. */
  const resolveUser = async (): Promise<User> => {
    if (user) return user;
    const wanted = connection.user?.trim();
    let users: User[] | undefined;
    try {
      const list = await getJson(endpoint, '/Users', {}, limits);
      users = (Array.isArray(list) ? list : []).flatMap((entry) => {
        const o = obj(entry);
        const id = text(o?.Id);
        const name = text(o?.Name);
        return id && name ? [{ id, name }] : [];
      });
    } catch (error) {
      // A user's own token may not list the others (403): it can still say who it is.
      if (!isCode(error, 'forbidden', 'unauthorized', 'not_found', 'bad_response')) throw error;
    }
    if (!users) {
      const me = await json('/Users/Me');
      const id = text(me.Id);
      const name = text(me.Name);
      if (!id || !name) throw new SourceError('bad_response', `${product} at ${baseUrl} answered /Users/Me without a user`);
      users = [{ id, name }];
    }
    if (wanted) {
      const found = users.find((candidate) => candidate.id === wanted || candidate.name.toLowerCase() === wanted.toLowerCase());
      if (!found) throw new SourceError('not_found', `${product} at ${baseUrl} has no user "${wanted}"${users.length ? ` (users: ${users.map((u) => u.name).join(', ')})` : ''}`);
      user = found;
    } else if (users.length === 1) {
      user = users[0]!;
    } else {
      throw new SourceError(
        'forbidden',
        `${product} at ${baseUrl} needs a user to import as: ${flavour === 'jellyfin' ? 'Jellyfin 10.11 shows an API key without a user no episodes; ' : ''}set "user" to one of ${users.map((u) => u.name).join(', ') || 'its users'}`,
      );
    }
    return user;
  };

  const libraries = async (userId: string): Promise<RemoteLibrary[]> => {
    const body = flavour === 'emby' ? await json(`/Users/${encodeURIComponent(userId)}/Views`) : await json('/UserViews', { userId });
    return jellyfinLibraries(body);
  };

  /** Intro and credits from Jellyfin's media segments (10.10+); none when the server has none or no such API. */
  const segments = async (itemId: string, signal?: AbortSignal): Promise<RemoteItem['markers']> => {
    if (flavour === 'emby') return [];
    try {
      return jellyfinSegments(await json(`/MediaSegments/${encodeURIComponent(itemId)}`, {}, signal));
    } catch (error) {
      if (isCode(error, 'not_found')) return [];
      throw error;
    }
  };

  return {
    type: flavour,

    async check(): Promise<ServerInfo> {
      let info: Json;
      try {
        info = await json('/System/Info');
      } catch (error) {
        if (isCode(error, 'unauthorized', 'forbidden')) {
          // Is it the key, or not a Jellyfin at all? The public info answers without a key.
          let open: Json;
          try {
            open = await json('/System/Info/Public');
          } catch (publicError) {
            if (isCode(publicError, 'unauthorized', 'forbidden', 'not_found')) {
              throw new SourceError('not_a_media_server', `${baseUrl} refused /System/Info and has no public /System/Info/Public: is this the ${product} address?`);
            }
            throw publicError;
          }
          if (!text(open.Id)) throw new SourceError('not_a_media_server', `${baseUrl} answered /System/Info/Public without a server Id: is this the ${product} address?`);
          throw new SourceError('unauthorized', `${product} "${text(open.ServerName) ?? baseUrl}" at ${baseUrl} refused the API key (401): check the key, or create one in the dashboard (API Keys)`);
        }
        throw error;
      }
      const id = text(info.Id);
      if (!id) throw new SourceError('not_a_media_server', `${baseUrl} answered /System/Info without a server Id: is this the ${product} address?`);
      const who = await resolveUser();
      return { name: text(info.ServerName) ?? product, version: text(info.Version) ?? 'unknown', id, userId: who.id, libraries: await libraries(who.id) };
    },

    async *items(libraryId, itemOptions = {}) {
      const who = await resolveUser();
      const library = (await libraries(who.id)).find((entry) => entry.id === libraryId);
      if (!library) throw new SourceError('not_found', `${product} at ${baseUrl} shows user "${who.name}" no library ${libraryId}`);
      if (library.kind === 'other') return;
      const signal = itemOptions.signal;
      const series = new Map<string, JellyfinSeriesInfo>();
      if (library.kind === 'shows') {
        for await (const page of itemPages(who.id, { ParentId: libraryId, Recursive: 'true', IncludeItemTypes: 'Series', Fields: 'Overview,Genres' }, `library "${library.name}", series`, signal)) {
          for (const entry of page.items) {
            const id = text(entry.Id);
            if (id) series.set(id, { overview: text(entry.Overview), genres: tags(Array.isArray(entry.Genres) ? entry.Genres : []), officialRating: text(entry.OfficialRating) });
          }
        }
      }
      const query: Record<string, string | number | undefined> = {
        ParentId: libraryId,
        Recursive: 'true',
        IncludeItemTypes: library.kind === 'shows' ? 'Episode' : 'Movie',
        Fields: ITEM_FIELDS,
        SortBy: 'SortName',
        SortOrder: 'Ascending',
      };
      if (itemOptions.updatedSinceMs !== undefined) query.MinDateLastSaved = new Date(itemOptions.updatedSinceMs).toISOString();
      let done = 0;
      for await (const page of itemPages(who.id, query, `library "${library.name}"`, signal)) {
        const markers = await mapBounded(page.items, concurrency, async (entry) => (text(entry.Id) ? segments(text(entry.Id)!, signal) : []));
        for (const [index, entry] of page.items.entries()) {
          const item = mapJellyfinItem(entry, series.get(text(entry.SeriesId) ?? ''));
          if (!item) continue;
          if (markers[index]!.length > 0) item.markers = markers[index]!;
          yield item;
        }
        done += page.items.length;
        itemOptions.onProgress?.(done, page.total);
      }
    },

    async collections(libraryIds) {
      const who = await resolveUser();
      const out: RemoteCollection[] = [];
      /** A member's playable items: a series or season stands for its episodes. */
      const playable = async (member: Json): Promise<string[]> => {
        const id = text(member.Id);
        const type = text(member.Type);
        if (!id) return [];
        if (type === 'Episode' || type === 'Movie') return [id];
        if (type === 'Series' || type === 'Season') {
          const episodes = await allItems(who.id, { ParentId: id, Recursive: 'true', IncludeItemTypes: 'Episode' }, `"${text(member.Name) ?? id}" episodes`);
          return episodes.flatMap((episode) => (text(episode.Id) ? [text(episode.Id)!] : []));
        }
        return [];
      };
      // Membership is checked against the imported libraries' items, which a box set does not name.
      const wanted = new Set<string>();
      for (const libraryId of libraryIds) {
        const all = await allItems(who.id, { ParentId: libraryId, Recursive: 'true', IncludeItemTypes: 'Episode,Movie' }, `library ${libraryId} ids`);
        for (const entry of all) if (text(entry.Id)) wanted.add(text(entry.Id)!);
      }
      const boxSets = await allItems(who.id, { Recursive: 'true', IncludeItemTypes: 'BoxSet' }, 'collections');
      for (const boxSet of boxSets) {
        const id = text(boxSet.Id);
        const name = text(boxSet.Name);
        if (!id || !name) continue;
        const members = await allItems(who.id, { ParentId: id }, `collection "${name}"`);
        const ids: string[] = [];
        for (const member of members) ids.push(...(await playable(member)));
        const kept = [...new Set(ids)].filter((itemId) => wanted.has(itemId));
        if (kept.length > 0) out.push({ name, kind: 'collection', itemRemoteIds: kept });
      }
      const playlists = await allItems(who.id, { Recursive: 'true', IncludeItemTypes: 'Playlist' }, 'playlists');
      for (const playlist of playlists) {
        const id = text(playlist.Id);
        const name = text(playlist.Name);
        if (!id || !name) continue;
        const entries = await allPageItems(
          pages(
            async (start, size) => {
              const body = await json(`/Playlists/${encodeURIComponent(id)}/Items`, { [flavour === 'emby' ? 'UserId' : 'userId']: who.id, StartIndex: start, Limit: size });
              return { items: objs(body.Items), total: num(body.TotalRecordCount) };
            },
            // A playlist may hold an item twice; its entry id (PlaylistItemId) tells the entries apart.
            (entry) => text(entry.PlaylistItemId) ?? text(entry.Id),
            { pageSize, maxPages, what: `${product} at ${baseUrl} (playlist "${name}")` },
          ),
        );
        const ids: string[] = [];
        for (const entry of entries) ids.push(...(await playable(entry)));
        const kept = ids.filter((itemId) => wanted.has(itemId));
        if (kept.length > 0) out.push({ name, kind: 'playlist', itemRemoteIds: kept });
      }
      return out;
    },

    streamInput(item) {
      const url = `${baseUrl}/Videos/${encodeURIComponent(item.remoteId)}/stream?static=true&MediaSourceId=${encodeURIComponent(item.part)}`;
      return { url, headers: { ...authHeaders } };
    },

    async fetchImage(path, maxBytes) {
      if (!path.startsWith('/') || path.startsWith('//') || path.includes('://')) {
        throw new SourceError('bad_response', `"${path.slice(0, 80)}" is not a path on the server at ${baseUrl}`);
      }
      return getImage(endpoint, path, maxBytes, limits);
    },
  };
}

/** The libraries of a Views answer (QueryResult of CollectionFolder items). */
export function jellyfinLibraries(body: Json): RemoteLibrary[] {
  return objs(body.Items).flatMap((view) => {
    const id = text(view.Id);
    const name = text(view.Name);
    if (!id || !name) return [];
    const type = text(view.CollectionType);
    const kind: RemoteLibrary['kind'] = type === 'tvshows' ? 'shows' : type === 'movies' ? 'movies' : 'other';
    const itemCount = num(view.ChildCount);
    return [itemCount !== undefined ? { id, name, kind, itemCount } : { id, name, kind }];
  });
}

/** Intro and credits (Outro) from a /MediaSegments/{id} answer (Jellyfin 10.10+). */
export function jellyfinSegments(body: Json): RemoteItem['markers'] {
  return objs(body.Items).flatMap((segment) => {
    const type = text(segment.Type);
    const kind = type === 'Intro' ? 'intro' : type === 'Outro' ? 'credits' : undefined;
    const start = num(segment.StartTicks);
    const end = num(segment.EndTicks);
    if (!kind || start === undefined || end === undefined || start < 0 || end <= start) return [];
    return [{ kind, startMs: Math.round(start / TICKS_PER_MS), endMs: Math.round(end / TICKS_PER_MS) }];
  });
}

/** One Jellyfin/Emby Episode or Movie (a BaseItemDto with the fields asked for) in Retrovue's words. */
export function mapJellyfinItem(entry: Json, series?: JellyfinSeriesInfo): RemoteItem | undefined {
  const remoteId = text(entry.Id);
  const type = text(entry.Type);
  if (!remoteId || (type !== 'Episode' && type !== 'Movie')) return undefined;
  const source = objs(entry.MediaSources)[0];
  const streams = objs(source?.MediaStreams).length > 0 ? objs(source?.MediaStreams) : objs(entry.MediaStreams);
  const ticks = num(entry.RunTimeTicks) ?? num(source?.RunTimeTicks) ?? 0;
  const durationMs = Math.max(0, Math.round(ticks / TICKS_PER_MS));
  const kind = type === 'Episode' ? 'episode' : 'movie';
  const providers = obj(entry.ProviderIds) ?? {};
  const externalIds: RemoteItem['externalIds'] = {};
  // Provider keys are case-insensitive in practice (Jellyfin writes "Imdb", some plugins "IMDB").
  for (const [key, value] of Object.entries(providers)) {
    const lower = key.toLowerCase();
    if (lower === 'imdb' || lower === 'tmdb' || lower === 'tvdb') {
      const id = externalId(lower, value);
      if (id) externalIds[lower] ??= id;
    }
  }
  const { chapters, markers } = jellyfinChapters(entry, durationMs);
  const item: RemoteItem = {
    remoteId,
    kind,
    title: text(entry.Name) ?? 'Untitled',
    genres: tags(Array.isArray(entry.Genres) ? entry.Genres : []),
    durationMs,
    externalIds,
    audio: [],
    subtitles: [],
    chapters,
    markers,
  };
  if (kind === 'episode') {
    item.show = text(entry.SeriesName);
    item.season = smallInt(entry.ParentIndexNumber);
    item.episode = smallInt(entry.IndexNumber);
    item.showDescription = series?.overview;
    if (item.genres.length === 0 && series) item.genres = series.genres;
  }
  item.year = smallInt(entry.ProductionYear);
  item.description = text(entry.Overview);
  item.contentRating = text(entry.OfficialRating) ?? series?.officialRating;
  item.airDate = isoDay(entry.PremiereDate);
  item.poster = `/Items/${encodeURIComponent(remoteId)}/Images/Primary`;
  const path = text(source?.Path) ?? text(entry.Path);
  const sourceId = text(source?.Id);
  if (path && sourceId) item.file = dropUndefined({ path, sizeBytes: num(source?.Size), container: text(source?.Container), part: sourceId });
  const video = streams.find((stream) => text(stream.Type) === 'Video');
  if (video) item.video = jellyfinVideo(video);
  item.audio = streams.filter((stream) => text(stream.Type) === 'Audio').flatMap((stream) => jellyfinAudio(stream) ?? []);
  item.subtitles = streams.filter((stream) => text(stream.Type) === 'Subtitle' && bool(stream.IsExternal) !== true).flatMap((stream) => jellyfinSubtitle(stream) ?? []);
  return dropUndefined(item);
}

/** Chapters, and Emby 4.8's intro/credits marks among them (MarkerType). */
function jellyfinChapters(entry: Json, durationMs: number): Pick<RemoteItem, 'chapters' | 'markers'> {
  const chapters: RemoteItem['chapters'] = [];
  let introStart: number | undefined;
  let introEnd: number | undefined;
  let creditsStart: number | undefined;
  for (const [index, chapter] of objs(entry.Chapters).entries()) {
    const ticks = num(chapter.StartPositionTicks);
    if (ticks === undefined || ticks < 0) continue;
    const startMs = Math.round(ticks / TICKS_PER_MS);
    const marker = text(chapter.MarkerType);
    if (marker === 'IntroStart') introStart = startMs;
    else if (marker === 'IntroEnd') introEnd = startMs;
    else if (marker === 'CreditsStart') creditsStart = startMs;
    else chapters.push({ title: text(chapter.Name) ?? `Chapter ${index + 1}`, startMs });
  }
  const markers: RemoteItem['markers'] = [];
  if (introEnd !== undefined && introEnd > (introStart ?? 0)) markers.push({ kind: 'intro', startMs: introStart ?? 0, endMs: introEnd });
  if (creditsStart !== undefined && durationMs > creditsStart) markers.push({ kind: 'credits', startMs: creditsStart, endMs: durationMs });
  chapters.sort((a, b) => a.startMs - b.startMs);
  return { chapters, markers };
}

function jellyfinVideo(stream: Json): RemoteVideo {
  const width = num(stream.Width) ?? 0;
  const height = num(stream.Height) ?? 0;
  const aspect = text(stream.AspectRatio);
  return dropUndefined({
    codec: text(stream.Codec) ?? 'unknown',
    width,
    height,
    frameRate: num(stream.RealFrameRate) ?? num(stream.AverageFrameRate),
    profile: text(stream.Profile),
    pixelFormat: text(stream.PixelFormat),
    bitDepth: num(stream.BitDepth),
    interlaced: bool(stream.IsInterlaced),
    displayAspect: aspect === '16:9' || aspect === '4:3' ? aspect : displayAspect(width && height ? width / height : undefined),
  });
}

function jellyfinAudio(stream: Json): RemoteAudio | undefined {
  const index = smallInt(stream.Index);
  if (index === undefined) return undefined;
  return dropUndefined({
    index,
    codec: text(stream.Codec) ?? 'unknown',
    language: text(stream.Language),
    channels: num(stream.Channels) ?? 2,
    channelLayout: text(stream.ChannelLayout),
    sampleRate: num(stream.SampleRate),
    title: text(stream.Title),
  });
}

function jellyfinSubtitle(stream: Json): RemoteSubtitle | undefined {
  const index = smallInt(stream.Index);
  if (index === undefined) return undefined;
  return dropUndefined({
    index,
    codec: text(stream.Codec) ?? 'unknown',
    language: text(stream.Language),
    title: text(stream.Title),
    forced: bool(stream.IsForced),
    default: bool(stream.IsDefault),
    hearingImpaired: bool(stream.IsHearingImpaired),
  });
}

