import BetterSqlite3, { type Database } from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../src/db/database.js';
import type { RemotePosterFetcher } from '../../../../src/library/metadata/posters.js';
import { registerPosterRoutes } from '../../../../src/server/routes/poster-routes.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 7)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 9)]);

/** The poster route on a real Fastify app and SQLite library; the media server is a counting function. */
describe('GET /media/{id}/poster', () => {
  let dir: string;
  let db: Database;
  let app: FastifyInstance;
  let fetches: Array<[number, string]>;
  let answer: () => Promise<{ contentType: string; body: Buffer }>;
  const fetcher: RemotePosterFetcher = async (id, serverPath) => {
    fetches.push([id, serverPath]);
    return answer();
  };
  const addRow = (fields: { poster_path?: string; poster_remote?: string }) =>
    (db.prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, kind, poster_path, poster_remote) VALUES (?, 1, 1, 'ok', 't', 'movie', ?, ?) RETURNING id")
      .get(path.join(dir, `${Math.random()}.mkv`), fields.poster_path ?? null, fields.poster_remote ?? null) as { id: number }).id;
  const start = async (withFetcher: boolean) => {
    app = Fastify();
    registerPosterRoutes(app, { db, dataDir: path.join(dir, 'data'), ...(withFetcher ? { fetchRemote: fetcher } : {}) });
    await app.ready();
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rv-poster-'));
    mkdirSync(path.join(dir, 'data'));
    db = new BetterSqlite3(':memory:');
    migrate(db);
    fetches = [];
    answer = async () => ({ contentType: 'image/jpeg', body: PNG });
  });
  afterEach(async () => {
    await app?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the local poster the library found, with its type by its bytes, an ETag and cache headers; 304 for the same ETag', async () => {
    const file = path.join(dir, 'poster.jpg');
    writeFileSync(file, JPEG);
    const id = addRow({ poster_path: file });
    await start(false);
    const first = await app.inject({ url: `/media/${id}/poster` });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('image/jpeg');
    expect(first.headers['cache-control']).toBe('public, max-age=3600');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.rawPayload.equals(JPEG)).toBe(true);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const again = await app.inject({ url: `/media/${id}/poster`, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    // Replaced on disk (a new mtime): a new ETag, the new bytes.
    writeFileSync(file, PNG);
    const replaced = await app.inject({ url: `/media/${id}/poster`, headers: { 'if-none-match': etag } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.headers['content-type']).toBe('image/png');
  });

  it('refuses a bad id, answers 404 with a reason for no row, no poster, or a poster file that is no longer an image', async () => {
    const noPoster = addRow({});
    const file = path.join(dir, 'was-a-poster.jpg');
    writeFileSync(file, '<html><script>alert(1)</script></html>');
    const notImage = addRow({ poster_path: file });
    await start(false);
    for (const bad of ['0', 'abc', '1.5', '-3', '0x10']) {
      const answer = await app.inject({ url: `/media/${bad}/poster` });
      expect(answer.statusCode, bad).toBe(400);
      expect(answer.json().error).toBe('bad_request');
    }
    expect(await app.inject({ url: '/media/999/poster' }).then((r) => [r.statusCode, r.json().message])).toEqual([404, 'no media file with id 999']);
    expect(await app.inject({ url: `/media/${noPoster}/poster` }).then((r) => [r.statusCode, r.json().message])).toEqual([404, expect.stringMatching(/has no poster/)]);
    const refused = await app.inject({ url: `/media/${notImage}/poster` });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().message).toMatch(/not a JPEG, PNG or WebP image/);
  });

  it('a media server\'s poster is fetched once, kept in <data>/posters/<id>, typed by its bytes; fetched again when its server path changes', async () => {
    const id = addRow({ poster_remote: '/library/metadata/55/thumb/1700000000' });
    await start(true);
    const [a, b] = await Promise.all([app.inject({ url: `/media/${id}/poster` }), app.inject({ url: `/media/${id}/poster` })]);
    for (const answer of [a, b]) {
      expect(answer.statusCode).toBe(200);
      // The server said JPEG; the bytes are a PNG.
      expect(answer.headers['content-type']).toBe('image/png');
      expect(answer.rawPayload.equals(PNG)).toBe(true);
    }
    expect(fetches).toEqual([[id, '/library/metadata/55/thumb/1700000000']]);
    expect(readFileSync(path.join(dir, 'data', 'posters', String(id))).equals(PNG)).toBe(true);
    await app.inject({ url: `/media/${id}/poster` });
    expect(fetches).toHaveLength(1);
    db.prepare('UPDATE media_files SET poster_remote = ? WHERE id = ?').run('/library/metadata/55/thumb/1800000000', id);
    answer = async () => ({ contentType: 'image/jpeg', body: JPEG });
    const changed = await app.inject({ url: `/media/${id}/poster` });
    expect(changed.headers['content-type']).toBe('image/jpeg');
    expect(fetches).toHaveLength(2);
  });

  it('a media server that fails or answers something that is not an image: 502 with a plain reason, nothing kept; no fetcher: 404', async () => {
    const id = addRow({ poster_remote: '/Items/abc/Images/Primary' });
    await start(true);
    answer = async () => { throw new Error('connect ECONNREFUSED http://jf:8096/Items?api_key=SECRET'); };
    const failed = await app.inject({ url: `/media/${id}/poster` });
    expect(failed.statusCode).toBe(502);
    expect(failed.body).not.toMatch(/SECRET|jf:8096/);
    answer = async () => ({ contentType: 'image/jpeg', body: Buffer.from('<html>login page</html>') });
    expect((await app.inject({ url: `/media/${id}/poster` })).statusCode).toBe(502);
    expect(existsSync(path.join(dir, 'data', 'posters', String(id)))).toBe(false);
    await app.close();
    await start(false);
    const none = await app.inject({ url: `/media/${id}/poster` });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toMatch(/media server/);
  });
});
