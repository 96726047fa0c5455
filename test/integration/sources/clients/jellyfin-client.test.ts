import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaServerClient } from '../../../../src/sources/clients/index.js';
import { SourceError, type RemoteItem } from '../../../../src/sources/media-server.js';
import { closedPort } from '../../../helpers/media-servers/fake-http.js';
import { startFakeJellyfin, type FakeJellyfin } from '../../../helpers/media-servers/fake-jellyfin.js';
import { fakeMovie, fakeShow, type FakeMediaItem } from '../../../helpers/media-servers/seed.js';
import { tempDir } from '../../../helpers/server.js';

const collect = async (iterable: AsyncIterable<RemoteItem>) => {
  const out: RemoteItem[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};

const failure = async (promise: Promise<unknown>): Promise<SourceError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return error as SourceError;
  }
  throw new Error('expected a SourceError');
};

/**
 * The Jellyfin/Emby client against fake servers that answer as Jellyfin 10.10 and Emby 4.8
 * document (fake-jellyfin.ts): one suite, run for each flavour, plus what only one of them does.
 */
describe.each(['jellyfin', 'emby'] as const)('%s client against a fake server', (flavour) => {
  const apiKey = `${flavour}-secret-key-0123456789abcdef`;
  let server: FakeJellyfin;
  let file: string;
  let cartoons: FakeMediaItem[];
  let movie: FakeMediaItem;

  const client = (options: Parameters<typeof createMediaServerClient>[1] = {}, connection: Partial<Parameters<typeof createMediaServerClient>[0]> = {}) =>
    createMediaServerClient({ type: flavour, url: server.url, apiKey, user: 'alice', ...connection }, { pageSize: 4, ...options });

  beforeAll(async () => {
    file = path.join(tempDir(`fake-${flavour}`), 'clip.mkv');
    writeFileSync(file, Buffer.alloc(50_000, 3));
    cartoons = fakeShow('80s Cartoons', { library: 'tv', seasons: 2, episodes: 5, file, durationMs: 60_000, chapterEveryMs: 20_000, introMs: 5_000, creditsMs: 8_000 });
    movie = fakeMovie('Ça « marche » 🎬 مرحبا\u001b[31m', { library: 'films', file, durationMs: 90_000 });
    server = await startFakeJellyfin({
      apiKey,
      flavour,
      users: ['alice', 'bob'],
      libraries: [
        { id: 'tv', name: 'Shows', type: 'shows' },
        { id: 'films', name: 'Movies', type: 'movies' },
      ],
      items: [...cartoons, movie],
      collections: [
        { name: 'Saturday Morning', kind: 'collection', members: [{ show: '80s Cartoons' }, movie] },
        { name: 'Tonight', kind: 'playlist', members: [cartoons[9]!, cartoons[0]!] },
      ],
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('check() names the server, the user and the libraries the user sees', async () => {
    const info = await client().check();
    expect(info).toEqual({
      name: `Fake ${flavour}`,
      version: flavour === 'emby' ? '4.8.10.0' : '10.10.7',
      id: server.serverId,
      userId: server.userIds.get('alice'),
      libraries: [
        { id: server.libraryIdOf('tv'), name: 'Shows', kind: 'shows' },
        { id: server.libraryIdOf('films'), name: 'Movies', kind: 'movies' },
      ],
    });
  });

  it('a user is found by name or id; none named among several is refused with the names', async () => {
    expect((await client({}, { user: 'BOB' }).check()).userId).toBe(server.userIds.get('bob'));
    expect((await client({}, { user: server.userIds.get('bob') }).check()).userId).toBe(server.userIds.get('bob'));
    const missing = await failure(client({}, { user: 'carol' }).check());
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('alice, bob');
    const none = await failure(client({}, { user: undefined }).check());
    expect(none.code).toBe('forbidden');
    expect(none.message).toMatch(/set "user" to one of alice, bob/);
    if (flavour === 'jellyfin') expect(none.message).toContain('Jellyfin 10.11');
  });

  it('items() pages through episodes with series facts, provider ids, chapters and markers', async () => {
    const before = server.requests.length;
    const progress: Array<[number, number | undefined]> = [];
    const items = await collect(client().items(server.libraryIdOf('tv'), { onProgress: (done, total) => progress.push([done, total]) }));
    expect(items).toHaveLength(10);
    expect(progress.at(-1)).toEqual([10, 10]);
    const pages = server.requests.slice(before).filter((request) => request.includes('IncludeItemTypes=Episode'));
    expect(pages).toHaveLength(3);
    const first = items.find((item) => item.remoteId === server.remoteIdOf(cartoons[0]!))!;
    expect(first).toMatchObject({
      kind: 'episode',
      title: '80s Cartoons S01E01',
      show: '80s Cartoons',
      season: 1,
      episode: 1,
      description: 'Episode 1 of season 1 of 80s Cartoons.',
      showDescription: '80s Cartoons, a show.',
      genres: ['Animation'],
      contentRating: 'TV-Y7',
      airDate: cartoons[0]!.airDate,
      durationMs: 60_000,
      externalIds: cartoons[0]!.guids,
      file: { path: '/media/shows/80s Cartoons/Season 01/80s Cartoons - S01E01.mkv', sizeBytes: 1_234_567, container: 'mkv', part: first.remoteId },
      video: { codec: 'h264', width: 160, height: 90, frameRate: 25, displayAspect: '16:9' },
      audio: [{ index: 1, codec: 'aac', language: 'eng', channels: 1 }],
      chapters: [
        { title: 'Chapter 1', startMs: 0 },
        { title: 'Chapter 2', startMs: 20_000 },
        { title: 'Chapter 3', startMs: 40_000 },
      ],
      poster: `/Items/${first.remoteId}/Images/Primary`,
    });
    // Jellyfin: media segments (Outro = credits); Emby: the chapters' marker types, credits to the end.
    expect(first.markers).toEqual([
      { kind: 'intro', startMs: 0, endMs: 5_000 },
      { kind: 'credits', startMs: 52_000, endMs: 60_000 },
    ]);
    const segmentRequests = server.requests.slice(before).filter((request) => request.startsWith('/MediaSegments/'));
    expect(segmentRequests).toHaveLength(flavour === 'jellyfin' ? 10 : 0);
  });

  it('keeps odd titles intact but for control characters', async () => {
    const [film] = await collect(client().items(server.libraryIdOf('films')));
    expect(film!.title).toBe('Ça « marche » 🎬 مرحبا[31m');
    expect(film!.externalIds).toEqual(movie.guids);
  });

  it('an incremental pass sends MinDateLastSaved and gets only what changed', async () => {
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const changed = server.remoteIdOf(cartoons[4]!);
    server.updateItem(changed, { overview: 'Changed.' });
    const items = await collect(client().items(server.libraryIdOf('tv'), { updatedSinceMs: since }));
    expect(items.map((item) => item.remoteId)).toEqual([changed]);
    expect(items[0]!.description).toBe('Changed.');
    expect(server.requests.some((request) => request.includes(`MinDateLastSaved=${encodeURIComponent(new Date(since).toISOString())}`))).toBe(true);
  });

  it('collections() expands a box set of a series to its episodes and keeps playlists in order', async () => {
    const collections = await client().collections([server.libraryIdOf('tv'), server.libraryIdOf('films')]);
    expect(collections).toEqual([
      { name: 'Saturday Morning', kind: 'collection', itemRemoteIds: [...cartoons.map((item) => server.remoteIdOf(item)), server.remoteIdOf(movie)] },
      { name: 'Tonight', kind: 'playlist', itemRemoteIds: [server.remoteIdOf(cartoons[9]!), server.remoteIdOf(cartoons[0]!)] },
    ]);
    // Only the imported libraries' members count.
    const filmsOnly = await client().collections([server.libraryIdOf('films')]);
    expect(filmsOnly).toEqual([{ name: 'Saturday Morning', kind: 'collection', itemRemoteIds: [server.remoteIdOf(movie)] }]);
  });

  it('streamInput() authorises by header, with no key in the URL, and the fake streams the file with Range', async () => {
    const [film] = await collect(client().items(server.libraryIdOf('films')));
    const input = client().streamInput({ remoteId: film!.remoteId, part: film!.file!.part });
    expect(input.url).toBe(`${server.url}/Videos/${film!.remoteId}/stream?static=true&MediaSourceId=${film!.file!.part}`);
    expect(input.url).not.toContain(apiKey);
    expect(Object.values(input.headers).join(' ')).toContain(apiKey);
    const ranged = await fetch(input.url, { headers: { ...input.headers, Range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 0-99/50000');
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    expect((await fetch(input.url)).status).toBe(401);
  });

  it('fetchImage() gets the primary image with the key', async () => {
    const [film] = await collect(client().items(server.libraryIdOf('films')));
    const image = await client().fetchImage(film!.poster!, 10_000);
    expect(image.contentType).toBe('image/png');
  });

  it('a file upgrade gives the item a new Id with the same provider ids and path', async () => {
    const oldId = server.remoteIdOf(cartoons[1]!);
    const newId = server.upgradeFile(oldId);
    expect(newId).not.toBe(oldId);
    const items = await collect(client().items(server.libraryIdOf('tv')));
    expect(items.some((item) => item.remoteId === oldId)).toBe(false);
    const upgraded = items.find((item) => item.remoteId === newId)!;
    expect(upgraded.externalIds).toEqual(cartoons[1]!.guids);
    expect(upgraded.file!.path).toBe('/media/shows/80s Cartoons/Season 01/80s Cartoons - S01E02.mkv');
  });

  it('no request carried the key in its URL', () => {
    expect(server.requests.filter((request) => request.includes(apiKey))).toEqual([]);
  });

  describe('bad inputs', () => {
    it('a wrong key is unauthorized (the server answers its public info, so it is the key)', async () => {
      const error = await failure(client({}, { apiKey: 'not-the-key' }).check());
      expect(error.code).toBe('unauthorized');
      expect(error.message).toContain(`Fake ${flavour}`);
      expect(error.message).not.toContain('not-the-key');
    });

    it('a closed port is unreachable', async () => {
      const port = await closedPort();
      const error = await failure(createMediaServerClient({ type: flavour, url: `http://127.0.0.1:${port}`, apiKey }).check());
      expect(error.code).toBe('unreachable');
      expect(error.message).toContain(`127.0.0.1:${port}`);
    });

    it('an HTML page, 10 MB+ of JSON, endless and repeated pages, a stall and redirects each get their own error', async () => {
      const cases = [
        ['html', 'not_a_media_server', () => client().check()],
        ['huge', 'too_large', () => client().check()],
        ['endless-pages', 'too_many_pages', () => collect(client({ maxPages: 3 }).items(server.libraryIdOf('tv')))],
        ['repeat-pages', 'too_many_pages', () => collect(client().items(server.libraryIdOf('tv')))],
        ['slow', 'timeout', () => client({ timeoutMs: 200 }).check()],
        ['redirect-loop', 'bad_response', () => client().check()],
        ['redirect-other-origin', 'bad_response', () => client().check()],
      ] as const;
      for (const [mode, code, call] of cases) {
        await server.misbehave(mode, { delayMs: 2000 });
        try {
          const error = await failure(call());
          expect({ mode, code: error.code }).toEqual({ mode, code });
          expect(error.message).not.toContain(apiKey);
        } finally {
          await server.misbehave(null);
        }
      }
      await server.misbehave('redirect-once');
      try {
        expect((await client().check()).id).toBe(server.serverId);
      } finally {
        await server.misbehave(null);
      }
    });
  });
});

describe('Jellyfin specifics', () => {
  let server: FakeJellyfin;
  let file: string;

  beforeAll(async () => {
    file = path.join(tempDir('fake-jellyfin-user'), 'clip.mp4');
    writeFileSync(file, 'x');
    server = await startFakeJellyfin({ apiKey: 'user-token', keyKind: 'user', users: ['alice', 'bob'], libraries: [{ id: 'tv', name: 'Shows', type: 'shows' }], items: fakeShow('Solo', { library: 'tv', file }) });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("a user's own access token (which may not list users) finds its user by /Users/Me", async () => {
    const info = await createMediaServerClient({ type: 'jellyfin', url: server.url, apiKey: 'user-token' }).check();
    expect(info.userId).toBe(server.userIds.get('alice'));
    expect(server.requests).toContain('/Users/Me');
  });

  it('an address that is not Jellyfin at all (no public info) is said so, not blamed on the key', async () => {
    await server.misbehave('html');
    try {
      const error = await failure(createMediaServerClient({ type: 'jellyfin', url: server.url, apiKey: 'user-token' }).check());
      expect(error.code).toBe('not_a_media_server');
      expect(error.message).toBe(`${server.url} answered with an HTML page, not Jellyfin's API: is this the Jellyfin address?`);
    } finally {
      await server.misbehave(null);
    }
  });

  it('an item whose segments the server cannot find (404) has none, and the pass goes on', async () => {
    const items = await collect(createMediaServerClient({ type: 'jellyfin', url: server.url, apiKey: 'user-token' }).items(server.libraryIdOf('tv')));
    expect(items).toHaveLength(3);
    expect(items.every((item) => item.markers.length === 0)).toBe(true);
  });
});
