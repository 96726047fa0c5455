import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { isVideoStreamId, PacketAligner, packetPid, PAT_PID, pmtPidFromPat, startsPayloadUnit, TS_CLOCK_HZ, TS_PACKET_SIZE, TS_SYNC_BYTE } from '../streaming/mpegts.js';
import { readTimestamp, shiftPcr, shiftPesTimestamps } from '../streaming/ts-timestamps.js';
import type { CacheIndex } from './cache-index.js';

/** Packets per read of a cached file (about 256 kB). */
const READ_PACKETS = 1394;

/**
 * Copy-splice in Node: the bytes of a cached file, from a keyframe, with every PTS, DTS and PCR
 * moved onto the channel's clock, exactly as a live renderer would have written them, and no
 * decode or encode. Chosen over an ffmpeg `-c copy` renderer because ffmpeg's stream copy keeps
 * audio from the seek point on, which cannot tile the neighbours' AAC frames (docs/architecture.md,
 * "Media cache"), and a process per airing costs more than parsing ~700 packets a second.
 *
 * Per PID it keeps whole PES units only: video from the keyframe for exactly `frames` pictures
 * (no B-frames, so decode order is presentation order and any tail can be dropped), audio the
 * AAC frames (one per PES in a cache file) that start inside the audio window. Continuity
 * counters are renumbered and the first packet of each PID flagged as a discontinuity, as a
 * live renderer's `+initial_discontinuity` does, so the packager takes the splice as intended.
 */
export interface SpliceRequest {
  entry: { file: string } & Pick<CacheIndex, 'originPts' | 'keyframes'>;
  keyframeIndex: number;
  /** Pictures to copy (the slot's frames on the channel's frame grid). */
  frames: number;
  /** Channel-clock second of the first picture (a frame-grid point). */
  videoStartSeconds: number;
  /** Channel-clock window AAC frames must start in (a live renderer's span, ± half a frame). */
  audioFromSeconds: number;
  audioToSeconds: number;
  /** What the live renderer's muxer adds to every timestamp (seconds), so both look alike. */
  muxerOffsetSeconds: number;
  /** Called with the seconds of picture copied so far. */
  onProgress?: (seconds: number) => void;
  frameRate: number;
}

/** An adaptation-field-only packet on `pid` that says "discontinuity" (carries no payload, so no counter step). */
function discontinuityPacket(pid: number, cc: number): Buffer {
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  packet[0] = TS_SYNC_BYTE;
  packet[1] = (pid >> 8) & 0x1f;
  packet[2] = pid & 0xff;
  packet[3] = 0x20 | (cc & 0x0f);
  packet[4] = TS_PACKET_SIZE - 5;
  packet[5] = 0x80;
  return packet;
}

interface PidState {
  kind: 'video' | 'audio' | 'other';
  keep: boolean;
  cc: number | undefined;
}

/** The spliced slice as a byte stream (read lazily: the packager's pace pulls it). */
export function spliceCachedSlice(request: SpliceRequest): Readable {
  return Readable.from(splice(request), { objectMode: false });
}

