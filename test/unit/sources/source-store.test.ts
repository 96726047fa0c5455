import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { SecretsFileError, SourceSecrets } from '../../../src/sources/source-secrets.js';
import { SourceStore } from '../../../src/sources/source-store.js';
import { mappedFileProblem, mappingTargetProblem, mapRemotePath } from '../../../src/sources/path-mapping.js';
import { addSourceBody, updateSourceBody } from '../../../src/sources/source-api.js';

const info = { name: 'Den', version: '10.9.11', id: 'abc', userId: 'u1', libraries: [] };

function fresh() {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-sources-'));
  const db = new Database(':memory:');
  migrate(db);
  return { dir, db };
}

describe('source secrets file', () => {
  it('is written 0600 in a 0700 folder, atomically, and read back', () => {
    const { dir } = fresh();
    const secrets = new SourceSecrets(dir);
    secrets.set('plex-1', { token: 'tok-abcdef' });
    secrets.set('jellyfin-2', { apiKey: 'key-123456' });
    expect(statSync(secrets.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(secrets.file)).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.dirname(secrets.file))).toEqual(['media-sources.json']); // no temp file left
    expect(new SourceSecrets(dir).get('jellyfin-2')).toEqual({ apiKey: 'key-123456' });
    expect(new SourceSecrets(dir).presence('plex-1')).toEqual({ token: true, apiKey: false });
    secrets.remove('plex-1');
    expect(JSON.parse(readFileSync(secrets.file, 'utf8')).sources).toEqual({ 'jellyfin-2': { apiKey: 'key-123456' } });
  });

  it('a file readable by others is closed again (and said), its secrets announced to the redactor', () => {
    const { dir } = fresh();
    new SourceSecrets(dir).set('plex-1', { token: 'tok-abcdef' });
    const file = path.join(dir, 'secrets', 'media-sources.json');
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const announced: string[] = [];
    const secrets = new SourceSecrets(dir, { warn: (m) => warnings.push(m), onSecret: (s) => announced.push(s) });
    secrets.preload();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/was readable by other users \(mode 644\): set back to 0600/);
    expect(announced).toEqual(['tok-abcdef']);
  });

  it('a damaged file is refused with what to do, never overwritten', () => {
    const { dir } = fresh();
    mkdirSync(path.join(dir, 'secrets'), { mode: 0o700 });
    const file = path.join(dir, 'secrets', 'media-sources.json');
    writeFileSync(file, '{not json', { mode: 0o600 });
    expect(() => new SourceSecrets(dir).preload()).toThrow(SecretsFileError);
    expect(() => new SourceSecrets(dir).set('plex-1', { token: 'x' })).toThrow(/damaged \(not JSON\)/);
    expect(readFileSync(file, 'utf8')).toBe('{not json');
  });
});

describe('source store', () => {
  it('keys are type and a running number, never reused; removal marks items missing and forgets the secret', () => {
    const { dir, db } = fresh();
    const store = new SourceStore(db, new SourceSecrets(dir));
    const plex = store.add({ type: 'plex', url: 'http://plex:32400', info, libraries: ['1'], pathMappings: [], syncIntervalMinutes: 360 }, { token: 'tok-abcdef' });
    const jelly = store.add({ type: 'jellyfin', url: 'http://jf:8096', user: 'ann', info, libraries: [], pathMappings: [], syncIntervalMinutes: 60 }, { apiKey: 'key-123456' });
    expect([plex.key, jelly.key]).toEqual(['plex-1', 'jellyfin-2']);
    expect(store.connectionOf(jelly)).toEqual({ type: 'jellyfin', url: 'http://jf:8096', apiKey: 'key-123456', user: 'ann' });
    db.prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, kind, source_id, remote_id) VALUES ('media-server:1:x', 0, 0, 'ok', 't', 'episode', 1, '9')").run();
    expect(store.remove('plex-1')).toEqual({ itemsMissing: 1 });
    expect(db.prepare('SELECT status, status_reason FROM media_files').get()).toEqual({ status: 'missing', status_reason: 'its media server plex-1 (Den) was removed from Retrovue' });
    expect(store.secrets.get('plex-1')).toBeUndefined();
    expect(store.list().map((s) => s.key)).toEqual(['jellyfin-2']);
    const again = store.add({ type: 'plex', url: 'http://plex:32400', info, libraries: [], pathMappings: [], syncIntervalMinutes: 360 }, { token: 'tok-abcdef' });
    expect(again.key).toBe('plex-3');
    // Nothing secret is in the database.
    expect(JSON.stringify(db.prepare('SELECT * FROM media_sources').all())).not.toMatch(/tok-abcdef|key-123456/);
  });
});

