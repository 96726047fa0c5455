/**
 * Rewriting MPEG-TS timestamps in place (PES PTS/DTS, PCR base), for the copy-splicer and the
 * Node packager. Arithmetic is modulo 2^33 (the 90 kHz clock wraps after about 26.5 h).
 */
const WRAP = 2 ** 33;

export function readTimestamp(data: Buffer, at: number): number {
  return ((data[at]! >> 1) & 0x7) * 1073741824 + data[at + 1]! * 4194304 + ((data[at + 2]! >> 1) & 0x7f) * 32768 + data[at + 3]! * 128 + (data[at + 4]! >> 1);
}

export function writeTimestamp(data: Buffer, at: number, ticks: number): void {
  const t = ((ticks % WRAP) + WRAP) % WRAP;
  const high = Math.floor(t / 1073741824);
  data[at] = (data[at]! & 0xf0) | (high << 1) | 1;
  const low = t % 1073741824;
  data[at + 1] = (low >> 22) & 0xff;
  data[at + 2] = (((low >> 15) & 0x7f) << 1) | 1;
  data[at + 3] = (low >> 7) & 0xff;
  data[at + 4] = ((low & 0x7f) << 1) | 1;
}

/**
 * Moves the PTS (and DTS) of the PES header at `p` by `delta` ticks; returns the new PTS, or
 * undefined when `p` holds no PES header with a PTS.
 */
export function shiftPesTimestamps(data: Buffer, p: number, delta: number): number | undefined {
  if (p + 14 > data.length || data[p] !== 0 || data[p + 1] !== 0 || data[p + 2] !== 1) return undefined;
  const flags = data[p + 7]! >> 6;
  if (!(flags & 0x2)) return undefined;
  const pts = readTimestamp(data, p + 9) + delta;
  writeTimestamp(data, p + 9, pts);
  if (flags === 0x3) writeTimestamp(data, p + 14, readTimestamp(data, p + 14) + delta);
  return pts;
}

/** Moves the PCR base of the packet at `at` by `delta` ticks; returns the new base, or undefined without a PCR. */
export function shiftPcr(data: Buffer, at: number, delta: number): number | undefined {
  const afLength = data[at + 4]!;
  if (!(data[at + 3]! & 0x20) || afLength < 7 || !(data[at + 5]! & 0x10)) return undefined;
  const b = at + 6;
  const base = data[b]! * 33554432 + data[b + 1]! * 131072 + data[b + 2]! * 512 + data[b + 3]! * 2 + (data[b + 4]! >> 7);
  const moved = (((base + delta) % WRAP) + WRAP) % WRAP;
  data[b] = Math.floor(moved / 33554432) & 0xff;
  data[b + 1] = Math.floor(moved / 131072) & 0xff;
  data[b + 2] = Math.floor(moved / 512) & 0xff;
  data[b + 3] = Math.floor(moved / 2) & 0xff;
  data[b + 4] = ((moved & 1) << 7) | (data[b + 4]! & 0x7f);
  return moved;
}
