import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { SourceSecrets } from '../../../src/sources/source-secrets.js';
import { SourceStore } from '../../../src/sources/source-store.js';
import { SourceSyncs } from '../../../src/sources/sync-scheduler.js';
import { episode, FakeMediaServer } from './fake-client.js';

function setup() {
  const db = new Database(':memory:');
  migrate(db);
  const store = new SourceStore(db, new SourceSecrets(mkdtempSync(path.join(tmpdir(), 'retrovue-syncs-'))));
  const server = new FakeMediaServer();
  server.items.set('1', Array.from({ length: 30 }, (_, n) => episode(n)));
  const source = store.add({ type: 'plex', url: 'http://plex:32400', info: server.info, libraries: ['1'], pathMappings: [], syncIntervalMinutes: 60 }, { token: 'secret-token-123' });
  let now = Date.parse('2026-01-01T00:00:00Z');
  let clients = 0;
  let changed = 0;
  const syncs = new SourceSyncs({ db, store, clientFor: () => (clients++, server.client()), log: pino({ level: 'silent' }), libraryChanged: () => void changed++, now: () => now, tickMs: 3_600_000 });
  return { db, store, server, source, syncs, advance: (ms: number) => (now += ms), clients: () => clients, changed: () => changed };
}

describe('source syncs', () => {
  it('one sync per source at a time: a second start answers the running one', async () => {
    const t = setup();
    const first = t.syncs.start(t.source.key);
    const second = t.syncs.start(t.source.key);
    expect(first.state).toBe('running');
    expect(second.started_at).toBe(first.started_at);
    expect(t.clients()).toBe(1);
    await t.syncs.settled(t.source.key);
    expect(t.syncs.status(t.source.key)).toMatchObject({ state: 'ok', full: true, added: 30, libraries: [{ id: '1', name: 'TV Shows', done: 30, total: 30 }] });
    expect(t.store.get(t.source.key)).toMatchObject({ lastSyncStatus: 'ok', lastSyncError: null, lastSyncCursorMs: 1_700_000_000_029 });
    expect(t.changed()).toBe(1);
  });

  it('a failed sync is recorded, the cursor kept, nothing already imported changed; the next full pass comes after a day', async () => {
    const t = setup();
    t.syncs.start(t.source.key);
    await t.syncs.settled(t.source.key);
    t.server.failAfter = 5;
    t.server.items.get('1')!.splice(0, 10);
    t.advance(25 * 3_600_000);
    t.syncs.start(t.source.key);
    await t.syncs.settled(t.source.key);
    expect(t.syncs.status(t.source.key)).toMatchObject({ state: 'failed', full: true, error: 'connection reset by the fake server' });
    expect(t.store.get(t.source.key)).toMatchObject({ lastSyncStatus: 'failed', lastSyncError: 'connection reset by the fake server', lastSyncCursorMs: 1_700_000_000_029 });
    expect(t.db.prepare("SELECT COUNT(*) AS n FROM media_files WHERE status = 'ok'").get()).toEqual({ n: 30 });
  });

  it('due: never synced, or its interval passed since the last start (sooner after a failure)', async () => {
    const t = setup();
    expect(t.syncs.due()).toEqual([t.source.key]);
    t.syncs.start(t.source.key);
    expect(t.syncs.due()).toEqual([]); // running
    await t.syncs.settled(t.source.key);
    expect(t.syncs.due()).toEqual([]);
    t.advance(59 * 60_000);
    expect(t.syncs.due()).toEqual([]);
    t.advance(60_000);
    expect(t.syncs.due()).toEqual([t.source.key]);
  });

  it('cancel stops a running sync without marking anything missing', async () => {
    const t = setup();
    t.syncs.start(t.source.key);
    await t.syncs.settled(t.source.key);
    t.server.items.get('1')!.splice(0, 10);
    t.syncs.start(t.source.key, { full: true });
    await t.syncs.cancel(t.source.key);
    expect(t.db.prepare("SELECT COUNT(*) AS n FROM media_files WHERE status = 'ok'").get()).toEqual({ n: 30 });
    expect(t.syncs.isRunning(t.source.key)).toBe(false);
  });
});
