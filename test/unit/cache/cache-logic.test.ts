import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cacheKey, profileKey, sameFile } from '../../../src/cache/cache-key.js';
import { firstKeyframeAtOrAfter, keyframeAt } from '../../../src/cache/cache-index.js';
import { chooseEvictions } from '../../../src/cache/eviction.js';
import { cacheKeyframeTimes } from '../../../src/cache/fill-command.js';
import { orderFillJobs, type UpcomingAiring } from '../../../src/cache/fill-queue.js';
import { boundByLiveSpans, cachedRunStart, planSlice } from '../../../src/cache/splice-plan.js';
import { cachedStartGrid } from '../../../src/hls/segment-grid.js';
import { CacheStore } from '../../../src/cache/cache-store.js';
import { entryProfileKey, variantProfileKey } from '../../../src/cache/media-cache.js';
import { migrate } from '../../../src/db/database.js';
import type { OutputProfile } from '../../../src/config/quality.js';

const profile: OutputProfile = { width: 640, height: 360, frameRate: 30, videoCodec: 'libx264', videoBitrate: '800k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000, audioChannels: 2, preset: 'veryfast' };
const file = { path: '/m/a.mp4', sizeBytes: 1000, mtimeMs: 1_700_000_000_000 };

describe('cache keys', () => {
  it('change with the file (size or mtime) and with every output setting', () => {
    const p = profileKey(profile, -23);
    const key = cacheKey(file, p);
    expect(cacheKey({ ...file }, p)).toBe(key);
    expect(cacheKey({ ...file, sizeBytes: 1001 }, p)).not.toBe(key);
    expect(cacheKey({ ...file, mtimeMs: file.mtimeMs + 1000 }, p)).not.toBe(key);
    expect(cacheKey(file, profileKey({ ...profile, frameRate: 25 }, -23))).not.toBe(key);
    expect(cacheKey(file, profileKey({ ...profile, width: 1280, height: 720 }, -23))).not.toBe(key);
    expect(cacheKey(file, profileKey({ ...profile, videoBitrate: '2000k' }, -23))).not.toBe(key);
    expect(cacheKey(file, profileKey(profile, null))).not.toBe(key);
    expect(cacheKey(file, profileKey(profile, -23, 1))).not.toBe(key);
    expect(sameFile(file, { ...file, mtimeMs: file.mtimeMs + 0.2 })).toBe(true);
    expect(sameFile(file, { ...file, mtimeMs: file.mtimeMs + 5 })).toBe(false);
  });
});

describe('keyframe grid and index', () => {
  it('puts a keyframe every interval of the file and at every chapter marker', () => {
    expect(cacheKeyframeTimes(7, [3.5, 0, 9], 2)).toEqual([0, 2, 3.5, 4, 6]);
  });

  it('finds the keyframe at a content time (within half a frame) and the first one after', () => {
    const index = { keyframes: [[0, 0], [2, 1000], [3.5, 1800], [4, 2000]] as Array<[number, number]> };
    expect(keyframeAt(index, 3.5, 30)).toBe(2);
    expect(keyframeAt(index, 3.51, 30)).toBe(2);
    expect(keyframeAt(index, 3.6, 30)).toBeUndefined();
    expect(firstKeyframeAtOrAfter(index, 2.1)).toBe(2);
    expect(firstKeyframeAtOrAfter(index, 4.1)).toBeUndefined();
  });
});

describe('eviction', () => {
  const entries = [
    { key: 'old', bytes: 40, lastUsedMs: 1 },
    { key: 'airing', bytes: 40, lastUsedMs: 2 },
    { key: 'new', bytes: 40, lastUsedMs: 3 },
  ];
  it('removes least recently aired first, down to the budget', () => {
    expect(chooseEvictions(entries, 80, new Set())).toEqual(['old']);
    expect(chooseEvictions(entries, 40, new Set())).toEqual(['old', 'airing']);
    expect(chooseEvictions(entries, 200, new Set())).toEqual([]);
  });
  it('never removes what is airing, even over budget', () => {
    expect(chooseEvictions(entries, 40, new Set(['airing']))).toEqual(['old', 'new']);
    expect(chooseEvictions(entries, 0, new Set(['old', 'airing', 'new']))).toEqual([]);
  });
});

describe('fill queue order', () => {
  const job = (path: string, kind: UpcomingAiring['kind'], startMs: number): UpcomingAiring => ({ path, kind, startMs, durationSeconds: 10, chapterSeconds: [], profile, loudnessTarget: -23 });
  it('commercials, bumpers and IDs first, then soonest first, each file once; never slates or alerts', () => {
    const order = orderFillJobs(
      [job('/show.mp4', 'program', 100), job('/ad.mp4', 'commercial', 5000), job('/movie.mp4', 'program', 50), job('/id.mp4', 'station_id', 900), job('/ad.mp4', 'commercial', 300), job('', 'slate', 1), job('/x', 'alert', 1)],
      () => 'p',
    );
    expect(order.map((j) => [j.path, j.startMs])).toEqual([['/ad.mp4', 300], ['/id.mp4', 900], ['/movie.mp4', 50], ['/show.mp4', 100]]);
  });
  it('a channel\'s bug variant is an entry of its own: keyed by profile and variant, filled once per variant', () => {
    const bare = job('/show.mp4', 'program', 100);
    const withBug = { ...bare, startMs: 200, variant: { key: 'bug-aaaa', filter: '[gin]null[gout]' } };
    const otherBug = { ...bare, startMs: 300, variant: { key: 'bug-bbbb', filter: '[gin]null[gout]' } };
    expect(entryProfileKey(withBug)).toBe(`${entryProfileKey(bare)}|bug-aaaa`);
    expect(variantProfileKey('p', undefined)).toBe('p');
    const order = orderFillJobs([bare, withBug, { ...withBug, startMs: 400 }, otherBug], entryProfileKey);
    expect(order.map((j) => j.variant?.key ?? 'bare')).toEqual(['bare', 'bug-aaaa', 'bug-bbbb']);
  });
});

describe('slice plan', () => {
  const index = { durationSeconds: 20.2, keyframes: [0, 2, 4, 6, 7.5, 8, 10, 12, 14, 16, 18, 20].map((t, i) => [t, i * 100] as [number, number]) };
  const airing = { startMs: 100_000, endMs: 120_000, inPointMs: 0 };
  it('copies an airing that starts on a cached keyframe after the ramp', () => {
    expect(planSlice({ airing, fromMs: 100_000, toMs: 120_000, index, rampEndsAtMs: 90_000, frameRate: 30 })).toEqual({ mode: 'copy', keyframeIndex: 0 });
    // A break airing that starts at a chapter mark (7.5 s) copies from that keyframe.
    const part = { startMs: 200_000, endMs: 210_000, inPointMs: 7500 };
    expect(planSlice({ airing: part, fromMs: 200_000, toMs: 210_000, index, rampEndsAtMs: 0, frameRate: 30 })).toEqual({ mode: 'copy', keyframeIndex: 4 });
  });
  it('a join in progress renders live up to the first cached keyframe after the ramp (exact join), then copies', () => {
    expect(planSlice({ airing, fromMs: 103_300, toMs: 120_000, index, rampEndsAtMs: 106_300, frameRate: 30 })).toEqual({ mode: 'split', atMs: 107_500 });
  });
  it('a fresh run on a cached airing starts on the last cached keyframe at or before now (at most one GOP back)', () => {
    expect(cachedRunStart({ airing, atMs: 103_300, index, frameRate: 30 })).toBe(102_000);
    // Exactly on a keyframe (within half a frame): that keyframe.
    expect(cachedRunStart({ airing, atMs: 104_010, index, frameRate: 30 })).toBe(104_000);
    expect(cachedRunStart({ airing, atMs: 107_600, index, frameRate: 30 })).toBe(107_500);
    // A break airing from a chapter mark: never before its own in-point.
    const part = { startMs: 200_000, endMs: 210_000, inPointMs: 7500 };
    expect(cachedRunStart({ airing: part, atMs: 200_400, index, frameRate: 30 })).toBe(200_000);
    expect(cachedRunStart({ airing: part, atMs: 201_000, index, frameRate: 30 })).toBe(200_500);
    // Not when the file is short of the slot, or under a second of the airing is left.
    expect(cachedRunStart({ airing: { ...airing, endMs: 125_000 }, atMs: 103_300, index, frameRate: 30 })).toBeUndefined();
    expect(cachedRunStart({ airing, atMs: 119_500, index, frameRate: 30 })).toBe(118_000);
    expect(cachedRunStart({ airing: { ...airing, endMs: 118_500 }, atMs: 118_200, index, frameRate: 30 })).toBeUndefined();
  });
  it('a run that starts copied ramps from the cache\'s 2 s keyframe interval', () => {
    expect(cachedStartGrid(10).ramp).toEqual([2, 2, 4, 4, 8, 8]);
    expect(cachedStartGrid(2).ramp).toEqual([]);
    // The chain copies from the run's start only with such a ramp (its first segment ≥ 2 s).
    expect(planSlice({ airing, fromMs: 102_000, toMs: 120_000, index, rampEndsAtMs: 102_000, frameRate: 30 })).toEqual({ mode: 'copy', keyframeIndex: 1 });
  });
  it('cards on screen: copies up to the cached keyframe before a card, renders live through it to the keyframe after, then copies', () => {
    // A lower third 5–13 s into the airing (100 s), "up next" 17–19.5 s.
    const liveSpans = [{ fromMs: 105_000, toMs: 113_000 }, { fromMs: 117_000, toMs: 119_500 }];
    const bound = (fromMs: number, toMs = 120_000) => boundByLiveSpans({ airing, fromMs, toMs, liveSpans, index });
    expect(bound(100_000)).toEqual({ copyUntilMs: 104_000 });
    expect(bound(104_000)).toEqual({ liveUntilMs: 114_000 });
    expect(bound(114_000)).toEqual({ copyUntilMs: 116_000 });
    // The last span ends within a second of the slice's end: live to the end.
    expect(bound(116_000)).toEqual({ liveUntilMs: 120_000 });
    // A keyframe exactly at the card's start: the copy runs right up to it.
    expect(boundByLiveSpans({ airing, fromMs: 100_000, toMs: 120_000, liveSpans: [{ fromMs: 108_000, toMs: 109_000 }], index })).toEqual({ copyUntilMs: 108_000 });
    // Under a second to copy before the card: live from now.
    expect(bound(103_500)).toEqual({ liveUntilMs: 114_000 });
    // No card in the slice.
    expect(boundByLiveSpans({ airing, fromMs: 100_000, toMs: 104_000, liveSpans, index })).toBeUndefined();
    // A break airing from a chapter mark (content time 7.5 s at its start).
    const part = { startMs: 200_000, endMs: 210_000, inPointMs: 7500 };
    expect(boundByLiveSpans({ airing: part, fromMs: 200_000, toMs: 210_000, liveSpans: [{ fromMs: 205_000, toMs: 207_000 }], index })).toEqual({ copyUntilMs: 204_500 });
  });
  it('stays live when the cached file is shorter than the slot or the copy would be under a second', () => {
    expect(planSlice({ airing: { ...airing, endMs: 125_000 }, fromMs: 100_000, toMs: 125_000, index, rampEndsAtMs: 0, frameRate: 30 }).mode).toBe('live');
    expect(planSlice({ airing, fromMs: 119_300, toMs: 120_000, index, rampEndsAtMs: 0, frameRate: 30 }).mode).toBe('live');
  });
});

describe('cache store (migration 5)', () => {
  it('stores, finds by source and profile, marks aired, totals', () => {
    const db = new Database(':memory:');
    migrate(db);
    const store = new CacheStore(db);
    store.put({ key: 'k1', source: file, profileKey: 'p', file: '/c/k1.ts', bytes: 500, originPts: 16, durationSeconds: 3.2, keyframes: [[0, 564]], createdAtMs: 1, lastAiredMs: undefined });
    expect(store.forSource(file.path, 'p').map((e) => e.key)).toEqual(['k1']);
    expect(store.forSource(file.path, 'other')).toEqual([]);
    store.markAired('k1', 99);
    expect(store.get('k1')).toMatchObject({ lastAiredMs: 99, keyframes: [[0, 564]], source: file });
    expect(store.totals()).toEqual({ entries: 1, bytes: 500 });
    store.remove('k1');
    expect(store.totals()).toEqual({ entries: 0, bytes: 0 });
  });
});
