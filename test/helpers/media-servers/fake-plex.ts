/**
 * A Plex Media Server for tests: a real HTTP server answering the requests Retrovue makes the
 * way PMS 1.41 (the developer.plex.tv API reference) does — JSON in a MediaContainer when asked
 * with `Accept: application/json`, X-Plex-Token checked on every request but /identity (401 with
 * Plex's HTML page otherwise), X-Plex-Container-Start/-Size paging (query or headers) with
 * totalSize/offset, `includeGuids`, `includeChapters`, `includeMarkers`, the `updatedAt>>=`
 * filter, collections, playlists, and the file itself at its Part key with Range support.
 *
 *   const plex = await startFakePlex({ token: 't', libraries: [{ id: '1', name: 'TV', type: 'shows' }],
 *     items: fakeShow('80s Cartoons', { library: '1', seasons: 2, episodes: 5, file }) });
 *   plex.rebuild();           // every ratingKey changes, like a rebuilt database
 *   await plex.misbehave('html');
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeHttp, sendFile, sendJson as sendJsonBody, sendStatus, TINY_PNG, type FakeHttp } from './fake-http.js';
import { serverPathOf, type FakeCollection, type FakeLibrary, type FakeMediaItem, type FakeMediaServerControls } from './seed.js';

export interface FakePlexOptions {
  token: string;
  libraries: FakeLibrary[];
  items?: FakeMediaItem[];
  collections?: FakeCollection[];
  friendlyName?: string;
  version?: string;
}

/**
 * Remote ids are ratingKeys. rebuild(): every ratingKey (items, shows, seasons, collections; not
 * the library sections) changes. upgradeFile(): same ratingKey, a new part (id, key, size).
 */
export interface FakePlex extends FakeMediaServerControls {
  token: string;
  machineIdentifier: string;
  /** The Part key an item streams at now. */
  partKeyOf(remoteId: string): string;
}

interface PlexRecord {
  item: FakeMediaItem;
  ratingKey: string;
  partId: number;
  /** Unix seconds. */
  updatedAt: number;
  addedAt: number;
}

const TYPE_MOVIE = 1;
const TYPE_SHOW = 2;
const TYPE_EPISODE = 4;

