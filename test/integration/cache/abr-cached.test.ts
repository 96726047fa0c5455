import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { saveTo, watchVariantsInLockstep } from '../../helpers/hls.js';
import { runCli, sleep, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * A laddered channel and the media cache (issue 15: a ladder costs one fill per rendition):
 * `retrovue cache fill` fills each rung, the rungs copy-splice instead of encoding, and their
 * copied stretches — cut on the cached files' keyframes, not the run's grid — still give every
 * variant the same segments. A file cached at one rung only is rendered live at every rung
 * (otherwise the rungs would cut different segments).
 */
interface RungStatus { name: string; cache: { cachedSlices: number; liveSlices: number } }

/** A server playing a two-rung ladder over two short clips, after `cache fill` with `fillArgs`; returns it and fill's output. */
async function ladderServer(fillArgs: string[]): Promise<{ server: RunningServer; fillOutput: string }> {
  const work = tempDir('abr-cache');
  const media = path.join(work, 'media');
  const clips = await makeClips(media, [
    { name: '1-ad.mp4', seconds: 5.4, size: '320x240', rate: 25, toneHz: 440 },
    { name: '2-show.mp4', seconds: 7.2, size: '176x144', rate: 30, toneHz: 660 },
  ]);
  const base = testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { ladder: ['low', { quality: 'medium', resolution: '480x270', bitrate: '600k' }] } });
  const config = { ...base, graphics: { enabled: false } };
  const configFile = path.join(work, 'config.json');
  await saveTo(configFile, Buffer.from(JSON.stringify(config)));
  expect((await runCli(['scan', '--config', configFile])).code).toBe(0);
  const fillOutput = (await runCli(['cache', 'fill', '--config', configFile, ...fillArgs, ...clips], 90_000)).stdout;
  const server = await startServer(config as typeof base);
  await sleep(700); // tune in inside an airing, so a cached run starts on a keyframe before now
  return { server, fillOutput };
}

/** Watches both variants of channel 1 in lockstep; returns the durations seen and the rungs' status. */
async function watchLadder(server: RunningServer, ms: number) {
  const masterUrl = `${server.baseUrl}/channel/1.m3u8`;
  const uris = (await (await fetch(masterUrl)).text()).split('\n').filter((line) => line && !line.startsWith('#'));
  expect(uris).toEqual(['1/low.m3u8', '1/medium.m3u8']);
  const watched = await watchVariantsInLockstep(uris.map((u) => new URL(u, masterUrl).toString()), ms);
  const status = (await (await fetch(`${server.baseUrl}/api/channels/1/status`)).json()) as { ladder: RungStatus[] };
  return { ...watched, durations: [...watched.segments[0]!.values()].map((s) => s.duration), rungs: status.ladder };
}

/** How far a segment's duration is from the run's half-second grid (a live renderer's keyframe lands within a frame of it). */
const offGrid = (seconds: number): number => Math.abs(seconds - Math.round(seconds * 2) / 2);
const FRAME = 1 / 30;

describe('an adaptive-bitrate ladder from the media cache (real server, real ffmpeg)', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('INV-ABR-1: fills every rung, and every rung airs from the cache in lockstep with the others', async () => {
    const started = await ladderServer([]);
    server = started.server;
    // Two files at two profiles (the channel's own quality is the low rung).
    expect(started.fillOutput).toContain('Cached 4 of 4');
    const { mismatches, reloads, durations, rungs } = await watchLadder(server, 14_000);
    expect(mismatches).toEqual([]);
    expect(reloads).toBeGreaterThanOrEqual(10);
    // Copied stretches are cut at their files' keyframes: some segments are off the run's grid (the same in both variants).
    expect(durations.some((d) => offGrid(d) > 2 * FRAME), durations.join(' ')).toBe(true);
    for (const rung of rungs) {
      expect(rung.cache.cachedSlices, rung.name).toBeGreaterThanOrEqual(3);
      expect(rung.cache.liveSlices, rung.name).toBe(0);
    }
    await server.stop();
    server = undefined;
  }, 150_000);

  it('INV-ABR-1: renders live at every rung what is cached at one rung only, keeping the variants in lockstep', async () => {
    const started = await ladderServer(['--quality', 'low']);
    server = started.server;
    expect(started.fillOutput).toContain('Cached 2 of 2');
    const { mismatches, durations, rungs } = await watchLadder(server, 10_000);
    expect(mismatches).toEqual([]);
    expect(durations.every((d) => offGrid(d) <= FRAME + 0.002), durations.join(' ')).toBe(true);
    for (const rung of rungs) {
      expect(rung.cache.cachedSlices, rung.name).toBe(0);
      expect(rung.cache.liveSlices, rung.name).toBeGreaterThan(0);
    }
  }, 150_000);
});
