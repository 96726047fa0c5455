import { describe, expect, it } from 'vitest';
import { chooseEvictionsToFree } from '../../../src/cache/eviction.js';
import { CacheSpaceFloor } from '../../../src/cache/space-floor.js';
import { createLogger } from '../../../src/logging/logger.js';

const log = createLogger('silent');
const GB = 1e9;

describe('eviction to keep cache.min_free_gb free (issue 23)', () => {
  const entries = [
    { key: 'old-airing-now', bytes: 5 * GB, lastUsedMs: 1 },
    { key: 'old', bytes: 2 * GB, lastUsedMs: 2 },
    { key: 'middle', bytes: 2 * GB, lastUsedMs: 3 },
    { key: 'new', bytes: 2 * GB, lastUsedMs: 4 },
  ];

  it('evicts least recently aired first, just enough, never what airs now or next', () => {
    expect(chooseEvictionsToFree(entries, 3 * GB, new Set(['old-airing-now']))).toEqual(['old', 'middle']);
    expect(chooseEvictionsToFree(entries, 1, new Set())).toEqual(['old-airing-now']);
    expect(chooseEvictionsToFree(entries, 0, new Set())).toEqual([]);
  });

  it('frees less than asked rather than touch a pinned entry', () => {
    expect(chooseEvictionsToFree(entries, 100 * GB, new Set(['old-airing-now', 'new']))).toEqual(['old', 'middle']);
  });
});

/** A disk of `free` bytes whose cache frees what it evicts. */
function fakeDisk(free: number, entries: Array<{ key: string; bytes: number; lastUsedMs: number }>) {
  const disk = { free, entries: [...entries], protect: new Set<string>() };
  const floor = new CacheSpaceFloor({
    dir: '/data',
    minFreeBytes: 1 * GB,
    space: async () => ({ freeBytes: disk.free }),
    protectedKeys: async () => disk.protect,
    log,
    cache: {
      freeSpace: async (bytes, protect) => {
        const victims = chooseEvictionsToFree(disk.entries, bytes, protect);
        const freed = disk.entries.filter((e) => victims.includes(e.key)).reduce((s, e) => s + e.bytes, 0);
        disk.entries = disk.entries.filter((e) => !victims.includes(e.key));
        disk.free += freed;
        return { evicted: victims.length, freedBytes: freed };
      },
    },
  });
  return { disk, floor };
}

describe('CacheSpaceFloor', () => {
  it('evicts below the floor and lets the fill go on once above it', async () => {
    const { disk, floor } = fakeDisk(0.5 * GB, [
      { key: 'a', bytes: 0.3 * GB, lastUsedMs: 1 },
      { key: 'b', bytes: 0.3 * GB, lastUsedMs: 2 },
      { key: 'c', bytes: 0.3 * GB, lastUsedMs: 3 },
    ]);
    expect(await floor.makeRoom()).toBe(true);
    expect(disk.entries.map((e) => e.key)).toEqual(['c']);
    expect(floor.paused).toBeNull();
    expect(floor.evicted).toBe(2);
  });

  it('pauses the fill when what is left airs soon, and resumes when space returns', async () => {
    const { disk, floor } = fakeDisk(0.5 * GB, [{ key: 'airs-next', bytes: 2 * GB, lastUsedMs: 1 }]);
    disk.protect = new Set(['airs-next']);
    expect(await floor.makeRoom()).toBe(false);
    expect(disk.entries).toHaveLength(1);
    expect(floor.paused).toMatch(/fill paused: 500 MB free in \/data, below cache.min_free_gb \(1.0 GB\)/);
    disk.free = 3 * GB;
    expect(await floor.makeRoom()).toBe(true);
    expect(floor.paused).toBeNull();
  });
});
