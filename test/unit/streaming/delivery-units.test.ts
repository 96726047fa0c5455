import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { Segmenter, type CutSegment } from '../../../src/hls/segmenter.js';
import { packetPid, pcrSeconds, pesStart, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';
import { TsPieceReader } from '../../../src/streaming/ts-pieces.js';
import { TsStreamFanout } from '../../../src/streaming/ts-stream-fanout.js';

/** Synthetic MPEG-TS, shaped as ffmpeg's muxer writes it: PAT, PMT, video PES with PCR/RAI, audio PES. */
const VIDEO = 0x100;
const AUDIO = 0x101;
const PMT = 0x1000;

function packet(pid: number, options: { start?: boolean; pcr?: number; key?: boolean; pes?: { streamId: number; pts: number } } = {}): Buffer {
  const data = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  data[0] = 0x47;
  data[1] = (options.start ? 0x40 : 0) | (pid >> 8);
  data[2] = pid & 0xff;
  let p = 4;
  if (options.pcr !== undefined || options.key) {
    data[3] = 0x30;
    data[4] = 7;
    data[5] = (options.key ? 0x40 : 0) | (options.pcr !== undefined ? 0x10 : 0);
    const base = Math.round((options.pcr ?? 0) * 90_000);
    data[6] = Math.floor(base / 33554432) & 0xff;
    data[7] = Math.floor(base / 131072) & 0xff;
    data[8] = Math.floor(base / 512) & 0xff;
    data[9] = Math.floor(base / 2) & 0xff;
    data[10] = ((base & 1) << 7) | 0x7e;
    data[11] = 0;
    p = 12;
  } else {
    data[3] = 0x10;
  }
  if (pid === 0 && options.start) {
    // pointer 0; table 0; section length 13; tsid 1; version; section 0/0; program 1 -> PMT pid; CRC
    Buffer.from([0, 0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (PMT >> 8), PMT & 0xff, 0, 0, 0, 0]).copy(data, p);
  }
  if (options.pes) {
    const pts = Math.round(options.pes.pts * 90_000);
    Buffer.from([0, 0, 1, options.pes.streamId, 0, 0, 0x80, 0x80, 5,
      0x21 | ((Math.floor(pts / 1073741824) & 0x7) << 1), Math.floor(pts / 4194304) & 0xff, ((Math.floor(pts / 32768) & 0x7f) << 1) | 1,
      Math.floor(pts / 128) & 0xff, ((pts & 0x7f) << 1) | 1]).copy(data, p);
  }
  return data;
}

/** `seconds` of stream at 10 fps: a frame packet (PCR = PTS - 0.7) and an audio packet per frame, keyframes every `gop`. */
function stream(fromSeconds: number, seconds: number, gop = 1): Buffer {
  const packets: Buffer[] = [packet(0, { start: true }), packet(PMT, { start: true })];
  for (let i = 0; i < seconds * 10; i++) {
    const t = fromSeconds + i / 10;
    const key = Math.abs(t / gop - Math.round(t / gop)) < 1e-6;
    packets.push(packet(VIDEO, { start: true, pcr: t + 10 - 0.7, key, pes: { streamId: 0xe0, pts: t + 10 } }));
    packets.push(packet(VIDEO)); // the rest of the frame
    packets.push(packet(AUDIO, { start: true, pes: { streamId: 0xc0, pts: t + 10 } }));
    packets.push(packet(AUDIO));
  }
  return Buffer.concat(packets);
}

const pids = (data: Buffer): number[] => Array.from({ length: data.length / TS_PACKET_SIZE }, (_, i) => packetPid(data, i * TS_PACKET_SIZE));

describe('MPEG-TS reading', () => {
  it('reads PCR and PTS back as written, and splits pieces so every keyframe starts one', () => {
    const data = stream(0, 3);
    expect(pcrSeconds(data, 2 * TS_PACKET_SIZE)).toBeCloseTo(9.3, 6);
    expect(pesStart(data, 2 * TS_PACKET_SIZE)).toEqual({ streamId: 0xe0, ptsSeconds: 10 });
    const reader = new TsPieceReader();
    // Fed in awkward chunk sizes: partial packets are carried over.
    const pieces = [data.subarray(0, 1000), data.subarray(1000, 5001), data.subarray(5001)].flatMap((chunk) => reader.read(chunk));
    expect(Buffer.concat(pieces.map((p) => p.data)).equals(data)).toBe(true);
    expect(pieces.filter((p) => p.keyframePtsSeconds !== undefined).map((p) => p.keyframePtsSeconds)).toEqual([10, 11, 12]);
    expect(pieces.every((p) => p.keyframePtsSeconds === undefined || packetPid(p.data, 0) === VIDEO)).toBe(true);
    expect(reader.clockSeconds).toBeCloseTo(2.9, 6);
    // Each piece carries the tables in force at its start: none before the first PAT, then these.
    expect(pieces[0]!.pat).toBeUndefined();
    expect(pids(pieces[1]!.pat!)).toEqual([0]);
    expect(pids(pieces[1]!.pmt!)).toEqual([PMT]);
  });
});

describe('Segmenter', () => {
  it('cuts on the ramp grid at keyframes, ignores keyframes between grid points, opens each segment on PAT+PMT', () => {
    const reader = new TsPieceReader();
    const segments: CutSegment[] = [];
    const segmenter = new Segmenter(channelGrid(2), (s) => segments.push(s));
    // Keyframes every 0.5 s: the grid (0, 0.5, 1, 2, 3, 5, 7) takes only some of them.
    for (const piece of reader.read(stream(0, 8, 0.5))) segmenter.push(piece);
    segmenter.finish(reader.videoPtsSeconds, 0.1);
    expect(segments.map((s) => [s.gridIndex, Number(s.durationSeconds.toFixed(3))])).toEqual([[0, 0.5], [1, 0.5], [2, 1], [3, 1], [4, 2], [5, 2], [6, 1]]);
    for (const segment of segments) {
      expect(pids(segment.data).slice(0, 3)).toEqual([0, PMT, VIDEO]);
    }
  });

  it('hands a segment over as its parts, joined once when first asked for', () => {
    const reader = new TsPieceReader();
    const segments: CutSegment[] = [];
    const segmenter = new Segmenter(channelGrid(2), (s) => segments.push(s));
    const input = stream(0, 8, 0.5);
    for (const piece of reader.read(input)) segmenter.push(piece);
    segmenter.finish(reader.videoPtsSeconds, 0.1);
    const segment = segments[4]!;
    expect(segment.parts.length).toBeGreaterThan(1);
    const concatenated = Buffer.concat(segment.parts);
    expect(segment.data.length).toBe(concatenated.length);
    expect(segment.data.equals(concatenated)).toBe(true);
    expect(segment.data).toBe(segment.data);
    // Joined, the segment holds its bytes once.
    expect(segment.parts).toEqual([segment.data]);
    // Every byte after the first segment's tables is in exactly one segment, in order.
    expect(segments.reduce((sum, s) => sum + s.data.length, 0)).toBeGreaterThan(input.length * 0.9);
  });
});

describe('TsStreamFanout', () => {
  const log = pino({ level: 'silent' });

  it('holds pieces until their PCR is due, then releases them; a new viewer gets PAT, PMT and the burst from a keyframe', async () => {
    let now = 1_000_000;
    const fanout = new TsStreamFanout({ log, burstSeconds: 3, now: () => now });
    const reader = new TsPieceReader();
    fanout.beginRun(now);
    for (const piece of reader.read(stream(0, 10, 1))) fanout.push(piece);
    const early = fanout.addViewer();
    const received: Buffer[] = [];
    early.on('data', (d: Buffer) => received.push(d));
    // Nothing is due at the run's first instant but the first piece: the viewer waits for a keyframe.
    now += 6_050; // 6 s of stream are due
    await new Promise((resolve) => setTimeout(resolve, 120));
    const got = Buffer.concat(received);
    const pts = (data: Buffer) => pids(data).map((_, i) => pesStart(data, i * TS_PACKET_SIZE)?.ptsSeconds).filter((t): t is number => t !== undefined);
    expect(Math.max(...pts(got))).toBeLessThanOrEqual(10 + 6 + 0.7 + 0.1); // not the whole 10 s at once
    expect(Math.max(...pts(got))).toBeGreaterThan(10 + 5);

    const late = fanout.addViewer();
    const burst: Buffer[] = [];
    late.on('data', (d: Buffer) => burst.push(d));
    await new Promise((resolve) => setImmediate(resolve));
    const first = Buffer.concat(burst);
    expect(pids(first).slice(0, 3)).toEqual([0, PMT, VIDEO]);
    const times = pts(first);
    // Burst: from the newest keyframe at least 3 s before the live point (keyframes every 1 s).
    expect(times[0]).toBe(Math.min(...times));
    expect(Math.max(...times) - times[0]!).toBeGreaterThanOrEqual(3 - 0.2);
    expect(Math.max(...times) - times[0]!).toBeLessThan(4 + 0.2);
    early.destroy();
    late.destroy();
    fanout.reset();
  });

  it('drops a viewer that stops reading instead of buffering without bound, and keeps serving the others', async () => {
    let now = 0;
    const fanout = new TsStreamFanout({ log, burstSeconds: 0, now: () => now });
    const reader = new TsPieceReader();
    fanout.beginRun(0);
    const stalled = fanout.addViewer(); // never read
    const reading = fanout.addViewer();
    let bytes = 0;
    reading.on('data', (d: Buffer) => (bytes += d.length));
    // ~20 MB of stream, due at once: the stalled viewer passes the 16 MB backlog.
    for (let s = 0; s < 25; s++) for (const piece of reader.read(Buffer.concat(Array.from({ length: 110 }, () => stream(s, 1, 1))))) fanout.push(piece);
    now = 1e9;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stalled.destroyed).toBe(true);
    expect(reading.destroyed).toBe(false);
    expect(bytes).toBeGreaterThan(16 * 1024 * 1024);
    reading.destroy();
    fanout.reset();
  });
});
