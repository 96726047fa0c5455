/**
 * Text → CEA-608 character cells. A caption row is 32 cells; each cell is one of:
 *  - a basic character: one byte 0x20–0x7F (mostly ASCII, but 608 puts á é í ó ú ç ÷ Ñ ñ █
 *    where ASCII has * \ ^ _ ` { | } ~);
 *  - a special character (first byte 0x11, second 0x30–0x3F: ® ° ½ ¿ ™ ¢ £ ♪ à è â ê î ô û);
 *  - an extended character (first byte 0x12 or 0x13, second 0x20–0x3F). A decoder backspaces
 *    over the cell before it, so the encoder sends a basic fallback first: a set-top box that
 *    lacks the extended set still shows something readable.
 * A cell is a number: basic = the byte; two-byte = (first << 8) | second.
 */
export type Cell = number;

/** Where ASCII and the 608 basic set disagree: these ASCII bytes mean something else in 608. */
const NOT_BASIC = new Set([0x2a, 0x5c, 0x5e, 0x5f, 0x60, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f]);

const BASIC: Record<string, number> = {
  á: 0x2a, é: 0x5c, í: 0x5e, ó: 0x5f, ú: 0x60, ç: 0x7b, '÷': 0x7c, Ñ: 0x7d, ñ: 0x7e, '█': 0x7f,
  // 608's apostrophe (0x27) is drawn as a right single quote by most decoders.
  '’': 0x27, '‘': 0x27, ʼ: 0x27,
};

const SPECIAL = '®°½¿™¢£♪à\u00a0èâêîôû';
const EXTENDED_12 = 'ÁÉÓÚÜü´¡*‘—©℠•“”ÀÂÇÈÊËëÎÏïÔÙùÛ«»';
const EXTENDED_13 = 'ÃãÍÌìÒòÕõ{}\\^_|~ÄäÖöß¥¤¦ÅåØø┌┐└┘';

const TWO_BYTE = new Map<string, Cell>();
[...SPECIAL].forEach((ch, i) => TWO_BYTE.set(ch, 0x1100 | (0x30 + i)));
[...EXTENDED_12].forEach((ch, i) => TWO_BYTE.set(ch, 0x1200 | (0x20 + i)));
[...EXTENDED_13].forEach((ch, i) => TWO_BYTE.set(ch, 0x1300 | (0x20 + i)));
// A non-breaking space is an ordinary space in a caption; the special "transparent space"
// (0x11 0x39) would only draw a gap without a background.
TWO_BYTE.delete('\u00a0');

/** Look-alikes for characters 608 lacks (before falling back to the letter without its accent). */
const NEAR: Record<string, string> = {
  '–': '-', '―': '-', '‐': '-', '−': '-', '…': '...', '«': '"', '»': '"', '„': '"', '‚': ',', '·': '.',
  '\u00a0': ' ', '\t': ' ', '€': 'EUR', '×': 'x', œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ı: 'i', ð: 'd', þ: 'th', '♫': '♪', '♬': '♪',
};

/** The basic character an extended one is sent after (its closest look-alike). */
export function fallbackFor(cell: Cell): number {
  const ch = charOf(cell);
  if (ch === undefined) return 0x20;
  if (ch === '*') return 0x2e; // no '*' in the basic set: a dot
  const plain = stripAccents(ch);
  const code = plain.length === 1 ? basicByte(plain) : undefined;
  if (code !== undefined) return code;
  if ('‘´'.includes(ch)) return 0x27;
  if ('“”«»'.includes(ch)) return 0x22;
  if ('—•'.includes(ch)) return 0x2d;
  if ('{[┌└'.includes(ch)) return 0x28;
  if ('}┐┘'.includes(ch)) return 0x29;
  if ('\\|¦'.includes(ch)) return 0x2f;
  if (ch === '¡') return 0x21;
  return 0x20;
}

const CHAR_OF = new Map<Cell, string>([...TWO_BYTE].map(([ch, cell]) => [cell, ch]));
function charOf(cell: Cell): string | undefined {
  return CHAR_OF.get(cell);
}

function stripAccents(ch: string): string {
  return ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function basicByte(ch: string): number | undefined {
  const mapped = BASIC[ch];
  if (mapped !== undefined) return mapped;
  const code = ch.codePointAt(0)!;
  return code >= 0x20 && code < 0x7f && !NOT_BASIC.has(code) ? code : undefined;
}

/** The cell of one character, or undefined when 608 has nothing for it (CJK, emoji…). */
function cellOf(ch: string): Cell[] | undefined {
  const basic = basicByte(ch);
  if (basic !== undefined) return [basic];
  const two = TWO_BYTE.get(ch);
  if (two !== undefined) return [two];
  const near = NEAR[ch];
  if (near !== undefined) return [...near].flatMap((c) => cellOf(c) ?? []);
  const plain = stripAccents(ch);
  if (plain !== ch && plain.length > 0) return [...plain].flatMap((c) => cellOf(c) ?? []);
  return undefined;
}

/** A line of text as 608 cells; characters 608 cannot show at all are dropped. */
export function toCells(line: string): Cell[] {
  const cells: Cell[] = [];
  for (const ch of line) cells.push(...(cellOf(ch) ?? []));
  return cells;
}

export const isSpaceCell = (cell: Cell): boolean => cell === 0x20;
export const isTwoByteCell = (cell: Cell): boolean => cell > 0xff;
