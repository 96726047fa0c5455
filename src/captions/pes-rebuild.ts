import { TS_PACKET_SIZE } from '../streaming/mpegts.js';
import { hasA53Captions } from './sei.js';

/**
 * Rebuilding one video PES with an extra NAL unit in it: where the NAL goes in the access
 * unit, and how the longer PES is cut back into TS packets that keep what the original packets
 * carried besides payload (PCR, random access indicator: the adaptation fields' fields, not
 * their stuffing).
 */

const PAYLOAD_MAX = TS_PACKET_SIZE - 4;
const START_CODE = Buffer.from([0, 0, 1]);
const NAL_SEI = 6;
const isSlice = (type: number): boolean => type === 1 || type === 5;

/** PTS of a PES header (90 kHz, 33 bits), or undefined when it has none. */
export function pesPts(data: Buffer, p: number, end: number): number | undefined {
  if (p + 14 > end || data[p] !== 0 || data[p + 1] !== 0 || data[p + 2] !== 1) return undefined;
  if (!(data[p + 7]! & 0x80)) return undefined;
  const t = p + 9;
  return ((data[t]! >> 1) & 0x7) * 1073741824 + data[t + 1]! * 4194304 + ((data[t + 2]! >> 1) & 0x7f) * 32768 + data[t + 3]! * 128 + (data[t + 4]! >> 1);
}

export type InsertResult = { pes: Buffer } | { skipped: 'source-captions' | 'no-slice' | 'not-pes' };

/**
 * `pes` with `nal` (start code included) put just before the access unit's first slice: after
 * the delimiter, SPS, PPS and the encoder's own SEI, where H.264 wants SEI. Skipped when the
 * access unit already carries A/53 captions (the source's, kept as they are) or has no slice.
 */
export function insertBeforeFirstSlice(pes: Buffer, nal: Buffer): InsertResult {
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return { skipped: 'not-pes' };
  const esStart = 9 + pes[8]!;
  let seiFrom = -1;
  for (let at = pes.indexOf(START_CODE, esStart); at >= 0 && at + 3 < pes.length; at = pes.indexOf(START_CODE, at + 3)) {
    if (seiFrom >= 0 && hasA53Captions(pes, seiFrom, at)) return { skipped: 'source-captions' };
    const type = pes[at + 3]! & 0x1f;
    if (isSlice(type)) {
      // Before a 4-byte start code's zero_byte, so that byte stays with the slice.
      const insertAt = at > esStart && pes[at - 1] === 0 ? at - 1 : at;
      const out = Buffer.concat([pes.subarray(0, insertAt), nal, pes.subarray(insertAt)]);
      const length = (pes[4]! << 8) | pes[5]!;
      // PES_packet_length 0 (unbounded) is what ffmpeg writes for video; keep a real one exact.
      const newLength = length === 0 || length + nal.length > 0xffff ? 0 : length + nal.length;
      out[4] = newLength >> 8;
      out[5] = newLength & 0xff;
      return { pes: out };
    }
    seiFrom = type === NAL_SEI ? at + 4 : -1;
  }
  return { skipped: 'no-slice' };
}

/**
 * Bytes of a packet's adaptation field worth keeping (length byte, flags and the fields the
 * flags announce), 0 when it has none or only stuffing.
 */
export function keptAdaptation(packet: Buffer, at = 0): number {
  if (!((packet[at + 3]! >> 4) & 0x2)) return 0;
  const length = packet[at + 4]!;
  const flags = packet[at + 5]!;
  if (length === 0 || flags === 0) return 0;
  let n = 1;
  if (flags & 0x10) n += 6; // PCR
  if (flags & 0x08) n += 6; // OPCR
  if (flags & 0x04) n += 1; // splice countdown
  if (flags & 0x02) n += 1 + (packet[at + 5 + n] ?? 0); // private data
  if (flags & 0x01) n += 1 + (packet[at + 5 + n] ?? 0); // extension
  return 1 + Math.min(n, length);
}

export interface Repacketised {
  /** One entry per original packet: its replacement, or undefined when it is no longer needed. */
  perOriginal: Array<Buffer | undefined>;
  /** Packets the longer PES needs beyond the originals (they follow the last original). */
  extras: Buffer[];
}

interface Layout {
  original: Buffer | undefined;
  kept: number;
  payload: number;
}

/**
 * Cuts `pes` into TS packets laid over `originals` (the PES's packets as they came, the first
 * one starting it): each keeps its header and adaptation fields, filled with payload in turn;
 * the last one is padded with adaptation stuffing; extra packets follow when the PES grew.
 * Continuity counters are left 0 for the caller to set. One allocation for all of them.
 */
export function repacketise(pes: Buffer, originals: Buffer[]): Repacketised {
  const layout: Layout[] = [];
  let pos = 0;
  for (const original of originals) {
    const kept = keptAdaptation(original);
    if (pos >= pes.length) {
      // Nothing left to carry; a PCR still goes out, in an adaptation-only packet.
      layout.push({ original, kept: kept > 0 && original[5]! & 0x10 ? kept : -1, payload: 0 });
      continue;
    }
    const n = Math.min(PAYLOAD_MAX - kept, pes.length - pos);
    layout.push({ original, kept, payload: n });
    pos += n;
  }
  while (pos < pes.length) {
    const n = Math.min(PAYLOAD_MAX, pes.length - pos);
    layout.push({ original: undefined, kept: 0, payload: n });
    pos += n;
  }
  const written = layout.filter((l) => l.kept >= 0).length;
  const block = Buffer.allocUnsafe(written * TS_PACKET_SIZE);
  const perOriginal: Array<Buffer | undefined> = [];
  const extras: Buffer[] = [];
  const pid = ((originals[0]![1]! & 0x1f) << 8) | originals[0]![2]!;
  let o = 0;
  pos = 0;
  layout.forEach((l, i) => {
    if (l.kept < 0) {
      perOriginal.push(undefined);
      return;
    }
    const packet = block.subarray(o, o + TS_PACKET_SIZE);
    o += TS_PACKET_SIZE;
    writePacket(packet, l, pid, i === 0, pes.subarray(pos, pos + l.payload));
    pos += l.payload;
    if (l.original) perOriginal.push(packet);
    else extras.push(packet);
  });
  return { perOriginal, extras };
}

function writePacket(packet: Buffer, l: Layout, pid: number, unitStart: boolean, payload: Buffer): void {
  const stuffing = PAYLOAD_MAX - l.kept - payload.length;
  const adaptation = l.kept > 0 ? l.kept + stuffing : stuffing;
  packet[0] = 0x47;
  packet[1] = (unitStart ? 0x40 : 0) | (l.original ? l.original[1]! & 0xa0 : 0) | ((pid >> 8) & 0x1f);
  packet[2] = pid & 0xff;
  packet[3] = (l.original ? l.original[3]! & 0xc0 : 0) | (adaptation > 0 ? 0x20 : 0) | (payload.length > 0 ? 0x10 : 0);
  let at = 4;
  if (l.kept > 0) {
    l.original!.copy(packet, 4, 4, 4 + l.kept);
    packet[4] = l.kept - 1 + stuffing;
    at += l.kept;
    packet.fill(0xff, at, at + stuffing);
    at += stuffing;
  } else if (stuffing > 0) {
    packet[4] = stuffing - 1;
    if (stuffing > 1) {
      packet[5] = 0;
      packet.fill(0xff, 6, 4 + stuffing);
    }
    at += stuffing;
  }
  payload.copy(packet, at);
}
