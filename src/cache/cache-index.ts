import { createReadStream } from 'node:fs';
import { isRandomAccess, isVideoStreamId, PacketAligner, pesStart, TS_PACKET_SIZE } from '../streaming/mpegts.js';

/**
 * The index of a cached MPEG-TS file: where each keyframe starts, so an airing slice maps to a
 * byte range without reading the file from the top. Times are seconds of the file's own content
 * (0 = its first picture); the file's PTS of that picture is kept to map back.
 */
export interface CacheIndex {
  /** PTS (seconds) of the first video frame in the file. */
  originPts: number;
  /** Seconds of picture in the file (last frame's time + one frame). */
  durationSeconds: number;
  /** [content seconds, byte offset of the packet that starts the keyframe], in file order. */
  keyframes: Array<[number, number]>;
}

/** Reads a cached file once (after a fill) and lists its keyframes. */
export async function indexCachedFile(file: string, frameRate: number): Promise<CacheIndex> {
  const aligner = new PacketAligner();
  let offset = 0;
  let originPts: number | undefined;
  let lastPts = 0;
  const keyframes: Array<[number, number]> = [];
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const data = aligner.push(chunk as Buffer);
    for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE, offset += TS_PACKET_SIZE) {
      const pes = pesStart(data, at);
      if (!pes || !isVideoStreamId(pes.streamId) || pes.ptsSeconds === undefined) continue;
      originPts ??= pes.ptsSeconds;
      lastPts = Math.max(lastPts, pes.ptsSeconds);
      if (isRandomAccess(data, at)) keyframes.push([round6(pes.ptsSeconds - originPts), offset]);
    }
  }
  if (originPts === undefined) throw new Error(`no video in cached file ${file}`);
  return { originPts, durationSeconds: round6(lastPts - originPts + 1 / frameRate), keyframes };
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/** The keyframe within half a frame of content time `seconds`, or undefined. */
export function keyframeAt(index: Pick<CacheIndex, 'keyframes'>, seconds: number, frameRate: number): number | undefined {
  const i = firstKeyframeAtOrAfter(index, seconds - 0.5 / frameRate);
  return i !== undefined && Math.abs(index.keyframes[i]![0] - seconds) <= 0.5 / frameRate ? i : undefined;
}

/** Index of the first keyframe at or after content time `seconds` (binary search). */
export function firstKeyframeAtOrAfter(index: Pick<CacheIndex, 'keyframes'>, seconds: number): number | undefined {
  const list = index.keyframes;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]![0] < seconds - 1e-6) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? lo : undefined;
}
