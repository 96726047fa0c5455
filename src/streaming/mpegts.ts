/**
 * Just enough MPEG-TS (ISO/IEC 13818-1) to deliver a channel: packet ids, the PAT/PMT,
 * PCR (the stream's clock, for pacing), PES timestamps and keyframes (random access points,
 * for cutting segments and starting viewers). No payload is decoded or changed.
 */
export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
export const PAT_PID = 0;
/** 90 kHz, the unit of PTS/DTS and of the PCR base. */
export const TS_CLOCK_HZ = 90_000;

export function packetPid(data: Buffer, offset: number): number {
  return ((data[offset + 1]! & 0x1f) << 8) | data[offset + 2]!;
}

/** Payload unit start indicator: a PES packet or a PSI section begins in this packet. */
export function startsPayloadUnit(data: Buffer, offset: number): boolean {
  return (data[offset + 1]! & 0x40) !== 0;
}

function adaptationLength(data: Buffer, offset: number): number {
  const control = (data[offset + 3]! >> 4) & 0x3;
  return control & 0x2 ? 1 + data[offset + 4]! : 0;
}

function hasPayload(data: Buffer, offset: number): boolean {
  return ((data[offset + 3]! >> 4) & 0x1) !== 0;
}

/** Where the packet's payload starts (after the header and any adaptation field). */
export function payloadOffset(data: Buffer, offset: number): number {
  return offset + 4 + adaptationLength(data, offset);
}

/**
 * Offset of the last packet in `data` that starts a unit, or -1 when none does. ffmpeg's muxer
 * writes each PES contiguously, so everything before it is whole units.
 */
export function lastUnitStart(data: Buffer): number {
  for (let offset = data.length - (data.length % TS_PACKET_SIZE) - TS_PACKET_SIZE; offset >= 0; offset -= TS_PACKET_SIZE) {
    if (startsPayloadUnit(data, offset)) return offset;
  }
  return -1;
}

/**
 * `parts` (consecutive runs of packets) up to, not including, the last packet that starts a
 * unit: where an output stopped abruptly (a killed packager), this drops the one unit that may
 * be incomplete, however many parts it spans.
 */
export function dropLastUnit(parts: Buffer[]): Buffer[] {
  for (let i = parts.length - 1; i >= 0; i--) {
    const start = lastUnitStart(parts[i]!);
    if (start >= 0) return [...parts.slice(0, i), parts[i]!.subarray(0, start)].filter((part) => part.length > 0);
  }
  return [];
}

/** The random access indicator: ffmpeg's muxer sets it on the packet that starts a keyframe. */
export function isRandomAccess(data: Buffer, offset: number): boolean {
  return adaptationLength(data, offset) > 1 && (data[offset + 5]! & 0x40) !== 0;
}

/** PCR in seconds (27 MHz precision), or undefined when the packet carries none. */
export function pcrSeconds(data: Buffer, offset: number): number | undefined {
  if (adaptationLength(data, offset) < 7 || (data[offset + 5]! & 0x10) === 0) return undefined;
  const b = offset + 6;
  // 33-bit base: multiplications, not shifts, since JavaScript shifts are 32-bit.
  const base = data[b]! * 33554432 + data[b + 1]! * 131072 + data[b + 2]! * 512 + data[b + 3]! * 2 + (data[b + 4]! >> 7);
  const extension = ((data[b + 4]! & 0x1) << 8) | data[b + 5]!;
  return base / TS_CLOCK_HZ + extension / 27_000_000;
}

export interface PesStart {
  streamId: number;
  /** Presentation time in seconds, when the header has one. */
  ptsSeconds?: number;
}

/** The PES header at the start of this packet's payload (only on payload-unit-start packets). */
export function pesStart(data: Buffer, offset: number): PesStart | undefined {
  if (!startsPayloadUnit(data, offset) || !hasPayload(data, offset)) return undefined;
  const p = payloadOffset(data, offset);
  if (p + 14 > offset + TS_PACKET_SIZE) return undefined;
  if (data[p] !== 0 || data[p + 1] !== 0 || data[p + 2] !== 1) return undefined;
  const streamId = data[p + 3]!;
  const flags = data[p + 7]! >> 6;
  if (!(flags & 0x2)) return { streamId };
  const t = p + 9;
  const pts = ((data[t]! >> 1) & 0x7) * 1073741824 + data[t + 1]! * 4194304 + ((data[t + 2]! >> 1) & 0x7f) * 32768 + data[t + 3]! * 128 + (data[t + 4]! >> 1);
  return { streamId, ptsSeconds: pts / TS_CLOCK_HZ };
}

/** Video elementary streams use PES stream ids 0xE0–0xEF. */
export const isVideoStreamId = (streamId: number): boolean => streamId >= 0xe0 && streamId <= 0xef;

/** The PMT's PID from a single-packet PAT (ffmpeg writes one program). */
export function pmtPidFromPat(data: Buffer, offset: number): number | undefined {
  if (packetPid(data, offset) !== PAT_PID || !startsPayloadUnit(data, offset)) return undefined;
  const p = payloadOffset(data, offset);
  const section = p + 1 + data[p]!; // pointer field
  const sectionLength = ((data[section + 1]! & 0x0f) << 8) | data[section + 2]!;
  // Program loop: 4 bytes per program after the 8-byte header, before the 4-byte CRC.
  for (let entry = section + 8; entry + 4 <= section + 3 + sectionLength - 4; entry += 4) {
    const programNumber = (data[entry]! << 8) | data[entry + 1]!;
    if (programNumber !== 0) return ((data[entry + 2]! & 0x1f) << 8) | data[entry + 3]!;
  }
  return undefined;
}

/**
 * Splits a byte stream into whole 188-byte packets: keeps a partial packet for the next
 * chunk, and resynchronises on the sync byte if the input ever slips.
 */
export class PacketAligner {
  private rest: Buffer | undefined;

  /** Whole packets of `chunk` (with what was left over before), as one buffer. */
  push(chunk: Buffer): Buffer {
    let data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let start = 0;
    while (start < data.length && data[start] !== TS_SYNC_BYTE) start += 1;
    if (start > 0) data = data.subarray(start);
    const whole = data.length - (data.length % TS_PACKET_SIZE);
    if (whole < data.length) this.rest = Buffer.from(data.subarray(whole));
    return data.subarray(0, whole);
  }
}
