import { describe, expect, it } from 'vitest';
import { CaptionInserter, h264Pid } from '../../../src/captions/caption-inserter.js';
import { control, EOC } from '../../../src/captions/cea608-encoder.js';
import { pairsPerFrame, type CaptionCue } from '../../../src/captions/cea608-schedule.js';
import { keptAdaptation, repacketise } from '../../../src/captions/pes-rebuild.js';
import { captionSei } from '../../../src/captions/sei.js';
import { packetPid, payloadOffset, pcrSeconds, startsPayloadUnit, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';

/**
 * The inserter on synthetic MPEG-TS shaped like the packager's output: PAT/PMT, H.264 frames
 * (AUD, SPS/PPS on keyframes, a slice) each starting with a PCR and, on keyframes, the random
 * access indicator, audio packets between frames and a table packet in the middle of a frame
 * (where the remuxer puts its 100 ms repeats).
 */
const VIDEO = 0x100;
const AUDIO = 0x101;
const PMT = 0x1000;
const FRAME = 3003;
const FIRST_PTS = 126_000;

function packet(pid: number, start: boolean, cc: number, adaptation: number[] | undefined, payload: Buffer): Buffer {
  const data = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  const room = TS_PACKET_SIZE - 4 - payload.length;
  let af = adaptation ? [...adaptation] : [];
  if (room > 0 || af.length > 0) {
    // Adaptation field: [length, flags, fields…, stuffing] sized so the payload ends the packet.
    const body = af.length > 0 ? af : [0x00];
    const total = room;
    af = total === 1 ? [0] : [total - 1, ...body, ...new Array<number>(Math.max(0, total - 1 - body.length)).fill(0xff)];
  }
  data[0] = 0x47;
  data[1] = (start ? 0x40 : 0) | (pid >> 8);
  data[2] = pid & 0xff;
  data[3] = (af.length > 0 ? 0x20 : 0) | (payload.length > 0 ? 0x10 : 0) | cc;
  Buffer.from(af).copy(data, 4);
  payload.copy(data, 4 + af.length);
  return data;
}

function tables(): Buffer[] {
  const pat = packet(0, true, 0, undefined, Buffer.from([0, 0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (PMT >> 8), PMT & 0xff, 0, 0, 0, 0, ...new Array<number>(167).fill(0xff)]));
  const pmt = packet(PMT, true, 0, undefined, Buffer.from([0, 0x02, 0xb0, 23, 0, 1, 0xc1, 0, 0, 0xe0 | (VIDEO >> 8), VIDEO & 0xff, 0xf0, 0,
    0x0f, 0xe0 | (AUDIO >> 8), AUDIO & 0xff, 0xf0, 0, 0x1b, 0xe0 | (VIDEO >> 8), VIDEO & 0xff, 0xf0, 0, 0, 0, 0, 0, ...new Array<number>(157).fill(0xff)]));
  return [pat, pmt];
}

function ptsBytes(pts: number): number[] {
  return [0x21 | ((Math.floor(pts / 2 ** 30) & 0x7) << 1), (pts >> 22) & 0xff, 0x01 | (((pts >> 15) & 0x7f) << 1), (pts >> 7) & 0xff, 0x01 | ((pts & 0x7f) << 1)];
}

/** An access unit: AUD, SPS+PPS on a keyframe, maybe the source's own caption SEI, a slice of `size` bytes. */
function accessUnit(key: boolean, size: number, ownCaptions = false): Buffer {
  const parts = [Buffer.from([0, 0, 0, 1, 0x09, 0xf0])];
  if (key) parts.push(Buffer.from([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xd9]), Buffer.from([0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80]));
  if (ownCaptions) parts.push(captionSei([0xfc, 0x94, 0x2c]));
  parts.push(Buffer.from([0, 0, 0, 1, key ? 0x65 : 0x41]), Buffer.alloc(size, 0x5a));
  return Buffer.concat(parts);
}

const counters = new Map<number, number>();
function next(pid: number): number {
  const cc = ((counters.get(pid) ?? 15) + 1) & 0xf;
  counters.set(pid, cc);
  return cc;
}

/** One frame's packets: the PES cut into packets, the first with the PCR (and RAI on a keyframe). */
function framePackets(index: number, size: number, ownCaptions = false): Buffer[] {
  const pts = FIRST_PTS + index * FRAME;
  const key = index % 30 === 0;
  const pes = Buffer.concat([Buffer.from([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, ...ptsBytes(pts)]), accessUnit(key, size, ownCaptions)]);
  const pcr = pts - 1000;
  const af = [(key ? 0x40 : 0) | 0x10, (pcr >> 25) & 0xff, (pcr >> 17) & 0xff, (pcr >> 9) & 0xff, (pcr >> 1) & 0xff, ((pcr & 1) << 7) | 0x7e, 0];
  const packets: Buffer[] = [];
  let pos = 0;
  while (pos < pes.length) {
    const first = pos === 0;
    const room = TS_PACKET_SIZE - 4 - (first ? af.length + 1 : 0);
    const chunk = pes.subarray(pos, pos + room);
    packets.push(packet(VIDEO, first, next(VIDEO), first ? af : undefined, chunk));
    pos += chunk.length;
  }
  return packets;
}

const audioPacket = (): Buffer => packet(AUDIO, true, next(AUDIO), undefined, Buffer.alloc(184, 0xa5));

/** A stream of `frames` frames; frame sizes vary so PES end at every offset within a packet. */
function stream(frames: number, ownCaptionsAt = -1): Buffer {
  counters.clear();
  const packets: Buffer[] = [...tables()];
  for (let i = 0; i < frames; i++) {
    packets.push(audioPacket());
    const video = framePackets(i, 300 + ((i * 37) % 700), i === ownCaptionsAt);
    // A table packet inside the frame, as the remuxer inserts them every 100 ms.
    if (i % 3 === 1 && video.length > 2) video.splice(1, 0, tables()[0]!);
    packets.push(...video);
  }
  return Buffer.concat(packets);
}

async function run(input: Buffer, cues: CaptionCue[], chunkPackets = 50): Promise<{ parts: Buffer[]; out: Buffer; inserter: CaptionInserter }> {
  const inserter = new CaptionInserter({ cuesBetween: (from, to) => cues.filter((c) => c.endPts > from && c.startPts < to), frameRate: 30000 / 1001 });
  const parts: Buffer[] = [];
  inserter.on('data', (chunk: Buffer[]) => parts.push(...chunk));
  const ended = new Promise((resolve) => inserter.on('end', resolve));
  for (let at = 0; at < input.length; at += chunkPackets * TS_PACKET_SIZE) inserter.write([input.subarray(at, at + chunkPackets * TS_PACKET_SIZE)]);
  inserter.end();
  await ended;
  return { parts, out: Buffer.concat(parts), inserter };
}

interface Frame {
  pes: Buffer;
  first: Buffer;
}

function videoFrames(data: Buffer): Frame[] {
  const frames: Array<{ payloads: Buffer[]; first: Buffer }> = [];
  for (let at = 0; at < data.length; at += TS_PACKET_SIZE) {
    if (packetPid(data, at) !== VIDEO) continue;
    const p = data.subarray(at, at + TS_PACKET_SIZE);
    if (startsPayloadUnit(data, at)) frames.push({ payloads: [], first: p });
    frames.at(-1)?.payloads.push(p.subarray(payloadOffset(p, 0)));
  }
  return frames.map((f) => ({ pes: Buffer.concat(f.payloads), first: f.first }));
}

/** The 608 pairs of field 1 in each frame (undefined: no caption SEI), and how many caption SEI each has. */
function captionPairs(frames: Frame[]): Array<{ pair: number | undefined; seis: number }> {
  const marker = Buffer.from([0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03]);
  return frames.map(({ pes }) => {
    let seis = 0;
    let pair: number | undefined;
    for (let at = pes.indexOf(marker); at >= 0; at = pes.indexOf(marker, at + 1)) {
      seis += 1;
      const count = pes[at + 8]! & 0x1f;
      for (let i = 0; i < count; i++) {
        const t = at + 10 + i * 3;
        if (pes[t] === 0xfc && (pes[t + 1] !== 0x80 || pes[t + 2] !== 0x80)) pair = (pes[t + 1]! << 8) | pes[t + 2]!;
      }
    }
    return { pair, seis };
  });
}

function pidPackets(data: Buffer, pid: number): Buffer[] {
  const packets: Buffer[] = [];
  for (let at = 0; at < data.length; at += TS_PACKET_SIZE) if (packetPid(data, at) === pid) packets.push(data.subarray(at, at + TS_PACKET_SIZE));
  return packets;
}

describe('CaptionInserter on synthetic MPEG-TS', () => {
  it('finds the H.264 PID in the PMT', () => {
    expect(h264Pid(tables()[1]!, 0)).toBe(VIDEO);
  });

  it('with no cue, passes the stream through unchanged and uncopied', async () => {
    const input = stream(60);
    const original = Buffer.from(input);
    const { parts, out, inserter } = await run(input, []);
    expect(out.equals(original)).toBe(true);
    expect(inserter.captionedFrames).toBe(0);
    // Every part is a view of the input: nothing was copied.
    for (const part of parts) expect(part.buffer).toBe(input.buffer);
  });

  it('carries each frame its planned pair, EOC at the cue start, the rest of the stream intact', async () => {
    const frames = 150;
    const input = stream(frames);
    const original = Buffer.from(input);
    const cue: CaptionCue = { startPts: FIRST_PTS + 60 * FRAME, endPts: FIRST_PTS + 120 * FRAME, text: 'Hello, caption' };
    const { parts, out, inserter } = await run(input, [cue]);
    expect(inserter.captionedFrames).toBeGreaterThan(10);

    // Other PIDs: the same packets in the same order, never copied.
    for (const pid of [0, AUDIO]) expect(Buffer.concat(pidPackets(out, pid)).equals(Buffer.concat(pidPackets(original, pid)))).toBe(true);
    const foreign = parts.filter((part) => part.buffer !== input.buffer);
    for (const part of foreign) for (let at = 0; at < part.length; at += TS_PACKET_SIZE) expect(packetPid(part, at)).toBe(VIDEO);

    // Video: as many frames, continuity counters running on, PCR and RAI where they were.
    const before = videoFrames(original);
    const after = videoFrames(out);
    expect(after).toHaveLength(before.length);
    const ccs = pidPackets(out, VIDEO).map((p) => p[3]! & 0xf);
    ccs.forEach((cc, i) => i > 0 && expect(cc).toBe((ccs[i - 1]! + 1) & 0xf));
    after.forEach((frame, i) => {
      expect(pcrSeconds(frame.first, 0)).toBe(pcrSeconds(before[i]!.first, 0));
      expect(frame.first[5]! & 0x40).toBe(before[i]!.first[5]! & 0x40);
    });

    // Each frame's PES is the original with at most one SEI before the slice.
    const pairs = captionPairs(after);
    after.forEach((frame, i) => {
      const sei = frame.pes.indexOf(Buffer.from([0, 0, 1, 0x06, 0x04]));
      if (pairs[i]!.seis === 0) {
        expect(frame.pes.equals(before[i]!.pes)).toBe(true);
        return;
      }
      const slice = frame.pes.indexOf(Buffer.from([0, 0, 0, 1, i % 30 === 0 ? 0x65 : 0x41]));
      expect(sei).toBeGreaterThan(0);
      expect(slice).toBeGreaterThan(sei);
      const withoutSei = Buffer.concat([frame.pes.subarray(0, sei), frame.pes.subarray(slice)]);
      expect(withoutSei.equals(before[i]!.pes)).toBe(true);
    });

    // The pairs are the plan, frame for frame: the EOC in the cue's first frame.
    const plan = pairsPerFrame([cue], { frameTicks: FRAME, firstPts: FIRST_PTS, frameCount: frames }).pairs;
    expect(pairs.map((p) => p.pair)).toEqual(plan);
    expect(pairs[60]!.pair).toBe(control(1, EOC));
  });

  it('keeps the source captions of a frame and sends its pair one frame later', async () => {
    const cue: CaptionCue = { startPts: FIRST_PTS + 40 * FRAME, endPts: FIRST_PTS + 80 * FRAME, text: 'Mine' };
    const plan = pairsPerFrame([cue], { frameTicks: FRAME, firstPts: FIRST_PTS, frameCount: 100 }).pairs;
    const busy = plan.findIndex((p) => p !== undefined);
    const { out, inserter } = await run(stream(100, busy), [cue]);
    const pairs = captionPairs(videoFrames(out));
    expect(inserter.sourceCaptionFrames).toBe(1);
    expect(pairs[busy]).toEqual({ pair: 0x942c, seis: 1 }); // theirs, alone
    expect(pairs[busy + 1]!.pair).toBe(plan[busy]);
  });

  it('plans a cue the feed could only give late (a cold start reading an embedded track), while its start is still ahead', async () => {
    const input = stream(150);
    const cue: CaptionCue = { startPts: FIRST_PTS + 100 * FRAME, endPts: FIRST_PTS + 140 * FRAME, text: 'Late but on time' };
    let asked = 0;
    // The first asks see nothing (the cues are still being read); later ones see the cue.
    const inserter = new CaptionInserter({ cuesBetween: (from, to) => (++asked <= 4 ? [] : [cue].filter((c) => c.endPts > from && c.startPts < to)), frameRate: 30000 / 1001 });
    const parts: Buffer[] = [];
    inserter.on('data', (chunk: Buffer[]) => parts.push(...chunk));
    const ended = new Promise((resolve) => inserter.on('end', resolve));
    for (let at = 0; at < input.length; at += 50 * TS_PACKET_SIZE) inserter.write([input.subarray(at, at + 50 * TS_PACKET_SIZE)]);
    inserter.end();
    await ended;
    expect(asked).toBeGreaterThan(4);
    expect(inserter.captionedFrames).toBeGreaterThan(10);
    expect(inserter.lateCues).toBe(0);
  });

  it('works whatever the chunking (a frame split across many chunks)', async () => {
    const cue: CaptionCue = { startPts: FIRST_PTS + 30 * FRAME, endPts: FIRST_PTS + 50 * FRAME, text: 'Chunks' };
    const a = await run(stream(70), [cue], 1);
    const b = await run(stream(70), [cue], 500);
    expect(a.out.equals(b.out)).toBe(true);
  });
});

describe('PES repacketising', () => {
  it('keeps PCR and flags, drops stuffing, adds a packet when the PES outgrows the originals', () => {
    counters.clear();
    const originals = framePackets(0, 1000);
    expect(keptAdaptation(originals[0]!)).toBe(8);
    const pes = Buffer.concat(originals.map((p) => p.subarray(payloadOffset(p, 0))));
    // Exactly what fits: same packets back.
    const same = repacketise(pes, originals);
    expect(same.extras).toHaveLength(0);
    same.perOriginal.forEach((p, i) => expect(p!.subarray(4).equals(originals[i]!.subarray(4))).toBe(true));
    // 200 bytes more: one extra packet, the last one padded by an adaptation field.
    const grown = repacketise(Buffer.concat([pes, Buffer.alloc(200, 1)]), originals);
    expect(grown.extras.length).toBeGreaterThanOrEqual(1);
    const all = [...grown.perOriginal.map((p) => p!), ...grown.extras];
    expect(Buffer.concat(all.map((p) => p.subarray(payloadOffset(p, 0)))).equals(Buffer.concat([pes, Buffer.alloc(200, 1)]))).toBe(true);
    expect(pcrSeconds(all[0]!, 0)).toBe(pcrSeconds(originals[0]!, 0));
    expect(all.map((p) => startsPayloadUnit(p, 0))).toEqual(all.map((_, i) => i === 0));
  });
});
