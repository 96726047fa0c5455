import { fallbackFor, isSpaceCell, isTwoByteCell, toCells, type Cell } from './cea608-charset.js';

/**
 * CEA-608 pop-on captions, as byte pairs (pure). A caption is loaded into the decoder's
 * non-displayed memory (RCL, ENM, then per row a PAC and its characters) while the previous
 * one is on screen, and swapped onto the screen with EOC at the cue's start; EDM clears it at
 * the end. Every two-byte code (control, PAC, tab offset, special and extended character) is
 * sent twice in a row, as CEA-608 asks: a decoder that lost one copy to a transmission error
 * still acts, and one that got both ignores the repeat.
 *
 * A pair is a 16-bit number, first byte high, both bytes with odd parity already applied.
 */
export type Pair = number;

/** A caption service: CC1 (field 1) or CC3 (field 2); both use data channel 1's codes. */
export type CaptionChannel = 1 | 3;

export const ROWS_MAX = 4;
export const COLUMNS = 32;

/** Odd parity in bit 7, as 608 bytes carry it (a decoder drops a byte whose parity is even). */
export function withParity(byte: number): number {
  let ones = 0;
  for (let b = byte & 0x7f; b; b >>= 1) ones += b & 1;
  return ones % 2 === 0 ? (byte & 0x7f) | 0x80 : byte & 0x7f;
}

export const pair = (first: number, second: number): Pair => (withParity(first) << 8) | withParity(second);

/** Miscellaneous control codes: first byte 0x14 on CC1, 0x15 on CC3 (field 2, data channel 1). */
const controlFirst = (channel: CaptionChannel): number => (channel === 1 ? 0x14 : 0x15);
export const RCL = 0x20; // resume caption loading (pop-on mode)
export const EDM = 0x2c; // erase displayed memory
export const ENM = 0x2e; // erase non-displayed memory
export const EOC = 0x2f; // end of caption: swap memories, the loaded caption appears
export const control = (channel: CaptionChannel, code: number): Pair => pair(controlFirst(channel), code);

/** PAC first byte and base second byte per row 1–15 (data channel 1). */
const PAC_ROWS: ReadonlyArray<readonly [number, number]> = [
  [0x11, 0x40], [0x11, 0x60], [0x12, 0x40], [0x12, 0x60], [0x15, 0x40], [0x15, 0x60], [0x16, 0x40], [0x16, 0x60],
  [0x17, 0x40], [0x17, 0x60], [0x10, 0x40], [0x13, 0x40], [0x13, 0x60], [0x14, 0x40], [0x14, 0x60],
];

/** Preamble address code: row 1–15, white, indent a multiple of 4 (0–28). */
export function pac(row: number, indent: number): Pair {
  const [first, base] = PAC_ROWS[row - 1]!;
  return pair(first, base | 0x10 | ((Math.min(28, indent) >> 2) << 1));
}

/** Tab offset 1–3 columns (the PAC indents by fours; this places the row to the column). */
export const tabOffset = (columns: number): Pair => pair(0x17, 0x20 + columns);

/**
 * Wraps text into at most 4 rows of at most 32 cells: the cue's own lines first, words wrapped
 * within each, a word longer than a row cut; what does not fit in 4 rows is dropped.
 */
export function layoutRows(text: string): Cell[][] {
  const rows: Cell[][] = [];
  for (const line of text.split('\n')) {
    const words = splitWords(toCells(line));
    let row: Cell[] = [];
    for (let word of words) {
      while (word.length > COLUMNS) {
        if (row.length > 0) rows.push(row);
        rows.push(word.slice(0, COLUMNS));
        row = [];
        word = word.slice(COLUMNS);
      }
      if (word.length === 0) continue;
      if (row.length > 0 && row.length + 1 + word.length > COLUMNS) {
        rows.push(row);
        row = [];
      }
      row = row.length > 0 ? [...row, 0x20, ...word] : word;
    }
    if (row.length > 0) rows.push(row);
  }
  return rows.slice(0, ROWS_MAX);
}

function splitWords(cells: Cell[]): Cell[][] {
  const words: Cell[][] = [];
  let word: Cell[] = [];
  for (const cell of cells) {
    if (isSpaceCell(cell)) {
      if (word.length > 0) words.push(word);
      word = [];
    } else word.push(cell);
  }
  if (word.length > 0) words.push(word);
  return words;
}

/**
 * What one caption sends, as units: a unit is one pair, or a doubled two-byte code (two equal
 * pairs) that must go out in consecutive pairs of its field.
 */
export type Unit = readonly Pair[];

/**
 * The units that load `text` into non-displayed memory, bottom-aligned at row 15 and each row
 * centred (PAC indent plus a tab offset), or [] when nothing of it can be shown.
 */
export function loadUnits(text: string, channel: CaptionChannel): Unit[] {
  const rows = layoutRows(text);
  if (rows.length === 0) return [];
  const units: Unit[] = [];
  const twice = (p: Pair): void => {
    units.push([p, p]);
  };
  twice(control(channel, RCL));
  twice(control(channel, ENM));
  rows.forEach((cells, i) => {
    const column = Math.floor((COLUMNS - cells.length) / 2);
    twice(pac(15 - rows.length + 1 + i, column & ~3));
    if (column & 3) twice(tabOffset(column & 3));
    units.push(...characterUnits(cells));
  });
  return units;
}

/** A row's characters: basic ones two to a pair, two-byte ones doubled (extended after their fallback). */
function characterUnits(cells: Cell[]): Unit[] {
  const units: Unit[] = [];
  let pending: number | undefined;
  const basic = (byte: number): void => {
    if (pending === undefined) pending = byte;
    else {
      units.push([pair(pending, byte)]);
      pending = undefined;
    }
  };
  const flush = (): void => {
    if (pending !== undefined) units.push([pair(pending, 0)]);
    pending = undefined;
  };
  for (const cell of cells) {
    if (!isTwoByteCell(cell)) {
      basic(cell);
      continue;
    }
    // Extended characters replace the cell before them: send the look-alike there first.
    if (cell >> 8 !== 0x11) basic(fallbackFor(cell));
    flush();
    const code = pair(cell >> 8, cell & 0xff);
    units.push([code, code]);
  }
  flush();
  return units;
}

/** Decodes a pair's bytes without parity (tests, logs). */
export const pairBytes = (p: Pair): [number, number] => [(p >> 8) & 0x7f, p & 0x7f];
