import { randomBytes } from 'node:crypto';

/**
 * HDHomeRun device IDs carry a checksum (libhdhomerun's hdhomerun_discover_validate_device_id):
 * the odd nibbles (from the top) go through this table, the even ones are taken as they are,
 * and everything XORed together must be 0. Clients such as Plex and hdhomerun_config drop an
 * ID that fails it, so a made-up ID must be made valid.
 */
const NIBBLE_TABLE = [0xa, 0x5, 0xf, 0x6, 0x7, 0xc, 0x1, 0xb, 0x9, 0x2, 0x8, 0xd, 0x4, 0x3, 0xe, 0x0] as const;

const DEVICE_ID_TEXT = /^[0-9A-F]{8}$/;

/** XOR of all nibbles but the last (nibble 0), table-mapped where the rule says so. */
function checksumOfUpperNibbles(deviceId: number): number {
  let checksum = 0;
  for (let shift = 28; shift >= 4; shift -= 4) {
    const nibble = (deviceId >>> shift) & 0xf;
    // Nibbles at shifts 28, 20, 12, 4 are table-mapped; 24, 16, 8 are used as they are.
    checksum ^= (shift / 4) % 2 === 1 ? NIBBLE_TABLE[nibble]! : nibble;
  }
  return checksum;
}

export function isValidDeviceId(deviceId: number): boolean {
  if (!Number.isInteger(deviceId) || deviceId < 0 || deviceId > 0xffffffff) return false;
  return (checksumOfUpperNibbles(deviceId) ^ (deviceId & 0xf)) === 0;
}

/** "1A2B3C4D" form, as discover.json and device.xml carry it; valid only if the checksum holds. */
export function isValidDeviceIdText(text: string): boolean {
  return DEVICE_ID_TEXT.test(text) && isValidDeviceId(Number.parseInt(text, 16));
}

export function formatDeviceId(deviceId: number): string {
  return (deviceId >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/**
 * A random valid ID: 28 random bits, and the last nibble chosen so the checksum is 0.
 * The top byte is never 0xFF, so the ID can never be the protocol's wildcard (FFFFFFFF).
 */
export function generateDeviceId(random: () => Buffer = () => randomBytes(4)): number {
  const bytes = random();
  const upper = ((bytes.readUInt32BE(0) & 0xfeffffff) >>> 0) & 0xfffffff0;
  return (upper | checksumOfUpperNibbles(upper)) >>> 0;
}