export async function startFakePlex(options: FakePlexOptions): Promise<FakePlex> {
  /** The request being answered: Plex answers XML unless the client asks for JSON. */
  let accept = '';
  const sendJson = (res: ServerResponse, body: { MediaContainer: Record<string, unknown> }) => {
    if (/application\/json/i.test(accept)) return sendJsonBody(res, body);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${plexXml('MediaContainer', body.MediaContainer)}`;
    res.writeHead(200, { 'Content-Type': 'text/xml;charset=utf-8', 'Content-Length': Buffer.byteLength(xml) });
    res.end(xml);
  };
  const machineIdentifier = 'f4k3p13x0000000000000000000000000000beef';
  const version = options.version ?? '1.41.3.9314-a0bfb8370';
  let nextKey = 1000;
  let nextPart = 5000;
  const now = () => Math.floor(Date.now() / 1000);
  let records: PlexRecord[] = [];
  /** `${library}|${show}` → show ratingKey; `${library}|${show}|${season}` → season ratingKey. */
  let parentKeys = new Map<string, string>();
  let collectionKeys = new Map<string, string>();

  const newRecord = (item: FakeMediaItem): PlexRecord => {
    const stamp = item.updatedAtMs !== undefined ? Math.floor(item.updatedAtMs / 1000) : now();
    return { item, ratingKey: String(nextKey++), partId: nextPart++, updatedAt: stamp, addedAt: stamp };
  };
  const keyOf = (map: Map<string, string>, name: string) => {
    let key = map.get(name);
    if (!key) {
      key = String(nextKey++);
      map.set(name, key);
    }
    return key;
  };
  const showKey = (item: FakeMediaItem) => keyOf(parentKeys, `${item.library}|${item.show}`);
  const seasonKey = (item: FakeMediaItem) => keyOf(parentKeys, `${item.library}|${item.show}|${item.season ?? 1}`);
  /** ratingKey → record, rebuilt after any change (10 000 detail requests must not scan 10 000 records each). */
  let index: Map<string, PlexRecord> | undefined;
  let itemIndex: Map<FakeMediaItem, PlexRecord> | undefined;
  const recordOfItem = (item: FakeMediaItem) => (itemIndex ??= new Map(records.map((record) => [record.item, record]))).get(item);
  const byKey = (key: string) => (index ??= new Map(records.map((record) => [record.ratingKey, record]))).get(key);
  const library = (id: string) => options.libraries.find((entry) => entry.id === id);
  const partKey = (record: PlexRecord) => `/library/parts/${record.partId}/${record.updatedAt}/file${extension(record.item.file)}`;

  const setItems = (items: FakeMediaItem[]) => {
    index = itemIndex = undefined;
    records = items.map(newRecord);
  };
  setItems(options.items ?? []);

  /** A Metadata entry as /library/sections/{id}/all lists it; `detail` adds what only /library/metadata/{id} has. */
  const metadata = (record: PlexRecord, query: URLSearchParams, detail: boolean) => {
    const item = record.item;
    const lib = library(item.library);
    const entry: Record<string, unknown> = {
      ratingKey: record.ratingKey,
      key: `/library/metadata/${record.ratingKey}`,
      guid: `plex://${item.kind}/${(Number(record.ratingKey) * 7919).toString(16).padStart(24, '0')}`,
      type: item.kind,
      title: item.title,
      librarySectionID: Number(item.library),
      librarySectionTitle: lib?.name,
      librarySectionKey: `/library/sections/${item.library}`,
      summary: item.overview ?? '',
      contentRating: item.rating,
      year: item.year,
      duration: item.durationMs,
      originallyAvailableAt: item.airDate,
      thumb: `/library/metadata/${record.ratingKey}/thumb/${record.updatedAt}`,
      addedAt: record.addedAt,
      updatedAt: record.updatedAt,
    };
    if (item.kind === 'episode') {
      Object.assign(entry, {
        parentRatingKey: seasonKey(item),
        grandparentRatingKey: showKey(item),
        parentKey: `/library/metadata/${seasonKey(item)}`,
        grandparentKey: `/library/metadata/${showKey(item)}`,
        grandparentTitle: item.show,
        parentTitle: `Season ${item.season ?? 1}`,
        index: item.episode,
        parentIndex: item.season,
        grandparentThumb: `/library/metadata/${showKey(item)}/thumb/${record.updatedAt}`,
      });
    } else {
      entry.Genre = (item.genres ?? []).map((tag) => ({ tag }));
    }
    const part: Record<string, unknown> = {
      id: record.partId,
      key: partKey(record),
      duration: item.durationMs,
      file: serverPathOf(item),
      size: item.sizeBytes ?? 1_234_567,
      container: extension(item.file).slice(1) || 'mp4',
      videoProfile: 'high',
    };
    if (detail) {
      part.Stream = [
        { id: record.partId * 10 + 1, streamType: 1, default: true, codec: 'h264', index: 0, bitDepth: 8, frameRate: 25.0, height: 90, width: 160, profile: 'high', scanType: 'progressive', displayTitle: '90p (H.264)' },
        { id: record.partId * 10 + 2, streamType: 2, selected: true, default: true, codec: 'aac', index: 1, channels: 1, audioChannelLayout: 'mono', samplingRate: 44100, language: 'English', languageTag: 'en', languageCode: 'eng', displayTitle: 'English (AAC Mono)' },
      ];
    }
    entry.Media = [
      { id: record.partId, duration: item.durationMs, width: 160, height: 90, aspectRatio: 1.78, audioChannels: 1, audioCodec: 'aac', videoCodec: 'h264', videoResolution: 'sd', container: part.container, videoFrameRate: 'PAL', Part: [part] },
    ];
    if (query.get('includeGuids') === '1' || detail) {
      const guids = item.guids ?? {};
      entry.Guid = (['imdb', 'tmdb', 'tvdb'] as const).flatMap((kind) => (guids[kind] ? [{ id: `${kind}://${guids[kind]}` }] : []));
    }
    if (detail && query.get('includeChapters') === '1' && (item.chapters ?? []).length > 0) {
      entry.Chapter = (item.chapters ?? []).map((chapter, index) => ({
        id: record.partId * 100 + index,
        filter: `thumb=${record.partId * 100 + index}`,
        index: index + 1,
        tag: chapter.title,
        startTimeOffset: chapter.startMs,
        endTimeOffset: chapter.endMs ?? (item.chapters?.[index + 1]?.startMs ?? item.durationMs),
        thumb: `/library/media/${record.partId}/chapterImages/${index + 1}`,
      }));
    }
    if (detail && query.get('includeMarkers') === '1' && (item.markers ?? []).length > 0) {
      entry.Marker = (item.markers ?? []).map((marker, index) => ({ id: record.partId * 100 + 50 + index, type: marker.kind, startTimeOffset: marker.startMs, endTimeOffset: marker.endMs, final: marker.kind === 'credits' }));
    }
    return dropUndefined(entry);
  };

  /** One show's Metadata entry (type=2 lists, collection children). */
  const showMetadata = (libraryId: string, show: string) => {
    const first = records.find((record) => record.item.library === libraryId && record.item.show === show)?.item;
    const key = keyOf(parentKeys, `${libraryId}|${show}`);
    return dropUndefined({
      ratingKey: key,
      key: `/library/metadata/${key}/children`,
      type: 'show',
      title: show,
      librarySectionID: Number(libraryId),
      summary: first?.showOverview ?? '',
      contentRating: first?.rating,
      thumb: `/library/metadata/${key}/thumb/1`,
      Genre: (first?.genres ?? []).map((tag) => ({ tag })),
      leafCount: records.filter((record) => record.item.library === libraryId && record.item.show === show).length,
    });
  };

  /** A page of a list, as Plex pages: the whole list without paging parameters, else start/size and totalSize. */
  const sendPage = (req: IncomingMessage, res: ServerResponse, url: URL, all: () => Array<() => Record<string, unknown>>, extra: Record<string, unknown> = {}) => {
    const param = (name: string) => url.searchParams.get(name) ?? (req.headers[name.toLowerCase()] as string | undefined);
    const startParam = param('X-Plex-Container-Start');
    const sizeParam = param('X-Plex-Container-Size');
    const paged = startParam !== undefined || sizeParam !== undefined;
    let start = Number(startParam ?? 0);
    const size = sizeParam !== undefined ? Number(sizeParam) : Number.MAX_SAFE_INTEGER;
    if (fake.mode === 'endless-pages') {
      const invented = Array.from({ length: Math.min(size, 50) }, (_, i) => ({ ratingKey: String(90_000_000 + start + i), type: 'episode', title: `Invented ${start + i}`, duration: 1000 }));
      sendJson(res, { MediaContainer: { size: invented.length, totalSize: start + invented.length * 2, offset: start, ...extra, Metadata: invented } });
      return;
    }
    const list = all();
    if (fake.mode === 'repeat-pages') start = 0;
    // Entries are built for the page only: a 10 000-item library stays cheap to fake.
    const slice = list.slice(start, start + size).map((entry) => entry());
    const container: Record<string, unknown> = { size: slice.length, ...extra };
    if (paged) {
      container.totalSize = fake.mode === 'repeat-pages' ? list.length + 1000 : list.length;
      container.offset = start;
    }
    if (slice.length > 0) container.Metadata = slice;
    sendJson(res, { MediaContainer: container });
  };

  const route = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    accept = req.headers.accept ?? '';
    const path = url.pathname;
    if (path === '/identity') {
      sendJson(res, { MediaContainer: { size: 0, apiVersion: '1.1.1', claimed: true, machineIdentifier, version } });
      return;
    }
    const token = (req.headers['x-plex-token'] as string | undefined) ?? url.searchParams.get('X-Plex-Token');
    if (token !== options.token) {
      // PMS answers a missing or wrong token with this HTML, whatever the Accept header says.
      sendStatus(res, 401, '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>', 'text/html');
      return;
    }
    let match: RegExpExecArray | null;
    if (path === '/') {
      sendJson(res, { MediaContainer: { size: 0, allowSync: true, friendlyName: options.friendlyName ?? 'Fake Plex', machineIdentifier, myPlex: true, platform: 'Linux', version } });
      return;
    }
    if (path === '/library/sections') {
      const directories = options.libraries.map((lib) => ({
        allowSync: true,
        art: '/:/resources/show-fanart.jpg',
        key: lib.id,
        type: lib.type === 'shows' ? 'show' : 'movie',
        title: lib.name,
        agent: lib.type === 'shows' ? 'tv.plex.agents.series' : 'tv.plex.agents.movie',
        scanner: lib.type === 'shows' ? 'Plex TV Series' : 'Plex Movie',
        language: 'en-US',
        uuid: `0000000${lib.id}-0000-0000-0000-000000000000`,
        Location: [{ id: Number(lib.id), path: lib.type === 'shows' ? '/media/shows' : '/media/movies' }],
      }));
      sendJson(res, { MediaContainer: { size: directories.length, allowSync: false, title1: 'Plex Library', Directory: directories } });
      return;
    }
    if ((match = /^\/library\/sections\/([^/]+)\/all$/.exec(path))) {
      const lib = library(match[1]!);
      if (!lib) return sendStatus(res, 404, 'Not Found');
      const type = Number(url.searchParams.get('type') ?? (lib.type === 'shows' ? TYPE_SHOW : TYPE_MOVIE));
      const after = url.searchParams.get('updatedAt>>');
      const inLibrary = () => records.filter((record) => record.item.library === lib.id);
      if (type === TYPE_SHOW) {
        return sendPage(req, res, url, () => [...new Set(inLibrary().flatMap((record) => (record.item.show ? [record.item.show] : [])))].map((show) => () => showMetadata(lib.id, show)), { librarySectionID: Number(lib.id) });
      }
      const kind = type === TYPE_EPISODE ? 'episode' : type === TYPE_MOVIE ? 'movie' : undefined;
      return sendPage(req, res, url, () =>
        inLibrary()
          .filter((record) => record.item.kind === kind && (after === null || record.updatedAt > Number(after)))
          .map((record) => () => metadata(record, url.searchParams, false)),
        { librarySectionID: Number(lib.id), librarySectionTitle: lib.name },
      );
    }
    if ((match = /^\/library\/metadata\/([^/]+)$/.exec(path))) {
      const record = byKey(match[1]!);
      if (!record) return sendStatus(res, 404, 'Not Found');
      sendJson(res, { MediaContainer: { size: 1, librarySectionID: Number(record.item.library), Metadata: [metadata(record, url.searchParams, true)] } });
      return;
    }
    if ((match = /^\/library\/metadata\/([^/]+)\/allLeaves$/.exec(path))) {
      const key = match[1]!;
      const parent = [...parentKeys.entries()].find(([, value]) => value === key)?.[0];
      if (!parent) return sendStatus(res, 404, 'Not Found');
      const [libraryId, show, season] = parent.split('|');
      return sendPage(req, res, url, () =>
        records
          .filter((record) => record.item.library === libraryId && record.item.show === show && (season === undefined || String(record.item.season ?? 1) === season))
          .map((record) => () => metadata(record, url.searchParams, false)),
      );
    }
    if ((match = /^\/library\/metadata\/([^/]+)\/thumb\/\d+$/.exec(path))) {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TINY_PNG.length });
      res.end(TINY_PNG);
      return;
    }
    if ((match = /^\/library\/sections\/([^/]+)\/collections$/.exec(path))) {
      const lib = library(match[1]!);
      if (!lib) return sendStatus(res, 404, 'Not Found');
      return sendPage(req, res, url, () =>
        fake.collections
          .filter((collection) => collection.kind === 'collection' && collection.library === lib.id)
          .map((collection) => () => ({
            ratingKey: keyOf(collectionKeys, collection.name),
            key: `/library/collections/${keyOf(collectionKeys, collection.name)}/children`,
            guid: `collection://${keyOf(collectionKeys, collection.name)}`,
            type: 'collection',
            title: collection.name,
            subtype: lib.type === 'shows' ? 'show' : 'movie',
            librarySectionID: Number(lib.id),
            childCount: String(collection.members.length),
          })),
      );
    }
    if ((match = /^\/library\/collections\/([^/]+)\/children$/.exec(path))) {
      const name = [...collectionKeys.entries()].find(([, value]) => value === match![1])?.[0];
      const collection = fake.collections.find((entry) => entry.kind === 'collection' && entry.name === name);
      if (!collection) return sendStatus(res, 404, 'Not Found');
      return sendPage(req, res, url, () =>
        collection.members.flatMap((member) => {
          if ('file' in member) {
            const record = records.find((entry) => entry.item === member);
            return record ? [() => metadata(record, url.searchParams, false)] : [];
          }
          return records.some((record) => record.item.show === member.show) ? [() => showMetadata(collection.library ?? '', member.show)] : [];
        }),
      );
    }
    if (path === '/playlists') {
      const type = url.searchParams.get('playlistType');
      return sendPage(req, res, url, () =>
        fake.collections
          .filter((collection) => collection.kind === 'playlist' && (type === null || type === 'video'))
          .map((collection) => () => ({
            ratingKey: keyOf(collectionKeys, `playlist|${collection.name}`),
            key: `/playlists/${keyOf(collectionKeys, `playlist|${collection.name}`)}/items`,
            type: 'playlist',
            title: collection.name,
            playlistType: 'video',
            smart: false,
            leafCount: playlistRecords(collection).length,
          })),
      );
    }
    if ((match = /^\/playlists\/([^/]+)\/items$/.exec(path))) {
      const name = [...collectionKeys.entries()].find(([, value]) => value === match![1])?.[0];
      const collection = fake.collections.find((entry) => entry.kind === 'playlist' && `playlist|${entry.name}` === name);
      if (!collection) return sendStatus(res, 404, 'Not Found');
      return sendPage(req, res, url, () => playlistRecords(collection).map((record, index) => () => ({ ...metadata(record, url.searchParams, false), playlistItemID: index + 1 })));
    }
    if ((match = /^\/library\/parts\/(\d+)\/(\d+)\/file(\.\w+)?$/.exec(path))) {
      const record = records.find((entry) => entry.partId === Number(match![1]));
      if (!record) return sendStatus(res, 404, 'Not Found');
      sendFile(req, res, record.item.file);
      return;
    }
    sendStatus(res, 404, 'Not Found');
  };

  /** A playlist's entries: items as they are, shows as their episodes. */
  const playlistRecords = (collection: FakeCollection): PlexRecord[] =>
    collection.members.flatMap((member) => ('file' in member ? records.filter((record) => record.item === member) : records.filter((record) => record.item.show === member.show)));

  const http: FakeHttp = await startFakeHttp(route);
  const find = (remoteId: string) => {
    const record = byKey(remoteId);
    if (!record) throw new Error(`fake Plex has no item ${remoteId}`);
    return record;
  };
  const fake: FakePlex = {
    url: http.url,
    token: options.token,
    machineIdentifier,
    requests: http.requests,
    requestHeaders: http.requestHeaders,
    collections: options.collections ?? [],
    items: () => records.map((record) => record.item),
    setItems,
    addItem(item) {
      const record = newRecord(item);
      records.push(record);
      index = itemIndex = undefined;
      return record.ratingKey;
    },
    updateItem(remoteId, changes) {
      const record = find(remoteId);
      Object.assign(record.item, changes);
      record.updatedAt = Math.max(now(), record.updatedAt + 1);
    },
    removeItem(remoteId) {
      const gone = find(remoteId);
      records = records.filter((record) => record !== gone);
      index = itemIndex = undefined;
    },
    remoteIdOf(item) {
      const record = recordOfItem(item);
      if (!record) throw new Error(`fake Plex does not hold "${item.title}"`);
      return record.ratingKey;
    },
    itemOf: (remoteId) => byKey(remoteId)?.item,
    rebuild() {
      const changes = new Map<string, string>();
      for (const record of records) {
        const next = String(nextKey++);
        changes.set(record.ratingKey, next);
        record.ratingKey = next;
        record.partId = nextPart++;
        record.addedAt = record.updatedAt = now();
      }
      parentKeys = new Map();
      collectionKeys = new Map();
      index = itemIndex = undefined;
      return changes;
    },
    upgradeFile(remoteId) {
      const record = find(remoteId);
      record.partId = nextPart++;
      record.item.sizeBytes = (record.item.sizeBytes ?? 1_234_567) + 1000;
      record.updatedAt = Math.max(now(), record.updatedAt + 1);
      return record.ratingKey;
    },
    partKeyOf: (remoteId) => partKey(find(remoteId)),
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

function extension(file: string): string {
  const match = /\.\w+$/.exec(file);
  return match ? match[0] : '.mp4';
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Plex's XML for a MediaContainer: scalars as attributes, lists as child elements. The JSON
 * "Metadata" list is XML's <Video> (episodes, movies) or <Directory> (shows, collections).
 */
function plexXml(name: string, value: Record<string, unknown>): string {
  const attributes: string[] = [];
  const children: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (Array.isArray(field)) {
      for (const entry of field) {
        const entryObject = entry as Record<string, unknown>;
        const element = key === 'Metadata' ? (entryObject.type === 'episode' || entryObject.type === 'movie' ? 'Video' : 'Directory') : key;
        children.push(plexXml(element, entryObject));
      }
    } else if (field !== undefined && field !== null && typeof field !== 'object') {
      attributes.push(` ${key}="${String(field).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`);
    }
  }
  return children.length > 0 ? `<${name}${attributes.join('')}>\n${children.join('\n')}\n</${name}>` : `<${name}${attributes.join('')} />`;
}
