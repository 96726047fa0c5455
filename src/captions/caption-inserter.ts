import { Transform, type TransformCallback } from 'node:stream';
import { PacketAligner, packetPid, PAT_PID, payloadOffset, pmtPidFromPat, startsPayloadUnit, TS_CLOCK_HZ, TS_PACKET_SIZE } from '../streaming/mpegts.js';
import { Cea608Track, type CaptionCue, type LateCaption } from './cea608-schedule.js';
import { insertBeforeFirstSlice, pesPts, repacketise } from './pes-rebuild.js';
import { captionSei, ccTriplets } from './sei.js';

/**
 * Closed captions into a channel's MPEG-TS, in the packager (issue 22): CEA-608 pop-on
 * captions made from the channel's cues, carried as A/53 SEI in the H.264 video, so Plex,
 * Emby, TVs and ffmpeg see CC1 (and CC3) whether the airing was rendered or copied from the
 * cache (cached bytes are never re-encoded, so captions can only be added here).
 *
 * It sits right after the Node packager (TsRemuxer) and takes what it gives: object mode,
 * `Buffer[]` (or a `Buffer`) of whole packets per chunk; it gives the same, one array per
 * chunk, to PackagerOutput:
 *
 *   const inserter = new CaptionInserter({ cuesBetween });
 *   remuxer.pipe(inserter);   // then read `inserter` where `remuxer` was read
 *
 * Cost: a frame with nothing to send passes as it came (its packets are slices of the input;
 * only the video PID's continuity counters are rewritten, in place, as the remuxer does). A
 * frame with a pair to send is held until the next frame starts (one frame of delay), its
 * PES rebuilt with the SEI before its first slice, and cut back into packets over the
 * originals (PCR and random access indicator where they were) plus an extra packet when it
 * no longer fits. Packets of other PIDs are never copied: while a frame is held they wait as
 * slices, in order.
 *
 * A frame that already carries A/53 captions (the source's, passed through) keeps them and
 * gets nothing added; the pair waits for the next frame.
 */
export interface CaptionInserterOptions {
  /**
   * The cues visible at some time in [fromPts, toPts): stream time, 90 kHz ticks, the PTS
   * unwrapped (it runs on past 2^33). Asked a few seconds ahead of the video, in overlapping
   * windows: return a cue again and it is planned once. `channel` 3 puts a cue on CC3.
   */
  cuesBetween: (fromPts: number, toPts: number) => CaptionCue[];
  /** Frames per second of the video; measured from the PTS when not given. */
  frameRate?: number;
  /** A cue that could not be loaded before its start (shown late, by `lateTicks`). */
  onLate?: (late: LateCaption) => void;
}

/** How far ahead cues are asked for: loading a full 4-row caption takes about 3 s of 608. */
const LOOKAHEAD_TICKS = 6 * TS_CLOCK_HZ;
/** Cues are asked for at most this often (stream time). */
const ASK_EVERY_TICKS = 0.5 * TS_CLOCK_HZ;
/** A PTS step further than this from the expected next frame is a new clock: plans restart. */
const JUMP_TICKS = 1 * TS_CLOCK_HZ;
const PTS_WRAP = 2 ** 33;
/** A held frame longer than this (packets) is let go uncaptioned: something is wrong upstream. */
const HELD_PACKETS_MAX = 16_384;
const H264_STREAM_TYPE = 0x1b;

interface HeldFrame {
  pts: number;
  field1: number | undefined;
  field2: number | undefined;
  /** The PES's packets as they came (views of the input). */
  video: Buffer[];
  /** Output in order: runs of other packets, and the index of each video packet. */
  queue: Array<Buffer | number>;
}

