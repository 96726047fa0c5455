/**
 * Audio-only HLS segments for a channel's alternative audio renditions, cut from its video
 * segments: the channel's packager writes every audio slot as its own PID (with an ISO 639
 * language descriptor in the PMT), and a player that picked a language fetches only that PID.
 *
 * The segment keeps the video segment's PAT, gets a PMT listing only the chosen audio PID, and
 * the audio PID's packets as they are (continuity counters, timestamps and all). The PCR, which
 * the source carries on the video PID, moves to the audio PID: for the source's PCRs, at most one
 * each ~90 ms (MPEG-TS allows 100 ms between PCRs), an adaptation-field-only packet on the audio
 * PID carries the same PCR at the same place in the stream. Such a packet has no payload, so it
 * repeats the PID's last continuity counter (ISO/IEC 13818-1 §2.4.3.3), and demuxers that check
 * counters (ffmpeg's) see none missing. hls.js times audio by PTS and ignores the PCR; Safari and
 * ffprobe get a well-formed program with its clock.
 *
 * Cheap: two passes over the packets (count, then copy) into one output buffer of the exact size;
 * no allocation per packet.
 */
import { PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE, packetPid, payloadOffset, pmtPidFromPat, startsPayloadUnit } from '../streaming/mpegts.js';

export interface TsAudioTrack {
  /** Position among the PMT's audio streams (the channel's audio slot). */
  index: number;
  pid: number;
  streamType: number;
  /** ISO 639 code from the PMT's language descriptor, if any. */
  language?: string;
}

export class AudioRenditionError extends Error {}

/** Stream types that are audio (ISO/IEC 13818-1 Table 2-34, ATSC A/52). */
const AUDIO_STREAM_TYPES = new Set([0x03, 0x04, 0x0f, 0x11, 0x81, 0x87]);
/** Private PES (0x06) is audio when it carries one of these DVB descriptors: AC-3, E-AC-3, DTS, AAC. */
const AUDIO_DESCRIPTOR_TAGS = new Set([0x6a, 0x7a, 0x7b, 0x7c]);
const LANGUAGE_DESCRIPTOR_TAG = 0x0a;
const PMT_TABLE_ID = 0x02;
/** Most PCR-to-PCR time this module lets itself produce, less a margin for uneven source spacing. */
const PCR_TARGET_INTERVAL_TICKS = 0.09 * 27_000_000;

type Segment = Buffer | readonly Buffer[];

function forEachPacket(segment: Segment, visit: (data: Buffer, offset: number) => boolean | void): void {
  const parts = Buffer.isBuffer(segment) ? [segment] : segment;
  for (const part of parts) {
    if (part.length % TS_PACKET_SIZE !== 0) throw new AudioRenditionError(`a segment part of ${part.length} bytes is not whole packets`);
    for (let offset = 0; offset < part.length; offset += TS_PACKET_SIZE) {
      if (part[offset] !== TS_SYNC_BYTE) throw new AudioRenditionError(`no sync byte at ${offset}`);
      if (visit(part, offset) === false) return;
    }
  }
}

/** The PMT as this module needs it (a single-packet section, as ffmpeg writes it). */
interface ProgramMap {
  pmtPid: number;
  programNumber: number;
  version: number;
  pcrPid: number;
  programInfo: Buffer;
  audio: Array<TsAudioTrack & { esInfo: Buffer }>;
}

/** Where the PSI section of a table packet starts (after the pointer field), or -1. */
function sectionStart(data: Buffer, offset: number): number {
  if (!startsPayloadUnit(data, offset)) return -1;
  const p = payloadOffset(data, offset);
  const start = p + 1 + data[p]!;
  return start < offset + TS_PACKET_SIZE ? start : -1;
}

