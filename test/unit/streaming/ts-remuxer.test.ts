import { describe, expect, it } from 'vitest';
import { isRandomAccess, packetPid, pcrSeconds, pesStart, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';
import { tableTemplate, TsRemuxer } from '../../../src/streaming/ts-remuxer.js';

/**
 * The Node packager on synthetic inputs shaped like the chain's: each input a little stream of
 * its own (PAT, PMT, counters from 0, first packets flagged as a discontinuity), the second
 * with other PIDs than the first and a splicer's adaptation-only discontinuity marker.
 */
const PMT_PID = 0x1000;

function header(pid: number, start: boolean, cc: number, adaptation?: Buffer, payload = true): Buffer {
  const data = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  data[0] = 0x47;
  data[1] = (start ? 0x40 : 0) | (pid >> 8);
  data[2] = pid & 0xff;
  data[3] = (adaptation ? 0x20 : 0) | (payload ? 0x10 : 0) | cc;
  if (adaptation) {
    data[4] = adaptation.length;
    adaptation.copy(data, 5);
  }
  return data;
}

/** A PAT flagged as a counter restart (an adaptation field, as +initial_discontinuity writes it). */
function pat(pmtPid: number): Buffer {
  const data = header(0, true, 0, Buffer.from([0x80]));
  Buffer.from([0, 0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (pmtPid >> 8), pmtPid & 0xff, 0, 0, 0, 0]).copy(data, 6);
  return data;
}

function pmt(pmtPid: number, video: number, audio: number): Buffer {
  const data = header(pmtPid, true, 0);
  // pointer; table 2; section length 23; program 1; version; sections; PCR PID; no program info;
  // H.264 on `video`, AAC (ADTS) on `audio`; CRC.
  Buffer.from([0, 0x02, 0xb0, 23, 0, 1, 0xc1, 0, 0, 0xe0 | (video >> 8), video & 0xff, 0xf0, 0,
    0x1b, 0xe0 | (video >> 8), video & 0xff, 0xf0, 0, 0x0f, 0xe0 | (audio >> 8), audio & 0xff, 0xf0, 0, 0, 0, 0, 0]).copy(data, 4);
  return data;
}

function pcrField(seconds: number, flags: number): Buffer {
  const base = Math.round(seconds * 90_000);
  return Buffer.from([flags | 0x10, Math.floor(base / 33554432) & 0xff, Math.floor(base / 131072) & 0xff, Math.floor(base / 512) & 0xff, Math.floor(base / 2) & 0xff, ((base & 1) << 7) | 0x7e, 0]);
}

function withPes(data: Buffer, streamId: number, seconds: number): Buffer {
  const pts = Math.round(seconds * 90_000);
  const p = 4 + ((data[3]! & 0x20) !== 0 ? 1 + data[4]! : 0);
  Buffer.from([0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5,
    0x21 | ((Math.floor(pts / 1073741824) & 0x7) << 1), Math.floor(pts / 4194304) & 0xff, ((Math.floor(pts / 32768) & 0x7f) << 1) | 1,
    Math.floor(pts / 128) & 0xff, ((pts & 0x7f) << 1) | 1]).copy(data, p);
  return data;
}

/** One input: `frames` frames at 10 fps from `from` s, a keyframe every 5, PCR = PTS − 0.7. */
function input(video: number, audio: number, from: number, frames: number, spliceMarker = false): Buffer {
  const packets = [pat(PMT_PID), pmt(PMT_PID, video, audio)];
  if (spliceMarker) packets.push(header(audio, false, 15, Buffer.from([0x80, ...Buffer.alloc(182, 0xff)]), false));
  let vcc = 0;
  let acc = 0;
  for (let i = 0; i < frames; i++) {
    const t = from + i / 10;
    const first = i === 0 ? 0x80 : 0;
    packets.push(withPes(header(video, true, vcc++ & 15, pcrField(t - 0.7, first | (i % 5 === 0 ? 0x40 : 0))), 0xe0, t));
    packets.push(header(video, false, vcc++ & 15));
    packets.push(withPes(header(audio, true, acc++ & 15, i === 0 ? Buffer.from([first]) : undefined), 0xc0, t));
  }
  return Buffer.concat(packets);
}

function remux(chunks: Buffer[], offsetSeconds = 1.4): Promise<Buffer> {
  const remuxer = new TsRemuxer({ offsetSeconds });
  const out: Buffer[] = [];
  remuxer.on('data', (parts: Buffer[]) => out.push(...parts));
  return new Promise((resolve) => {
    remuxer.on('end', () => resolve(Buffer.concat(out)));
    for (const chunk of chunks) remuxer.write(chunk);
    remuxer.end();
  });
}

function packets(data: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < data.length; at += TS_PACKET_SIZE) offsets.push(at);
  return offsets;
}

