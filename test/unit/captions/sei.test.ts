import { describe, expect, it } from 'vitest';
import { a53Payload, addEmulationPrevention, captionSei, ccTriplets, hasA53Captions, seiNal } from '../../../src/captions/sei.js';

/** Removes emulation prevention bytes (the decoder's view of a NAL unit). */
function unescape(nal: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

describe('A/53 caption SEI', () => {
  it('writes the registered user data ATSC decoders expect', () => {
    const payload = a53Payload([0xfc, 0x94, 0x2f]);
    expect([...payload]).toEqual([0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03, 0xc1, 0xff, 0xfc, 0x94, 0x2f, 0xff]);
    expect(() => a53Payload([])).toThrow(RangeError);
  });

  it('wraps it in an SEI NAL unit: type 6, payloadType 4, size, stop bit', () => {
    const nal = captionSei([0xfc, 0x94, 0x2f]);
    expect([...nal.subarray(0, 6)]).toEqual([0, 0, 1, 0x06, 0x04, 14]);
    expect(nal.at(-1)).toBe(0x80);
    expect(nal.length).toBe(4 + 2 + 14 + 1);
    expect(hasA53Captions(nal)).toBe(true);
    expect(hasA53Captions(seiNal(5, Buffer.alloc(20, 1)))).toBe(false);
  });

  it('codes payload type and size of 255 and more as runs of 0xFF', () => {
    const nal = seiNal(4, Buffer.alloc(300, 0x11));
    expect([...nal.subarray(4, 7)]).toEqual([0x04, 0xff, 300 - 255]);
  });

  it('inserts emulation prevention bytes, so no start code appears inside', () => {
    expect([...addEmulationPrevention(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 4]))]).toEqual([0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 3, 0, 0, 4]);
    // Invalid (cc_valid 0) padding triplets are all zeros: the worst case for start code emulation.
    const nal = captionSei([0xf8, 0, 0, 0xf8, 0, 0, 0xf8, 0, 0]);
    const body = nal.subarray(3);
    for (let i = 0; i + 2 < body.length; i++) expect(body[i] === 0 && body[i + 1] === 0 && body[i + 2]! <= 3 && body[i + 2] !== 3).toBe(false);
    expect(body.indexOf(Buffer.from([0, 0, 1]))).toBe(-1);
    const rbsp = unescape(body);
    expect([...rbsp.subarray(13, 22)]).toEqual([0xf8, 0, 0, 0xf8, 0, 0, 0xf8, 0, 0]);
  });

  it('puts field 1 first: a field-2 pair alone is led by a null field-1 pair', () => {
    expect(ccTriplets(0x9420, undefined)).toEqual([0xfc, 0x94, 0x20]);
    expect(ccTriplets(undefined, 0x1520)).toEqual([0xfc, 0x80, 0x80, 0xfd, 0x15, 0x20]);
    expect(ccTriplets(0x9420, 0x1520)).toEqual([0xfc, 0x94, 0x20, 0xfd, 0x15, 0x20]);
  });
});