function parsePmt(data: Buffer, offset: number, pmtPid: number): ProgramMap {
  const s = sectionStart(data, offset);
  if (s < 0 || data[s] !== PMT_TABLE_ID) throw new AudioRenditionError('the PMT packet holds no PMT section');
  const sectionLength = ((data[s + 1]! & 0x0f) << 8) | data[s + 2]!;
  const end = s + 3 + sectionLength - 4; // before the CRC
  if (end + 4 > offset + TS_PACKET_SIZE) throw new AudioRenditionError('a PMT longer than one packet is not supported');
  const programInfoLength = ((data[s + 10]! & 0x0f) << 8) | data[s + 11]!;
  const map: ProgramMap = {
    pmtPid,
    programNumber: (data[s + 3]! << 8) | data[s + 4]!,
    version: (data[s + 5]! >> 1) & 0x1f,
    pcrPid: ((data[s + 8]! & 0x1f) << 8) | data[s + 9]!,
    programInfo: Buffer.from(data.subarray(s + 12, s + 12 + programInfoLength)),
    audio: [],
  };
  for (let e = s + 12 + programInfoLength; e + 5 <= end; ) {
    const streamType = data[e]!;
    const pid = ((data[e + 1]! & 0x1f) << 8) | data[e + 2]!;
    const esInfoLength = ((data[e + 3]! & 0x0f) << 8) | data[e + 4]!;
    const esInfo = data.subarray(e + 5, e + 5 + esInfoLength);
    let language: string | undefined;
    let privateAudio = false;
    for (let d = 0; d + 2 <= esInfo.length; d += 2 + esInfo[d + 1]!) {
      const tag = esInfo[d]!;
      if (tag === LANGUAGE_DESCRIPTOR_TAG && esInfo[d + 1]! >= 4) language = esInfo.toString('latin1', d + 2, d + 5).replace(/\0/g, '').toLowerCase() || undefined;
      if (AUDIO_DESCRIPTOR_TAGS.has(tag)) privateAudio = true;
    }
    if (AUDIO_STREAM_TYPES.has(streamType) || (streamType === 0x06 && privateAudio)) {
      map.audio.push({ index: map.audio.length, pid, streamType, ...(language ? { language } : {}), esInfo: Buffer.from(esInfo) });
    }
    e += 5 + esInfoLength;
  }
  return map;
}

/** The segment's program: its PMT PID from the PAT, then that PMT. */
function programMap(segment: Segment): ProgramMap {
  let pmtPid: number | undefined;
  let map: ProgramMap | undefined;
  forEachPacket(segment, (data, offset) => {
    const pid = packetPid(data, offset);
    if (pmtPid === undefined && pid === PAT_PID) pmtPid = pmtPidFromPat(data, offset);
    else if (pmtPid !== undefined && pid === pmtPid && startsPayloadUnit(data, offset)) {
      map = parsePmt(data, offset, pmtPid);
      return false;
    }
    return true;
  });
  if (!map) throw new AudioRenditionError('the segment has no PAT and PMT');
  return map;
}

/** The audio streams of a segment's PMT, in order, with their languages. */
export function audioTracksOf(segment: Segment): TsAudioTrack[] {
  return programMap(segment).audio.map(({ esInfo: _esInfo, ...track }) => track);
}

/** CRC-32/MPEG-2 (polynomial 0x04C11DB7, not reflected), what PSI sections end with. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  return c >>> 0;
});

export function crc32Mpeg(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc >>> 0;
}

/** A one-packet PMT listing only `track`, with the PCR on its PID; the continuity counter is set per copy. */
function audioPmtPacket(map: ProgramMap, track: ProgramMap['audio'][number]): Buffer {
  const esEntry = 5 + track.esInfo.length;
  const sectionLength = 9 + map.programInfo.length + esEntry + 4;
  const section = Buffer.alloc(3 + sectionLength);
  section[0] = PMT_TABLE_ID;
  section.writeUInt16BE(0xb000 | sectionLength, 1);
  section.writeUInt16BE(map.programNumber, 3);
  section[5] = 0xc1 | (map.version << 1);
  section[6] = 0;
  section[7] = 0;
  section.writeUInt16BE(0xe000 | track.pid, 8);
  section.writeUInt16BE(0xf000 | map.programInfo.length, 10);
  map.programInfo.copy(section, 12);
  let e = 12 + map.programInfo.length;
  section[e] = track.streamType;
  section.writeUInt16BE(0xe000 | track.pid, e + 1);
  section.writeUInt16BE(0xf000 | track.esInfo.length, e + 3);
  track.esInfo.copy(section, e + 5);
  e += esEntry;
  section.writeUInt32BE(crc32Mpeg(section.subarray(0, e)), e);
  if (5 + section.length > TS_PACKET_SIZE) throw new AudioRenditionError('the audio PMT does not fit one packet');
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  packet[0] = TS_SYNC_BYTE;
  packet[1] = 0x40 | (map.pmtPid >> 8);
  packet[2] = map.pmtPid & 0xff;
  packet[3] = 0x10;
  packet[4] = 0; // pointer field
  section.copy(packet, 5);
  return packet;
}

