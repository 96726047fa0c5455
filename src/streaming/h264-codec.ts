import { packetPid, payloadOffset, pesStart, isVideoStreamId, TS_PACKET_SIZE, TS_SYNC_BYTE } from './mpegts.js';

/** Bytes of the first video PES read when looking for the SPS (it comes right after the access unit delimiter). */
const SEARCH_BYTES = 4096;

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

/**
 * The RFC 6381 codec string (`avc1.PPCCLL`: profile_idc, constraint flags, level_idc) of the
 * H.264 stream in an MPEG-TS segment, read from its first sequence parameter set — what the
 * encoder really wrote, whatever level it chose — or undefined when there is no H.264 SPS.
 */
export function avcCodecString(segment: Buffer): string | undefined {
  let videoPid: number | undefined;
  const payload: Buffer[] = [];
  let collected = 0;
  for (let offset = 0; offset + TS_PACKET_SIZE <= segment.length && collected < SEARCH_BYTES; offset += TS_PACKET_SIZE) {
    if (segment[offset] !== TS_SYNC_BYTE) return undefined;
    const pid = packetPid(segment, offset);
    if (videoPid === undefined) {
      const pes = pesStart(segment, offset);
      if (!pes || !isVideoStreamId(pes.streamId)) continue;
      videoPid = pid;
    } else if (pid !== videoPid) continue;
    const start = payloadOffset(segment, offset);
    const chunk = segment.subarray(start, offset + TS_PACKET_SIZE);
    payload.push(chunk);
    collected += chunk.length;
  }
  const bytes = Buffer.concat(payload);
  for (let i = 0; i + 6 < bytes.length; i++) {
    // Annex B start code, then a NAL unit of type 7 (SPS): profile, constraints, level follow.
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1 && (bytes[i + 3]! & 0x1f) === 7) {
      return `avc1.${hex2(bytes[i + 4]!)}${hex2(bytes[i + 5]!)}${hex2(bytes[i + 6]!)}`;
    }
  }
  return undefined;
}
