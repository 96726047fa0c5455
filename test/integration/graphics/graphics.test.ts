import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPlaylist, packetTimes, saveTo } from '../../helpers/hls.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * Station graphics on real output: a loop channel of an 8-s solid-blue "show" and a 3-s
 * solid-red commercial, with a solid white logo as its bug (top right, 25 % wide, 80 %
 * opaque) and a green lower third from 1 s to 4 s into the show (no fades, so its window has
 * sharp edges). Solid colours make every region's expected value computable: the bug corner
 * must read 0.8·white + 0.2·source, the band must be there exactly inside its window.
 */

const SHOW_SECONDS = 8;
const AD_SECONDS = 3;
const BLUE: RGB = [0, 0, 255];
const RED: RGB = [255, 0, 0];
type RGB = [number, number, number];

// Output is 320x180; frames are decoded at 160x90 (half) for the checks.
const W = 160;
const H = 90;
/** Inside the bug: 80x80 px at the top right with a 9 px margin (at 320x180) → x 115..155, y 4..44 at half size. */
const BUG_REGION = { x: 120, y: 10, w: 30, h: 28 };
/** Inside the lower-third band (x 19.., y 136..162 at 320x180), over its left part where the text starts. */
const BAND_REGION = { x: 12, y: 70, w: 24, h: 9 };

interface Frame {
  pts: number;
  data: Buffer;
}

function regionMean(frame: Frame, r: { x: number; y: number; w: number; h: number }): RGB {
  const sum = [0, 0, 0];
  for (let y = r.y; y < r.y + r.h; y += 1) {
    for (let x = r.x; x < r.x + r.w; x += 1) {
      const i = (y * W + x) * 3;
      for (let c = 0; c < 3; c += 1) sum[c]! += frame.data[i + c]!;
    }
  }
  const n = r.w * r.h;
  return sum.map((v) => v / n) as RGB;
}

const distance = (a: RGB, b: RGB) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
const blend = (over: RGB, under: RGB, alpha: number): RGB => over.map((v, i) => alpha * v + (1 - alpha) * under[i]!) as RGB;
/** The whole frame's colour away from any graphics (top-left corner): which airing it is. */
const background = (frame: Frame): RGB => regionMean(frame, { x: 2, y: 2, w: 20, h: 10 });
const isBlue = (frame: Frame) => distance(background(frame), BLUE) < 40;
const isRed = (frame: Frame) => distance(background(frame), RED) < 40;
/** The band is green (#00c000 at 88 %) with white text; the show and the ad have no green at all. */
const bandOn = (frame: Frame) => regionMean(frame, BAND_REGION)[1] > 100;

async function decodeFrames(file: string): Promise<Frame[]> {
  const times = (await packetTimes(file)).video;
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  const data = stdout as unknown as Buffer;
  const size = W * H * 3;
  expect(data.length / size).toBe(times.length);
  return times.map((pts, i) => ({ pts, data: data.subarray(i * size, (i + 1) * size) }));
}

async function makeMedia(dir: string): Promise<{ logo: string }> {
  await mkdir(path.join(dir, 'commercials'), { recursive: true });
  const clip = async (file: string, colour: string, seconds: number) =>
    run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=160x90:r=25:d=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast',
      '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file]);
  await clip(path.join(dir, 'show.mp4'), 'blue', SHOW_SECONDS);
  await clip(path.join(dir, 'commercials', 'ad.mp4'), 'red', AD_SECONDS);
  const logo = path.join(path.dirname(dir), 'logo.png');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=white:s=64x64:d=1', '-frames:v', '1', logo]);
  return { logo };
}

