import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BoundedQueue,
  LruFileIndex,
  MAX_GRID_POINTS,
  ThumbnailCache,
  thumbnailGridStepMs,
  thumbnailInstant,
  ThumbnailsBusyError,
} from '../../../src/library/thumbnails.js';

describe('the thumbnail grid', () => {
  it('is whole seconds for files up to 2 000 s, coarser whole seconds beyond, so no file has more than about 2 000 points', () => {
    expect(thumbnailGridStepMs(6_000)).toBe(1000);
    expect(thumbnailGridStepMs(2_000_000)).toBe(1000);
    expect(thumbnailGridStepMs(2 * 3600_000)).toBe(4000);
    expect(thumbnailGridStepMs(null)).toBe(1000);
    for (const durationMs of [1, 999, 59_000, 1_999_999, 2_000_001, 7_200_000, 86_400_000, 10 * 86_400_000]) {
      const step = thumbnailGridStepMs(durationMs);
      expect(step % 1000).toBe(0);
      expect(Math.floor((durationMs - 1) / step) + 1).toBeLessThanOrEqual(MAX_GRID_POINTS + 1);
    }
  });

  it('moves any instant to the nearest point inside the file, and keeps chapter marks exact', () => {
    expect(thumbnailInstant(90_499, 600_000, [])).toBe(90_000);
    expect(thumbnailInstant(90_500, 600_000, [])).toBe(91_000);
    expect(thumbnailInstant(0, 600_000, [])).toBe(0);
    expect(thumbnailInstant(600_000, 600_000, [])).toBe(599_000); // the end itself may have no frame
    expect(thumbnailInstant(5_999, 6_000, [])).toBe(5_000);
    expect(thumbnailInstant(90_437, 600_000, [90_437])).toBe(90_437); // the chapter editor shows the mark's own picture
    expect(thumbnailInstant(3_601_234, 7_200_000, [])).toBe(3_600_000); // 4 s grid
    expect(thumbnailInstant(3_602_000, 7_200_000, [])).toBe(3_604_000);
  });

  it('turns a million distinct milliseconds of a two-hour file into at most 2 001 pictures', () => {
    const instants = new Set<number>();
    for (let at = 0; at <= 7_200_000; at += 7) instants.add(thumbnailInstant(at, 7_200_000, []));
    expect(instants.size).toBeLessThanOrEqual(MAX_GRID_POINTS + 1);
  });
});

describe('the thumbnail cache index (least recently used)', () => {
  it('keeps at most N per file, deleting the least recently used of that file', () => {
    const index = new LruFileIndex(3, 100);
    expect([index.add('7/a', '7'), index.add('7/b', '7'), index.add('7/c', '7')].flat()).toEqual([]);
    index.touch('7/a'); // used again: b is now the oldest
    expect(index.add('7/d', '7')).toEqual(['7/b']);
    expect(index.add('8/x', '8')).toEqual([]); // another file has its own allowance
    expect(index.groupSize('7')).toBe(3);
    expect(index.keysOf('7')).toEqual(['7/c', '7/a', '7/d']);
  });

  it('keeps at most M in all, deleting the least recently used of any file', () => {
    const index = new LruFileIndex(10, 4);
    for (const key of ['1/a', '2/a', '3/a', '1/b']) index.add(key, key.split('/')[0]!);
    index.touch('1/a');
    expect(index.add('4/a', '4')).toEqual(['2/a']);
    expect(index.size).toBe(4);
    for (let i = 0; i < 1000; i += 1) index.add(`5/${i}`, '5');
    expect(index.size).toBe(4);
    expect(index.has('5/999')).toBe(true);
  });

  it('a restarted server cuts a cache grown past the bounds (by an older version) down to them, newest kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-thumbs-'));
    mkdirSync(path.join(dir, '7'));
    for (let i = 0; i < 40; i += 1) {
      const file = path.join(dir, '7', `10-20-${i * 1000}.jpg`);
      writeFileSync(file, 'jpeg');
      utimesSync(file, 1_700_000_000 + i, 1_700_000_000 + i);
    }
    writeFileSync(path.join(dir, '7', '10-20-5.jpg.123.456.part'), '');
    const cache = new ThumbnailCache({ dir, ffmpegPath: '/nonexistent/ffmpeg', perFile: 16 });
    await cache.get({ mediaId: 7, path: '/nonexistent/x.mkv', sizeBytes: 10, mtimeMs: 20 }, 1000).catch(() => undefined);
    const left = readdirSync(path.join(dir, '7')).sort();
    expect(left).toHaveLength(16);
    expect(left).toContain('10-20-39000.jpg');
    expect(left).not.toContain('10-20-0.jpg');
    expect(cache.cachedCount).toBe(16);
  });
});

describe('the thumbnail queue', () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('runs at most 2 at once, queues 16 more, and refuses the next at once with a retry time', async () => {
    const queue = new BoundedQueue(2, 16);
    let running = 0;
    let mostAtOnce = 0;
    const gates = Array.from({ length: 18 }, deferred);
    const done = gates.map((gate) =>
      queue.run(async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await gate.promise;
        running -= 1;
      }),
    );
    expect(queue.pending).toBe(18);
    let refused: unknown;
    try {
      void queue.run(async () => undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ThumbnailsBusyError);
    expect((refused as ThumbnailsBusyError).retryAfterSeconds).toBeGreaterThan(0);
    // As runs finish, the waiting ones start (never more than 2) and room opens again.
    for (const gate of gates) gate.resolve();
    await Promise.all(done);
    expect(mostAtOnce).toBe(2);
    expect(queue.pending).toBe(0);
    await expect(queue.run(async () => 'again')).resolves.toBe('again');
  });

  it('a failed run frees its slot', async () => {
    const queue = new BoundedQueue(1, 0);
    await expect(queue.run(async () => Promise.reject(new Error('ffmpeg failed')))).rejects.toThrow('ffmpeg failed');
    await expect(queue.run(async () => 1)).resolves.toBe(1);
  });
});
