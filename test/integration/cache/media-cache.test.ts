import { existsSync, utimesSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MediaCache } from '../../../src/cache/media-cache.js';
import type { OutputProfile } from '../../../src/config/quality.js';
import { migrate } from '../../../src/db/database.js';
import { packetTimes } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { tempDir } from '../../helpers/server.js';

const profile: OutputProfile = { width: 160, height: 90, frameRate: 30, videoCodec: 'libx264', videoBitrate: '200k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000, audioChannels: 2, preset: 'ultrafast' };

function newCache(work: string, budgetBytes = 1e9): MediaCache {
  const db = new Database(':memory:');
  migrate(db);
  return new MediaCache({ db, dir: path.join(work, 'cache'), ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', budgetBytes });
}

describe('media cache on real files (real ffmpeg)', () => {
  it('fills a file with keyframes every 2 s of its own time and at its chapter marks', async () => {
    const work = tempDir('cache-fill');
    const [clip] = await makeClips(path.join(work, 'media'), [{ name: 'a.mp4', seconds: 5, size: '320x240', rate: 25 }]);
    const cache = newCache(work);
    const entry = await cache.fill({ path: clip!, durationSeconds: 5, chapterSeconds: [3.3], profile, loudnessTarget: -23 });
    expect(entry.keyframes.map(([t]) => Number(t.toFixed(3)))).toEqual([0, 2, 3.3, 4]);
    expect(entry.durationSeconds).toBeGreaterThanOrEqual(5.1);
    // Frames on the file's 30 fps grid, one AAC frame per packet from two frames before the picture.
    const times = await packetTimes(entry.file);
    expect(times.video[0]).toBeCloseTo(entry.originPts, 5);
    expect(times.audio[0]).toBeCloseTo(entry.originPts - 3 * (1024 / 48000), 4);
  }, 60_000);

  it('INV-CACHE-1: a file changed on disk is re-cached, not aired stale', async () => {
    const work = tempDir('cache-change');
    const [clip] = await makeClips(path.join(work, 'media'), [{ name: 'a.mp4', seconds: 2, rate: 25 }]);
    const cache = newCache(work);
    const key = cache.profileKeyOf(profile, -23);
    const first = await cache.fill({ path: clip!, durationSeconds: 2, chapterSeconds: [], profile, loudnessTarget: -23 });
    expect((await cache.lookup(clip!, key))?.key).toBe(first.key);
    // Same path, new content (another length and mtime).
    await makeClips(path.join(work, 'media'), [{ name: 'a.mp4', seconds: 3, rate: 25 }]);
    utimesSync(clip!, new Date(), new Date(Date.now() + 5000));
    expect(await cache.lookup(clip!, key)).toBeUndefined();
    expect(existsSync(first.file)).toBe(false);
    const second = await cache.fill({ path: clip!, durationSeconds: 3, chapterSeconds: [], profile, loudnessTarget: -23 });
    expect(second.key).not.toBe(first.key);
    expect(second.durationSeconds).toBeGreaterThan(3);
  }, 60_000);

  it('INV-CACHE-2: eviction never removes what is airing', async () => {
    const work = tempDir('cache-evict');
    const clips = await makeClips(path.join(work, 'media'), [
      { name: 'a.mp4', seconds: 2 },
      { name: 'b.mp4', seconds: 2 },
      { name: 'c.mp4', seconds: 2 },
    ]);
    const cache = newCache(work);
    const entries = [];
    for (const clip of clips) entries.push(await cache.fill({ path: clip, durationSeconds: 2, chapterSeconds: [], profile, loudnessTarget: -23 }));
    // The oldest entry airs (pinned) while the budget shrinks to less than one entry.
    const release = cache.pin(entries[0]!.key);
    (cache as unknown as { options: { budgetBytes: number } }).options.budgetBytes = 1;
    const evicted = await cache.evict();
    expect(evicted.sort()).toEqual([entries[1]!.key, entries[2]!.key].sort());
    expect(existsSync(entries[0]!.file)).toBe(true);
    release();
    expect(await cache.evict()).toEqual([entries[0]!.key]);
    expect(existsSync(entries[0]!.file)).toBe(false);
  }, 60_000);
});
