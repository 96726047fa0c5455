import { describe, expect, it } from 'vitest';
import { AudioRenditionError, audioOnlySegment, audioTracksOf, crc32Mpeg } from '../../../src/hls/audio-rendition.js';
import { packetPid, pcrSeconds, pmtPidFromPat } from '../../../src/streaming/mpegts.js';

const PMT_PID = 0x1000;
const VIDEO = 0x100;
const ENG = 0x101;
const JPN = 0x102;

function packet(pid: number, cc: number, payload: Buffer, options: { start?: boolean; pcr?: number } = {}): Buffer {
  const p = Buffer.alloc(188, 0xff);
  p[0] = 0x47;
  p[1] = (options.start ? 0x40 : 0) | (pid >> 8);
  p[2] = pid & 0xff;
  let at = 4;
  if (options.pcr !== undefined) {
    p[3] = 0x30 | cc;
    p[4] = 7;
    p[5] = 0x10;
    const base = Math.floor(options.pcr * 90_000);
    p[6] = Math.floor(base / 33554432) & 0xff;
    p[7] = Math.floor(base / 131072) & 0xff;
    p[8] = Math.floor(base / 512) & 0xff;
    p[9] = Math.floor(base / 2) & 0xff;
    p[10] = ((base & 1) << 7) | 0x7e;
    p[11] = 0;
    at = 12;
  } else {
    p[3] = 0x10 | cc;
  }
  payload.copy(p, at, 0, Math.min(payload.length, 188 - at));
  return p;
}

function section(body: number[]): Buffer {
  const s = Buffer.from(body);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg(s));
  return Buffer.concat([Buffer.from([0]), s, crc]);
}

const pat = (cc: number) => packet(0, cc, section([0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]), { start: true });

function pmt(cc: number): Buffer {
  const lang = (code: string) => [0x0a, 4, ...Buffer.from(code, 'latin1'), 0];
  const es = [
    [0x1b, 0xe0 | (VIDEO >> 8), VIDEO & 0xff, 0xf0, 0],
    [0x0f, 0xe0 | (ENG >> 8), ENG & 0xff, 0xf0, 6, ...lang('eng')],
    [0x0f, 0xe0 | (JPN >> 8), JPN & 0xff, 0xf0, 6, ...lang('jpn')],
  ].flat();
  const length = 9 + es.length + 4;
  return packet(PMT_PID, cc, section([0x02, 0xb0, length, 0, 1, 0xc1, 0, 0, 0xe0 | (VIDEO >> 8), VIDEO & 0xff, 0xf0, 0, ...es]), { start: true });
}

const pes = (streamId: number) => Buffer.from([0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1]);

/** A two-second segment as the packager cuts it: tables, then video (PCR every 20 ms) and two audio PIDs interleaved. */
function segment(): { parts: Buffer[]; audioCc: Map<number, number[]> } {
  const parts: Buffer[] = [Buffer.concat([pat(3), pmt(3)])];
  const counters = new Map([
    [VIDEO, 0],
    [ENG, 9],
    [JPN, 14],
  ]);
  const audioCc = new Map<number, number[]>([
    [ENG, []],
    [JPN, []],
  ]);
  const next = (pid: number) => {
    const cc = counters.get(pid)!;
    counters.set(pid, (cc + 1) & 0xf);
    return cc;
  };
  let tablesCc = 4;
  for (let ms = 0; ms < 2000; ms += 20) {
    const chunk: Buffer[] = [];
    if (ms > 0 && ms % 100 === 0) chunk.push(pat(tablesCc), pmt(tablesCc)), (tablesCc = (tablesCc + 1) & 0xf);
    chunk.push(packet(VIDEO, next(VIDEO), pes(0xe0), { start: true, pcr: 100 + ms / 1000 }));
    chunk.push(packet(VIDEO, next(VIDEO), Buffer.alloc(184, 1)));
    for (const pid of [ENG, JPN]) {
      const cc = next(pid);
      audioCc.get(pid)!.push(cc);
      chunk.push(packet(pid, cc, pes(0xc0), { start: true }));
    }
    parts.push(Buffer.concat(chunk));
  }
  return { parts, audioCc };
}

function packets(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += 188) out.push(data.subarray(at, at + 188));
  return out;
}

