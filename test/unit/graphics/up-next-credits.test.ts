import { describe, expect, it } from 'vitest';
import { effectiveGraphics } from '../../../src/config/graphics-settings.js';
import { planGraphics } from '../../../src/graphics/windows.js';
import type { Airing } from '../../../src/timeline/types.js';

const T0 = Date.UTC(2026, 0, 1, 20, 0, 0);
const channel = { name: 'Retro One', callSign: 'RTV1', timeZone: 'UTC' };
const piece = (startS: number, lengthS: number, inS: number, creditsS?: number): Airing => ({
  startMs: T0 + startS * 1000, endMs: T0 + (startS + lengthS) * 1000, mediaPath: '/m/a.mkv', inPointMs: inS * 1000, outPointMs: (inS + lengthS) * 1000,
  kind: 'program', title: 'A', program: { id: 'a', title: 'A', ...(creditsS !== undefined ? { creditsStartMs: creditsS * 1000 } : {}) },
});
const next: Airing = { ...piece(2000, 600, 0), mediaPath: '/m/b.mkv', program: { id: 'b', title: 'B' } };
const upNext = (airing: Airing) => {
  const card = planGraphics({ airing, slice: { fromMs: airing.startMs, toMs: airing.endMs }, previous: [], following: [next], settings: effectiveGraphics({}, {}), channel }).cards.find((c) => c.kind === 'up_next');
  return card && [(card.fromMs - T0) / 1000, (card.toMs - T0) / 1000];
};

describe('"up next" over the end credits (issue 24: intro/credits markers)', () => {
  it('from the credits marker when the airing has one, for its 10 s; else 30 s before the end', () => {
    expect(upNext(piece(0, 1320, 0))).toEqual([1290, 1300]);
    expect(upNext(piece(0, 1320, 0, 1260))).toEqual([1260, 1270]);
  });

  it('the marker is in the file\'s time: a last piece after a break is shifted by its in-point', () => {
    // The file's second half airs from 1000 s on the wall clock, starting at 600 s of the file.
    expect(upNext(piece(1000, 720, 600, 1260))).toEqual([1660, 1670]);
  });

  it('a marker outside what airs, or in the last 2 s, keeps the fixed lead', () => {
    expect(upNext(piece(0, 1320, 0, 5000))).toEqual([1290, 1300]);
    expect(upNext(piece(0, 1320, 0, 1319))).toEqual([1290, 1300]);
  });
});
