/**
 * A Jellyfin (10.10/10.11, api.jellyfin.org OpenAPI) or Emby (4.8, dev.emby.media) server for
 * tests: a real HTTP server answering Retrovue's requests as those servers do.
 *  - auth: Jellyfin `Authorization: MediaBrowser …, Token="<key>"` (X-Emby-Token too, as 10.x
 *    still accepts it); Emby `X-Emby-Token`; `api_key` in the query is accepted by both (and
 *    recorded in `requests`, so a test can prove the client never sends it); 401 with an empty
 *    body otherwise; /System/Info/Public answers without a key;
 *  - /System/Info, /Users (an administrator's key; 403 for a user's token), /Users/Me (a user's
 *    token; 400 for a bare API key, as 10.11 answers), /UserViews?userId= and /Users/{id}/Views,
 *    /Items?userId= and /Users/{id}/Items with ParentId, Recursive, IncludeItemTypes, Fields
 *    (400 for a field 10.9's enum lacks), StartIndex, Limit, MinDateLastSaved, TotalRecordCount;
 *    Jellyfin 10.11 hides episodes from a query that names no user;
 *  - Jellyfin: /MediaSegments/{id} (10.10+: Intro / Outro, StartTicks / EndTicks); Emby: 404 there,
 *    and intro/credits as chapter MarkerTypes (IntroStart, IntroEnd, CreditsStart);
 *  - BoxSets (collections) and Playlists (/Playlists/{id}/Items), /Items/{id}/Images/Primary;
 *  - /Videos/{id}/stream?static=true&MediaSourceId= streams the file, Range supported.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeHttp, sendFile, sendJson, sendStatus, TINY_PNG, type FakeHttp } from './fake-http.js';
import { serverPathOf, type FakeCollection, type FakeLibrary, type FakeMediaItem, type FakeMediaServerControls } from './seed.js';

export interface FakeJellyfinOptions {
  apiKey: string;
  flavour?: 'jellyfin' | 'emby';
  libraries: FakeLibrary[];
  items?: FakeMediaItem[];
  collections?: FakeCollection[];
  /** Users (default one: "alice"). */
  users?: string[];
  /** 'admin': the key is an API key (lists users, /Users/Me fails); 'user': a user's access token (the first user's). */
  keyKind?: 'admin' | 'user';
  serverName?: string;
  version?: string;
}

/**
 * Remote ids are item Ids. rebuild(): every item's Id changes (a reinstalled server rescanning the
 * same files; libraries keep theirs). upgradeFile(): Jellyfin gives the item a new Id (same
 * ProviderIds and path) and returns it.
 */
export interface FakeJellyfin extends FakeMediaServerControls {
  apiKey: string;
  flavour: 'jellyfin' | 'emby';
  serverId: string;
  /** Users' ids by name. */
  userIds: Map<string, string>;
  libraryIdOf(fakeLibraryId: string): string;
}

interface JellyfinRecord {
  item: FakeMediaItem;
  id: string;
  savedAtMs: number;
  createdAtMs: number;
}

/** Jellyfin 10.9's ItemFields enum: a Fields value outside it is a 400. */
const ITEM_FIELDS = new Set(
  'AirTime,CanDelete,CanDownload,ChannelInfo,Chapters,Trickplay,ChildCount,CumulativeRunTimeTicks,CustomRating,DateCreated,DateLastMediaAdded,DisplayPreferencesId,Etag,ExternalUrls,Genres,HomePageUrl,ItemCounts,MediaSourceCount,MediaSources,OriginalTitle,Overview,ParentId,Path,People,PlayAccess,ProductionLocations,ProviderIds,PrimaryImageAspectRatio,RecursiveItemCount,Settings,ScreenshotImageTags,SeriesPrimaryImage,SeriesStudio,SortName,SpecialEpisodeNumbers,Studios,Taglines,Tags,RemoteTrailers,MediaStreams,SeasonUserData,ServiceName,ThemeSongIds,ThemeVideoIds,ExternalEtag,PresentationUniqueKey,InheritedParentalRatingValue,ExternalSeriesId,SeriesPresentationUniqueKey,DateLastRefreshed,DateLastSaved,RefreshState,ChannelImage,EnableMediaSourceDisplay,Width,Height,ExtraIds,LocalTrailerCount,IsHD,SpecialFeatureCount'.split(
    ',',
  ),
);

