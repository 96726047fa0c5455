import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { addUserChapter, chaptersOf, removeChapter } from '../../../src/library/chapters.js';
import { createSqliteCatalog } from '../../../src/library/sqlite-catalog.js';
import { contentPool } from '../../../src/schedule/pools.js';
import { blockContentSchema } from '../../../src/schedule/model.js';
import { SourceSecrets } from '../../../src/sources/source-secrets.js';
import { SourceStore, type MediaSource } from '../../../src/sources/source-store.js';
import { syncSource } from '../../../src/sources/sync.js';
import { createMediaServerResolver } from '../../../src/sources/media-server-resolver.js';
import { episode, FakeMediaServer } from './fake-client.js';

interface Row { id: number; path: string; status: string; status_reason: string | null; remote_id: string; title: string; show: string; season: number; episode: number; description: string | null; metadata_source: string | null; poster_remote: string | null; external_ids_json: string; remote_path: string }

function setup(items: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-sync-'));
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const store = new SourceStore(db, new SourceSecrets(dir));
  const server = new FakeMediaServer();
  server.items.set('1', Array.from({ length: items }, (_, n) => episode(n)));
  const source = store.add({ type: 'plex', url: 'http://plex:32400', info: server.info, libraries: ['1'], pathMappings: [], syncIntervalMinutes: 360 }, { token: 'secret-token-123' });
  const sync = (full = true, at: MediaSource = store.get(source.key)!) => syncSource({ db, source: at, client: server.client(), full });
  const rows = () => db.prepare('SELECT * FROM media_files ORDER BY id').all() as Row[];
  return { dir, db, store, server, source, sync, rows };
}

