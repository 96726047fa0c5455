import { Transform, type TransformCallback } from 'node:stream';
import { isRandomAccess, PacketAligner, packetPid, PAT_PID, payloadOffset, pmtPidFromPat, startsPayloadUnit, TS_CLOCK_HZ, TS_PACKET_SIZE } from './mpegts.js';
import { shiftPcr, shiftPesTimestamps } from './ts-timestamps.js';

/**
 * The channel's packager, in Node: turns the MPEG-TS of one renderer after another (live ffmpeg
 * renderers and copy-spliced cache slices, each a complete little stream that restarts its
 * continuity counters and flags that as a discontinuity) into one continuous MPEG-TS, as
 * `ffmpeg -copyts -f mpegts -i pipe:0 -c copy -f mpegts pipe:1` did:
 *
 *  - stable PIDs: the first input's PMT is the output's for the whole run; every later input's
 *    elementary streams are mapped onto it by kind and order (the video; audio 1, 2, … — one per
 *    language slot, with the first input's language descriptors). Input PAT/PMT/SDT are
 *    dropped and the first input's copies are re-sent every 100 ms of stream (SDT every
 *    500 ms) and before every video keyframe, where ffmpeg's muxer sends them;
 *  - continuity counters run on per output PID across every splice, and the inputs'
 *    discontinuity indicators are cleared: to a player this is one stream;
 *  - timestamps (PTS, DTS, PCR) are the inputs' (renderers already write the channel clock)
 *    plus `offsetSeconds`: ffmpeg's packager added its own muxer's 1.4 s, and keeping it keeps
 *    the output's clock exactly what it was; PCR stays on the video PID, where the inputs put it.
 *
 * Output: in object mode, one `Buffer[]` per input chunk (whole packets, in order).
 *
 * No payload is parsed beyond the headers, so a channel costs a few microseconds per packet
 * here instead of an ffmpeg process demuxing and muxing everything (docs/architecture.md).
 * The inputs must run on one clock, in order (the airing chain guarantees both).
 */
export interface TsRemuxerOptions {
  /** Added to every PTS, DTS and PCR (seconds). */
  offsetSeconds: number;
}

/** ffmpeg's mpegts muxer defaults (pat_period, sdt_period). */
const TABLE_PERIOD_TICKS = 0.1 * TS_CLOCK_HZ;
const SDT_PERIOD_TICKS = 0.5 * TS_CLOCK_HZ;
const SDT_PID = 0x11;

/**
 * An elementary stream's place in a program: `video`, or `audio<k>` for the k-th audio stream
 * (a channel with language slots has several, in the same order on every airing: the k-th
 * audio of every input goes to the k-th audio PID of the output).
 */
type Slot = string;

const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24, 0x42, 0xea]);
const AUDIO_STREAM_TYPES = new Set([0x03, 0x04, 0x0f, 0x11, 0x80, 0x81, 0x82, 0x87]);

/** The elementary PIDs of a single-packet PMT by slot: the first video, and every audio in order. */
export function elementaryPids(data: Buffer, offset: number): Map<Slot, number> {
  const found = new Map<Slot, number>();
  const p = payloadOffset(data, offset);
  const section = p + 1 + data[p]!;
  const sectionLength = ((data[section + 1]! & 0x0f) << 8) | data[section + 2]!;
  const sectionEnd = Math.min(section + 3 + sectionLength - 4, offset + TS_PACKET_SIZE);
  const programInfoLength = ((data[section + 10]! & 0x0f) << 8) | data[section + 11]!;
  let audio = 0;
  for (let entry = section + 12 + programInfoLength; entry + 5 <= sectionEnd; ) {
    const streamType = data[entry]!;
    const pid = ((data[entry + 1]! & 0x1f) << 8) | data[entry + 2]!;
    const infoLength = ((data[entry + 3]! & 0x0f) << 8) | data[entry + 4]!;
    if (VIDEO_STREAM_TYPES.has(streamType) && !found.has('video')) found.set('video', pid);
    else if (AUDIO_STREAM_TYPES.has(streamType)) found.set(`audio${audio++}`, pid);
    entry += 5 + infoLength;
  }
  return found;
}

/**
 * A table packet (PAT, PMT, SDT) as the output repeats it: payload only, the section followed by
 * 0xFF stuffing, as ffmpeg's muxer writes tables. The first input's copies carry an adaptation
 * field that only flagged its counters as restarting (+initial_discontinuity): that is not ours
 * to repeat every 100 ms, and a reader that takes the byte after the header for the pointer
 * field (as simple table parsers do) would misread it.
 */
export function tableTemplate(data: Buffer, at: number): Buffer {
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  data.copy(packet, 0, at, at + 4);
  packet[3] = (packet[3]! & 0xcf) | 0x10; // adaptation_field_control = payload only
  data.copy(packet, 4, payloadOffset(data, at), at + TS_PACKET_SIZE);
  return packet;
}

export class TsRemuxer extends Transform {
  private readonly aligner = new PacketAligner();
  private readonly offsetTicks: number;
  /** The output's tables (the first input's), and its elementary PIDs by kind. */
  private pat: Buffer | undefined;
  private pmt: Buffer | undefined;
  private sdt: Buffer | undefined;
  private outputPmtPid: number | undefined;
  private outputPids = new Map<Slot, number>();
  /** The current input's PMT PID and its elementary PID → output PID. */
  private inputPmtPid: number | undefined;
  private inputMap = new Map<number, number>();
  private readonly counters = new Map<number, number>();
  /** Stream time (PCR, output clock) of the last table and SDT sent; the newest PCR. */
  private lastTablesAt: number | undefined;
  private lastSdtAt: number | undefined;
  private nowTicks: number | undefined;
  private sealed = false;
  /** Packets written out (tests and status). */
  packetsOut = 0;

