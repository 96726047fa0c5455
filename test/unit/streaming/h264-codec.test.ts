import { describe, expect, it } from 'vitest';
import { avcCodecString } from '../../../src/streaming/h264-codec.js';

/** One MPEG-TS packet on `pid` starting a PES of `streamId` (with a PTS) whose payload is `es`, padded with 0xff. */
function pesPacket(pid: number, streamId: number, es: number[]): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10]);
  const pes = [0, 0, 1, streamId, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1, ...es];
  packet.set(pes, 4);
  return packet;
}

describe('avcCodecString (CODECS from what the encoder wrote)', () => {
  const aud = [0, 0, 0, 1, 0x09, 0xf0];
  it("reads profile, constraint flags and level from the first video PES's SPS", () => {
    const audio = pesPacket(0x101, 0xc0, [0xff, 0xf1, 0x50, 0x80]);
    const video = pesPacket(0x100, 0xe0, [...aud, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac]);
    expect(avcCodecString(Buffer.concat([audio, video]))).toBe('avc1.64001f');
    // Constrained Baseline (x264's ultrafast): profile 66 with constraint_set0 and set1.
    expect(avcCodecString(pesPacket(0x100, 0xe0, [...aud, 0, 0, 1, 0x27, 0x42, 0xc0, 0x0d]))).toBe('avc1.42c00d');
  });

  it('answers undefined for no H.264 SPS or for bytes that are not MPEG-TS', () => {
    expect(avcCodecString(pesPacket(0x100, 0xe0, [...aud, 0, 0, 0, 1, 0x65, 0x88]))).toBeUndefined();
    expect(avcCodecString(Buffer.from('not a transport stream'.padEnd(188)))).toBeUndefined();
  });
});