describe('media-server sync', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup(40);
  });

  it('imports episodes with their facts, streams, chapters (break after the intro), markers and metadata', async () => {
    const summary = await t.sync();
    expect(summary).toMatchObject({ added: 40, updated: 0, missing: 0 });
    const rows = t.rows();
    expect(rows).toHaveLength(40);
    const first = rows[0]!;
    expect(first).toMatchObject({ status: 'ok', title: 'Episode title 0', show: 'Show 0', season: 1, episode: 1, remote_id: '1000', metadata_source: 'plex', description: 'What happens in episode 0', poster_remote: '/library/metadata/1000/thumb/1' });
    expect(first.path).toMatch(new RegExp(`^media-server:${t.source.id}:[0-9a-f-]{36}$`));
    expect(JSON.parse(first.external_ids_json)).toEqual({ tvdb: '500000' });
    expect(chaptersOf(t.db, first.id).map((c) => [c.timestampMs, c.title, c.source])).toEqual([[0, 'Opening', 'file'], [40_000, 'After the intro', 'file'], [600_000, 'Act 2', 'file']]);
    expect(t.db.prepare('SELECT kind, start_ms, end_ms FROM media_markers WHERE media_file_id = ? ORDER BY start_ms').all(first.id)).toEqual([{ kind: 'intro', start_ms: 10_000, end_ms: 40_000 }, { kind: 'credits', start_ms: 1_280_000, end_ms: 1_320_000 }]);
    expect(t.db.prepare('SELECT stream_index, codec, language, sample_rate FROM media_audio_streams WHERE media_file_id = ?').all(first.id)).toEqual([{ stream_index: 1, codec: 'aac', language: 'eng', sample_rate: 48000 }]);
    expect(t.db.prepare('SELECT stream_index, codec, language FROM media_subtitle_streams WHERE media_file_id = ?').all(first.id)).toEqual([{ stream_index: 2, codec: 'subrip', language: 'eng' }]);
    const item = createSqliteCatalog(t.db).byId(first.id)!;
    expect(item).toMatchObject({ sourceKey: t.source.key, creditsStartMs: 1_280_000, hasPoster: true, genres: ['Animation'] });
  });

  it('a resync keeps each row (and its streamed path), the user\'s chapters and suppressions', async () => {
    await t.sync();
    const before = t.rows();
    const id = before[0]!.id;
    addUserChapter(t.db, id, { title: 'Mine', timestampMs: 300_000 });
    const act2 = chaptersOf(t.db, id).find((c) => c.title === 'Act 2')!;
    removeChapter(t.db, id, act2.id);
    const summary = await t.sync();
    expect(summary).toMatchObject({ added: 0, updated: 40, reResolved: 0, missing: 0 });
    expect(t.rows().map((r) => [r.id, r.path])).toEqual(before.map((r) => [r.id, r.path]));
    expect(chaptersOf(t.db, id).map((c) => [c.timestampMs, c.title, c.source])).toEqual([[0, 'Opening', 'file'], [40_000, 'After the intro', 'file'], [300_000, 'Mine', 'user']]);
  });

  it('incremental: asks only what changed since the cursor and updates it', async () => {
    const first = await t.sync(false);
    expect(first.full).toBe(true); // no cursor yet: everything
    t.store.syncFinished(t.source, { ok: true, cursorMs: first.cursorMs });
    expect(first.cursorMs).toBe(1_700_000_000_000 + 39);
    const items = t.server.items.get('1')!;
    items[3] = { ...items[3]!, title: 'Renamed', updatedAtMs: 1_800_000_000_000 };
    const second = await t.sync(false);
    expect(t.server.requests.at(-1)).toEqual({ libraryId: '1', updatedSinceMs: 1_700_000_000_039 });
    expect(second).toMatchObject({ full: false, added: 0, updated: 1, missing: 0, cursorMs: 1_800_000_000_000 });
    expect(t.rows()[3]!.title).toBe('Renamed');
  });

  it('a full pass marks what the server no longer lists missing, with the reason; it comes back when listed again', async () => {
    await t.sync();
    const items = t.server.items.get('1')!;
    const gone = items.splice(5, 1)[0]!;
    const summary = await t.sync();
    expect(summary.missing).toBe(1);
    const row = t.rows()[5]!;
    expect(row.status).toBe('missing');
    expect(row.status_reason).toContain(`${t.source.key} no longer lists this item`);
    expect(row.status_reason).toContain('it was id 1005');
    items.splice(5, 0, gone);
    await t.sync();
    expect(t.rows()[5]!.status).toBe('ok');
    expect(t.rows()).toHaveLength(40);
  });

  it('a sync that fails part way marks nothing missing and keeps the collections', async () => {
    t.server.collectionList = [{ name: '80s Cartoons', kind: 'collection', itemRemoteIds: ['1003', '1001', '1002'] }];
    await t.sync();
    t.server.failAfter = 10;
    t.server.items.get('1')!.splice(20, 10);
    t.server.collectionList = [];
    await expect(t.sync()).rejects.toThrow(/connection reset/);
    expect(t.rows().filter((r) => r.status !== 'ok')).toEqual([]);
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM media_collections').get()).toEqual({ n: 3 });
  });

  it('collections keep their order for a sequential block', async () => {
    t.server.collectionList = [{ name: '80s Cartoons', kind: 'collection', itemRemoteIds: ['1003', '1001', '1002', 'unknown'] }];
    await t.sync();
    const content = blockContentSchema.parse({ type: 'collection', source: t.source.key, name: '80s Cartoons' });
    const pool = contentPool(createSqliteCatalog(t.db).playable(), content);
    expect(pool.map((i) => i.title)).toEqual(['Episode title 3', 'Episode title 1', 'Episode title 2']);
    expect(blockContentSchema.safeParse({ type: 'collection', source: 'ftp-1', name: 'x' }).success).toBe(false);
  });

  it('a path mapping reads the file from disk, or says why it cannot', async () => {
    const media = path.join(t.dir, 'mnt');
    const show = path.join(media, 'tv', 'Show 0', 'Season 1');
    mkdirSync(show, { recursive: true });
    writeFileSync(path.join(show, 'Show 0 - s1e1.mkv'), 'x');
    t.store.update(t.source.key, { pathMappings: [{ from: '/data', to: media }] });
    await t.sync(true);
    const [first, second] = t.rows();
    expect(first).toMatchObject({ status: 'ok', path: path.join(show, 'Show 0 - s1e1.mkv') });
    expect(second!.status).toBe('missing');
    expect(second!.status_reason).toBe(`mapped to ${path.join(show, 'Show 0 - s1e2.mkv')}, which does not exist here (mapping /data → ${media})`);
  });

  it('odd input: control characters stripped, absurd numbers dropped, an item without duration unplayable', async () => {
    t.server.items.set('1', [episode(0, { title: 'Bad\u0000\u001b[31m title', season: -4, durationMs: Number.NaN, chapters: [{ title: 'x', startMs: Infinity }] })]);
    await t.sync();
    const [row] = t.rows();
    expect(row).toMatchObject({ title: 'Bad[31m title', season: null, status: 'unplayable' });
  });

  it('the resolver gives the direct-play URL and the headers for a streamed item, or why not', async () => {
    await t.sync();
    const secrets: string[] = [];
    const resolve = createMediaServerResolver({ db: t.db, store: t.store, clientFor: () => t.server.client(), onSecret: (s) => secrets.push(s) });
    const [row] = t.rows();
    expect(resolve(row!.path)).toEqual({ url: 'http://fake/library/parts//library/parts/2000/file.mkv?item=1000', headers: { 'X-Plex-Token': 'secret-token-123' }, label: `${t.source.key}: Episode title 0`, identity: { sizeBytes: 100_000, mtimeMs: 1_700_000_000_000 } });
    expect(secrets).toEqual(['secret-token-123']);
    t.store.remove(t.source.key);
    expect(resolve(row!.path)).toEqual({ unavailable: `"Episode title 0" is missing: its media server ${t.source.key} (Fake Plex) was removed from Retrovue` });
    expect(resolve('media-server:1:nope')).toMatchObject({ unavailable: expect.stringContaining('no library item has the path') });
    expect(resolve('media-server:x:../../etc/passwd')).toMatchObject({ unavailable: expect.stringContaining('not a media-server item') });
  });
});