describe('audio-only rendition segments', () => {
  const { parts, audioCc } = segment();

  it('lists the audio streams with their languages, in PMT order', () => {
    expect(audioTracksOf(parts)).toEqual([
      { index: 0, pid: ENG, streamType: 0x0f, language: 'eng' },
      { index: 1, pid: JPN, streamType: 0x0f, language: 'jpn' },
    ]);
    expect(audioTracksOf(Buffer.concat(parts))).toHaveLength(2);
  });

  it('keeps PAT, a PMT of the one audio stream (PCR on it), and that stream’s packets as they were', () => {
    const out = audioOnlySegment(parts, 1);
    const pids = new Set(packets(out).map((p) => packetPid(p, 0)));
    expect([...pids].sort()).toEqual([0, JPN, PMT_PID].sort());
    expect(pmtPidFromPat(out, 0)).toBe(PMT_PID);
    expect(audioTracksOf(out)).toEqual([{ index: 0, pid: JPN, streamType: 0x0f, language: 'jpn' }]);
    // The PMT names the audio PID as the PCR PID, and its CRC holds.
    const pmtPacket = packets(out)[1]!;
    const length = ((pmtPacket[6]! & 0x0f) << 8) | pmtPacket[7]!;
    expect(crc32Mpeg(pmtPacket.subarray(5, 8 + length))).toBe(0);
    expect(((pmtPacket[13]! & 0x1f) << 8) | pmtPacket[14]!).toBe(JPN);
    // Payload packets of the audio PID: the source's, byte for byte, continuity counters included.
    const audio = packets(out).filter((p) => packetPid(p, 0) === JPN && p[3]! & 0x10);
    expect(audio.map((p) => p[3]! & 0xf)).toEqual(audioCc.get(JPN));
    const source = parts.flatMap((part) => packets(part)).filter((p) => packetPid(p, 0) === JPN);
    expect(audio.every((p, i) => p.equals(source[i]!))).toBe(true);
  });

  it('carries the PCR on the audio PID at most ~90 ms apart, without a continuity counter step', () => {
    const out = packets(audioOnlySegment(parts, 0));
    const pcrs: number[] = [];
    let lastCc: number | undefined;
    for (const p of out) {
      if (packetPid(p, 0) !== ENG) continue;
      const cc = p[3]! & 0xf;
      const hasPayload = (p[3]! & 0x10) !== 0;
      if (lastCc !== undefined) expect(cc).toBe(hasPayload ? (lastCc + 1) & 0xf : lastCc);
      lastCc = cc;
      const pcr = pcrSeconds(p, 0);
      if (pcr !== undefined) {
        expect(hasPayload).toBe(false);
        pcrs.push(pcr);
      }
    }
    // The first packet after the tables carries the clock.
    expect(pcrSeconds(out[2]!, 0)).toBeCloseTo(100, 6);
    expect(pcrs.length).toBeGreaterThan(15);
    expect(pcrs.length).toBeLessThan(40);
    for (let i = 1; i < pcrs.length; i++) expect(pcrs[i]! - pcrs[i - 1]!).toBeLessThanOrEqual(0.1);
  });

  it('gives each PMT copy the source PMT’s continuity counter', () => {
    const tableCcs = (data: Buffer[]) => data.filter((p) => packetPid(p, 0) === PMT_PID).map((p) => p[3]! & 0xf);
    expect(tableCcs(packets(audioOnlySegment(parts, 0)))).toEqual(tableCcs(parts.flatMap((part) => packets(part))));
  });

  it('is deterministic and exact in size', () => {
    const a = audioOnlySegment(parts, 0);
    expect(a.equals(audioOnlySegment(Buffer.concat(parts), 0))).toBe(true);
    expect(a.length % 188).toBe(0);
  });

  it('refuses a stream the segment does not have, and bytes that are not MPEG-TS', () => {
    expect(() => audioOnlySegment(parts, 2)).toThrow(AudioRenditionError);
    expect(() => audioOnlySegment(Buffer.alloc(188 * 2), 0)).toThrow(AudioRenditionError);
    expect(() => audioOnlySegment(Buffer.alloc(100, 0x47), 0)).toThrow(AudioRenditionError);
  });
});
