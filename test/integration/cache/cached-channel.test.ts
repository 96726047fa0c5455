import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { blackAndSilence, captureHlsSegments, decodeErrors, fetchPlaylist, packetTimes, saveTo, type ParsedSegment } from '../../helpers/hls.js';
import { runCli, sleep, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * A channel whose every airing is cached, tuned in cold: the run starts on the cached keyframe at
 * or before the request (copied, no encoder), the Node packager joins the slices, and no ffmpeg
 * runs at all — while every airing still sits on its timeline slot.
 */
const FRAME = 1 / 30;
const STREAM_OFFSET = 12.8; // the clock origin (10 s) and the renderer's and packager's muxer offsets (1.4 s each)
const CAPTURE_MS = 16_000;

interface Airing { title: string; start: string; end: string }

/** Command names of the server's live descendants. */
function descendantCommands(root: number): string[] {
  const parentOf = new Map<number, { ppid: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // gone meanwhile
    }
  }
  const found: string[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, info] of parentOf) if (info.ppid === parent) {
      found.push(info.comm);
      frontier.push(pid);
    }
  }
  return found;
}

describe('an all-cached channel (real server, real ffmpeg)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  let work: string;
  let askedAtMs: number;
  let segments: ParsedSegment[];
  let hlsFile: string;
  let airings: Airing[];
  let epochMs: number;
  let processesSeen: string[];
  let status: { packager: { kind: string; pid: number | null }; cache: { cachedSlices: number; liveSlices: number; hitRatio: number } };

  beforeAll(async () => {
    work = tempDir('cache-channel');
    const media = path.join(work, 'media');
    const clips = await makeClips(media, [
      { name: '1-ad.mp4', seconds: 4.4, size: '320x240', rate: 25, layout: 'stereo', toneHz: 440 },
      { name: '2-black.mp4', seconds: 3.2, size: '176x144', rate: 30, audio: false, picture: 'black' },
    ]);
    const config = { ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { idle_timeout: 30 } }), graphics: { enabled: false } };
    const configFile = path.join(work, 'config.json');
    await saveTo(configFile, Buffer.from(JSON.stringify(config)));
    expect((await runCli(['scan', '--config', configFile])).code).toBe(0);
    expect((await runCli(['cache', 'fill', '--config', configFile, ...clips], 60_000)).stdout).toContain('Cached 2 of 2 files');

    server = await startServer(config);
    // Tune in somewhere inside an airing (not on its start), so the run has a keyframe to go back to.
    await sleep(700);
    askedAtMs = Date.now();
    const first = await fetchPlaylist(url('/channel/1.m3u8'));
    expect(first.playlist.segments.length).toBeGreaterThan(0);
    airings = ((await (await fetch(url(`/api/channels/1/timeline?from=${askedAtMs - 60_000}&to=${askedAtMs + 60_000}`))).json()) as { airings: Airing[] }).airings;
    epochMs = Date.parse(airings[0]!.start);

    const seen = new Set<string>();
    const ordered = await captureHlsSegments(url('/channel/1.m3u8'), CAPTURE_MS, 150, () => {
      for (const command of descendantCommands(server.process.pid!)) seen.add(command);
    });
    processesSeen = [...seen];
    status = (await (await fetch(url('/api/channels/1/status'))).json()) as typeof status;
    segments = ordered.map((c) => c.segment);
    hlsFile = await saveTo(path.join(work, 'hls-joined.ts'), Buffer.concat(ordered.map((c) => c.data)));
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('INV-CACHE-4: runs no ffmpeg at all: every slice copied, the Node packager joining them', () => {
    expect(processesSeen.filter((c) => c.includes('ffmpeg'))).toEqual([]);
    expect(status.packager).toEqual({ kind: 'node', pid: null });
    expect(status.cache.liveSlices).toBe(0);
    expect(status.cache.cachedSlices).toBeGreaterThanOrEqual(4);
  });

  it('starts on the cached keyframe at or before the request, up to one GOP (2 s) back, with a 2 s first segment', async () => {
    const times = await packetTimes(hlsFile);
    const firstMs = epochMs + (times.video[0]! - STREAM_OFFSET) * 1000;
    expect(firstMs).toBeLessThanOrEqual(askedAtMs + 50);
    expect(firstMs).toBeGreaterThan(askedAtMs - 2000 - 1000);
    // On a cached keyframe of the airing on at that instant: its start plus a multiple of 2 s.
    const airing = airings.find((a) => Date.parse(a.start) <= firstMs + 1 && firstMs < Date.parse(a.end))!;
    const intoAiring = (firstMs - Date.parse(airing.start)) / 1000;
    expect(Math.abs(intoAiring / 2 - Math.round(intoAiring / 2)) * 2).toBeLessThanOrEqual(FRAME);
    expect(Math.abs(segments[0]!.duration - 2)).toBeLessThanOrEqual(FRAME + 0.001);
  });

  it('INV-GRID-1 INV-HLS-2 INV-SEG-1: one continuous, decodable stream across copied airings', async () => {
    expect(await decodeErrors(hlsFile)).toBe('');
    expect(segments.filter((s) => s.discontinuity)).toEqual([]);
    for (const s of segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(2);
    const times = await packetTimes(hlsFile);
    const deltas = times.video.slice(1).map((t, i) => t - times.video[i]!);
    expect(Math.min(...deltas)).toBeGreaterThan(FRAME - 0.0005);
    expect(Math.max(...deltas)).toBeLessThan(FRAME + 0.0005);
    const audioDeltas = times.audio.slice(1).map((t, i) => t - times.audio[i]!);
    expect(Math.min(...audioDeltas)).toBeGreaterThan(0);
    expect(Math.max(...audioDeltas)).toBeLessThan(2 * 1024 / 48000);
  });

  it('INV-GRID-3: the black clip sits on its timeline slot, pass after pass', async () => {
    const { black } = await blackAndSilence(hlsFile);
    const times = await packetTimes(hlsFile);
    const slots = airings.filter((a) => a.title === '2-black').map((a) => ({ start: (Date.parse(a.start) - epochMs) / 1000, end: (Date.parse(a.end) - epochMs) / 1000 }));
    const whole = black.filter((b) => b.start > times.video[0]! + 0.1 && b.end < times.video[times.video.length - 1]! - 0.1);
    expect(whole.length).toBeGreaterThanOrEqual(1);
    for (const b of whole) {
      const slot = slots.reduce((best, s) => (Math.abs(b.start - s.start - STREAM_OFFSET) < Math.abs(b.start - best.start - STREAM_OFFSET) ? s : best));
      expect(Math.abs(b.start - slot.start - STREAM_OFFSET)).toBeLessThanOrEqual(FRAME + 0.001);
      expect(Math.abs(b.end - b.start - (slot.end - slot.start))).toBeLessThanOrEqual(FRAME + 0.001);
    }
  });
});
