import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPlaylist, firstFrameColour, saveTo } from '../../helpers/hls.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * Each clip shows one colour for its first half and another for its second half, so the first
 * frame a restarted channel sends tells where in which file it joined: library start, file
 * start, or (as it must) the point the wall clock says.
 */
const CLIP_SECONDS = 6;
const CLIPS = [
  { name: '1-red-yellow.mp4', halves: ['red', 'yellow'] },
  { name: '2-blue-cyan.mp4', halves: ['blue', 'cyan'] },
  { name: '3-magenta-lime.mp4', halves: ['magenta', 'lime'] },
] as const;
const RGB: Record<string, [number, number, number]> = {
  red: [255, 0, 0], yellow: [255, 255, 0], blue: [0, 0, 255], cyan: [0, 255, 255], magenta: [255, 0, 255], lime: [0, 255, 0],
};

function nearestColour(rgb: [number, number, number]): string {
  const distance = (c: [number, number, number]) => c.reduce((sum, v, i) => sum + (v - rgb[i]!) ** 2, 0);
  return Object.entries(RGB).sort(([, a], [, b]) => distance(a) - distance(b))[0]![0];
}

async function makeTwoColourClips(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const half = CLIP_SECONDS / 2;
  for (const clip of CLIPS) {
    const [first, second] = clip.halves;
    const graph =
      `color=c=${first}:s=160x90:r=25:d=${half}[a];color=c=${second}:s=160x90:r=25:d=${half}[b];[a][b]concat=n=2:v=1:a=0[v];` +
      `sine=frequency=440:sample_rate=44100:duration=${CLIP_SECONDS}[s]`;
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, '-map', '[v]', '-map', '[s]',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', path.join(dir, clip.name)]);
  }
}

interface Health { channels: Array<{ number: number; state: string; encoder: { pid: number | null } }> }
interface NowInfo { now: { title: string; mediaPath: string; offsetMs: number; start: string } }

describe('channel lifecycle: stops when idle, rejoins the wall clock when asked again', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const health = async () => ((await (await fetch(url('/api/health'))).json()) as Health).channels[0]!;
  const nowAt = async (atMs?: number) =>
    (await (await fetch(url(`/api/channels/1/now${atMs === undefined ? '' : `?at=${atMs}`}`))).json()) as NowInfo;

  beforeAll(async () => {
    work = tempDir('lifecycle');
    const media = path.join(work, 'media');
    await makeTwoColourClips(media);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { idle_timeout: 2, packager: 'ffmpeg' } }));
  });

  afterAll(async () => {
    await server?.stop();
  });

  let firstPid: number;
  let firstSequence: number;

  it('INV-IDLE-1: is stopped until a viewer asks, then starts', async () => {
    expect((await health()).state).toBe('stopped');
    expect((await health()).encoder.pid).toBeNull();
    // Poll as an HLS player does (every second), so the channel has a viewer throughout.
    const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
    expect(playlist.segments.length).toBeGreaterThan(0);
    firstSequence = playlist.mediaSequence;
    const channel = await waitFor('the channel to be live while watched', async () => {
      await fetchPlaylist(url('/channel/1.m3u8'));
      const current = await health();
      return current.state === 'live' && current.encoder.pid ? current : undefined;
    }, 15_000, 1000);
    firstPid = channel.encoder.pid!;
    expect(existsSync(`/proc/${firstPid}`)).toBe(true);
  });

  it('INV-IDLE-1: stops its encoder about idle_timeout seconds after the last viewer', async () => {
    const stopped = await waitFor('the idle channel to stop', async () => ((await health()).state === 'stopped' ? true : undefined), 15_000);
    expect(stopped).toBe(true);
    expect((await health()).encoder.pid).toBeNull();
    await waitFor('the encoder process to be gone', () => (existsSync(`/proc/${firstPid}`) ? undefined : true), 5000, 50);
  });

  it('INV-TL-2: starts again when asked, joining where the wall clock says rather than at a file start', async () => {
    // Ask in the second half of a clip, away from colour changes, so the join point is unambiguous.
    await waitFor('the second half of a clip', async () => {
      const { now } = await nowAt();
      return now.offsetMs > 3700 && now.offsetMs < 5000 ? true : undefined;
    }, 3 * CLIP_SECONDS * 1000, 50);
    const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
    const channel = await health();
    expect(channel.encoder.pid).not.toBeNull();
    expect(channel.encoder.pid).not.toBe(firstPid);
    expect(playlist.mediaSequence).toBeGreaterThan(firstSequence);

    // The first segment of the new run is dated at the instant the run joined the timeline.
    const first = playlist.segments[0]!;
    expect(first.programDateTime).toBeDefined();
    const joined = await nowAt(first.programDateTime);
    const clip = CLIPS.find((c) => joined.now.mediaPath.endsWith(c.name))!;
    expect(joined.now.offsetMs).toBeGreaterThan(CLIP_SECONDS * 500); // the second half: not a file start
    expect(joined.now.offsetMs).toBeLessThan(CLIP_SECONDS * 1000 - 300);

    const file = await saveTo(path.join(work, 'first-after-restart.ts'), await (await fetch(url(`/channel/${first.uri}`))).arrayBuffer());
    expect(nearestColour(await firstFrameColour(file))).toBe(clip.halves[1]);
  });
});