describe('identity that survives a rebuilt server (every id changed)', () => {
  it('≥ 99.5 % of 1 000 scheduled episodes keep their row, matched to the right episode; the rest missing with the reason', async () => {
    const t = setup(1000);
    await t.sync();
    const scheduled = new Map(t.rows().map((r) => [r.id, `${r.show}|${r.season}|${r.episode}`]));
    expect(scheduled.size).toBe(1000);

    // The rebuild: new server id, every item renumbered (old numbers reused for other items, as
    // Plex's ratingKeys are), 30 % not yet matched by the agent (no external ids), a tenth of
    // those also moved on disk, and 5 episodes deleted there.
    t.server.info = { ...t.server.info, id: 'server-b' };
    const rebuilt = Array.from({ length: 1000 }, (_, n) => episode(n))
      .filter((_, n) => n % 200 !== 7)
      .map((item, i, all) => {
        const n = Number(item.remoteId) - 1000;
        const renumbered = { ...item, remoteId: String(1000 + ((i * 7 + 3) % all.length)), updatedAtMs: 1_600_000_000_000 };
        if (n % 10 < 3) {
          renumbered.externalIds = {};
          if (n % 10 === 0) renumbered.file = { ...item.file!, path: `/data/upgraded/${n}.mkv` };
        }
        return renumbered;
      });
    t.server.items.set('1', rebuilt);
    // Incremental was asked, but a server whose id changed is listed whole.
    const summary = await t.sync(false, { ...t.store.get(t.source.key)!, lastSyncCursorMs: 1_700_000_000_999 });
    expect(summary.full).toBe(true);

    const after = new Map(t.rows().map((r) => [r.id, r]));
    expect(after.size).toBe(1000); // no new rows: every item found its old one
    const reResolved = [...scheduled].filter(([id, episodeKey]) => {
      const row = after.get(id)!;
      const incoming = rebuilt.find((i) => i.remoteId === row.remote_id);
      return row.status === 'ok' && incoming !== undefined && `${incoming.show}|${incoming.season}|${incoming.episode}` === episodeKey;
    });
    expect(reResolved.length / scheduled.size).toBeGreaterThanOrEqual(0.995);
    expect(reResolved.length).toBe(995);
    const missing = [...after.values()].filter((r) => r.status === 'missing');
    expect(missing).toHaveLength(5);
    for (const row of missing) expect(row.status_reason).toMatch(/no longer lists this item .*no item there has its external ids, path or episode/);
    expect(summary).toMatchObject({ added: 0, missing: 5 });
    expect(summary.reResolved).toBeGreaterThan(900);
  });
});
