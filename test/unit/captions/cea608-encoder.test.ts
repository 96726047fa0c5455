import { describe, expect, it } from 'vitest';
import { control, EDM, ENM, EOC, layoutRows, loadUnits, pac, pair, pairBytes, RCL, withParity } from '../../../src/captions/cea608-encoder.js';
import { pairsPerFrame, type CaptionCue } from '../../../src/captions/cea608-schedule.js';

const ones = (byte: number): number => [...byte.toString(2)].filter((b) => b === '1').length;
const bytesOf = (units: ReadonlyArray<readonly number[]>): Array<[number, number]> => units.flat().map(pairBytes);
const hex = (p: number): string => pairBytes(p).map((b) => b.toString(16).padStart(2, '0')).join(' ');

describe('CEA-608 pairs', () => {
  it('every byte carries odd parity', () => {
    expect(withParity(0x00)).toBe(0x80);
    expect(withParity(0x01)).toBe(0x01);
    expect(withParity(0x14)).toBe(0x94);
    expect(withParity(0x2f)).toBe(0x2f);
    for (const unit of loadUnits('Any text at all, with é, ♪ and Ü: 0123456789', 1)) {
      for (const p of unit) {
        expect(ones(p >> 8) % 2).toBe(1);
        expect(ones(p & 0xff) % 2).toBe(1);
      }
    }
  });

  it('loads pop-on: RCL and ENM first, every two-byte code sent twice in a row', () => {
    const units = loadUnits('Hello ♪', 1);
    expect(units[0]).toEqual([control(1, RCL), control(1, RCL)]);
    expect(units[1]).toEqual([control(1, ENM), control(1, ENM)]);
    for (const unit of units) {
      const [first, second] = pairBytes(unit[0]!);
      if (first < 0x20) {
        // A control code, PAC, tab offset or special character: doubled.
        expect(unit).toHaveLength(2);
        expect(unit[1]).toBe(unit[0]);
      } else {
        expect(unit).toHaveLength(1);
        expect(second === 0 || second >= 0x20).toBe(true);
      }
    }
  });

  it('places rows at the bottom (row 15 last), centred by PAC indent and tab offset', () => {
    // 'Hi' is 2 cells: column 15 = indent 12 + tab offset 3.
    const one = loadUnits('Hi', 1);
    expect(one[2]).toEqual([pac(15, 12), pac(15, 12)]);
    expect(pairBytes(pac(15, 12))).toEqual([0x14, 0x76]);
    expect(bytesOf([one[3]!])).toEqual([[0x17, 0x23], [0x17, 0x23]]);
    expect(bytesOf([one[4]!])).toEqual([[0x48, 0x69]]);
    // Two rows: 14 and 15; a 32-cell row starts at column 0 (indent 0, no tab).
    const two = loadUnits(`${'x'.repeat(32)}\nab`, 1);
    expect(pairBytes(two[2]![0]!)).toEqual([0x14, 0x50]); // row 14, indent 0
    const row15 = two.find((u) => pairBytes(u[0]!)[0] === 0x14 && pairBytes(u[0]!)[1] >= 0x60);
    expect(row15 && pairBytes(row15[0]!)).toEqual([0x14, 0x76]); // row 15, indent 12 (+ tab 3)
    // Four rows: 12 to 15.
    const four = loadUnits('a\nb\nc\nd', 1);
    const pacRows = four.filter((u) => u.length === 2 && pairBytes(u[0]!)[1] >= 0x40).map((u) => hex(u[0]!));
    expect(pacRows).toEqual([hex(pac(12, 12)), hex(pac(13, 12)), hex(pac(14, 12)), hex(pac(15, 12))]);
  });

  it('wraps words to 32 columns, cuts a longer word, keeps at most 4 rows', () => {
    const text = 'The quick brown fox jumps over the lazy dog and keeps running far beyond the edge of the caption area itself';
    const rows = layoutRows(text);
    expect(rows.length).toBe(4);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(32);
    const words = rows.map((row) => String.fromCharCode(...row));
    expect(words[0]).toBe('The quick brown fox jumps over');
    expect(words.join(' ').startsWith(text.slice(0, 60))).toBe(true);
    expect(layoutRows('x'.repeat(40)).map((r) => r.length)).toEqual([32, 8]);
    expect(layoutRows('one\n\ntwo')).toHaveLength(2);
    expect(layoutRows('日本語')).toEqual([]);
    expect(loadUnits('日本語', 1)).toEqual([]);
  });

  it('maps accented and special characters to the 608 sets, else to a look-alike', () => {
    const sent = (text: string) => bytesOf(loadUnits(text, 1).slice(4)); // after RCL, ENM, PAC, tab
    expect(layoutRows('é ñ á')[0]).toEqual([0x5c, 0x20, 0x7e, 0x20, 0x2a]); // basic set
    // ♪ is special (0x11 0x37), sent twice, no fallback before it.
    const music = loadUnits('♪', 1);
    expect(bytesOf([music.at(-1)!])).toEqual([[0x11, 0x37], [0x11, 0x37]]);
    // Ü is extended (0x12 0x24): its look-alike 'U' first, which the decoder backspaces over.
    expect(sent('Ü')).toEqual([[0x55, 0x00], [0x12, 0x24], [0x12, 0x24]]);
    // '*' is not basic in 608 (0x2A is á): extended 0x12 0x28 after a '.'.
    expect(sent('*')).toEqual([[0x2e, 0x00], [0x12, 0x28], [0x12, 0x28]]);
    // Look-alikes: en dash → '-', ō → 'o', ellipsis → '...'; CJK dropped.
    expect(String.fromCharCode(...layoutRows('a–b ō…日')[0]!)).toBe('a-b o...');
  });

  it('uses field 2 codes on CC3 (misc control first byte 0x15)', () => {
    expect(pairBytes(loadUnits('Hi', 3)[0]![0]!)).toEqual([0x15, 0x20]);
    expect(pairBytes(control(3, EOC))).toEqual([0x15, 0x2f]);
  });
});

