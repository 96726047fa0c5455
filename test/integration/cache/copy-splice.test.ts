import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { blackAndSilence, captureHlsSegments, decodeErrors, packetTimes, readStreamFor, saveTo, streamFacts, type PacketTimes, type ParsedSegment } from '../../helpers/hls.js';
import { runCli, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * A loop channel whose library is partly cached: the ad and the black silent clip are copy-
 * spliced from the media cache, the bumper is rendered live, so every pass crosses cached→live,
 * live→cached and cached→cached boundaries. The output must keep every promise of the live
 * engine (compare test/integration/playout/boundaries.test.ts).
 */
const FRAME = 1 / 30;
const AAC_FRAME = 1024 / 48000;
const CAPTURE_MS = 22_000;

interface Airing { title: string; start: string; end: string }

describe('copy-splice playout from the media cache (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  let hlsFile: string;
  let tsFile: string;
  let segments: ParsedSegment[];
  let hls: PacketTimes;
  let airings: Airing[];
  let epochMs: number;
  let status: { cache: { cachedSlices: number; liveSlices: number; hitRatio: number } };

  beforeAll(async () => {
    work = tempDir('cache-splice');
    const media = path.join(work, 'media');
    const [ad, , silent] = await makeClips(media, [
      { name: '1-ad.mp4', seconds: 3.5, size: '320x240', rate: 25, layout: 'stereo', toneHz: 440 },
      { name: '2-bump.mp4', seconds: 2.6, size: '192x108', rate: 30, sampleRate: 22050, toneHz: 880 },
      { name: '3-silent.mp4', seconds: 2.2, size: '176x144', rate: 30, audio: false, picture: 'black' },
    ]);
    const config = { ...testConfig({ media: [media], dataDir: path.join(work, 'data') }), graphics: { enabled: false } };
    const configFile = path.join(work, 'config.json');
    await saveTo(configFile, Buffer.from(JSON.stringify(config)));
    expect((await runCli(['scan', '--config', configFile])).code).toBe(0);
    const fill = await runCli(['cache', 'fill', '--config', configFile, ad!, silent!], 60_000);
    expect(fill.stdout).toContain('Cached 2 of 2 files');

    server = await startServer(config);
    const startedAt = Date.now();
    airings = ((await (await fetch(url(`/api/channels/1/timeline?from=${startedAt - 60_000}&to=${startedAt + 120_000}`))).json()) as { airings: Airing[] }).airings;
    epochMs = Date.parse(airings[0]!.start);
    const tsViewer = readStreamFor(url('/channel/1.ts'), CAPTURE_MS);
    // Often: a copied slice reaches the packager at once, so at the start the run works ahead in
    // a burst of short ramp segments that a slow poll would see slide out of a 4-segment list.
    const ordered = await captureHlsSegments(url('/channel/1.m3u8'), CAPTURE_MS, 150);
    status = (await (await fetch(url('/api/channels/1/status'))).json()) as typeof status;
    segments = ordered.map((c) => c.segment);
    hlsFile = await saveTo(path.join(work, 'hls-joined.ts'), Buffer.concat(ordered.map((c) => c.data)));
    tsFile = await saveTo(path.join(work, 'viewer.ts'), (await tsViewer).data);
    hls = await packetTimes(hlsFile);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('airs cached slices without an encoder and the bumper live', () => {
    expect(status.cache.cachedSlices).toBeGreaterThanOrEqual(4);
    expect(status.cache.liveSlices).toBeGreaterThanOrEqual(2);
  });

  it('INV-AIR-3: one format throughout, decodable, one encoder run', async () => {
    const facts = await streamFacts(hlsFile);
    expect(facts.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(facts.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(await decodeErrors(hlsFile)).toBe('');
    expect(segments.filter((s) => s.discontinuity)).toEqual([]);
    const sequences = segments.map((s) => s.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
  });

  it('INV-GRID-1 INV-GRID-2: every frame on the frame grid and AAC frames tiling within one frame across ≥ 6 cached/live boundaries', () => {
    const videoDeltas = hls.video.slice(1).map((t, i) => t - hls.video[i]!);
    expect(Math.min(...videoDeltas)).toBeGreaterThan(FRAME - 0.0005);
    expect(Math.max(...videoDeltas)).toBeLessThan(FRAME + 0.0005);
    const audioDeltas = hls.audio.slice(1).map((t, i) => t - hls.audio[i]!);
    // Within one AAC frame: no overlap of a whole frame, no gap of a whole frame.
    expect(Math.min(...audioDeltas)).toBeGreaterThan(0);
    expect(Math.max(...audioDeltas)).toBeLessThan(2 * AAC_FRAME);
    const from = hls.video[0]! - 12.8;
    const boundaries = airings.map((a) => (Date.parse(a.start) - epochMs) / 1000).filter((t) => t > from && t < from + (hls.video[hls.video.length - 1]! - hls.video[0]!));
    expect(boundaries.length).toBeGreaterThanOrEqual(6);
  });

  it('INV-SEG-1: no segment longer than the target duration', () => {
    for (const s of segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(2);
  });

  it('INV-GRID-3: the cached silent clip sits on its timeline slot, pass after pass', async () => {
    const { black } = await blackAndSilence(hlsFile);
    const slots = airings.filter((a) => a.title === '3-silent').map((a) => ({ start: (Date.parse(a.start) - epochMs) / 1000, end: (Date.parse(a.end) - epochMs) / 1000 }));
    const whole = black.filter((b) => b.start > hls.video[0]! + 0.1 && b.end < hls.video[hls.video.length - 1]! - 0.1);
    expect(whole.length).toBeGreaterThanOrEqual(1);
    const STREAM_OFFSET = 12.8; // as in boundaries.test.ts: the clock origin and the two muxers' offsets
    for (const b of whole) {
      const slot = slots.reduce((best, s) => (Math.abs(b.start - s.start - STREAM_OFFSET) < Math.abs(b.start - best.start - STREAM_OFFSET) ? s : best));
      expect(Math.abs(b.start - slot.start - STREAM_OFFSET)).toBeLessThanOrEqual(FRAME + 0.001);
      expect(Math.abs(b.end - b.start - (slot.end - slot.start))).toBeLessThanOrEqual(FRAME + 0.001);
    }
  });

  it('gives a .ts viewer the same continuous stream', async () => {
    const times = await packetTimes(tsFile);
    const videoDeltas = times.video.slice(1).map((t, i) => t - times.video[i]!);
    expect(Math.min(...videoDeltas)).toBeGreaterThan(0);
    expect(Math.max(...videoDeltas)).toBeLessThan(FRAME * 2);
    expect(await decodeErrors(tsFile)).toBe('');
  });
});
