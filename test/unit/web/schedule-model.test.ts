import { describe, expect, it } from 'vitest';
import { clockOf, gapsOf, moveBlock, overlappingBlocks, piecesOf, resizeBlock, uniqueName } from '../../../web/control/schedule-model.js';
import type { Block } from '../../../web/control/types.js';

const block = (name: string, days: Block['days'], start: string, minutes: number): Block => ({ name, days, start, minutes, content: { type: 'movies' } });

describe('schedule editor arithmetic (web/control/schedule-model.ts)', () => {
  it('moves on the 15-minute grid, and across midnight moves the day too', () => {
    expect(moveBlock(block('A', ['tue'], '20:00', 30), 0, 22)).toMatchObject({ start: '20:15', days: ['tue'] });
    expect(moveBlock(block('A', ['mon', 'sun'], '23:30', 30), 0, 45)).toMatchObject({ start: '00:15', days: ['mon', 'tue'] });
    expect(moveBlock(block('A', ['mon'], '00:15', 30), 0, -30)).toMatchObject({ start: '23:45', days: ['sun'] });
    expect(moveBlock(block('A', ['fri'], '10:00', 30), 2, 0).days).toEqual(['sun']);
  });

  it('resizes from either edge, never below 15 minutes, and the start edge keeps the end', () => {
    expect(resizeBlock(block('A', ['tue'], '20:00', 30), 'end', 31).minutes).toBe(60);
    expect(resizeBlock(block('A', ['tue'], '20:00', 30), 'end', -90).minutes).toBe(15);
    expect(resizeBlock(block('A', ['tue'], '20:00', 60), 'start', 30)).toMatchObject({ start: '20:30', minutes: 30 });
    expect(resizeBlock(block('A', ['tue'], '20:00', 60), 'start', 120)).toMatchObject({ start: '20:45', minutes: 15 });
  });

  it('finds overlaps within a day, across midnight and across the end of the week', () => {
    expect(overlappingBlocks([block('A', ['tue'], '20:00', 60), block('B', ['tue'], '21:00', 30)]).size).toBe(0);
    expect([...overlappingBlocks([block('A', ['tue'], '20:00', 61), block('B', ['tue'], '21:00', 30)])]).toEqual([0, 1]);
    expect(overlappingBlocks([block('A', ['mon'], '23:00', 120), block('B', ['tue'], '00:30', 30)]).size).toBe(2);
    expect(overlappingBlocks([block('A', ['sun'], '23:00', 120), block('B', ['mon'], '00:30', 30)]).size).toBe(2);
    expect(overlappingBlocks([block('A', ['mon', 'tue'], '20:00', 60)]).size).toBe(0);
  });

  it('draws a block past midnight as two pieces, and names new blocks uniquely', () => {
    expect(piecesOf([block('A', ['sun'], '23:00', 120)])).toEqual([
      { block: 0, day: 6, startMin: 1380, endMin: 1440, continued: false },
      { block: 0, day: 0, startMin: 0, endMin: 60, continued: true },
    ]);
    expect(uniqueName([block('Movies', ['mon'], '00:00', 30), block('Movies 2', ['mon'], '01:00', 30)], 'Movies')).toBe('Movies 3');
    expect(clockOf(-15)).toBe('23:45');
  });

  it('finds the empty stretches of a day between blocks, including one that spills over midnight', () => {
    const blocks: Block[] = [
      { name: 'Morning', days: ['mon'], start: '06:00', minutes: 120, content: { type: 'movies' } },
      { name: 'Late', days: ['sun'], start: '23:00', minutes: 90, content: { type: 'movies' } },
      { name: 'Evening', days: ['mon'], start: '20:00', minutes: 60, content: { type: 'movies' } },
    ];
    expect(gapsOf(piecesOf(blocks), 0)).toEqual([
      { startMin: 30, endMin: 360 },
      { startMin: 480, endMin: 1200 },
      { startMin: 1260, endMin: 1440 },
    ]);
    expect(gapsOf(piecesOf(blocks), 2)).toEqual([{ startMin: 0, endMin: 1440 }]);
  });
});
