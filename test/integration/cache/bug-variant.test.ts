import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPlaylist, packetTimes, saveTo } from '../../helpers/hls.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * The default look has an always-on bug, which kept every programme live. With `cache.fill_ahead`
 * the server fills a per-channel variant with the bug burned in (keyed by the bug's settings and
 * the logo file) and airs programmes from it, while the commercial (bug hidden in breaks) airs
 * from the bare copy: once filled, the channel plays with no live renderer and the bug on screen.
 */
const W = 320;
const H = 180;
type RGB = [number, number, number];
let work: string;
/** The channel's graphics: the bug alone (a PUT replaces the whole override, so it is sent whole). */
const BUG_TEST_GRAPHICS = { bug: { corner: 'top-right', size_percent: 25, opacity: 0.8 }, lower_third: { enabled: false }, up_next: { enabled: false } };
interface Status { cache: { cachedSlices: number; liveSlices: number }; rendering: { cached: boolean } | null }
interface Health { cache: { entries: number; fillQueue: { depth: number; filled: number } | null } }

function regionMean(frame: Buffer, r: { x: number; y: number; w: number; h: number }): RGB {
  const sum = [0, 0, 0];
  for (let y = r.y; y < r.y + r.h; y += 1) for (let x = r.x; x < r.x + r.w; x += 1) for (let c = 0; c < 3; c += 1) sum[c]! += frame[(y * W + x) * 3 + c]!;
  return sum.map((v) => v / (r.w * r.h)) as RGB;
}

async function decode(segments: Buffer[], name: string): Promise<Buffer[]> {
  const file = await saveTo(path.join(work, name), Buffer.concat(segments));
  const count = (await packetTimes(file)).video.length;
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  const data = stdout as unknown as Buffer;
  const size = W * H * 3;
  expect(Math.round(data.length / size)).toBe(count);
  return Array.from({ length: count }, (_, i) => data.subarray(i * size, (i + 1) * size));
}

/** The picture away from any graphics (top-left): which airing it is. */
const isBlue = (frame: Buffer) => { const c = regionMean(frame, { x: 2, y: 2, w: 20, h: 10 }); return c[2] > 200 && c[0] < 40; };
const isRed = (frame: Buffer) => { const c = regionMean(frame, { x: 2, y: 2, w: 20, h: 10 }); return c[0] > 200 && c[2] < 40; };

function childCommands(root: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === root) found.push(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('a channel with an always-on bug airs from its cache variant (real server, real ffmpeg)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;

  beforeAll(async () => {
    work = tempDir('cache-bug');
    const media = path.join(work, 'media');
    await mkdir(path.join(media, 'commercials'), { recursive: true });
    const clip = (file: string, colour: string, seconds: number) =>
      run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=160x90:r=25:d=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file]);
    await clip(path.join(media, 'show.mp4'), 'blue', 6);
    await clip(path.join(media, 'commercials', 'ad.mp4'), 'red', 3);
    const logo = path.join(work, 'logo.png');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=white:s=64x64:d=1', '-frames:v', '1', logo]);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data') }),
      cache: { fill_ahead: true },
      graphics: { fade_seconds: 0 },
      channels: [{
        number: 1, name: 'Bug Test', call_sign: 'BUG1', logo, always_on: true,
        graphics: BUG_TEST_GRAPHICS,
      }],
    };
    server = await startServer(config);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('INV-CACHE-3 INV-CACHE-4: fills the show with the bug burned in and the ad bare, airs both copied with the bug on the show only, and never the old bug once it moves', async () => {
    await waitFor('the show\'s variant and the ad to be filled', async () => {
      const health = (await (await fetch(url('/api/health'))).json()) as Health;
      return health.cache.entries >= 2 && health.cache.fillQueue?.depth === 0 ? health : undefined;
    }, 90_000, 500);
    // Until the next airing starts, what was prepared before the fill may still render live.
    await sleep(10_000);
    const before = (await (await fetch(url('/api/channels/1/status'))).json()) as Status;
    const collected = new Map<number, Buffer>();
    const commands = new Set<string>();
    const until = Date.now() + 14_000;
    while (Date.now() < until) {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      for (const segment of playlist.segments) {
        if (!collected.has(segment.sequence)) collected.set(segment.sequence, Buffer.from(await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer()));
      }
      for (const command of childCommands(server.process.pid!)) commands.add(command);
      await sleep(300);
    }
    const after = (await (await fetch(url('/api/channels/1/status'))).json()) as Status;
    // A whole pass (show 6 s + ad 3 s) and more, all copied: no renderer started.
    const why = `${JSON.stringify({ before, after })}\n${server.logs.slice(-40).join('\n')}`;
    expect(after.cache.liveSlices, why).toBe(before.cache.liveSlices);
    expect(after.cache.cachedSlices - before.cache.cachedSlices, why).toBeGreaterThanOrEqual(2);
    expect([...commands].filter((c) => c.includes('ffmpeg'))).toEqual([]);

    // The newest segments (published in the window): blue frames carry the white bug top-right
    // (80 % over blue), red frames none.
    const TOP_RIGHT = { x: 255, y: 25, w: 40, h: 40 };
    const BOTTOM_LEFT = { x: 25, y: 115, w: 40, h: 40 };
    let frames = await decode([...collected.entries()].sort(([a], [b]) => a - b).slice(-4).map(([, data]) => data), 'recent.ts');
    const shows = frames.filter(isBlue);
    const ads = frames.filter(isRed);
    expect(shows.length).toBeGreaterThan(25);
    expect(ads.length).toBeGreaterThan(25);
    for (const frame of shows) expect(regionMean(frame, TOP_RIGHT)[0], 'the bug over the show').toBeGreaterThan(150);
    for (const frame of ads) expect(regionMean(frame, TOP_RIGHT)[0] - regionMean(frame, TOP_RIGHT)[2], 'no bug over the ad').toBeGreaterThan(150);

    // A moved bug is another variant: from the next airing on the show has the bug where it now
    // is (rendered live, or copied from the new variant once the background fill has made it),
    // never the old one from the cache.
    const moved = await fetch(url('/api/channels/1/graphics'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...BUG_TEST_GRAPHICS, bug: { ...BUG_TEST_GRAPHICS.bug, corner: 'bottom-left' } }) });
    expect(moved.status).toBe(200);
    await sleep(12_000);
    const later = new Map<number, Buffer>();
    const stop = Date.now() + 10_000;
    while (Date.now() < stop) {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      for (const segment of playlist.segments) {
        if (!later.has(segment.sequence)) later.set(segment.sequence, Buffer.from(await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer()));
      }
      await sleep(300);
    }
    frames = await decode([...later.entries()].sort(([a], [b]) => a - b).slice(-4).map(([, data]) => data), 'moved.ts');
    const movedShows = frames.filter(isBlue);
    expect(movedShows.length).toBeGreaterThan(25);
    const corners = movedShows.map((frame) => [Math.round(regionMean(frame, BOTTOM_LEFT)[0]), Math.round(regionMean(frame, TOP_RIGHT)[0])]);
    const cornersWhy = `${JSON.stringify(corners)}\n${server.logs.slice(-30).join('\n')}`;
    expect(corners.filter(([bottomLeft]) => bottomLeft <= 150), `the bug in its new corner: ${cornersWhy}`).toEqual([]);
    expect(corners.filter(([, topRight]) => topRight >= 40), `not in its old one: ${cornersWhy}`).toEqual([]);
  }, 180_000);
});
