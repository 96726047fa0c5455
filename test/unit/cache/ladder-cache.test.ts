import { describe, expect, it } from 'vitest';
import { ChannelCache, type LadderSibling } from '../../../src/cache/channel-cache.js';
import type { CacheEntry } from '../../../src/cache/cache-store.js';
import type { MediaCache } from '../../../src/cache/media-cache.js';

/** A media cache holding entries by "path@profileKey". */
function fakeCache(keys: string[]): MediaCache {
  const held = new Set(keys);
  return { lookup: async (path: string, profileKey: string) => (held.has(`${path}@${profileKey}`) ? ({ key: `${path}@${profileKey}` } as unknown as CacheEntry) : undefined) } as unknown as MediaCache;
}

describe('a ladder rung copies only what every rung has cached (INV-ABR-1)', () => {
  function rungs(keys: string[]) {
    const cache = fakeCache(keys);
    const caches = new Map<string, ChannelCache>();
    const siblings = (own: string) => (): LadderSibling[] =>
      ['low', 'high'].filter((n) => n !== own).map((n) => ({ cache: caches.get(n)!, bugVariant: async () => `bug-${n}` }));
    for (const name of ['low', 'high']) caches.set(name, new ChannelCache(cache, name, siblings(name)));
    return { low: caches.get('low')!, high: caches.get('high')! };
  }

  it('finds a file cached at every rung', async () => {
    const { low, high } = rungs(['a.mp4@low', 'a.mp4@high']);
    expect(await low.lookup('a.mp4')).toBeDefined();
    expect(await high.lookup('a.mp4')).toBeDefined();
  });

  it('misses a file cached at one rung only, at both rungs (its own entry is still there)', async () => {
    const { low, high } = rungs(['a.mp4@low']);
    expect(await low.lookup('a.mp4')).toBeUndefined();
    expect(await high.lookup('a.mp4')).toBeUndefined();
    expect(await low.lookupOwn('a.mp4')).toBeDefined();
  });

  it("asks each sibling for its own bug variant (drawn at the rung's size)", async () => {
    const both = rungs(['a.mp4@low|bug-low', 'a.mp4@high|bug-high']);
    expect(await both.low.lookup('a.mp4', 'bug-low')).toBeDefined();
    const oneBare = rungs(['a.mp4@low|bug-low', 'a.mp4@high']);
    expect(await oneBare.low.lookup('a.mp4', 'bug-low')).toBeUndefined();
  });
});
