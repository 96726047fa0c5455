import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaServerClient } from '../../../../src/sources/clients/index.js';
import { SourceError, type RemoteItem } from '../../../../src/sources/media-server.js';
import { startFakePlex, type FakePlex } from '../../../helpers/media-servers/fake-plex.js';
import { fakeMovie, fakeShow, type FakeMediaItem } from '../../../helpers/media-servers/seed.js';
import { closedPort } from '../../../helpers/media-servers/fake-http.js';
import { tempDir } from '../../../helpers/server.js';

/**
 * The Plex client against a fake Plex that answers as PMS 1.41 documents (fake-plex.ts): the
 * connection check, paging, incremental passes, chapters and markers, collections and
 * playlists, streaming without the token in the URL, and every bad answer a real network gives.
 */
describe('Plex client against a fake Plex Media Server', () => {
  const token = 'plex-secret-token-123';
  let plex: FakePlex;
  let file: string;
  let cartoons: FakeMediaItem[];
  let movie: FakeMediaItem;

  const client = (overrides: Partial<Parameters<typeof createMediaServerClient>[1]> = {}, connection: Partial<Parameters<typeof createMediaServerClient>[0]> = {}) =>
    createMediaServerClient({ type: 'plex', url: plex.url, token, ...connection }, { pageSize: 4, ...overrides });
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

  beforeAll(async () => {
    const dir = tempDir('fake-plex');
    file = path.join(dir, 'clip.mp4');
    writeFileSync(file, Buffer.alloc(100_000, 7));
    cartoons = fakeShow('80s Cartoons', { library: '1', seasons: 2, episodes: 5, file, durationMs: 60_000, chapterEveryMs: 20_000, introMs: 5_000, creditsMs: 8_000 });
    movie = fakeMovie('The "Quoted" Film 🎬 שלום\u0007', { library: '2', file, durationMs: 90_000 });
    plex = await startFakePlex({
      token,
      libraries: [
        { id: '1', name: 'TV Shows', type: 'shows' },
        { id: '2', name: 'Films', type: 'movies' },
      ],
      items: [...cartoons, movie],
      collections: [
        { name: '80s Cartoons collection', kind: 'collection', library: '1', members: [{ show: '80s Cartoons' }] },
        { name: 'Friday Night', kind: 'playlist', members: [cartoons[0]!, movie] },
      ],
    });
  });

  afterAll(async () => {
    await plex?.stop();
  });

  it('check() names the server, its version and its libraries', async () => {
    const info = await client().check();
    expect(info).toEqual({
      name: 'Fake Plex',
      version: '1.41.3.9314-a0bfb8370',
      id: plex.machineIdentifier,
      libraries: [
        { id: '1', name: 'TV Shows', kind: 'shows' },
        { id: '2', name: 'Films', kind: 'movies' },
      ],
    });
  });

  it('items() pages through a library and maps episodes with show facts, ids, chapters and markers', async () => {
    const before = plex.requests.length;
    const progress: Array<[number, number | undefined]> = [];
    const items = await collect(client().items('1', { onProgress: (done, total) => progress.push([done, total]) }));
    expect(items).toHaveLength(10);
    const listPages = plex.requests.slice(before).filter((request) => request.startsWith('/library/sections/1/all?') && request.includes('type=4'));
    expect(listPages.length).toBe(3); // 10 items, 4 a page
    expect(progress.at(-1)).toEqual([10, 10]);
    const first = items.find((item) => item.remoteId === plex.remoteIdOf(cartoons[0]!))!;
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
      durationMs: 60_000,
      externalIds: cartoons[0]!.guids,
      file: { path: '/media/shows/80s Cartoons/Season 01/80s Cartoons - S01E01.mp4', sizeBytes: 1_234_567, container: 'mp4', part: plex.partKeyOf(plex.remoteIdOf(cartoons[0]!)) },
      video: { codec: 'h264', width: 160, height: 90, frameRate: 25, displayAspect: '16:9' },
      audio: [{ index: 1, codec: 'aac', language: 'eng', channels: 1 }],
      chapters: [
        { title: 'Chapter 1', startMs: 0 },
        { title: 'Chapter 2', startMs: 20_000 },
        { title: 'Chapter 3', startMs: 40_000 },
      ],
      markers: [
        { kind: 'intro', startMs: 0, endMs: 5_000 },
        { kind: 'credits', startMs: 52_000, endMs: 60_000 },
      ],
    });
    expect(first.poster).toMatch(/^\/library\/metadata\/\d+\/thumb\/\d+$/);
  });

  it('keeps odd titles intact but for control characters', async () => {
    const [film] = await collect(client().items('2'));
    expect(film!.title).toBe('The "Quoted" Film 🎬 שלום');
    expect(film!.kind).toBe('movie');
    expect(film!.externalIds).toEqual(movie.guids);
  });

  it('an incremental pass asks only for what changed since', async () => {
    const since = Date.now() + 2000;
    const changed = plex.remoteIdOf(cartoons[3]!);
    plex.updateItem(changed, { overview: 'Changed.' });
    // The fake stamps the change with now: make it later than `since` by stamping again after it.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    plex.updateItem(changed, { overview: 'Changed again.' });
    const items = await collect(client().items('1', { updatedSinceMs: since }));
    expect(items.map((item) => item.remoteId)).toEqual([changed]);
    expect(items[0]!.description).toBe('Changed again.');
    expect(plex.requests.some((request) => decodeURIComponent(request).includes(`updatedAt>>=${Math.floor(since / 1000) - 1}`))).toBe(true);
  });

  it('collections() expands a collection of shows to episodes and keeps playlists of imported libraries', async () => {
    const collections = await client().collections(['1']);
    expect(collections).toEqual([
      { name: '80s Cartoons collection', kind: 'collection', itemRemoteIds: cartoons.map((item) => plex.remoteIdOf(item)) },
      { name: 'Friday Night', kind: 'playlist', itemRemoteIds: [plex.remoteIdOf(cartoons[0]!)] },
    ]);
  });

  it('streamInput() puts the token in a header, never in the URL, and the fake streams the file with Range', async () => {
    const remoteId = plex.remoteIdOf(cartoons[0]!);
    const input = client().streamInput({ remoteId, part: plex.partKeyOf(remoteId) });
    expect(input.url).not.toContain(token);
    expect(input.url.startsWith(plex.url)).toBe(true);
    expect(input.headers['X-Plex-Token']).toBe(token);
    const ranged = await fetch(input.url, { headers: { ...input.headers, Range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
    expect((await fetch(input.url)).status).toBe(401);
  });

  it('fetchImage() gets a poster with the token, bounded', async () => {
    const [film] = await collect(client().items('2'));
    const image = await client().fetchImage(film!.poster!, 100_000);
    expect(image.contentType).toBe('image/png');
    expect(image.body.subarray(1, 4).toString()).toBe('PNG');
    expect((await failure(client().fetchImage(film!.poster!, 10))).code).toBe('too_large');
  });

  it('after a rebuild every item is listed under new ids with the same external ids and paths', async () => {
    const before = await collect(client().items('1'));
    plex.rebuild();
    const after = await collect(client().items('1'));
    expect(after).toHaveLength(before.length);
    const beforeIds = new Set(before.map((item) => item.remoteId));
    expect(after.every((item) => !beforeIds.has(item.remoteId))).toBe(true);
    expect(after.map((item) => [item.externalIds, item.file?.path])).toEqual(before.map((item) => [item.externalIds, item.file?.path]));
  });

  it('no request ever carried the token in its URL', () => {
    expect(plex.requests.length).toBeGreaterThan(10);
    expect(plex.requests.filter((request) => request.includes(token))).toEqual([]);
  });

  describe('bad inputs', () => {
    it('a closed port is unreachable, naming host and port', async () => {
      const port = await closedPort();
      const error = await failure(createMediaServerClient({ type: 'plex', url: `http://127.0.0.1:${port}`, token }).check());
      expect(error.code).toBe('unreachable');
      expect(error.message).toContain(`connection refused on 127.0.0.1:${port}`);
    });

    it('a wrong token is unauthorized, and the message holds no token', async () => {
      const error = await failure(client({}, { token: 'wrong-token' }).check());
      expect(error.code).toBe('unauthorized');
      expect(error.message).toContain(plex.url);
      expect(error.message).not.toContain('wrong-token');
    });

    it('a URL with a query, credentials or another scheme is refused before any request', () => {
      for (const url of [`${plex.url}?X-Plex-Token=${token}`, `http://user:pw@127.0.0.1:1`, 'ftp://127.0.0.1/', 'not a url']) {
        expect(() => createMediaServerClient({ type: 'plex', url, token })).toThrow(SourceError);
        try {
          createMediaServerClient({ type: 'plex', url, token });
        } catch (error) {
          expect((error as SourceError).code).toBe('invalid_url');
          expect((error as SourceError).message).not.toContain(token);
        }
      }
    });

    it('an HTML page is not a media server', async () => {
      await plex.misbehave('html');
      try {
        const error = await failure(client().check());
        expect(error.code).toBe('not_a_media_server');
        expect(error.message).toBe(`${plex.url} answered with an HTML page, not Plex's API: is this the Plex address?`);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('more than 10 MB of JSON is refused while reading, memory bounded', async () => {
      await plex.misbehave('huge');
      try {
        const heapBefore = process.memoryUsage().heapUsed;
        const error = await failure(client().check());
        expect(error.code).toBe('too_large');
        expect(error.message).toContain('10 MB');
        expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(60 * 1024 * 1024);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('endless pagination stops at maxPages with a message', async () => {
      await plex.misbehave('endless-pages');
      try {
        const error = await failure(collect(client({ maxPages: 5 }).items('1')));
        expect(error.code).toBe('too_many_pages');
        expect(error.message).toMatch(/past 5 pages/);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('a server that ignores paging is caught repeating itself', async () => {
      await plex.misbehave('repeat-pages');
      try {
        const error = await failure(collect(client().items('1')));
        expect(error.code).toBe('too_many_pages');
        expect(error.message).toMatch(/already sent/);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('a slow server times out', async () => {
      await plex.misbehave('slow', { delayMs: 3000 });
      try {
        const started = Date.now();
        const error = await failure(client({ timeoutMs: 300 }).check());
        expect(error.code).toBe('timeout');
        expect(error.message).toContain('within 300 ms');
        expect(Date.now() - started).toBeLessThan(2500);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('a body that starts and never ends times out too', async () => {
      await plex.misbehave('stall-body');
      try {
        const started = Date.now();
        const error = await failure(client({ timeoutMs: 400 }).check());
        expect(error.code).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(2500);
      } finally {
        await plex.misbehave(null);
      }
    });

    it('a server that went down is unreachable, and answers again when back', async () => {
      await plex.misbehave('down');
      try {
        expect((await failure(client().check())).code).toBe('unreachable');
      } finally {
        await plex.misbehave(null);
      }
      expect((await client().check()).name).toBe('Fake Plex');
    });

    it('redirects: one same-origin hop is followed, a loop and another origin are refused', async () => {
      await plex.misbehave('redirect-once');
      try {
        expect((await client().check()).name).toBe('Fake Plex');
      } finally {
        await plex.misbehave(null);
      }
      await plex.misbehave('redirect-loop');
      try {
        const error = await failure(client().check());
        expect(error.code).toBe('bad_response');
        expect(error.message).toMatch(/more than 3 times/);
      } finally {
        await plex.misbehave(null);
      }
      await plex.misbehave('redirect-other-origin');
      const requestsBefore = plex.requestHeaders.length;
      try {
        const error = await failure(client().check());
        expect(error.code).toBe('bad_response');
        expect(error.message).toMatch(/another address/);
        // The other origin (localhost, the same fake) was never asked: the token stayed home.
        expect(plex.requestHeaders.length - requestsBefore).toBe(1);
      } finally {
        await plex.misbehave(null);
      }
    });
  });
});
