import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { closedPort } from '../../helpers/media-servers/fake-http.js';
import { startFakePlex, type FakePlex } from '../../helpers/media-servers/fake-plex.js';
import { startFakeJellyfin, type FakeJellyfin } from '../../helpers/media-servers/fake-jellyfin.js';
import { fakeMovie, fakeShow, type FakeMediaItem } from '../../helpers/media-servers/seed.js';
import { runCli, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * Media servers as library sources over the real server: adding one (and every way that fails,
 * storing nothing), the import (chapters, intro/credits markers, collections, metadata),
 * incremental sync, a rebuilt Plex whose every id changed (1 000 episodes), removal, and the
 * secret kept out of every answer and every log line. The fake servers answer as PMS 1.41 and
 * Jellyfin 10.10 document (test/helpers/media-servers/).
 */
describe('media servers as library sources', () => {
  const token = 'plex-token-s3cr3t-98765';
  const apiKey = 'jellyfin-key-0a1b2c3d4e5f';
  let work: string;
  let dataDir: string;
  let server: RunningServer;
  let plex: FakePlex;
  let jellyfin: FakeJellyfin;
  let cartoons: FakeMediaItem[];
  let db: Database.Database;

  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${server.baseUrl}${url}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined, text };
  };
  const synced = (key: string) =>
    waitFor(`${key} synced`, async () => {
      const { body } = await call('GET', `/api/library/sources/${key}/sync`);
      if (body.state === 'failed') throw new Error(`sync failed: ${body.error}`);
      return body.state === 'ok' ? body : undefined;
    }, 90_000, 250);
  /** The collection members a channel airs in the next hours, each once per run of airings. */
  const airedOrder = async (channel: number, members: number[]) => {
    const { body } = await call('GET', `/api/channels/${channel}/timeline`);
    const aired = (body.airings as Array<{ mediaId?: number }>).map((a) => a.mediaId).filter((id): id is number => id !== undefined && members.includes(id));
    return aired.filter((id, i) => i === 0 || aired[i - 1] !== id);
  };
  const rowOf = (sourceKey: string, remoteId: string) =>
    db.prepare('SELECT f.* FROM media_files f JOIN media_sources s ON s.id = f.source_id WHERE s.key = ? AND f.remote_id = ?').get(sourceKey, remoteId) as any;

  beforeAll(async () => {
    work = tempDir('media-sources');
    dataDir = path.join(work, 'data');
    const [clip] = await makeClips(path.join(work, 'local'), [{ name: 'Local Show - S01E01.mp4', seconds: 2 }]);
    cartoons = fakeShow('80s Cartoons', { library: '1', seasons: 2, episodes: 5, file: clip!, durationMs: 60_000, chapterEveryMs: 20_000, introMs: 5_000, creditsMs: 8_000 });
    // 990 more episodes: a library the size the rebuild proof asks for.
    const bulk = Array.from({ length: 9 }, (_, n) => fakeShow(`Bulk Show ${n + 1}`, { library: '1', seasons: 5, episodes: 22, file: clip! })).flat();
    // Changed in the past, each at its own second: an incremental sync then lists only what changes after.
    const all = [...cartoons, ...bulk];
    all.forEach((item, n) => (item.updatedAtMs = Date.now() - 86_400_000 + n * 1000));
    plex = await startFakePlex({
      token,
      friendlyName: 'Den Plex',
      libraries: [{ id: '1', name: 'TV Shows', type: 'shows' }, { id: '2', name: 'Films', type: 'movies' }],
      items: [...cartoons, ...bulk, fakeMovie('The "Quoted" Film 🎬', { library: '2', file: clip! })],
      collections: [{ name: 'Saturday Morning', kind: 'collection', library: '1', members: [cartoons[3]!, cartoons[0]!, cartoons[7]!] }],
    });
    jellyfin = await startFakeJellyfin({ apiKey, libraries: [{ id: 'shows', name: 'Shows', type: 'shows' }], items: fakeShow('Space Patrol', { library: 'shows', seasons: 1, episodes: 4, file: clip!, durationMs: 30_000, introMs: 3_000 }), users: ['alice'] });
    server = await startServer(testConfig({ media: [path.join(work, 'local')], dataDir, streaming: { mode: 'schedule' } }));
    db = new Database(path.join(dataDir, 'retrovue.db'), { readonly: true, fileMustExist: true });
  });

  afterAll(async () => {
    db?.close();
    await server?.stop();
    await plex?.stop();
    await jellyfin?.stop();
  });

  it('refuses a source it cannot use with the server\'s own problem, and stores nothing', async () => {
    const wrongToken = await call('POST', '/api/library/sources', { type: 'plex', url: plex.url, token: 'not-the-token' });
    expect(wrongToken.status).toBe(422);
    expect(wrongToken.body).toMatchObject({ error: 'source_unauthorized', field: 'token' });
    const dead = await call('POST', '/api/library/sources', { type: 'plex', url: `http://127.0.0.1:${await closedPort()}`, token });
    expect(dead.status).toBe(502);
    expect(dead.body.error).toBe('source_unreachable');
    const html = await startFakePlex({ token, libraries: [] });
    await html.misbehave('html');
    const page = await call('POST', '/api/library/sources', { type: 'plex', url: html.url, token });
    await html.stop();
    expect(page.status).toBe(502);
    expect(page.body.message).toMatch(/HTML|not a .*server|Plex/i);
    const credentialsInUrl = await call('POST', '/api/library/sources', { type: 'plex', url: `http://me:pw@127.0.0.1:1`, token });
    expect(credentialsInUrl).toMatchObject({ status: 400, body: { field: 'url' } });
    const badMapping = await call('POST', '/api/library/sources', { type: 'plex', url: plex.url, token, path_mappings: [{ from: '/media', to: path.join(work, 'nowhere') }] });
    expect(badMapping).toMatchObject({ status: 400, body: { field: 'path_mappings.0.to', message: `path_mappings.0.to: ${path.join(work, 'nowhere')} does not exist on this machine` } });
    const wrongUser = await call('POST', '/api/library/sources', { type: 'jellyfin', url: jellyfin.url, api_key: apiKey, user: 'mallory' });
    expect(wrongUser.status).toBe(422);
    expect((await call('GET', '/api/library/sources')).body).toEqual({ sources: [] });
    expect(existsSync(path.join(dataDir, 'secrets', 'media-sources.json'))).toBe(false);
  });

  it('adds Plex, imports 1 000 episodes with chapters, intro/credits markers, collections and metadata', async () => {
    const check = await call('POST', '/api/library/sources/check', { type: 'plex', url: plex.url, token });
    expect(check.status).toBe(200);
    expect(check.body.server).toMatchObject({ name: 'Den Plex' });
    expect(check.body.libraries.map((l: any) => [l.id, l.name, l.kind])).toEqual([['1', 'TV Shows', 'shows'], ['2', 'Films', 'movies']]);

    const added = await call('POST', '/api/library/sources', { type: 'plex', url: `${plex.url}/`, token, libraries: ['1', '2'] });
    expect(added.status).toBe(201);
    expect(added.body.source).toMatchObject({ key: 'plex-1', token: 'set', api_key: null, libraries: ['1', '2'], sync_interval_minutes: 360, server: { name: 'Den Plex' } });
    const twice = await call('POST', '/api/library/sources', { type: 'plex', url: plex.url, token });
    expect(twice).toMatchObject({ status: 409, body: { message: 'Den Plex is already a source, plex-1: change it with PATCH /api/library/sources/plex-1' } });
    const done = await synced('plex-1');
    expect(done).toMatchObject({ full: true, added: 1001, missing: 0 });
    expect(done.libraries.map((l: any) => [l.name, l.done])).toEqual([['TV Shows', 1000], ['Films', 1]]);

    const episode = rowOf('plex-1', plex.remoteIdOf(cartoons[1]!));
    expect(episode).toMatchObject({ status: 'ok', kind: 'episode', show: '80s Cartoons', season: 1, episode: 2, title: '80s Cartoons S01E02', metadata_source: 'plex', content_rating: 'TV-Y7', duration_ms: 60_000 });
    expect(episode.path).toMatch(/^media-server:1:[0-9a-f-]{36}$/);
    expect(JSON.parse(episode.external_ids_json)).toEqual(cartoons[1]!.guids);
    const chapters = (await call('GET', `/api/media/${episode.id}/chapters`)).body.chapters.map((c: any) => c.timestampMs);
    expect(chapters).toEqual([0, 5_000, 20_000, 40_000]); // the chapters and a break where the intro ends
    expect(db.prepare('SELECT kind, start_ms, end_ms FROM media_markers WHERE media_file_id = ? ORDER BY start_ms').all(episode.id)).toEqual([{ kind: 'intro', start_ms: 0, end_ms: 5_000 }, { kind: 'credits', start_ms: 52_000, end_ms: 60_000 }]);
    const members = db.prepare("SELECT f.title FROM media_collections c JOIN media_files f ON f.id = c.media_file_id WHERE c.name = 'Saturday Morning' ORDER BY c.position").all();
    expect(members).toEqual([{ title: '80s Cartoons S01E04' }, { title: '80s Cartoons S01E01' }, { title: '80s Cartoons S02E03' }]);
    // Streamed from the server (no mapping): a picture of the episode comes through the resolver, the token in a header only.
    const before = plex.requests.length;
    const picture = await fetch(`${server.baseUrl}/api/media/${episode.id}/thumbnail?at=1000`);
    expect(picture.status).toBe(200);
    expect([...Buffer.from(await picture.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const fetched = plex.requests.slice(before).filter((r) => r.startsWith('/library/parts/'));
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.join(' ')).not.toContain(token);
    // The poster comes from the server with the token (in a header), through serve's fetcher.
    const poster = await fetch(`${server.baseUrl}/media/${episode.id}/poster`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/png');
    expect(plex.requests.filter((r) => r.startsWith(episode.poster_remote.split('?')[0])).length).toBeGreaterThan(0);
    const movie = db.prepare("SELECT title, kind FROM media_files WHERE kind = 'movie'").get();
    expect(movie).toEqual({ title: 'The "Quoted" Film 🎬', kind: 'movie' });
  });

  it('a collection is schedule content: its episodes air in its own order', async () => {
    expect((await call('GET', '/api/library/sources/plex-1')).body.collections).toEqual([{ name: 'Saturday Morning', items: 3 }]);
    const created = await call('POST', '/api/channels', { number: 7, name: 'Saturday', schedule: { blocks: [{ name: 'Cartoons', start: '00:00', minutes: 1440, content: { type: 'collection', source: 'plex-1', name: 'Saturday Morning' } }] } });
    expect(created.status).toBe(201);
    const ids = [3, 0, 7].map((i) => rowOf('plex-1', plex.remoteIdOf(cartoons[i]!)).id as number);
    const order = await airedOrder(7, ids);
    expect(order.length).toBeGreaterThanOrEqual(6);
    const first = ids.indexOf(order[0]!);
    expect(order.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5].map((k) => ids[(first + k) % 3]));
  });

  it('keeps the secret in a 0600 file, out of every GET and every log line', async () => {
    const file = path.join(dataDir, 'secrets', 'media-sources.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(token);
    for (const url of ['/api/library/sources', '/api/library/sources/plex-1', '/api/library/sources/plex-1/sync', '/api/openapi.json', '/api/media?limit=500']) {
      const answer = await call('GET', url);
      expect(answer.status, url).toBe(200);
      expect(answer.text, url).not.toContain(token);
    }
    expect(server.logs.join('\n')).not.toContain(token);
    expect(JSON.stringify(db.prepare('SELECT * FROM media_sources').all())).not.toContain(token);
    // Writes from the network (a proxy on this machine forwarding a LAN client) need the admin token, as every write does.
    const fromLan = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' };
    for (const [method, p, body] of [['POST', '/api/library/sources', { type: 'plex', url: plex.url, token }], ['PATCH', '/api/library/sources/plex-1', { token: 'stolen-token-1' }], ['DELETE', '/api/library/sources/plex-1', undefined], ['POST', '/api/library/sources/plex-1/sync', undefined]] as const) {
      const answer = await fetch(`${server.baseUrl}${p}`, { method, headers: fromLan, ...(body ? { body: JSON.stringify(body) } : {}) });
      expect(answer.status, `${method} ${p}`).toBe(401);
    }
    expect((await call('GET', '/api/library/sources/plex-1')).body.sync.state).not.toBe('running');
    expect(readFileSync(file, 'utf8')).toContain(token);
  });

  it('an incremental sync asks only what changed since the last one', async () => {
    const remoteId = plex.remoteIdOf(cartoons[2]!);
    plex.updateItem(remoteId, { title: 'A renamed episode ✓' });
    const before = plex.requests.length;
    expect((await call('POST', '/api/library/sources/plex-1/sync')).status).toBe(202);
    const done = await synced('plex-1');
    expect(done).toMatchObject({ full: false, added: 0, missing: 0 });
    expect(done.updated).toBeLessThan(10);
    expect(plex.requests.slice(before).some((r) => /updatedAt(%3E|>)/.test(r))).toBe(true);
    expect(rowOf('plex-1', remoteId).title).toBe('A renamed episode ✓');
  });

  it('a rebuilt server (every id changed): ≥ 99.5 % of the scheduled episodes keep their row; what is gone is missing with the reason', async () => {
    const episodes = plex.items().filter((item) => item.kind === 'episode');
    expect(episodes).toHaveLength(1000);
    // Every episode is "scheduled": its media_files.id is what a schedule and a timeline hold.
    const scheduled = new Map(episodes.map((item) => [item, rowOf('plex-1', plex.remoteIdOf(item)).id as number]));
    plex.rebuild();
    const deleted = [episodes[100]!, episodes[500]!, episodes[900]!];
    for (const item of deleted) plex.removeItem(plex.remoteIdOf(item));
    expect((await call('POST', '/api/library/sources/plex-1/sync?full=true')).status).toBe(202);
    const done = await synced('plex-1');
    expect(done).toMatchObject({ full: true, added: 0, missing: 3 });

    let kept = 0;
    for (const [item, id] of scheduled) {
      if (deleted.includes(item)) continue;
      const row = rowOf('plex-1', plex.remoteIdOf(item));
      if (row?.id === id && row.status === 'ok') kept += 1;
    }
    expect(kept / scheduled.size).toBeGreaterThanOrEqual(0.995);
    expect(kept).toBe(997);
    for (const item of deleted) {
      const row = db.prepare('SELECT status, status_reason FROM media_files WHERE id = ?').get(scheduled.get(item)) as any;
      expect(row.status).toBe('missing');
      expect(row.status_reason).toMatch(/^plex-1 no longer lists this item .*no item there has its external ids, path or episode/);
    }
    // The collection followed its members to their new ids.
    expect(db.prepare("SELECT COUNT(*) AS n FROM media_collections WHERE name = 'Saturday Morning'").get()).toEqual({ n: 3 });
    // The published timeline still names the same rows, and they still stream (at their new ids and parts).
    const ids = [3, 0, 7].map((i) => scheduled.get(cartoons[i]!)!);
    expect((await airedOrder(7, ids)).length).toBeGreaterThanOrEqual(6);
    const before = plex.requests.length;
    const picture = await fetch(`${server.baseUrl}/api/media/${ids[0]}/thumbnail?at=500`);
    expect(picture.status, picture.status === 200 ? '' : await picture.text()).toBe(200);
    expect(plex.requests.slice(before).some((r) => r.startsWith(plex.partKeyOf(plex.remoteIdOf(cartoons[3]!)).split('?')[0]!))).toBe(true);
  });

  it('Jellyfin: a user\'s view, an upgraded file keeps its row; PATCH checks before it saves', async () => {
    const added = await call('POST', '/api/library/sources', { type: 'jellyfin', url: jellyfin.url, api_key: apiKey, user: 'alice' });
    expect(added.status).toBe(201);
    expect(added.body.source).toMatchObject({ key: 'jellyfin-2', api_key: 'set', token: null, user: 'alice' });
    await synced('jellyfin-2');
    const first = jellyfin.items()[0]!;
    const oldId = jellyfin.remoteIdOf(first);
    const row = rowOf('jellyfin-2', oldId);
    expect(row).toMatchObject({ status: 'ok', show: 'Space Patrol', metadata_source: 'jellyfin' });
    const newId = jellyfin.upgradeFile(oldId);
    expect(newId).not.toBe(oldId);
    await call('POST', '/api/library/sources/jellyfin-2/sync?full=true');
    const after = await synced('jellyfin-2');
    expect(after).toMatchObject({ added: 0, missing: 0 });
    expect(rowOf('jellyfin-2', newId).id).toBe(row.id);

    const badKey = await call('PATCH', '/api/library/sources/jellyfin-2', { api_key: 'wrong-key-123' });
    expect(badKey).toMatchObject({ status: 422, body: { error: 'source_unauthorized' } });
    expect(readFileSync(path.join(dataDir, 'secrets', 'media-sources.json'), 'utf8')).toContain(apiKey);
    const mapped = path.join(work, 'mnt');
    mkdirSync(mapped);
    const patched = await call('PATCH', '/api/library/sources/jellyfin-2', { path_mappings: [{ from: '/media', to: mapped }], sync_interval_minutes: 60 });
    expect(patched.status).toBe(200);
    await synced('jellyfin-2');
    const unmapped = rowOf('jellyfin-2', newId);
    expect(unmapped.status).toBe('missing');
    expect(unmapped.status_reason).toMatch(new RegExp(`^mapped to ${mapped}/shows/Space Patrol/Season 01/.*, which does not exist here \\(mapping /media → ${mapped}\\)$`));
    const file = path.join(mapped, unmapped.remote_path.slice('/media/'.length));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'x');
    await call('POST', '/api/library/sources/jellyfin-2/sync?full=true');
    await synced('jellyfin-2');
    expect(rowOf('jellyfin-2', newId)).toMatchObject({ status: 'ok', path: file });
    // The mapped folder is also a library folder: the scan leaves the source's file to the source.
    expect((await call('POST', '/api/library/folders', { path: mapped })).status).toBe(201);
    await waitFor('the rescan', async () => ((await call('GET', '/api/library/scan')).body.state === 'done' ? true : undefined), 30_000);
    expect(rowOf('jellyfin-2', newId)).toMatchObject({ status: 'ok', path: file, metadata_source: 'jellyfin' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM media_files WHERE path = ?').get(file)).toEqual({ n: 1 });
  });

  it('a server that answers garbage mid-sync: the sync fails with the reason and nothing imported changes', async () => {
    const okBefore = db.prepare("SELECT COUNT(*) AS n FROM media_files f JOIN media_sources s ON s.id = f.source_id WHERE s.key = 'plex-1' AND f.status = 'ok'").get();
    for (const mode of ['huge', 'endless-pages', 'html'] as const) {
      await plex.misbehave(mode);
      expect((await call('POST', '/api/library/sources/plex-1/sync?full=true')).status).toBe(202);
      const failed = await waitFor(`the ${mode} sync to fail`, async () => {
        const { body } = await call('GET', '/api/library/sources/plex-1/sync');
        return body.state === 'failed' ? body : body.state === 'ok' ? { error: 'it succeeded' } : undefined;
      }, 60_000, 250);
      expect(failed.error, mode).toMatch(/MB|pages|HTML|not a Plex|too large|too many/i);
      expect((await call('GET', '/api/library/sources/plex-1')).body.last_sync).toMatchObject({ status: 'failed', error: failed.error });
      expect(db.prepare("SELECT COUNT(*) AS n FROM media_files f JOIN media_sources s ON s.id = f.source_id WHERE s.key = 'plex-1' AND f.status = 'ok'").get(), mode).toEqual(okBefore);
    }
    await plex.misbehave(null);
  });

  it('`retrovue sources` lists, syncs and adds over the API; the secret comes from the environment, never a flag', async () => {
    const sync = await runCli(['sources', 'sync', 'plex-1', '--wait', '--server', server.baseUrl]);
    expect(sync.stdout).toMatch(/^plex-1: sync done: 0 added, \d+ updated, 0 found again after id changes, 0 missing$/m);
    expect(sync.code).toBe(0);
    const list = await runCli(['sources', '--server', server.baseUrl]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^plex-1 +Den Plex +http:\/\/127\.0\.0\.1:\d+ +\d+ items \(3 missing\); synced /m);
    expect(list.stdout).toMatch(/^jellyfin-2 /m);
    const refused = await runCli(['sources', 'add', 'plex', plex.url, '--server', server.baseUrl], 30_000, { env: { RETROVUE_SOURCE_SECRET: 'not-the-token' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^retrovue sources: the server refused \(422\): .*token/);
    const noSecret = await runCli(['sources', 'add', 'plex', plex.url, '--server', server.baseUrl]);
    expect(noSecret.stderr).toMatch(/RETROVUE_SOURCE_SECRET or on stdin/);
  });

  it('removing a source marks its items missing, never deletes them, and forgets its secret', async () => {
    const count = (db.prepare("SELECT COUNT(*) AS n FROM media_files f JOIN media_sources s ON s.id = f.source_id WHERE s.key = 'jellyfin-2'").get() as any).n;
    const removed = await call('DELETE', '/api/library/sources/jellyfin-2');
    expect(removed.status).toBe(200);
    expect(removed.body.removed).toBe('jellyfin-2');
    const rows = db.prepare("SELECT status, status_reason FROM media_files f JOIN media_sources s ON s.id = f.source_id WHERE s.key = 'jellyfin-2'").all() as any[];
    expect(rows).toHaveLength(count);
    expect(rows.every((r) => r.status === 'missing' && /its media server jellyfin-2 .* was removed/.test(r.status_reason))).toBe(true);
    expect(readFileSync(path.join(dataDir, 'secrets', 'media-sources.json'), 'utf8')).not.toContain(apiKey);
    expect((await call('GET', '/api/library/sources/jellyfin-2')).status).toBe(404);
    expect(server.logs.join('\n')).not.toContain(apiKey);
  });
});