describe('the API body', () => {
  it('accepts Plex and Jellyfin sources and refuses URLs with credentials, queries or other schemes', () => {
    expect(addSourceBody.parse({ type: 'plex', url: 'http://plex:32400/', token: 'abc' }).url).toBe('http://plex:32400');
    expect(addSourceBody.safeParse({ type: 'jellyfin', url: 'https://jf.example/jellyfin', api_key: 'k', user: 'ann', libraries: ['a'], path_mappings: [{ from: '/data', to: '/mnt' }], sync_interval_minutes: 60 }).success).toBe(true);
    const refusals = [
      { type: 'plex', url: 'http://user:pw@plex:32400', token: 'abc' },
      { type: 'plex', url: 'http://plex:32400/?X-Plex-Token=abc', token: 'abc' },
      { type: 'plex', url: 'file:///etc/passwd', token: 'abc' },
      { type: 'plex', url: 'not a url', token: 'abc' },
      { type: 'plex', url: 'http://plex:32400', token: 'has space' },
      { type: 'jellyfin', url: 'http://jf:8096', api_key: 'k' },
      { type: 'plex', url: 'http://plex:32400', token: 'abc', extra: 1 },
      { type: 'plex', url: 'http://plex:32400', token: 'abc', sync_interval_minutes: 1 },
      { type: 'plex', url: `http://${'a'.repeat(600)}`, token: 'abc' },
    ];
    for (const body of refusals) expect(addSourceBody.safeParse(body).success, JSON.stringify(body).slice(0, 80)).toBe(false);
    expect(updateSourceBody.safeParse({ path_mappings: Array.from({ length: 21 }, () => ({ from: '/a', to: '/b' })) }).success).toBe(false);
  });
});

describe('path mappings', () => {
  it('map by the longest folder prefix, Windows server paths included, never outside the folder', () => {
    const mappings = [{ from: '/data', to: '/mnt/data' }, { from: '/data/media/', to: '/mnt/media' }, { from: 'D:\\Media', to: '/srv/media' }];
    expect(mapRemotePath('/data/media/tv/a.mkv', mappings)?.localPath).toBe('/mnt/media/tv/a.mkv');
    expect(mapRemotePath('/data/other/b.mkv', mappings)?.localPath).toBe('/mnt/data/other/b.mkv');
    expect(mapRemotePath('/database/b.mkv', mappings)).toBeUndefined();
    expect(mapRemotePath('D:\\Media\\TV\\c.mkv', mappings)?.localPath).toBe('/srv/media/TV/c.mkv');
    expect(mapRemotePath('/data/../etc/passwd', mappings)).toBeUndefined();
  });

  it('a mapping\'s target must be a readable folder here; a mapped file that is not there is named with its rule', () => {
    const { dir } = fresh();
    expect(mappingTargetProblem({ from: '/data', to: dir })).toBeUndefined();
    expect(mappingTargetProblem({ from: '/data', to: path.join(dir, 'nope') })).toBe(`${path.join(dir, 'nope')} does not exist on this machine`);
    expect(mappingTargetProblem({ from: '/data', to: 'relative/dir' })).toMatch(/not an absolute path/);
    writeFileSync(path.join(dir, 'f'), 'x');
    expect(mappingTargetProblem({ from: '/data', to: path.join(dir, 'f') })).toMatch(/is not a folder/);
    expect(mappedFileProblem('/mnt/x/y.mkv', { from: '/data', to: '/mnt' })).toBe('mapped to /mnt/x/y.mkv, which does not exist here (mapping /data → /mnt)');
  });
});