const KNOWN_ROUTES = [
  /^\/system\/info$/,
  /^\/users$/,
  /^\/users\/me$/,
  /^\/userviews$/,
  /^\/users\/[^/]+\/(views|items)$/,
  /^\/items$/,
  /^\/mediasegments\/[^/]+$/,
  /^\/playlists\/[^/]+\/items$/,
  /^\/items\/[^/]+\/images\/primary$/,
  /^\/videos\/[^/]+\/stream(\.\w+)?$/,
];

const newId = () => randomUUID().replaceAll('-', '');
const TICKS = 10_000;

export async function startFakeJellyfin(options: FakeJellyfinOptions): Promise<FakeJellyfin> {
  const flavour = options.flavour ?? 'jellyfin';
  const serverId = newId();
  const version = options.version ?? (flavour === 'emby' ? '4.8.10.0' : '10.10.7');
  const userIds = new Map((options.users ?? ['alice']).map((name) => [name, newId()]));
  const libraryIds = new Map(options.libraries.map((lib) => [lib.id, newId()]));
  /** Series, seasons and collections, by a name key, changed on rebuild. */
  let entityIds = new Map<string, string>();
  let records: JellyfinRecord[] = [];
  const entityId = (key: string) => {
    let id = entityIds.get(key);
    if (!id) {
      id = newId();
      entityIds.set(key, id);
    }
    return id;
  };
  const newRecord = (item: FakeMediaItem): JellyfinRecord => {
    const stamp = item.updatedAtMs ?? Date.now();
    return { item, id: newId(), savedAtMs: stamp, createdAtMs: stamp };
  };
  /** Id → record, rebuilt after any change (10 000 segment requests must not scan 10 000 records each). */
  let index: Map<string, JellyfinRecord> | undefined;
  let itemIndex: Map<FakeMediaItem, JellyfinRecord> | undefined;
  const recordOfItem = (item: FakeMediaItem) => (itemIndex ??= new Map(records.map((record) => [record.item, record]))).get(item);
  const byId = (id: string) => (index ??= new Map(records.map((record) => [record.id, record]))).get(id);
  const setItems = (items: FakeMediaItem[]) => {
    index = itemIndex = undefined;
    records = items.map(newRecord);
  };
  setItems(options.items ?? []);
  const fakeLibraryOf = (remoteLibraryId: string) => [...libraryIds.entries()].find(([, id]) => id === remoteLibraryId)?.[0];
  const seriesId = (item: FakeMediaItem) => entityId(`series|${item.library}|${item.show}`);

  const itemDto = (record: JellyfinRecord, fields: Set<string>) => {
    const item = record.item;
    const path = serverPathOf(item);
    const streams = [
      { Codec: 'h264', Type: 'Video', Index: 0, Width: 160, Height: 90, AspectRatio: '16:9', RealFrameRate: 25, AverageFrameRate: 25, Profile: 'High', PixelFormat: 'yuv420p', BitDepth: 8, IsInterlaced: false, IsDefault: true, IsExternal: false },
      { Codec: 'aac', Type: 'Audio', Index: 1, Language: 'eng', Channels: 1, ChannelLayout: 'mono', SampleRate: 44100, IsDefault: true, IsExternal: false, DisplayTitle: 'English - AAC - Mono' },
    ];
    const dto: Record<string, unknown> = {
      Name: item.title,
      ServerId: serverId,
      Id: record.id,
      Type: item.kind === 'episode' ? 'Episode' : 'Movie',
      MediaType: 'Video',
      IsFolder: false,
      RunTimeTicks: item.durationMs * TICKS,
      ProductionYear: item.year,
      PremiereDate: item.airDate ? `${item.airDate}T00:00:00.0000000Z` : undefined,
      OfficialRating: item.rating,
      ImageTags: { Primary: record.id.slice(0, 8) },
      LocationType: 'FileSystem',
    };
    if (item.kind === 'episode') {
      Object.assign(dto, {
        SeriesName: item.show,
        SeriesId: seriesId(item),
        SeasonId: entityId(`season|${item.library}|${item.show}|${item.season ?? 1}`),
        SeasonName: `Season ${item.season ?? 1}`,
        IndexNumber: item.episode,
        ParentIndexNumber: item.season,
      });
    }
    if (fields.has('Overview')) dto.Overview = item.overview;
    if (fields.has('Genres')) dto.Genres = item.kind === 'movie' ? (item.genres ?? []) : [];
    if (fields.has('Path')) dto.Path = path;
    if (fields.has('DateCreated')) dto.DateCreated = new Date(record.createdAtMs).toISOString();
    if (fields.has('ProviderIds')) {
      const guids = item.guids ?? {};
      dto.ProviderIds = Object.fromEntries((['imdb', 'tmdb', 'tvdb'] as const).flatMap((kind) => (guids[kind] ? [[kind[0]!.toUpperCase() + kind.slice(1), guids[kind]]] : [])));
    }
    if (fields.has('MediaSources')) {
      dto.MediaSources = [
        {
          Protocol: 'File',
          Id: record.id,
          Path: path,
          Type: 'Default',
          Container: extension(item.file),
          Size: item.sizeBytes ?? 1_234_567,
          Name: item.title,
          RunTimeTicks: item.durationMs * TICKS,
          SupportsDirectPlay: true,
          MediaStreams: streams,
        },
      ];
    }
    if (fields.has('MediaStreams')) dto.MediaStreams = streams;
    if (fields.has('Chapters')) {
      const chapters: Array<Record<string, unknown>> = (item.chapters ?? []).map((chapter) => ({ StartPositionTicks: chapter.startMs * TICKS, Name: chapter.title, ImageDateModified: '0001-01-01T00:00:00.0000000Z' }));
      if (flavour === 'emby') {
        // Emby 4.8 keeps intro and credits as marker chapters.
        for (const marker of item.markers ?? []) {
          if (marker.kind === 'intro') chapters.push({ StartPositionTicks: marker.startMs * TICKS, Name: 'Intro', MarkerType: 'IntroStart' }, { StartPositionTicks: marker.endMs * TICKS, Name: 'Intro End', MarkerType: 'IntroEnd' });
          else chapters.push({ StartPositionTicks: marker.startMs * TICKS, Name: 'Credits', MarkerType: 'CreditsStart' });
        }
        for (const chapter of chapters) chapter.MarkerType ??= 'Chapter';
        chapters.sort((a, b) => Number(a.StartPositionTicks) - Number(b.StartPositionTicks));
      }
      dto.Chapters = chapters;
    }
    return dropUndefined(dto);
  };

  const seriesDto = (libraryId: string, show: string, fields: Set<string>) => {
    const first = records.find((record) => record.item.library === libraryId && record.item.show === show)?.item;
    return dropUndefined({
      Name: show,
      ServerId: serverId,
      Id: entityId(`series|${libraryId}|${show}`),
      Type: 'Series',
      IsFolder: true,
      OfficialRating: first?.rating,
      Overview: fields.has('Overview') ? first?.showOverview : undefined,
      Genres: fields.has('Genres') ? (first?.genres ?? []) : undefined,
    });
  };

  /** The collection or playlist an Id names now. */
  const collectionById = (id: string) => fake.collections.find((collection) => entityId(`${collection.kind}|${collection.name}`) === id);

  const membersOf = (collection: FakeCollection, fields: Set<string>) =>
    collection.members.flatMap((member): Array<Record<string, unknown>> => {
      if ('file' in member) {
        const record = records.find((entry) => entry.item === member);
        return record ? [itemDto(record, fields)] : [];
      }
      const first = records.find((record) => record.item.show === member.show);
      return first ? [seriesDto(first.item.library, member.show, fields)] : [];
    });

  /** The /Items query: what it selects, then a page of it. */
  const itemsQuery = (res: ServerResponse, q: (name: string) => string | undefined, userId: string | undefined) => {
    const fields = new Set((q('fields') ?? '').split(',').filter(Boolean));
    for (const field of fields) {
      if (!ITEM_FIELDS.has(field)) {
        sendJson(res, { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'One or more validation errors occurred.', status: 400, errors: { fields: [`The value '${field}' is not valid.`] } }, 400);
        return;
      }
    }
    if (userId !== undefined && ![...userIds.values()].includes(userId)) {
      sendStatus(res, 404, 'User not found');
      return;
    }
    const types = new Set((q('includeitemtypes') ?? '').split(',').filter(Boolean));
    const parentId = q('parentid');
    const since = q('mindatelastsaved');
    const sinceMs = since ? Date.parse(since) : undefined;
    // Entries are built for the page only: a 10 000-item library stays cheap to fake.
    let selected: Array<() => Record<string, unknown>>;
    const collection = parentId ? collectionById(parentId) : undefined;
    if (collection) {
      selected = membersOf(collection, fields).map((entry) => () => entry);
    } else if (types.has('BoxSet') || types.has('Playlist')) {
      selected = fake.collections
        .filter((entry) => (entry.kind === 'collection' ? types.has('BoxSet') : types.has('Playlist')))
        .map((entry) => () => ({ Name: entry.name, Id: entityId(`${entry.kind}|${entry.name}`), Type: entry.kind === 'collection' ? 'BoxSet' : 'Playlist', IsFolder: true, ServerId: serverId }));
    } else {
      const libraryOfParent = parentId ? fakeLibraryOf(parentId) : undefined;
      const seriesParent = parentId && !libraryOfParent ? records.find((record) => record.item.kind === 'episode' && seriesId(record.item) === parentId) : undefined;
      if (parentId && !libraryOfParent && !seriesParent) {
        selected = [];
      } else if (types.has('Series')) {
        const libId = libraryOfParent;
        const shows = [...new Set(records.filter((record) => record.item.library === libId && record.item.show).map((record) => record.item.show!))];
        selected = shows.map((show) => () => seriesDto(libId!, show, fields));
      } else {
        selected = records
          .filter((record) => (libraryOfParent ? record.item.library === libraryOfParent : seriesParent ? record.item.kind === 'episode' && seriesId(record.item) === parentId : true))
          .filter((record) => types.size === 0 || types.has(record.item.kind === 'episode' ? 'Episode' : 'Movie'))
          // Jellyfin 10.11: a query in no user's name sees no episodes.
          .filter((record) => userId !== undefined || flavour === 'emby' || record.item.kind !== 'episode')
          .filter((record) => sinceMs === undefined || record.savedAtMs >= sinceMs)
          .map((record) => () => itemDto(record, fields));
      }
    }
    sendItemsPage(res, q, selected);
  };

  const sendItemsPage = (res: ServerResponse, q: (name: string) => string | undefined, selected: Array<() => Record<string, unknown>>) => {
    let start = Number(q('startindex') ?? 0);
    const limit = q('limit') !== undefined ? Number(q('limit')) : Number.MAX_SAFE_INTEGER;
    if (fake.mode === 'endless-pages') {
      const invented = Array.from({ length: Math.min(limit, 50) }, (_, i) => ({ Name: `Invented ${start + i}`, Id: newId(), Type: 'Episode', RunTimeTicks: 10_000_000 }));
      sendJson(res, { Items: invented, TotalRecordCount: start + invented.length * 2, StartIndex: start });
      return;
    }
    if (fake.mode === 'repeat-pages') start = 0;
    const page = selected.slice(start, start + limit).map((entry) => entry());
    sendJson(res, { Items: page, TotalRecordCount: fake.mode === 'repeat-pages' ? selected.length + 1000 : selected.length, StartIndex: start });
  };

  const route = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // ASP.NET binds query names case-insensitively.
    const query = new Map<string, string>();
    for (const [key, value] of url.searchParams) query.set(key.toLowerCase(), value);
    const q = (name: string) => query.get(name);
    const path = url.pathname.replace(/^\/emby(?=\/)/i, '');
    const lower = path.toLowerCase();
    if (lower === '/system/info/public') {
      sendJson(res, { LocalAddress: `http://127.0.0.1:${new URL(fake.url).port}`, ServerName: options.serverName ?? `Fake ${flavour}`, Version: version, ProductName: flavour === 'emby' ? 'Emby Server' : 'Jellyfin Server', OperatingSystem: 'Linux', Id: serverId, StartupWizardCompleted: true });
      return;
    }
    // ASP.NET matches the route before it authorises: a path no controller has is a 404, key or not.
    if (!KNOWN_ROUTES.some((pattern) => pattern.test(lower))) return sendStatus(res, 404, '');
    const authorization = req.headers.authorization ?? '';
    const token =
      /Token="([^"]*)"/i.exec(authorization)?.[1] ??
      (req.headers['x-emby-token'] as string | undefined) ??
      (req.headers['x-mediabrowser-token'] as string | undefined) ??
      q('api_key');
    const headerAccepted = flavour === 'emby' ? req.headers['x-emby-token'] !== undefined || q('api_key') !== undefined || /Token="/.test(authorization) : true;
    if (token !== options.apiKey || !headerAccepted) {
      sendStatus(res, 401, '');
      return;
    }
    const keyUser = options.keyKind === 'user' ? [...userIds.values()][0] : undefined;
    let match: RegExpExecArray | null;
    if (lower === '/system/info') {
      sendJson(res, { ServerName: options.serverName ?? `Fake ${flavour}`, Version: version, ProductName: flavour === 'emby' ? 'Emby Server' : 'Jellyfin Server', OperatingSystem: 'Linux', Id: serverId, HasPendingRestart: false, IsShuttingDown: false });
      return;
    }
    if (lower === '/users') {
      if (keyUser) return sendStatus(res, 403, 'Forbidden');
      sendJson(res, [...userIds.entries()].map(([name, id]) => ({ Name: name, ServerId: serverId, Id: id, HasPassword: true, Policy: { IsAdministrator: name === [...userIds.keys()][0] } })));
      return;
    }
    if (lower === '/users/me') {
      if (!keyUser) return sendStatus(res, 400, 'Error processing request.');
      const name = [...userIds.entries()].find(([, id]) => id === keyUser)![0];
      sendJson(res, { Name: name, ServerId: serverId, Id: keyUser });
      return;
    }
    const viewsUser = lower === '/userviews' ? q('userid') : (match = /^\/users\/([^/]+)\/views$/i.exec(path)) ? match[1] : undefined;
    if (viewsUser !== undefined || lower === '/userviews') {
      if (!viewsUser || ![...userIds.values()].includes(viewsUser)) return sendStatus(res, 404, 'User not found');
      const items = options.libraries.map((lib) => ({ Name: lib.name, ServerId: serverId, Id: libraryIds.get(lib.id), Type: 'CollectionFolder', CollectionType: lib.type === 'shows' ? 'tvshows' : 'movies', IsFolder: true }));
      sendJson(res, { Items: items, TotalRecordCount: items.length, StartIndex: 0 });
      return;
    }
    if (lower === '/items' && flavour === 'jellyfin') return itemsQuery(res, q, q('userid') ?? keyUser);
    if ((match = /^\/users\/([^/]+)\/items$/i.exec(path))) return itemsQuery(res, q, match[1]);
    if ((match = /^\/mediasegments\/([^/]+)$/i.exec(path)) && flavour === 'jellyfin') {
      const record = byId(match[1]!);
      if (!record) return sendStatus(res, 404, '');
      const types = new Set((q('includesegmenttypes') ?? '').split(',').filter(Boolean));
      const segments = (record.item.markers ?? [])
        .map((marker) => ({ Id: newId(), ItemId: record.id, Type: marker.kind === 'intro' ? 'Intro' : 'Outro', StartTicks: marker.startMs * TICKS, EndTicks: marker.endMs * TICKS }))
        .filter((segment) => types.size === 0 || types.has(segment.Type));
      sendJson(res, { Items: segments, TotalRecordCount: segments.length, StartIndex: 0 });
      return;
    }
    if ((match = /^\/playlists\/([^/]+)\/items$/i.exec(path))) {
      const playlist = collectionById(match[1]!);
      if (!playlist || playlist.kind !== 'playlist') return sendStatus(res, 404, '');
      const fields = new Set((q('fields') ?? '').split(',').filter(Boolean));
      const entries = membersOf(playlist, fields).map((entry, index) => () => ({ ...entry, PlaylistItemId: `${match![1]}-${index}` }));
      return sendItemsPage(res, q, entries);
    }
    if ((match = /^\/items\/([^/]+)\/images\/primary$/i.exec(path))) {
      if (!byId(match[1]!)) return sendStatus(res, 404, '');
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TINY_PNG.length });
      res.end(TINY_PNG);
      return;
    }
    if ((match = /^\/videos\/([^/]+)\/stream(\.\w+)?$/i.exec(path))) {
      const record = byId(match[1]!);
      if (!record || (q('mediasourceid') !== undefined && q('mediasourceid') !== record.id)) return sendStatus(res, 404, '');
      sendFile(req, res, record.item.file);
      return;
    }
    sendStatus(res, 404, '');
  };

  const http: FakeHttp = await startFakeHttp(route);
  const find = (remoteId: string) => {
    const record = byId(remoteId);
    if (!record) throw new Error(`fake ${flavour} has no item ${remoteId}`);
    return record;
  };
  const fake: FakeJellyfin = {
    url: http.url,
    apiKey: options.apiKey,
    flavour,
    serverId,
    userIds,
    requests: http.requests,
    requestHeaders: http.requestHeaders,
    collections: options.collections ?? [],
    libraryIdOf: (id) => {
      const remote = libraryIds.get(id);
      if (!remote) throw new Error(`fake ${flavour} has no library ${id}`);
      return remote;
    },
    items: () => records.map((record) => record.item),
    setItems,
    addItem(item) {
      const record = newRecord(item);
      records.push(record);
      index = itemIndex = undefined;
      return record.id;
    },
    updateItem(remoteId, changes) {
      const record = find(remoteId);
      Object.assign(record.item, changes);
      record.savedAtMs = Math.max(Date.now(), record.savedAtMs + 1);
    },
    removeItem(remoteId) {
      const gone = find(remoteId);
      records = records.filter((record) => record !== gone);
      index = itemIndex = undefined;
    },
    remoteIdOf(item) {
      const record = recordOfItem(item);
      if (!record) throw new Error(`fake ${flavour} does not hold "${item.title}"`);
      return record.id;
    },
    itemOf: (remoteId) => byId(remoteId)?.item,
    rebuild() {
      const changes = new Map<string, string>();
      for (const record of records) {
        const next = newId();
        changes.set(record.id, next);
        record.id = next;
        record.savedAtMs = record.createdAtMs = Date.now();
      }
      // Libraries keep their ids (recreated in the same order, as a user does); shows, seasons and collections do not.
      entityIds = new Map();
      index = itemIndex = undefined;
      return changes;
    },
    upgradeFile(remoteId) {
      const record = find(remoteId);
      record.id = newId();
      index = itemIndex = undefined;
      record.item.sizeBytes = (record.item.sizeBytes ?? 1_234_567) + 1000;
      record.savedAtMs = record.createdAtMs = Math.max(Date.now(), record.savedAtMs + 1);
      return record.id;
    },
    get mode() {
      return http.mode;
    },
    set mode(value) {
      http.mode = value;
    },
    misbehave: (mode, misbehaveOptions) => http.misbehave(mode, misbehaveOptions),
    stop: () => http.stop(),
  };
  return fake;
}

/** An Emby server: startFakeJellyfin with the Emby flavour. */
export function startFakeEmby(options: Omit<FakeJellyfinOptions, 'flavour'>): Promise<FakeJellyfin> {
  return startFakeJellyfin({ ...options, flavour: 'emby' });
}

function extension(file: string): string {
  const match = /\.(\w+)$/.exec(file);
  return match ? match[1]! : 'mp4';
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
