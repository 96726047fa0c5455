import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileTimeline, initialState, occurrencesOnDate } from '../../../src/schedule/compiler.js';
import { findConflicts, parseSchedule, ScheduleError } from '../../../src/schedule/model.js';
import { assertContiguous, compile, inputFor, sampleCatalog, weeknightSchedule } from './fixtures.js';

const ZONE = 'America/New_York';
const MIN = 60_000;
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();

describe('schedule compiler', () => {
  const weekStart = at('2024-06-03T00:00'); // a Monday
  const weekEnd = weekStart + 7 * 24 * 3600_000;

  it('covers a week with no gaps or overlaps, durations exact to the millisecond', () => {
    const result = compile(inputFor(weeknightSchedule), weekStart, weekEnd);
    expect(assertContiguous(result.airings, weekStart)).toEqual([]);
    expect(result.endMs).toBeGreaterThanOrEqual(weekEnd);
    expect(result.airings.at(-1)!.endMs).toBe(result.endMs);
  });

  it('starts every block exactly on its wall-clock boundary and ends the block on the next', () => {
    const input = inputFor(weeknightSchedule);
    const { airings } = compile(input, weekStart, weekEnd);
    const starts = new Set(airings.map((a) => a.startMs));
    let date = DateTime.fromMillis(weekStart, { zone: ZONE });
    let checked = 0;
    for (let d = 0; d < 7; d += 1, date = date.plus({ days: 1 })) {
      for (const occ of occurrencesOnDate(input.schedule.blocks, date, ZONE)) {
        expect(starts.has(occ.startMs), `${occ.block.name} at ${new Date(occ.startMs).toISOString()}`).toBe(true);
        expect(starts.has(occ.endMs) || occ.endMs >= weekEnd).toBe(true);
        // Everything inside the occurrence belongs to the block.
        const inside = airings.filter((a) => a.startMs >= occ.startMs && a.startMs < occ.endMs);
        expect(inside.every((a) => a.program?.block === occ.block.name)).toBe(true);
        expect(inside.at(-1)!.endMs).toBe(occ.endMs);
        checked += 1;
      }
    }
    expect(checked).toBe(5 * 2 + 7);
    const firstSitcom = airings.find((a) => a.program?.block === 'Sitcom')!;
    expect(DateTime.fromMillis(firstSitcom.startMs, { zone: ZONE }).toFormat('ccc HH:mm')).toBe('Mon 18:00');
  });

  it('breaks a show at its chapter markers and airs the next episode in order', () => {
    const input = inputFor(weeknightSchedule);
    const { airings } = compile(input, weekStart, weekStart + 24 * 3600_000);
    const sitcom = airings.filter((a) => a.kind === 'program' && a.program?.block === 'Sitcom');
    const episode = input.catalog.find((i) => i.show === 'Sitcom' && i.episode === 1)!;
    expect(sitcom.map((a) => a.inPointMs)).toEqual([0, ...episode.chapters.slice(1).map((c) => c.timestampMs)]);
    expect(sitcom.map((a) => a.outPointMs)).toEqual([...episode.chapters.slice(1).map((c) => c.timestampMs), episode.durationMs]);
    // A break (non-program airing) follows each act.
    for (const act of sitcom) {
      const next = airings.find((a) => a.startMs === act.endMs)!;
      expect(next.kind).not.toBe('program');
    }
    const tuesday = compile(input, weekStart, weekStart + 2 * 24 * 3600_000).airings.filter(
      (a) => a.kind === 'program' && a.program?.block === 'Sitcom' && a.inPointMs === 0,
    );
    expect(tuesday.map((a) => a.program?.episode)).toEqual([1, 2]);
  });

  it('continues "next episode" from saved progress, and compiling in pieces equals compiling in one go', () => {
    const input = inputFor(weeknightSchedule);
    const whole = compile(input, weekStart, weekEnd);
    const first = compile(input, weekStart, weekStart + 2.5 * 24 * 3600_000);
    const second = compileTimeline(input, first.state, first.endMs, weekEnd);
    expect([...first.airings, ...second.airings]).toEqual(whole.airings);
    expect(second.state).toEqual(whole.state);
  });

  it('is deterministic: same inputs, same timeline', () => {
    const a = compile(inputFor(weeknightSchedule), weekStart, weekEnd);
    const b = compile(inputFor(weeknightSchedule), weekStart, weekEnd);
    expect(b).toEqual(a);
  });

  it('shuffles without repeats until every episode has aired', () => {
    const schedule = { blocks: [{ name: 'Toons', start: '07:00', minutes: 12, content: { type: 'show' as const, show: 'Cartoon', order: 'shuffle' as const } }] };
    const { airings } = compile(inputFor(schedule), weekStart, weekStart + 8 * 24 * 3600_000);
    const episodes = airings.filter((a) => a.program?.block === 'Toons' && a.kind === 'program').map((a) => a.program!.episode!);
    expect(episodes.length).toBeGreaterThanOrEqual(8);
    for (let round = 0; round + 4 <= episodes.length; round += 4) expect(new Set(episodes.slice(round, round + 4)).size).toBe(4);
  });

  it('repeats a commercial within a break only once the whole pool has aired in it (never twice in a row), and keeps a cooldown across breaks', () => {
    const input = inputFor(weeknightSchedule);
    const { airings } = compile(input, weekStart, weekEnd);
    const breaks = new Map<string, number[]>();
    let current: number[] = [];
    const sequence: number[] = [];
    for (const a of airings) {
      if (a.kind === 'commercial') {
        current.push(a.mediaId!);
        sequence.push(a.mediaId!);
      } else if (current.length) {
        breaks.set(String(a.startMs), current);
        current = [];
      }
    }
    expect(breaks.size).toBeGreaterThan(10);
    const poolSize = new Set(sequence).size;
    for (const ids of breaks.values()) {
      ids.forEach((id, i) => {
        if (i > 0) expect(ids[i - 1]).not.toBe(id);
        if (ids.indexOf(id) < i) expect(new Set(ids.slice(0, i)).size, 'a repeat only after the whole pool').toBe(poolSize);
      });
    }
    const cooldown = input.schedule.commercial_cooldown;
    for (let i = 0; i < sequence.length; i += 1) expect(sequence.slice(Math.max(0, i - cooldown), i)).not.toContain(sequence[i]);
  });

  it('fills a long break from a small pool of commercials by going round again, not with a slate', () => {
    const catalog = sampleCatalog().filter((c) => c.kind !== 'commercial' || c.title === 'Ad 1' || c.title === 'Ad 2');
    const input = inputFor({ blocks: [{ name: 'Film', start: '20:00', minutes: 120, content: { type: 'movies' } }] }, { catalog });
    const day = at('2024-06-03T20:00');
    const { airings } = compile(input, day, day + 2 * 3600_000);
    const breaks = airings.filter((a) => a.startMs >= day && a.endMs <= day + 2 * 3600_000 && a.kind !== 'program');
    expect(breaks.filter((a) => a.kind === 'commercial').length).toBeGreaterThan(4);
    for (const slate of breaks.filter((a) => a.kind === 'slate')) expect(slate.endMs - slate.startMs, 'only the odd seconds no spot fits').toBeLessThan(30_000);
  });

  it('handles a show longer than its block: cut ends it on the boundary; shift delays the next block', () => {
    const blocks = (overrun: 'cut' | 'shift') => ({
      blocks: [
        { name: 'Film', start: '20:00', minutes: 90, overrun, content: { type: 'movies' as const, tag: 'classic' } },
        { name: 'Late', start: '21:30', minutes: 30, content: { type: 'show' as const, show: 'Sitcom' } },
        { name: 'Later', start: '22:00', minutes: 30, content: { type: 'show' as const, show: 'Cartoon' } },
      ],
    });
    const day = at('2024-06-03T20:00');
    const cut = compile(inputFor(blocks('cut')), day, day + 2 * 3600_000).airings;
    const film = cut.filter((a) => a.program?.block === 'Film');
    expect(film).toHaveLength(1);
    expect(film[0]!.outPointMs).toBe(90 * MIN);
    expect(cut.find((a) => a.program?.block === 'Late')!.startMs).toBe(at('2024-06-03T21:30'));

    const shift = compile(inputFor(blocks('shift')), day, day + 3 * 3600_000).airings;
    const movie = shift.find((a) => a.program?.block === 'Film')!;
    expect(movie.outPointMs).toBe(95 * MIN + 3210);
    const late = shift.filter((a) => a.program?.block === 'Late');
    // The Sitcom block starts when the film ends, and still hands over on time at 21:30.
    expect(movie.endMs).toBeGreaterThan(at('2024-06-03T21:30'));
    expect(late[0]!.startMs).toBe(movie.endMs);
    expect(late[0]!.kind).toBe('program');
    expect(late.at(-1)!.endMs).toBe(at('2024-06-03T22:00'));
    expect(shift.find((a) => a.program?.block === 'Later')!.startMs).toBe(at('2024-06-03T22:00'));
    expect(assertContiguous(shift, day)).toEqual([]);
  });

  it('fills a block whose pool is empty with filler under the block name, exactly to its end', () => {
    const schedule = { blocks: [{ name: 'Nothing', start: '10:00', minutes: 30, content: { type: 'show' as const, show: 'No Such Show' } }] };
    const day = at('2024-06-03T10:00');
    const { airings } = compile(inputFor(schedule), day, day + 30 * MIN);
    const slot = airings.filter((a) => a.program?.block === 'Nothing');
    expect(slot[0]!.startMs).toBe(day);
    expect(slot.at(-1)!.endMs).toBe(day + 30 * MIN);
    expect(slot.every((a) => a.kind !== 'program')).toBe(true);
    expect(assertContiguous(airings, day)).toEqual([]);
  });

  it('with no interstitials at all, pads breaks with the slate', () => {
    const catalog = sampleCatalog().filter((i) => i.kind === 'episode' || i.kind === 'movie');
    const day = at('2024-06-03T18:00');
    const { airings } = compile(inputFor(weeknightSchedule, { catalog }), day, day + 3600_000);
    const slates = airings.filter((a) => a.kind === 'slate');
    expect(slates.length).toBeGreaterThan(0);
    // Each padding is one airing with no file (playout draws the slate), never two in a row.
    expect(slates.every((a) => a.mediaPath === '' && a.inPointMs === 0 && a.outPointMs === a.endMs - a.startMs)).toBe(true);
    expect(airings.some((a, i) => a.kind === 'slate' && airings[i + 1]?.kind === 'slate')).toBe(false);
    expect(assertContiguous(airings, day)).toEqual([]);
  });

  it('with no blocks, plays the library back to back (loop mode as a schedule)', () => {
    const { airings } = compile(inputFor({}), weekStart, weekStart + 6 * 3600_000);
    expect(airings.every((a) => a.kind === 'program' && a.inPointMs === 0)).toBe(true);
    expect(assertContiguous(airings, weekStart)).toEqual([]);
  });

  it('keeps blocks on local wall-clock time across DST changes, with no gaps', () => {
    const schedule = {
      blocks: [
        { name: 'Overnight', start: '00:00', minutes: 360, content: { type: 'movies' as const } },
        { name: 'Evening', start: '18:00', minutes: 60, content: { type: 'show' as const, show: 'Sitcom' } },
      ],
    };
    for (const [day, overnightHours] of [['2024-03-10', 5], ['2024-11-03', 7]] as const) {
      const from = at(`${day}T00:00`);
      const { airings } = compile(inputFor(schedule), from, from + 24 * 3600_000);
      expect(assertContiguous(airings, from)).toEqual([]);
      const overnight = airings.filter((a) => a.program?.block === 'Overnight' && a.startMs < from + 12 * 3600_000);
      expect(overnight.at(-1)!.endMs - overnight[0]!.startMs).toBe(overnightHours * 3600_000);
      expect(DateTime.fromMillis(overnight.at(-1)!.endMs, { zone: ZONE }).toFormat('HH:mm')).toBe('06:00');
      const evening = airings.find((a) => a.program?.block === 'Evening')!;
      expect(DateTime.fromMillis(evening.startMs, { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm')).toBe(`${day} 18:00`);
    }
  });
});

describe('schedule validation', () => {
  it('rejects overlapping blocks, naming both and the overlap', () => {
    const blocks = [
      { name: 'Sitcom', days: ['mon'], start: '18:00', minutes: 60, content: { type: 'show', show: 'Sitcom' } },
      { name: 'News', days: ['mon', 'tue'], start: '18:30', minutes: 60, content: { type: 'tag', tag: 'news' } },
    ];
    expect(() => parseSchedule({ blocks })).toThrow(ScheduleError);
    expect(() => parseSchedule({ blocks })).toThrow('block "Sitcom" (mon 18:00–mon 19:00) overlaps block "News" (mon 18:30–mon 19:30) during mon 18:30–mon 19:00');
  });

  it('finds an overlap that wraps past Sunday midnight', () => {
    const schedule = parseSchedule({ blocks: [{ name: 'Late', days: ['sun'], start: '23:00', minutes: 120, content: { type: 'movies' } }] });
    const conflicts = findConflicts([...schedule.blocks, { ...schedule.blocks[0]!, name: 'Early', days: ['mon'], start: '00:30', minutes: 30 }]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toContain('"Early"');
    expect(conflicts[0]).toContain('"Late"');
  });

  it('explains bad fields by path', () => {
    try {
      parseSchedule({ blocks: [{ name: 'X', start: '25:00', minutes: 0, content: { type: 'show', show: 'S', order: 'fixed' } }] });
      throw new Error('should have failed');
    } catch (error) {
      const problems = (error as ScheduleError).problems;
      expect(problems).toContain('blocks.0.start: must be "HH:MM" (24-hour)');
      expect(problems.some((p) => p.startsWith('blocks.0.minutes'))).toBe(true);
      expect(problems.some((p) => p.includes('order "fixed" needs both season and episode'))).toBe(true);
    }
  });
});
