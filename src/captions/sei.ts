/**
 * Caption data as H.264 carries it (pure): an SEI NAL unit (nal_unit_type 6) with one
 * user_data_registered_itu_t_t35 message (payloadType 4) holding ATSC A/53 cc_data:
 *
 *   country 0xB5 (USA), provider 0x0031 (ATSC), user_identifier 'GA94', user_data_type_code 3,
 *   reserved(1) process_cc_data_flag(1) additional_data_flag(0) cc_count(5), em_data 0xFF,
 *   cc_count × (marker '11111', cc_valid, cc_type(2), cc_data_1, cc_data_2), marker_bits 0xFF.
 *
 * cc_type 0 carries field 1 (CC1/CC2), 1 field 2 (CC3/CC4). cc_count is the number of
 * triplets actually carried, as ffmpeg's encoders write it (ff_alloc_a53_sei); decoders read
 * what is there.
 */

/** Triplet first bytes: marker bits, cc_valid, cc_type. */
export const CC_FIELD1 = 0xfc;
export const CC_FIELD2 = 0xfd;
/** A valid null pair on field 1 (0x80 0x80: zero with odd parity). */
export const NULL_FIELD1: readonly number[] = [CC_FIELD1, 0x80, 0x80];

const A53_HEADER = [0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03];
const A53_MARKER = Buffer.from(A53_HEADER);
const SEI_USER_DATA_REGISTERED = 4;
const NAL_SEI = 6;

/**
 * cc_data triplets for one frame: field 1's pair first (ffmpeg's decoder follows the field of
 * the first triplet it ever sees, so field 1 leads even when only field 2 has something).
 */
export function ccTriplets(field1: number | undefined, field2: number | undefined): number[] {
  const triplets = field1 !== undefined ? [CC_FIELD1, field1 >> 8, field1 & 0xff] : [...NULL_FIELD1];
  if (field2 !== undefined) triplets.push(CC_FIELD2, field2 >> 8, field2 & 0xff);
  return triplets;
}

/** The user_data_registered_itu_t_t35 payload carrying `triplets` (3 bytes each, at most 31). */
export function a53Payload(triplets: ArrayLike<number>): Buffer {
  const count = Math.floor(triplets.length / 3);
  if (count < 1 || count > 31) throw new RangeError(`cc_count must be 1-31, not ${count}`);
  const payload = Buffer.alloc(A53_HEADER.length + 2 + count * 3 + 1);
  Buffer.from(A53_HEADER).copy(payload, 0);
  let at = A53_HEADER.length;
  payload[at++] = 0xc0 | count; // reserved 1, process_cc_data_flag 1, additional_data_flag 0
  payload[at++] = 0xff; // em_data
  for (let i = 0; i < count * 3; i++) payload[at++] = triplets[i]!;
  payload[at] = 0xff; // marker_bits
  return payload;
}

/**
 * Emulation prevention (H.264 7.4.1): inside a NAL unit, 0x00 0x00 followed by 0x00–0x03 gets
 * a 0x03 between, so no start code appears where none is meant.
 */
export function addEmulationPrevention(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** An SEI NAL unit with one message, start code (00 00 01) included. */
export function seiNal(payloadType: number, payload: Buffer): Buffer {
  const header: number[] = [];
  for (let t = payloadType; ; t -= 255) {
    header.push(Math.min(t, 255));
    if (t < 255) break;
  }
  for (let s = payload.length; ; s -= 255) {
    header.push(Math.min(s, 255));
    if (s < 255) break;
  }
  // rbsp_trailing_bits: the stop bit, then alignment zeros (the message ends byte-aligned).
  const rbsp = Buffer.concat([Buffer.from(header), payload, Buffer.from([0x80])]);
  return Buffer.concat([Buffer.from([0, 0, 1, NAL_SEI]), addEmulationPrevention(rbsp)]);
}

/** The SEI NAL unit carrying one frame's caption triplets. */
export function captionSei(triplets: ArrayLike<number>): Buffer {
  return seiNal(SEI_USER_DATA_REGISTERED, a53Payload(triplets));
}

/** Whether an SEI NAL unit's bytes (emulation prevention left in) hold A/53 caption data. */
export function hasA53Captions(nal: Buffer, from = 0, to = nal.length): boolean {
  // The registered header has no 00 00 run in it, so it reads the same escaped or not.
  return nal.subarray(from, to).indexOf(A53_MARKER) >= 0;
}