describe('TsRemuxer: the Node packager', () => {
  it('joins two inputs into one stream on the first input\'s PIDs, counters running on, no discontinuity flags', async () => {
    const first = input(0x100, 0x101, 100, 20);
    const second = input(0x200, 0x201, 102, 20, true);
    // Cut mid-packet as pipes do: alignment must not depend on chunk sizes.
    const joined = Buffer.concat([first, second]);
    const out = await remux([joined.subarray(0, 1000), joined.subarray(1000, 5001), joined.subarray(5001)]);
    expect(out.length % TS_PACKET_SIZE).toBe(0);
    const pids = new Set(packets(out).map((at) => packetPid(out, at)));
    expect([...pids].sort((a, b) => a - b)).toEqual([0, 0x100, 0x101, PMT_PID]);
    const counters = new Map<number, number>();
    for (const at of packets(out)) {
      const pid = packetPid(out, at);
      const hasPayload = (out[at + 3]! & 0x10) !== 0;
      const cc = out[at + 3]! & 0x0f;
      const previous = counters.get(pid);
      if (previous !== undefined) expect(cc, `pid ${pid} at ${at}`).toBe(hasPayload ? (previous + 1) & 0x0f : previous);
      counters.set(pid, cc);
      if ((out[at + 3]! & 0x20) !== 0 && out[at + 4]! > 0) expect(out[at + 5]! & 0x80, 'discontinuity indicator').toBe(0);
    }
    // 40 frames in, 40 out (the splicer's marker is gone: it carries nothing).
    const videoStarts = packets(out).filter((at) => packetPid(out, at) === 0x100 && pesStart(out, at));
    expect(videoStarts).toHaveLength(40);
    const audioPackets = packets(out).filter((at) => packetPid(out, at) === 0x101);
    expect(audioPackets).toHaveLength(40);
  });

  it('moves every PTS and PCR by the offset and keeps PCR on the video PID', async () => {
    const out = await remux([input(0x100, 0x101, 100, 10)], 1.4);
    const video = packets(out).filter((at) => packetPid(out, at) === 0x100 && pesStart(out, at));
    expect(pesStart(out, video[0]!)!.ptsSeconds).toBeCloseTo(101.4, 6);
    expect(pesStart(out, video[9]!)!.ptsSeconds).toBeCloseTo(102.3, 6);
    expect(pcrSeconds(out, video[0]!)).toBeCloseTo(100.7, 4);
    const audio = packets(out).find((at) => packetPid(out, at) === 0x101 && pesStart(out, at))!;
    expect(pesStart(out, audio)!.ptsSeconds).toBeCloseTo(101.4, 6);
  });

  it('sends PAT and PMT before every keyframe and at least every 100 ms of stream', async () => {
    const out = await remux([input(0x100, 0x101, 100, 30)]);
    const all = packets(out);
    // A table's stream time is the newest PCR before it (the first table's: the first PCR).
    let lastTableClock: number | undefined;
    let clock: number | undefined;
    let tables = 0;
    for (const [i, at] of all.entries()) {
      const pid = packetPid(out, at);
      if (pid === 0) {
        expect(packetPid(out, all[i + 1]!)).toBe(PMT_PID);
        // As ffmpeg writes tables: payload only, the pointer field at byte 4, the PMT PID in the section.
        expect(out[at + 3]! & 0x30).toBe(0x10);
        expect(out[at + 4]).toBe(0);
        expect(((out[at + 15]! & 0x1f) << 8) | out[at + 16]!).toBe(PMT_PID);
        lastTableClock = clock;
        tables += 1;
      }
      clock = pcrSeconds(out, at) ?? clock;
      lastTableClock ??= clock;
      if (pid === 0x100 && isRandomAccess(out, at)) expect(packetPid(out, all[i - 1]!)).toBe(PMT_PID);
      if (pid === 0x101) expect(clock! - lastTableClock!).toBeLessThanOrEqual(0.1 + 1e-6);
    }
    // 3 s of stream: about one table every 100 ms, not one per packet.
    expect(tables).toBeGreaterThanOrEqual(30);
    expect(tables).toBeLessThanOrEqual(32);
  });

  it('after seal() ends at once and drops what is still written', async () => {
    const remuxer = new TsRemuxer({ offsetSeconds: 0 });
    const out: Buffer[] = [];
    remuxer.on('data', (parts: Buffer[]) => out.push(...parts));
    const ended = new Promise<void>((resolve) => remuxer.on('end', resolve));
    remuxer.write(input(0x100, 0x101, 100, 5));
    await new Promise((resolve) => setImmediate(resolve));
    remuxer.seal();
    remuxer.write(input(0x100, 0x101, 100.5, 5));
    await ended;
    const data = Buffer.concat(out);
    expect(packets(data).filter((at) => packetPid(data, at) === 0x100 && pesStart(data, at))).toHaveLength(5);
  });

  it('repeats tables payload-only: an input PAT\'s adaptation field (its restart flag) is not carried into the output', () => {
    const section = [0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00, 0x2a, 0xb1, 0x04, 0xb2];
    const input = Buffer.alloc(TS_PACKET_SIZE, 0xff);
    input.set([0x47, 0x40, 0x00, 0x30, 0x01, 0x80], 0); // PUSI, PAT PID, adaptation + payload, AF length 1: discontinuity
    input.set(section, 6);
    const table = tableTemplate(input, 0);
    expect(table.length).toBe(TS_PACKET_SIZE);
    expect((table[3]! >> 4) & 0x3, 'payload only').toBe(1);
    expect([...table.subarray(4, 4 + section.length)]).toEqual(section);
    expect(table.subarray(4 + section.length).every((b) => b === 0xff)).toBe(true);
    expect(packetPid(table, 0)).toBe(0);
  });
});