export class CaptionInserter extends Transform {
  private readonly aligner = new PacketAligner();
  private readonly options: CaptionInserterOptions;
  private pmtPid: number | undefined;
  private videoPid: number | undefined;
  private counter: number | undefined;
  private held: HeldFrame | undefined;
  private frameTicks: number | undefined;
  private lastPts: number | undefined;
  private ptsWraps = 0;
  private askedUntil: number | undefined;
  private cc1: Cea608Track | undefined;
  private cc3: Cea608Track | undefined;
  private sealed = false;
  /** Frames that got an SEI; frames whose own captions were kept; cues shown late (status, tests). */
  captionedFrames = 0;
  sourceCaptionFrames = 0;
  lateCues = 0;

  constructor(options: CaptionInserterOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4, writableHighWaterMark: 16 });
    this.options = options;
    if (options.frameRate) this.frameTicks = TS_CLOCK_HZ / options.frameRate;
  }

  /** Ends the output now (as TsRemuxer.seal): a held frame is dropped, later input ignored. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.held = undefined;
    this.push(null);
  }

  override _transform(chunk: Buffer | Buffer[], _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.sealed) {
      callback();
      return;
    }
    const out: Buffer[] = [];
    try {
      if (Array.isArray(chunk)) for (const part of chunk) this.process(this.aligner.push(part), out);
      else this.process(this.aligner.push(chunk), out);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (out.length > 0) this.push(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const out: Buffer[] = [];
    if (this.held && !this.sealed) this.release(out);
    if (out.length > 0) this.push(out);
    callback();
  }

  private process(data: Buffer, out: Buffer[]): void {
    let runStart = -1;
    const flush = (end: number): void => {
      if (runStart >= 0 && end > runStart) (this.held ? this.held.queue : out).push(data.subarray(runStart, end));
      runStart = -1;
    };
    for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
      const pid = packetPid(data, at);
      if (pid === this.videoPid) {
        if (startsPayloadUnit(data, at)) {
          flush(at);
          if (this.held) this.release(out);
          this.startFrame(data, at);
        }
        const held = this.held;
        if (held) {
          flush(at);
          held.queue.push(held.video.length);
          held.video.push(data.subarray(at, at + TS_PACKET_SIZE));
          if (held.video.length > HELD_PACKETS_MAX) this.release(out, false);
          continue;
        }
        this.count(data, at);
      } else if (pid === PAT_PID) {
        this.pmtPid = pmtPidFromPat(data, at) ?? this.pmtPid;
      } else if (pid === this.pmtPid && startsPayloadUnit(data, at)) {
        this.videoPid = h264Pid(data, at) ?? this.videoPid;
      }
      if (runStart < 0) runStart = at;
    }
    flush(data.length - (data.length % TS_PACKET_SIZE));
  }

  /** A video PES starts at `at`: decides whether this frame carries caption bytes (then holds it). */
  private startFrame(data: Buffer, at: number): void {
    const raw = pesPts(data, payloadOffset(data, at), at + TS_PACKET_SIZE);
    if (raw === undefined) return;
    const pts = this.unwrap(raw);
    if (!this.frameTicks) {
      if (this.lastPts !== undefined && pts > this.lastPts) this.frameTicks = pts - this.lastPts;
      this.lastPts = pts;
      return;
    }
    if (this.lastPts !== undefined && Math.abs(pts - (this.lastPts + this.frameTicks)) > JUMP_TICKS) {
      // A new clock (or a seek): plans made for the old one mean nothing now.
      this.cc1?.reset(pts);
      this.cc3?.reset(pts);
      this.askedUntil = undefined;
    }
    this.lastPts = pts;
    this.askForCues(pts);
    const field1 = this.cc1?.peek(pts);
    const field2 = this.cc3?.peek(pts);
    if (field1 === undefined && field2 === undefined) return;
    this.held = { pts, field1, field2, video: [], queue: [] };
  }

  private askForCues(pts: number): void {
    if (this.askedUntil !== undefined && pts + LOOKAHEAD_TICKS - this.askedUntil < ASK_EVERY_TICKS) return;
    // From the frame on, not from the end of the last window: a cue the feed could only read
    // late (an embedded track being extracted at a cold start) is still planned while its start
    // is ahead. A cue returned again is planned once (Cea608Track.add).
    const from = pts;
    const to = pts + LOOKAHEAD_TICKS;
    this.askedUntil = to;
    const cues = [...this.options.cuesBetween(from, to)].sort((a, b) => a.startPts - b.startPts);
    for (const cue of cues) this.track(cue.channel ?? 1, pts)?.add(cue);
  }

  private track(channel: 1 | 3, pts: number): Cea608Track | undefined {
    const make = (): Cea608Track =>
      new Cea608Track({
        channel,
        frameTicks: this.frameTicks!,
        startPts: pts,
        onLate: (late) => {
          this.lateCues += 1;
          this.options.onLate?.(late);
        },
      });
    if (channel === 1) return (this.cc1 ??= make());
    if (channel === 3) return (this.cc3 ??= make());
    return undefined;
  }

  /** Sends the held frame, with its SEI when it can have one, and what waited behind it. */
  private release(out: Buffer[], withCaptions = true): void {
    const held = this.held!;
    this.held = undefined;
    let replaced: ReturnType<typeof repacketise> | undefined;
    if (withCaptions) {
      const pes = Buffer.concat(held.video.map((packet) => packet.subarray(payloadOffset(packet, 0))));
      const result = insertBeforeFirstSlice(pes, captionSei(ccTriplets(held.field1, held.field2)));
      if ('pes' in result) {
        replaced = repacketise(result.pes, held.video);
        if (held.field1 !== undefined) this.cc1!.take(held.pts);
        if (held.field2 !== undefined) this.cc3!.take(held.pts);
        this.captionedFrames += 1;
      } else if (result.skipped === 'source-captions') this.sourceCaptionFrames += 1;
    }
    const last = held.video.length - 1;
    for (const item of held.queue) {
      if (typeof item !== 'number') {
        out.push(item);
        continue;
      }
      const packet = replaced ? replaced.perOriginal[item] : held.video[item]!;
      if (packet) {
        this.count(packet, 0);
        out.push(packet);
      }
      if (item === last && replaced) {
        for (const extra of replaced.extras) {
          this.count(extra, 0);
          out.push(extra);
        }
      }
    }
  }

  /** Continuity counter of a video packet: on from the first one seen, stepping on payload only. */
  private count(data: Buffer, at: number): void {
    const hasPayload = (data[at + 3]! & 0x10) !== 0;
    if (this.counter === undefined) this.counter = data[at + 3]! & 0x0f;
    else if (hasPayload) this.counter = (this.counter + 1) & 0x0f;
    data[at + 3] = (data[at + 3]! & 0xf0) | this.counter;
  }

  private unwrap(pts: number): number {
    const previous = this.lastPts;
    if (previous !== undefined) {
      const raw = previous - this.ptsWraps * PTS_WRAP;
      if (pts < raw - PTS_WRAP / 2) this.ptsWraps += 1;
      else if (pts > raw + PTS_WRAP / 2 && this.ptsWraps > 0) this.ptsWraps -= 1;
    }
    return pts + this.ptsWraps * PTS_WRAP;
  }
}

/** The PID of the first H.264 stream in a single-packet PMT. */
export function h264Pid(data: Buffer, at: number): number | undefined {
  const p = payloadOffset(data, at);
  const section = p + 1 + data[p]!;
  if (section + 12 > at + TS_PACKET_SIZE || data[section] !== 0x02) return undefined;
  const sectionLength = ((data[section + 1]! & 0x0f) << 8) | data[section + 2]!;
  const end = Math.min(section + 3 + sectionLength - 4, at + TS_PACKET_SIZE);
  const programInfoLength = ((data[section + 10]! & 0x0f) << 8) | data[section + 11]!;
  for (let entry = section + 12 + programInfoLength; entry + 5 <= end; ) {
    if (data[entry] === H264_STREAM_TYPE) return ((data[entry + 1]! & 0x1f) << 8) | data[entry + 2]!;
    entry += 5 + (((data[entry + 3]! & 0x0f) << 8) | data[entry + 4]!);
  }
  return undefined;
}