describe('CEA-608 schedule', () => {
  const frame = 3003;
  const cue = (startFrame: number, endFrame: number, text: string): CaptionCue => ({ startPts: 900_000 + startFrame * frame, endPts: 900_000 + endFrame * frame, text });
  const plan = (cues: CaptionCue[], frames = 400) => pairsPerFrame(cues, { frameTicks: frame, firstPts: 900_000, frameCount: frames });

  it('loads before the start, EOC exactly at the cue start, EDM at its end', () => {
    const { pairs, late } = plan([cue(100, 160, 'On time')]);
    expect(late).toEqual([]);
    const eoc = control(1, EOC);
    expect(pairs.indexOf(eoc)).toBe(100);
    expect(pairs[101]).toBe(eoc);
    expect(pairs.indexOf(control(1, EDM))).toBe(160);
    // Every load pair went out before the EOC, one pair per frame.
    const loads = loadUnits('On time', 1).flat();
    expect(pairs.slice(0, 100).filter((p) => p !== undefined)).toEqual(loads);
  });

  it('back-to-back cues: the next EOC replaces the caption, no EDM between', () => {
    const { pairs, late } = plan([cue(100, 150, 'First'), cue(150, 200, 'Second')]);
    expect(late).toEqual([]);
    const eocs = pairs.flatMap((p, i) => (p === control(1, EOC) ? [i] : []));
    expect(eocs).toEqual([100, 101, 150, 151]);
    expect(pairs.flatMap((p, i) => (p === control(1, EDM) ? [i] : []))).toEqual([200, 201]);
  });

  it('loads the next caption while the previous one is on screen', () => {
    const { pairs } = plan([cue(50, 200, 'A long caption that stays'), cue(210, 260, 'Next one')]);
    const nextLoadStart = pairs.findIndex((p, i) => i > 51 && p === control(1, RCL));
    expect(pairs.slice(50, 52)).toEqual([control(1, EOC), control(1, EOC)]);
    expect(nextLoadStart).toBe(52);
    expect(nextLoadStart).toBeLessThan(200);
  });

  it('a cue too close to the previous one is shown as soon as it is loaded, and reported late', () => {
    const long = 'x'.repeat(32);
    const { pairs, late } = plan([cue(30, 60, 'Short'), cue(61, 120, `${long}\n${long}`)]);
    expect(late).toHaveLength(1);
    const loadPairs = loadUnits(`${long}\n${long}`, 1).flat().length;
    const secondEoc = pairs.findIndex((p, i) => i > 31 && p === control(1, EOC));
    // Loading starts after the first EOC (frames 30, 31) and the second EOC follows it.
    expect(secondEoc).toBe(32 + loadPairs);
    expect(late[0]!.lateTicks).toBe((secondEoc - 61) * frame);
    // The first caption stays until the second replaces it.
    expect(pairs.slice(0, secondEoc).includes(control(1, EDM))).toBe(false);
  });

  it('sends at most one pair per 1/29.97 s: every other frame at 59.94 fps', () => {
    const { pairs } = pairsPerFrame([{ startPts: 90_000, endPts: 180_000, text: 'Fast' }], { frameTicks: 1501.5, firstPts: 0, frameCount: 240 });
    for (let i = 1; i < pairs.length; i++) expect(pairs[i] !== undefined && pairs[i - 1] !== undefined).toBe(false);
    // EOC at the start, within a frame.
    const eoc = pairs.indexOf(control(1, EOC));
    expect(Math.abs(eoc * 1501.5 - 90_000)).toBeLessThanOrEqual(1501.5);
  });

  it('an emergency alert is captioned like any cue; a cue already over is skipped', () => {
    const { pairs } = plan([cue(-100, -1, 'Gone'), cue(20, 120, 'EMERGENCY ALERT: tornado warning for Example County until 9 PM')]);
    const text = pairs.filter((p): p is number => p !== undefined && pairBytes(p)[0] >= 0x20).map((p) => String.fromCharCode(...pairBytes(p).filter((b) => b))).join('');
    expect(text).toBe('EMERGENCY ALERT: tornado warningfor Example County until 9 PM');
    expect(pairs.filter((p) => p === pair(0x14, EOC))).toHaveLength(2);
  });
});
