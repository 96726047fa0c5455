import { describe, expect, it } from 'vitest';
import { IdentityIndex, plainlyDifferent, type KnownRow } from '../../../src/sources/identity.js';

const row = (over: Partial<KnownRow>): KnownRow => ({ id: 1, remote_id: '10', remote_path: '/tv/a.mkv', external_ids_json: '{"tvdb":"1"}', kind: 'episode', show: 'A', season: 1, episode: 1, title: 'Pilot', ...over });

describe('identity', () => {
  it('finds a row by remote id, then external id (with the episode), then path, then episode and title', () => {
    const index = new IdentityIndex([
      row({ id: 1 }),
      row({ id: 2, remote_id: '11', remote_path: '/tv/b.mkv', external_ids_json: '{"tvdb":"2"}', episode: 2, title: 'Two' }),
      row({ id: 3, remote_id: '12', remote_path: '/tv/c.mkv', external_ids_json: '{}', episode: 3, title: 'Three' }),
      row({ id: 4, remote_id: '13', remote_path: '/tv/d.mkv', external_ids_json: '{}', episode: 4, title: 'Four' }),
    ]);
    const incoming = (over: Partial<KnownRow>) => ({ ...row(over) });
    expect(index.resolve(incoming({ remote_id: '10' }))).toEqual({ id: 1, by: 'remote_id' });
    expect(index.resolve(incoming({ remote_id: '99', remote_path: '/new/b.mkv', external_ids_json: '{"tvdb":"2"}', episode: 2, title: 'Two' }))).toEqual({ id: 2, by: 'external_id' });
    expect(index.resolve(incoming({ remote_id: '98', remote_path: '/tv/c.mkv', external_ids_json: '{}', episode: 3, title: 'Three' }))).toEqual({ id: 3, by: 'path' });
    expect(index.resolve(incoming({ remote_id: '97', remote_path: '/moved/d.mkv', external_ids_json: '{}', episode: 4, title: 'four ' }))).toEqual({ id: 4, by: 'episode' });
    // Each row once: a second item with the same facts is new.
    expect(index.resolve(incoming({ remote_id: '10' }))).toBeUndefined();
  });

  it('a reused remote id that now names another episode is not trusted', () => {
    const index = new IdentityIndex([row({ id: 1, remote_id: '10' }), row({ id: 2, remote_id: '20', remote_path: '/tv/b.mkv', external_ids_json: '{"tvdb":"2"}', episode: 2, title: 'Two' })]);
    // After a rebuild, 10 is episode 2; episode 1 is 20.
    expect(index.resolve({ ...row({ remote_id: '10', remote_path: '/tv/b.mkv', external_ids_json: '{"tvdb":"2"}', episode: 2, title: 'Two' }) })).toEqual({ id: 2, by: 'external_id' });
    expect(index.resolve({ ...row({ remote_id: '20' }) })).toEqual({ id: 1, by: 'external_id' });
  });

  it('an episode given its show\'s external id is matched with its episode number, not to a sibling', () => {
    const showIds = '{"tvdb":"777"}';
    const index = new IdentityIndex([row({ id: 1, external_ids_json: showIds, episode: 1 }), row({ id: 2, remote_id: '11', external_ids_json: showIds, episode: 2, title: 'Two', remote_path: '/tv/b.mkv' })]);
    expect(index.resolve({ ...row({ remote_id: 'x', external_ids_json: showIds, episode: 2, title: 'Two', remote_path: '/z' }) })).toEqual({ id: 2, by: 'external_id' });
  });

  it('plainlyDifferent: other kind, a conflicting external id, another episode', () => {
    expect(plainlyDifferent(row({}), { ...row({ kind: 'movie' }) })).toBe(true);
    expect(plainlyDifferent(row({}), { ...row({ external_ids_json: '{"tvdb":"9"}' }) })).toBe(true);
    expect(plainlyDifferent(row({}), { ...row({ season: 2 }) })).toBe(true);
    expect(plainlyDifferent(row({}), { ...row({ title: 'Renamed', remote_path: '/upgraded.mkv' }) })).toBe(false);
  });
});
