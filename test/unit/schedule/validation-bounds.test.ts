import { describe, expect, it } from 'vitest';
import { findConflicts, MAX_BLOCKS, parseSchedule, ScheduleError, type ScheduleBlock } from '../../../src/schedule/model.js';

/**
 * Issue 20 (low): 400 blocks on top of each other took 13 s to refuse and answered a 69.5 MB
 * message (every pair of every day). Validation is a sort and a sweep, the block count is
 * capped, and the error lists the first problems only.
 */
const stacked = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `b${i}`, start: '00:00', minutes: 60, content: { type: 'movies' } }));

function refusal(input: unknown): { error: ScheduleError; ms: number } {
  const startedAt = performance.now();
  try {
    parseSchedule(input);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    return { error, ms: performance.now() - startedAt };
  }
  throw new Error('the schedule was accepted');
}

describe('schedule validation is bounded (issue 20)', () => {
  it(`a schedule of 10 000 blocks is refused at once, naming blocks and the limit (${MAX_BLOCKS})`, () => {
    const { error, ms } = refusal({ blocks: stacked(10_000) });
    expect(ms).toBeLessThan(200);
    expect(error.field).toBe('blocks');
    expect(error.message).toBe(`blocks: at most ${MAX_BLOCKS} blocks in a schedule (got 10000)`);
  });

  it('400 blocks on top of each other: refused fast, with the first problems and how many more, in under 2 KB', () => {
    const { error, ms } = refusal({ blocks: stacked(400) });
    expect(ms).toBeLessThan(200);
    expect(error.message.length).toBeLessThan(2048);
    expect(error.problems.length).toBeLessThanOrEqual(11);
    expect(error.problems[0]).toBe('blocks: block "b0" (mon 00:00–mon 01:00) overlaps block "b1" (mon 00:00–mon 01:00) during mon 00:00–mon 01:00');
    // 399 overlaps a day, seven days: nine described, the rest counted.
    expect(error.problems.at(-1)).toBe('blocks: and 2784 more overlaps');
  });

  it('as many blocks as allowed, all overlapping, still answer in well under a second', () => {
    const { error, ms } = refusal({ blocks: stacked(MAX_BLOCKS) });
    expect(ms).toBeLessThan(1000);
    expect(error.message.length).toBeLessThan(2048);
  });

  it('long names and unknown keys cannot blow the message up', () => {
    const long = 'x'.repeat(80);
    const { error } = refusal({ blocks: stacked(50).map((b, i) => ({ ...b, name: `${long}${i}`.slice(-80) })), [`k${'y'.repeat(100_000)}`]: 1 });
    expect(error.message.length).toBeLessThan(2048);
  });

  it('every overlapping block is still named: the sweep finds overlaps a pairwise scan would', () => {
    const block = (name: string, start: string, minutes: number, days: ScheduleBlock['days'] = ['tue']): ScheduleBlock =>
      ({ name, start, minutes, days, content: { type: 'movies' }, overrun: 'cut', breaks: true });
    // A long block and two short ones inside it, apart from each other: both overlap the long one.
    const conflicts = findConflicts([block('Long', '10:00', 240), block('Early', '10:30', 30), block('Late', '13:00', 30), block('After', '14:00', 30)]);
    expect(conflicts).toEqual([
      'block "Long" (tue 10:00–tue 14:00) overlaps block "Early" (tue 10:30–tue 11:00) during tue 10:30–tue 11:00',
      'block "Long" (tue 10:00–tue 14:00) overlaps block "Late" (tue 13:00–tue 13:30) during tue 13:00–tue 13:30',
    ]);
    // Back-to-back blocks (a week of half hours) do not overlap.
    const week = Array.from({ length: 48 }, (_, i) => block(`h${i}`, `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, 30, ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']));
    expect(findConflicts(week)).toEqual([]);
    expect(() => parseSchedule({ blocks: week })).not.toThrow();
  });

  it('a block lists each weekday at most once', () => {
    const { error } = refusal({ blocks: [{ name: 'b', days: Array(8).fill('mon'), start: '00:00', minutes: 60, content: { type: 'movies' } }] });
    expect(error.field).toBe('blocks.0.days');
  });
});