  constructor(options: TsRemuxerOptions) {
    // The readable side hands out arrays (see _transform): a few input chunks' worth.
    super({ readableObjectMode: true, readableHighWaterMark: 4, writableHighWaterMark: 256 * 1024 });
    this.offsetTicks = Math.round(options.offsetSeconds * TS_CLOCK_HZ);
  }

  /**
   * Ends the output now (the run is being replaced or stopped): what was written is delivered,
   * anything written after is dropped, so a renderer still piping into a dead run errs nowhere.
   */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.push(null);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.sealed) {
      callback();
      return;
    }
    // Packets are rewritten in place (the chunks are the chain's own buffers, read by no one
    // else) and runs of kept packets go out as slices: no allocation per packet.
    const data = this.aligner.push(chunk);
    const out: Buffer[] = [];
    let runStart = -1;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) out.push(data.subarray(runStart, end));
      runStart = -1;
    };
    const insert = (at: number, packets: Buffer[]): void => {
      flush(at);
      out.push(...packets);
    };
    for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
      if (this.remuxPacket(data, at, insert)) {
        if (runStart < 0) runStart = at;
      } else flush(at);
    }
    flush(data.length - (data.length % TS_PACKET_SIZE));
    // One array per input chunk: the input's slices with the table packets between them.
    // Joining them would copy the whole chunk every 100 ms of stream (tables are due that
    // often): for a copy-spliced channel that copy was a third of what it allocated.
    if (out.length > 0) this.push(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback();
  }

  /** Rewrites the packet at `at` in place; false when it is dropped. `insert` puts tables before it. */
  private remuxPacket(data: Buffer, at: number, insert: (at: number, packets: Buffer[]) => void): boolean {
    const pid = packetPid(data, at);
    if (pid === PAT_PID) {
      // A new input (each renderer and each splice starts with its tables): its PMT PID.
      this.inputPmtPid = pmtPidFromPat(data, at) ?? this.inputPmtPid;
      if (!this.pat && this.inputPmtPid !== undefined) {
        this.pat = tableTemplate(data, at);
        this.outputPmtPid = this.inputPmtPid;
      }
      return false;
    }
    if (pid === this.inputPmtPid) {
      if (startsPayloadUnit(data, at)) this.takePmt(data, at);
      return false;
    }
    if (pid === SDT_PID) {
      this.sdt ??= tableTemplate(data, at);
      return false;
    }
    const outPid = this.inputMap.get(pid);
    if (outPid === undefined || !this.pmt) return false;

    const control = (data[at + 3]! >> 4) & 0x3;
    const hasPayload = (control & 0x1) !== 0;
    const hasAdaptation = (control & 0x2) !== 0 && data[at + 4]! > 0;
    // An adaptation-only packet that carries no PCR only marked the input's restart (the
    // splicer writes such a packet): nothing to say in a continuous stream.
    if (!hasPayload && (!hasAdaptation || !(data[at + 5]! & 0x10))) return false;

    if (hasAdaptation) {
      data[at + 5] = data[at + 5]! & 0x7f;
      if (data[at + 5]! & 0x10) this.nowTicks = shiftPcr(data, at, this.offsetTicks);
    }
    if (hasPayload && startsPayloadUnit(data, at)) shiftPesTimestamps(data, payloadOffset(data, at), this.offsetTicks);

    // Tables where ffmpeg's muxer sends them: before a video keyframe, and every 100 ms.
    const key = outPid === this.outputPids.get('video') && isRandomAccess(data, at);
    if (key || this.lastTablesAt === undefined || (this.nowTicks !== undefined && this.nowTicks - this.lastTablesAt >= TABLE_PERIOD_TICKS)) insert(at, this.tables());

    data[at + 1] = (data[at + 1]! & 0xe0) | ((outPid >> 8) & 0x1f);
    data[at + 2] = outPid & 0xff;
    const previous = this.counters.get(outPid);
    // A payload packet steps the counter; an adaptation-only one repeats it (13818-1 2.4.3.3).
    const cc = previous === undefined ? 0 : hasPayload ? (previous + 1) & 0x0f : previous;
    this.counters.set(outPid, cc);
    data[at + 3] = (data[at + 3]! & 0xf0) | cc;
    this.packetsOut += 1;
    return true;
  }

  private takePmt(data: Buffer, at: number): void {
    const pids = elementaryPids(data, at);
    if (!this.pmt) {
      this.pmt = tableTemplate(data, at);
      this.outputPids = pids;
    }
    this.inputMap = new Map();
    for (const [slot, inputPid] of pids) {
      const outPid = this.outputPids.get(slot);
      if (outPid !== undefined) this.inputMap.set(inputPid, outPid);
    }
  }

  /** The tables due now (SDT every 500 ms, PAT and PMT), with their counters. */
  private tables(): Buffer[] {
    const now = this.nowTicks ?? 0;
    const packets: Buffer[] = [];
    if (this.sdt && (this.lastSdtAt === undefined || now - this.lastSdtAt >= SDT_PERIOD_TICKS)) {
      packets.push(this.withCounter(this.sdt, SDT_PID));
      this.lastSdtAt = now;
    }
    packets.push(this.withCounter(this.pat!, PAT_PID), this.withCounter(this.pmt!, this.outputPmtPid!));
    this.packetsOut += packets.length;
    this.lastTablesAt = now;
    return packets;
  }

  private withCounter(template: Buffer, pid: number): Buffer {
    const packet = Buffer.from(template);
    const cc = ((this.counters.get(pid) ?? 15) + 1) & 0x0f;
    this.counters.set(pid, cc);
    packet[3] = (packet[3]! & 0xf0) | cc;
    return packet;
  }
}