/** The 27 MHz PCR of a packet, or -1 when it carries none. */
function pcrTicks(data: Buffer, offset: number): number {
  if (!(data[offset + 3]! & 0x20) || data[offset + 4]! < 7 || !(data[offset + 5]! & 0x10)) return -1;
  const b = offset + 6;
  const base = data[b]! * 33554432 + data[b + 1]! * 131072 + data[b + 2]! * 512 + data[b + 3]! * 2 + (data[b + 4]! >> 7);
  return base * 300 + (((data[b + 4]! & 0x1) << 8) | data[b + 5]!);
}

/**
 * Decides which source PCRs are carried over: the first, then one whenever waiting for the next
 * source PCR could leave more than the target interval since the last one carried. The same
 * decisions in the counting and the copying pass.
 */
class PcrThinner {
  private lastCarried = -1;
  private lastSeen = -1;

  carry(pcr: number): boolean {
    const spacing = this.lastSeen < 0 ? 0 : Math.max(0, pcr - this.lastSeen);
    this.lastSeen = pcr;
    // A PCR that goes back (a new run's clock, the 33-bit wrap) is carried, and restarts the rule.
    if (this.lastCarried < 0 || pcr < this.lastCarried || pcr - this.lastCarried >= PCR_TARGET_INTERVAL_TICKS - spacing) {
      this.lastCarried = pcr;
      return true;
    }
    return false;
  }
}

/**
 * The audio-only segment of audio stream `audioIndex` (the channel's audio slot) of an MPEG-TS
 * video segment: PAT as in the source, a PMT with only that stream (PCR on its PID), its packets,
 * and the PCR carried over as described above. Throws AudioRenditionError when the segment has
 * no such stream or cannot be read.
 */
export function audioOnlySegment(segment: Segment, audioIndex: number): Buffer {
  const map = programMap(segment);
  const track = map.audio[audioIndex];
  if (!track) throw new AudioRenditionError(`the segment has ${map.audio.length} audio stream(s), not a stream ${audioIndex}`);
  const carryPcr = map.pcrPid !== track.pid;

  // Pass 1: the output's size, and the audio PID's first continuity counter (what a PCR packet
  // written before its first packet must repeat, less one).
  let packets = 0;
  let firstAudioCc = -1;
  const counting = new PcrThinner();
  forEachPacket(segment, (data, offset) => {
    const pid = packetPid(data, offset);
    if (pid === PAT_PID || pid === map.pmtPid) packets += 1;
    else if (pid === track.pid) {
      packets += 1;
      if (firstAudioCc < 0 && data[offset + 3]! & 0x10) firstAudioCc = data[offset + 3]! & 0x0f;
    }
    if (carryPcr && pid === map.pcrPid) {
      const pcr = pcrTicks(data, offset);
      if (pcr >= 0 && counting.carry(pcr)) packets += 1;
    }
  });

  // Pass 2: copy.
  const pmt = audioPmtPacket(map, track);
  const out = Buffer.allocUnsafe(packets * TS_PACKET_SIZE);
  let at = 0;
  let audioCc = firstAudioCc < 0 ? 0 : (firstAudioCc + 15) & 0x0f;
  const copying = new PcrThinner();
  forEachPacket(segment, (data, offset) => {
    const pid = packetPid(data, offset);
    if (pid === PAT_PID || pid === track.pid) {
      data.copy(out, at, offset, offset + TS_PACKET_SIZE);
      if (pid === track.pid && data[offset + 3]! & 0x10) audioCc = data[offset + 3]! & 0x0f;
      at += TS_PACKET_SIZE;
    } else if (pid === map.pmtPid) {
      // Our PMT in the source PMT's place, with its continuity counter (the PID's count runs on).
      pmt.copy(out, at);
      out[at + 3] = 0x10 | (data[offset + 3]! & 0x0f);
      at += TS_PACKET_SIZE;
    }
    if (carryPcr && pid === map.pcrPid) {
      const pcr = pcrTicks(data, offset);
      if (pcr >= 0 && copying.carry(pcr)) {
        out[at] = TS_SYNC_BYTE;
        out[at + 1] = (track.pid >> 8) & 0x1f;
        out[at + 2] = track.pid & 0xff;
        out[at + 3] = 0x20 | audioCc; // adaptation field only: the counter does not advance
        out[at + 4] = 183;
        out[at + 5] = 0x10; // PCR_flag
        data.copy(out, at + 6, offset + 6, offset + 12);
        out.fill(0xff, at + 12, at + TS_PACKET_SIZE);
        at += TS_PACKET_SIZE;
      }
    }
  });
  return out;
}
