import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import {
  blackAndSilence, captureHlsSegments, decodeErrors, frameColours, packetTimes, readStreamFor, saveTo, streamFacts,
  type PacketTimes, type ParsedSegment,
} from '../../helpers/hls.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * A loop channel over four clips that differ in everything the normaliser handles: frame
 * size and aspect, frame rate, audio layout and rate, interlacing, and one with no audio at
 * all (a black picture, so its slot is recognisable from the content). A pass lasts ~9 s, so
 * ~20 s of channel crosses more than six airing boundaries.
 */
const FRAME = 1 / 30; // the channel's frame rate (config default)
const AAC_FRAME = 1024 / 48000;
const CAPTURE_MS = 20_000;

interface Airing { title: string; start: string; end: string; durationMs: number }

describe('concat playout across mixed sources (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  let hlsFile: string;
  let tsFile: string;
  let segments: ParsedSegment[];
  let hls: PacketTimes;
  let airings: Airing[];
  let epochMs: number;

  beforeAll(async () => {
    work = tempDir('boundaries');
    const media = path.join(work, 'media');
    await makeClips(media, [
      { name: '1-stereo.mp4', seconds: 2.5, size: '320x240', rate: 25, layout: 'stereo', toneHz: 440 },
      { name: '2-mono.mp4', seconds: 2, size: '192x108', rate: 30, sampleRate: 22050, toneHz: 880 },
      { name: '3-surround.mp4', seconds: 2.5, size: '160x120', rate: 24, layout: '5.1', sampleRate: 48000, interlaced: true, toneHz: 660 },
      { name: '4-silent.mp4', seconds: 2, size: '176x144', rate: 30, audio: false, picture: 'black' },
    ]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data') }));
    const startedAt = Date.now();
    // Loop mode: pass 0 began at the channel's stored epoch (this fresh server's start), so
    // the first airing of a window opening before it starts at the epoch.
    const timeline = (await (await fetch(url(`/api/channels/1/timeline?from=${startedAt - 60_000}&to=${startedAt + 120_000}`))).json()) as { airings: Airing[] };
    airings = timeline.airings;
    epochMs = Date.parse(airings[0]!.start);

    // Watch as an HLS player and as a .ts viewer at the same time, for the same stretch.
    const tsViewer = readStreamFor(url('/channel/1.ts'), CAPTURE_MS);
    const ordered = await captureHlsSegments(url('/channel/1.m3u8'), CAPTURE_MS, 500);
    segments = ordered.map((c) => c.segment);
    hlsFile = await saveTo(path.join(work, 'hls-joined.ts'), Buffer.concat(ordered.map((c) => c.data)));
    for (const { segment, data } of ordered) await saveTo(path.join(work, `seg-${segment.sequence}.ts`), data);
    tsFile = await saveTo(path.join(work, 'viewer.ts'), (await tsViewer).data);
    hls = await packetTimes(hlsFile);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** Airing boundaries on the channel clock (seconds since the epoch) inside [from, to]. */
  const boundariesBetween = (from: number, to: number) =>
    airings.map((a) => (Date.parse(a.start) - epochMs) / 1000).filter((t) => t > from && t < to);

  it('captured one encoder run, gap-free, spanning more than six airing boundaries', async () => {
    const health = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { restarts: number } }> };
    expect(health.channels[0]!.encoder.restarts).toBe(0);
    const sequences = segments.map((s) => s.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    const span = hls.video[hls.video.length - 1]! - hls.video[0]!;
    expect(span).toBeGreaterThan(15);
  });

  it('INV-AIR-3: renders every airing to one resolution, one frame rate and one audio format', async () => {
    for (const segment of segments) {
      const facts = await streamFacts(path.join(work, `seg-${segment.sequence}.ts`));
      expect(facts.streams.find((s) => s.codec_type === 'video'), segment.uri).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
      expect(facts.streams.find((s) => s.codec_type === 'audio'), segment.uri).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    }
    // Every decoded frame (not just the stream headers) has the channel's size.
    const frames = await frameColours(hlsFile);
    expect(frames.length).toBe(hls.video.length);
    // Constant frame rate: all but the frames at airing boundaries are exactly one frame apart.
    const deltas = hls.video.slice(1).map((t, i) => t - hls.video[i]!);
    const regular = deltas.filter((d) => Math.abs(d - FRAME) < 0.001).length;
    expect(regular / deltas.length).toBeGreaterThan(0.97);
    expect(await decodeErrors(hlsFile)).toBe('');
  });

  it('INV-GRID-1 INV-HLS-2: keeps timestamps continuous across airings: no discontinuity tag, no gap longer than a frame', () => {
    // Timestamps run on from airing to airing (each renderer starts where the channel clock
    // says), so within one encoder run the playlist needs no EXT-X-DISCONTINUITY.
    expect(segments.filter((s) => s.discontinuity).map((s) => s.uri)).toEqual([]);
    const videoDeltas = hls.video.slice(1).map((t, i) => t - hls.video[i]!);
    expect(Math.min(...videoDeltas)).toBeGreaterThan(FRAME - 0.0005);
    // Every frame on the channel's frame grid: exactly one frame apart, across boundaries too.
    expect(Math.max(...videoDeltas)).toBeLessThan(FRAME + 0.0005);
    // AAC frames tile exactly across airings (each airing on the channel's AAC grid): a gap
    // here would be swallowed by a PES holding several frames, and the sound would play early.
    const audioDeltas = hls.audio.slice(1).map((t, i) => t - hls.audio[i]!);
    expect(Math.min(...audioDeltas)).toBeGreaterThan(AAC_FRAME - 0.0005);
    expect(Math.max(...audioDeltas)).toBeLessThan(AAC_FRAME + 0.0005);
    const from = hls.video[0]! - 3;
    expect(boundariesBetween(from, from + (hls.video[hls.video.length - 1]! - hls.video[0]!)).length).toBeGreaterThanOrEqual(6);
  });

  it('INV-GRID-3: starts every airing on its timeline second: the silent clip sits on its slot, pass after pass', async () => {
    const { black, silence } = await blackAndSilence(hlsFile);
    const silentSlots = airings.filter((a) => a.title === '4-silent').map((a) => ({
      start: (Date.parse(a.start) - epochMs) / 1000,
      end: (Date.parse(a.end) - epochMs) / 1000,
    }));
    // Whole black stretches (not cut by the capture's edges) against the timeline's slots.
    const whole = black.filter((b) => b.start > hls.video[0]! + 0.1 && b.end < hls.video[hls.video.length - 1]! - 0.1);
    expect(whole.length).toBeGreaterThanOrEqual(1);
    // The stream's timestamps are the channel clock plus a constant (the engine's 10 s clock
    // origin and the two muxers' 1.4 s start offsets): the same for every slot, so nothing
    // drifts or accumulates.
    const STREAM_OFFSET = 12.8;
    const offsets = whole.map((b) => {
      const slot = silentSlots.reduce((best, s) => (Math.abs(b.end - b.start - (s.end - s.start)) < 1 && Math.abs(b.start - s.start - STREAM_OFFSET) < Math.abs(b.start - best.start - STREAM_OFFSET) ? s : best));
      expect(b.end - b.start).toBeCloseTo(slot.end - slot.start, 1);
      expect(Math.abs(b.end - b.start - (slot.end - slot.start))).toBeLessThanOrEqual(FRAME + 0.001);
      return b.start - slot.start;
    });
    for (const offset of offsets) expect(Math.abs(offset - offsets[0]!)).toBeLessThanOrEqual(FRAME + 0.001);

    // A/V sync at the last boundary out of the silent clip: sound and picture come back together.
    const last = whole[whole.length - 1]!;
    const soundBack = silence.find((s) => Math.abs(s.end - last.end) < 0.5);
    expect(soundBack, `silence ending near ${last.end}: ${JSON.stringify(silence)}`).toBeDefined();
    expect(Math.abs(soundBack!.end - last.end)).toBeLessThan(0.04);
  });

  it('gives a .ts viewer the same continuous stream: monotonic timestamps, one format, decodable', async () => {
    const facts = await streamFacts(tsFile);
    expect(facts.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 180 });
    expect(facts.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ sample_rate: '48000', channels: 2 });
    const times = await packetTimes(tsFile);
    expect(times.video[times.video.length - 1]! - times.video[0]!).toBeGreaterThan(12);
    const videoDeltas = times.video.slice(1).map((t, i) => t - times.video[i]!);
    expect(Math.min(...videoDeltas)).toBeGreaterThan(0);
    expect(Math.max(...videoDeltas)).toBeLessThan(FRAME * 2);
    const audioDeltas = times.audio.slice(1).map((t, i) => t - times.audio[i]!);
    expect(Math.min(...audioDeltas)).toBeGreaterThan(AAC_FRAME - 0.0005);
    expect(Math.max(...audioDeltas)).toBeLessThan(AAC_FRAME + 0.0005);
    expect(await decodeErrors(tsFile)).toBe('');
  });
});
