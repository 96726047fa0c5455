/**
 * HDHomeRun's UDP discovery packets (libhdhomerun hdhomerun_pkt.h): a big-endian uint16 type
 * and uint16 payload length, a payload of tag-length-value fields, then the CRC-32 (IEEE, as
 * Ethernet) of everything before it, little-endian. TLV lengths are 1 byte up to 127, else
 * 2 bytes (low 7 bits with the top bit set, then the rest).
 */
export const HDHR_TYPE_DISCOVER_REQUEST = 0x0002;
export const HDHR_TYPE_DISCOVER_REPLY = 0x0003;

export const HDHR_TAG = {
  deviceType: 0x01,
  deviceId: 0x02,
  tunerCount: 0x10,
  lineupUrl: 0x27,
  baseUrl: 0x2a,
  deviceAuth: 0x2b,
} as const;

export const HDHR_DEVICE_TYPE_TUNER = 0x00000001;
export const HDHR_WILDCARD = 0xffffffff;

export interface HdhrTlv {
  tag: number;
  value: Buffer;
}

export interface HdhrPacket {
  type: number;
  fields: HdhrTlv[];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function encodeLength(length: number): Buffer {
  if (length <= 0x7f) return Buffer.from([length]);
  return Buffer.from([(length & 0x7f) | 0x80, length >> 7]);
}

export function encodePacket(packet: HdhrPacket): Buffer {
  const payload = Buffer.concat(packet.fields.flatMap((field) => [Buffer.from([field.tag]), encodeLength(field.value.length), field.value]));
  const header = Buffer.alloc(4);
  header.writeUInt16BE(packet.type, 0);
  header.writeUInt16BE(payload.length, 2);
  const body = Buffer.concat([header, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

export class HdhrPacketError extends Error {}

/** Parses and checks a packet; throws HdhrPacketError on a short, inconsistent or corrupt one. */
export function decodePacket(data: Buffer): HdhrPacket {
  if (data.length < 8) throw new HdhrPacketError(`packet too short (${data.length} bytes)`);
  const type = data.readUInt16BE(0);
  const payloadLength = data.readUInt16BE(2);
  if (data.length !== 4 + payloadLength + 4) throw new HdhrPacketError(`payload length ${payloadLength} does not match packet size ${data.length}`);
  const expected = data.readUInt32LE(4 + payloadLength);
  if (crc32(data.subarray(0, 4 + payloadLength)) !== expected) throw new HdhrPacketError('CRC mismatch');
  const fields: HdhrTlv[] = [];
  let at = 4;
  const end = 4 + payloadLength;
  while (at < end) {
    const tag = data[at]!;
    let length = data[at + 1];
    at += 2;
    if (length === undefined || at > end) throw new HdhrPacketError('truncated field');
    if (length & 0x80) {
      const high = data[at];
      if (high === undefined || at >= end) throw new HdhrPacketError('truncated field length');
      length = (length & 0x7f) | (high << 7);
      at += 1;
    }
    if (at + length > end) throw new HdhrPacketError(`field 0x${tag.toString(16)} runs past the payload`);
    fields.push({ tag, value: data.subarray(at, at + length) });
    at += length;
  }
  return { type, fields };
}

export function uint32Field(tag: number, value: number): HdhrTlv {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0, 0);
  return { tag, value: buffer };
}

export function stringField(tag: number, value: string): HdhrTlv {
  return { tag, value: Buffer.from(value, 'utf8') };
}
