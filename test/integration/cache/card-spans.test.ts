import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureHlsSegments, packetTimes, saveTo } from '../../helpers/hls.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * Cards (a lower third) on a cached channel: only the seconds the card is on screen, rounded out
 * to the cache's 2 s keyframes, are rendered live; the rest of the show is copied from the
 * channel's bug variant and the commercial from the bare copy. What viewers see must not change:
 * the card for exactly its window, the bug on every frame of the show.
 */
const W = 160;
const H = 90;
const FPS = 30;
type RGB = [number, number, number];
interface CacheSummary { cachedSeconds: number; liveSeconds: number; cachedSlices: number; liveSlices: number }
interface Status { cache: CacheSummary }
interface Health { cache: { entries: number; fillQueue: { depth: number } | null } }

function regionMean(frame: Buffer, r: { x: number; y: number; w: number; h: number }): RGB {
  const sum = [0, 0, 0];
  for (let y = r.y; y < r.y + r.h; y += 1) for (let x = r.x; x < r.x + r.w; x += 1) for (let c = 0; c < 3; c += 1) sum[c]! += frame[(y * W + x) * 3 + c]!;
  return sum.map((v) => v / (r.w * r.h)) as RGB;
}

/** The picture away from graphics (top-left): the show is blue, the commercial red. */
const isBlue = (frame: Buffer) => regionMean(frame, { x: 1, y: 1, w: 10, h: 5 })[2] > 200;
/** The bug (white, top-right) over the show. */
const hasBug = (frame: Buffer) => regionMean(frame, { x: 128, y: 13, w: 20, h: 20 })[0] > 150;
/** The lower third's navy band (bottom-left) instead of the show's blue. */
const hasCard = (frame: Buffer) => regionMean(frame, { x: 15, y: 70, w: 30, h: 8 })[2] < 150;

describe('a cached channel with a lower third renders only the card\'s span live (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const status = async () => ((await (await fetch(url('/api/channels/1/status'))).json()) as Status).cache;

  beforeAll(async () => {
    work = tempDir('card-spans');
    const media = path.join(work, 'media');
    await mkdir(path.join(media, 'commercials'), { recursive: true });
    const clip = (file: string, colour: string, seconds: number) =>
      run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=160x90:r=25:d=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file]);
    await clip(path.join(media, 'show.mp4'), 'blue', 12);
    await clip(path.join(media, 'commercials', 'ad.mp4'), 'red', 3);
    const logo = path.join(work, 'logo.png');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=white:s=64x64:d=1', '-frames:v', '1', logo]);
    server = await startServer({
      ...testConfig({ media: [media], dataDir: path.join(work, 'data') }),
      cache: { fill_ahead: true },
      graphics: { fade_seconds: 0 },
      channels: [{
        number: 1, name: 'Card Test', call_sign: 'CRD1', logo, always_on: true,
        graphics: {
          bug: { corner: 'top-right', size_percent: 25, opacity: 0.8 },
          lower_third: { enabled: true, delay_seconds: 3, duration_seconds: 3 },
          up_next: { enabled: false },
        },
      }],
    } as ReturnType<typeof testConfig>);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('INV-CACHE-3: copies the show outside the card, renders the card live for its window only, and the picture is the same as all-live', async () => {
    await waitFor('the show\'s bug variant and the ad to be filled', async () => {
      const health = (await (await fetch(url('/api/health'))).json()) as Health;
      return health.cache.entries >= 2 && health.cache.fillQueue?.depth === 0 ? health : undefined;
    }, 90_000, 500);
    // What was handed to the packager before the fill finished may still be live: one pass and the lead.
    await sleep(16_000);
    const before = await status();
    const segments = await captureHlsSegments(url('/channel/1.m3u8'), 32_000, 400);
    const after = await status();
    const why = JSON.stringify({ before, after });
    // Per 15 s pass: the card's 3 s rounded out to keyframes (2 → 6 s: 4 s) live, 11 s copied.
    const live = after.liveSeconds - before.liveSeconds;
    const cached = after.cachedSeconds - before.cachedSeconds;
    expect(after.cachedSlices - before.cachedSlices, why).toBeGreaterThanOrEqual(4);
    expect(live, why).toBeGreaterThan(0);
    expect(live / (live + cached), why).toBeLessThan(0.4);

    const file = await saveTo(path.join(work, 'captured.ts'), Buffer.concat(segments.map((s) => s.data)));
    const count = (await packetTimes(file)).video.length;
    const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    const data = stdout as unknown as Buffer;
    const size = W * H * 3;
    expect(Math.round(data.length / size)).toBe(count);
    const frames = Array.from({ length: count }, (_, i) => data.subarray(i * size, (i + 1) * size));

    // Whole show airings in the capture (a blue run with red on both sides): the bug on every
    // frame; the card from 3 s to 6 s, no more, no less (one frame of tolerance at each edge).
    const runs: Array<{ from: number; to: number }> = [];
    let start: number | undefined;
    frames.forEach((frame, i) => {
      if (isBlue(frame)) start ??= i;
      else if (start !== undefined) {
        if (start > 0) runs.push({ from: start, to: i });
        start = undefined;
      }
    });
    expect(runs.length, 'a whole show airing in the capture').toBeGreaterThanOrEqual(1);
    for (const { from, to } of runs) {
      expect(to - from).toBeGreaterThanOrEqual(12 * FPS - 1);
      const show = frames.slice(from, to);
      expect(show.filter((f) => !hasBug(f)).length, 'frames of the show without the bug').toBe(0);
      const cardFrames = show.map((f, i) => (hasCard(f) ? i : -1)).filter((i) => i >= 0);
      expect(cardFrames.length).toBeGreaterThanOrEqual(3 * FPS - 2);
      expect(cardFrames.length).toBeLessThanOrEqual(3 * FPS + 2);
      expect(Math.abs(cardFrames[0]! - 3 * FPS)).toBeLessThanOrEqual(1);
      expect(cardFrames.at(-1)! - cardFrames[0]!).toBe(cardFrames.length - 1); // one stretch
    }
  }, 180_000);
});