describe('station graphics on a real channel (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;

  beforeAll(async () => {
    work = tempDir('graphics');
    const media = path.join(work, 'media');
    const { logo } = await makeMedia(media);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), ffmpeg: { bitrate: '600k' } }),
      graphics: { fade_seconds: 0, branding: { primary: '#00c000' } },
      channels: [
        {
          number: 1,
          name: 'Graphics Test',
          call_sign: 'GFX1',
          logo,
          graphics: {
            bug: { corner: 'top-right', size_percent: 25, opacity: 0.8 },
            lower_third: { delay_seconds: 1, duration_seconds: 3 },
            up_next: { enabled: false },
          },
        },
      ],
    };
    server = await startServer(config);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('draws the bug at its opacity, the lower third only inside its window, from mid-window for a late joiner, and nothing over the commercial', async () => {
    // Tune in (cold channel) 2 s into the show: inside the lower third's 1..4 s window.
    await waitFor('the show at 1.9..2.3 s', async () => {
      const { now } = (await (await fetch(url('/api/channels/1/now'))).json()) as { now: { kind: string; offsetMs: number } };
      return now.kind === 'program' && now.offsetMs > 1900 && now.offsetMs < 2300 ? true : undefined;
    }, 30_000, 20);
    // Watch as an HLS player from the first segment for one show, one ad and the next show.
    const collected = new Map<number, Buffer>();
    const until = Date.now() + 21_000;
    while (Date.now() < until) {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      for (const segment of playlist.segments) {
        if (!collected.has(segment.sequence)) collected.set(segment.sequence, Buffer.from(await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer()));
      }
      await sleep(400);
    }
    const ordered = [...collected.entries()].sort(([a], [b]) => a - b).map(([, data]) => data);
    const frames = await decodeFrames(await saveTo(path.join(work, 'watched.ts'), Buffer.concat(ordered)));

    // Airings by colour: [joined show][ad][full show]...
    const firstRed = frames.findIndex(isRed);
    const nextBlue = frames.findIndex((f, i) => i > firstRed && isBlue(f));
    expect(firstRed, 'the ad airs after the joined show').toBeGreaterThan(0);
    expect(nextBlue, 'the show airs again after the ad').toBeGreaterThan(firstRed);
    const joinedShowStart = frames[firstRed]!.pts - SHOW_SECONDS;
    const fullShowStart = frames[nextBlue]!.pts;

    // 1. The bug: the corner differs from the picture without graphics (the source is solid
    // blue there) and reads as white at 80 % over it; the same in every show frame.
    const showFrames = frames.filter(isBlue);
    const expectedBug = blend([255, 255, 255], BLUE, 0.8);
    for (const frame of showFrames) {
      const corner = regionMean(frame, BUG_REGION);
      expect(distance(corner, BLUE), `bug drawn at ${frame.pts}`).toBeGreaterThan(100);
      expect(distance(corner, expectedBug), `bug opacity at ${frame.pts}: ${corner.map(Math.round)}`).toBeLessThan(25);
    }

    // 2. Nothing over the commercial: the bug hides and no card is drawn.
    const adFrames = frames.slice(firstRed, nextBlue);
    expect(adFrames.length).toBeGreaterThan(AD_SECONDS * 30 - 3);
    for (const frame of adFrames) {
      expect(distance(regionMean(frame, BUG_REGION), RED), `bug hidden at ${frame.pts}`).toBeLessThan(30);
      expect(bandOn(frame)).toBe(false);
    }

    // 3. The full showing: the band is there inside 1..4 s of the show and not outside.
    const offsetOf = (frame: Frame, start: number) => frame.pts - start;
    const full = frames.slice(nextBlue).filter((f) => isBlue(f) && offsetOf(f, fullShowStart) < SHOW_SECONDS - 0.1);
    expect(full.length, 'the whole next showing was watched').toBeGreaterThan(6 * 30);
    for (const frame of full) {
      const t = offsetOf(frame, fullShowStart);
      if (t > 1.1 && t < 3.9) expect(bandOn(frame), `band on at ${t.toFixed(2)} s`).toBe(true);
      if (t < 0.9 || t > 4.1) expect(bandOn(frame), `band off at ${t.toFixed(2)} s`).toBe(false);
    }

    // 4. The late joiner: the first picture is ~2 s into the show, the band is on from it and
    // goes at 4 s: only the remaining part of the window, on the timeline's schedule.
    const joined = frames.slice(0, firstRed);
    const firstOffset = offsetOf(joined[0]!, joinedShowStart);
    expect(firstOffset, 'joined mid-window').toBeGreaterThan(1.5);
    expect(firstOffset).toBeLessThan(3.5);
    const onTimes = joined.filter(bandOn).map((f) => offsetOf(f, joinedShowStart));
    expect(bandOn(joined[0]!), 'band on from the first frame of a mid-window join').toBe(true);
    expect(Math.max(...onTimes)).toBeGreaterThan(3.8);
    expect(Math.max(...onTimes)).toBeLessThan(4.1);
    for (const frame of joined) {
      const t = offsetOf(frame, joinedShowStart);
      if (t > 4.1) expect(bandOn(frame), `band gone at ${t.toFixed(2)} s`).toBe(false);
    }
  }, 90_000);

  it('GET/PUT /api/channels/1/graphics: validated, a bad value is a 400 naming the field and changes nothing', async () => {
    const before = (await (await fetch(url('/api/channels/1/graphics'))).json()) as { graphics: unknown; effective: { bug: { opacity: number; corner: string } } };
    expect(before.effective.bug).toMatchObject({ opacity: 0.8, corner: 'top-right' });
    const put = (body: unknown) => fetch(url('/api/channels/1/graphics'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await put({ bug: { opacity: 7 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/graphics\.bug\.opacity/);
    const unchanged = (await (await fetch(url('/api/channels/1/graphics'))).json()) as typeof before;
    expect(unchanged).toEqual(before);
    const good = await put({ bug: { corner: 'bottom-left' } });
    expect(good.status).toBe(200);
    const after = (await good.json()) as typeof before;
    expect(after.effective.bug.corner).toBe('bottom-left');
    // Server-wide defaults still apply beneath the channel's override.
    expect((after.effective as unknown as { branding: { primary: string } }).branding.primary).toBe('0x00c000');
    expect((await fetch(url('/api/channels/99/graphics'))).status).toBe(404);
  });
});