async function* splice(request: SpliceRequest): AsyncGenerator<Buffer> {
  const { entry, keyframeIndex } = request;
  const keyframe = entry.keyframes[keyframeIndex];
  if (!keyframe) throw new Error(`no keyframe ${keyframeIndex} in ${entry.file}`);
  const keyframeTicks = Math.round((entry.originPts + keyframe[0]) * TS_CLOCK_HZ);
  const delta = Math.round((request.videoStartSeconds + request.muxerOffsetSeconds) * TS_CLOCK_HZ) - keyframeTicks;
  const audioFrom = Math.round((request.audioFromSeconds + request.muxerOffsetSeconds) * TS_CLOCK_HZ);
  const audioTo = Math.round((request.audioToSeconds + request.muxerOffsetSeconds) * TS_CLOCK_HZ);
  const halfFrame = TS_CLOCK_HZ / request.frameRate / 2;

  // The tables come from the file's head; the data from the keyframe before ours (so the AAC
  // frames a little before the picture, which the audio window may want, are read too).
  const tables = await readTables(entry.file);
  yield Buffer.concat(tables);
  const from = keyframeIndex > 0 ? entry.keyframes[keyframeIndex - 1]![1] : 0;

  const pids = new Map<number, PidState>();
  let videoKept = 0;
  let audioDone = false;
  const aligner = new PacketAligner();
  // The file's chunks are our own (fresh from the read stream): packets are rewritten in place
  // and the kept ones moved down over the dropped ones, so a chunk costs no allocation per packet.
  // Reads of a whole number of packets from a packet boundary (`from` is one) leave the aligner
  // nothing to carry over, so it never copies a chunk to join it to the next.
  for await (const chunk of createReadStream(entry.file, { start: from, highWaterMark: READ_PACKETS * TS_PACKET_SIZE })) {
    const data = aligner.push(chunk as Buffer);
    const out: Buffer[] = [];
    let written = 0;
    let flushed = 0;
    for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
      const pid = packetPid(data, at);
      const control = (data[at + 3]! >> 4) & 0x3;
      const hasPayload = (control & 0x1) !== 0;
      let state = pids.get(pid);
      if (startsPayloadUnit(data, at) && hasPayload) {
        const p = at + 4 + (control & 0x2 ? 1 + data[at + 4]! : 0);
        if (data[p] === 0 && data[p + 1] === 0 && data[p + 2] === 1) {
          const streamId = data[p + 3]!;
          state ??= { kind: isVideoStreamId(streamId) ? 'video' : streamId >= 0xc0 && streamId <= 0xdf ? 'audio' : 'other', keep: false, cc: undefined };
          pids.set(pid, state);
          const pts = (data[p + 7]! >> 6) & 0x2 ? readTimestamp(data, p + 9) : undefined;
          if (state.kind === 'video') {
            state.keep = pts !== undefined && videoKept < request.frames && pts >= keyframeTicks - halfFrame;
            if (state.keep) videoKept += 1;
          } else if (state.kind === 'audio' && pts !== undefined) {
            const moved = pts + delta;
            state.keep = moved >= audioFrom && moved < audioTo;
            if (moved >= audioTo) audioDone = true;
          } else state.keep = false;
          if (state.keep) shiftPesTimestamps(data, p, delta);
        } else if (state) state.keep = false;
      }
      if (!state?.keep) continue;
      if (control & 0x2) shiftPcr(data, at, delta);
      const cc = data[at + 3]! & 0x0f;
      if (state.cc === undefined) {
        // First packet of this PID in the splice: flag the jump in counters as intended.
        if (control & 0x2 && data[at + 4]! > 0) data[at + 5] = data[at + 5]! | 0x80;
        else {
          out.push(data.subarray(flushed, written), discontinuityPacket(pid, (cc + 15) & 0x0f));
          flushed = written;
        }
        state.cc = cc;
      } else if (hasPayload) {
        state.cc = (state.cc + 1) & 0x0f;
        data[at + 3] = (data[at + 3]! & 0xf0) | state.cc;
      }
      if (written !== at) data.copyWithin(written, at, at + TS_PACKET_SIZE);
      written += TS_PACKET_SIZE;
    }
    if (written > flushed) out.push(data.subarray(flushed, written));
    const kept = out.filter((part) => part.length > 0);
    if (kept.length > 0) yield kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    request.onProgress?.(videoKept / request.frameRate);
    if (videoKept >= request.frames && audioDone) return;
  }
  if (videoKept < request.frames) throw new Error(`cached file ${entry.file} ended after ${videoKept} of ${request.frames} frames`);
}

/** The first PAT and PMT packets of a cached file. */
async function readTables(file: string): Promise<Buffer[]> {
  const aligner = new PacketAligner();
  let pat: Buffer | undefined;
  let pmtPid: number | undefined;
  for await (const chunk of createReadStream(file, { start: 0, end: 64 * TS_PACKET_SIZE - 1 })) {
    const data = aligner.push(chunk as Buffer);
    for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
      const pid = packetPid(data, at);
      if (pid === PAT_PID && !pat) {
        pat = Buffer.from(data.subarray(at, at + TS_PACKET_SIZE));
        pmtPid = pmtPidFromPat(data, at);
      } else if (pat && pid === pmtPid) {
        return [pat, Buffer.from(data.subarray(at, at + TS_PACKET_SIZE))];
      }
    }
  }
  throw new Error(`no PAT/PMT at the head of ${file}`);
}
