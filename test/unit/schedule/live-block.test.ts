import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { liveSourcesOf, parseSchedule, ScheduleError } from '../../../src/schedule/model.js';
import { TimelineStore } from '../../../src/schedule/timeline-store.js';
import { airsFile } from '../../../src/timeline/airing-kind.js';
import { assertContiguous, compile, inputFor } from './fixtures.js';

const ZONE = 'America/New_York';
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();

/** A schedule with a live event (issue 25) between two library blocks. */
const schedule = parseSchedule({
  blocks: [
    { name: 'Sitcom', start: '19:00', minutes: 60, content: { type: 'show', show: 'Sitcom' } },
    { name: 'Football', days: ['fri'], start: '20:00', minutes: 150, content: { type: 'live', source: 'stadium', title: 'Friday Night Football' } },
    { name: 'Late Movie', start: '22:30', minutes: 90, content: { type: 'movies' } },
  ],
});

describe('schedule compiler: a live block', () => {
  const friday = at('2024-06-07T00:00');

  it('is ONE live airing for the whole block, titled as the event in the guide, with no file', () => {
    const { airings } = compile(inputFor(schedule as never), friday, friday + 24 * 3600_000);
    expect(assertContiguous(airings, friday)).toEqual([]);
    const live = airings.filter((a) => a.kind === 'live');
    expect(live).toEqual([
      {
        startMs: at('2024-06-07T20:00'),
        endMs: at('2024-06-07T22:30'),
        mediaPath: '',
        inPointMs: 0,
        outPointMs: 150 * 60_000,
        kind: 'live',
        title: 'Friday Night Football',
        program: { id: `1:${at('2024-06-07T20:00')}`, title: 'Friday Night Football', block: 'Football' },
        live: { sourceId: 'stadium' },
      },
    ]);
    // The cache fill, the checks and the render plan leave it to playout's live path.
    expect(airsFile(live[0]!)).toBe(false);
    // The blocks either side keep their boundaries.
    expect(airings.find((a) => a.endMs === at('2024-06-07T20:00'))?.program?.block).toBe('Sitcom');
    expect(airings.find((a) => a.startMs === at('2024-06-07T22:30'))?.program?.block).toBe('Late Movie');
  });

  it('takes the block name as its title when none is given, and the defaults for fallback and overrun', () => {
    const plain = parseSchedule({ blocks: [{ name: 'Council meeting', start: '18:00', minutes: 30, content: { type: 'live', source: 'council' } }] });
    expect(plain.blocks[0]!.content).toEqual({ type: 'live', source: 'council', fallback: 'slate', overrun: 'cut' });
    const { airings } = compile(inputFor(plain as never), friday, friday + 24 * 3600_000);
    expect(airings.filter((a) => a.kind === 'live').map((a) => a.title)).toEqual(['Council meeting']);
  });

  it('refuses fallbacks and overruns it cannot do yet, and a bad source id', () => {
    const block = (content: Record<string, unknown>) => ({ blocks: [{ name: 'Live', start: '18:00', minutes: 30, content: { type: 'live', source: 'stadium', ...content } }] });
    expect(() => parseSchedule(block({ fallback: 'filler' }))).toThrow(ScheduleError);
    expect(() => parseSchedule(block({ overrun: 'extend' }))).toThrow(/only "cut" is supported/);
    expect(() => parseSchedule(block({ source: 'Not An Id!' }))).toThrow(/live source id/);
    expect(() => parseSchedule(block({ cameras: [] }))).toThrow(ScheduleError);
    expect(() => parseSchedule(block({ cameras: ['cam 2'] }))).toThrow(/live source id/);
  });

  it('names every source a block uses, its cameras too, with where (the store checks they exist)', () => {
    const withCameras = parseSchedule({ blocks: [{ name: 'Match', start: '18:00', minutes: 30, content: { type: 'live', source: 'wide', cameras: ['close', 'goal'], record: true } }] });
    expect(liveSourcesOf(withCameras)).toEqual([
      { source: 'wide', field: 'blocks.0.content.source' },
      { source: 'close', field: 'blocks.0.content.cameras.0' },
      { source: 'goal', field: 'blocks.0.content.cameras.1' },
    ]);
  });

  it('keeps its source through the timeline store (the row has no file)', () => {
    const db = new Database(':memory:');
    migrate(db);
    const store = new TimelineStore(db, 1);
    const { airings, checkpoints, endMs, state } = compile(inputFor(schedule as never), friday, friday + 24 * 3600_000);
    store.append(airings, checkpoints, { compiledUntilMs: endMs, state });
    const loaded = store.load(friday).filter((a) => a.kind === 'live');
    expect(loaded).toEqual(airings.filter((a) => a.kind === 'live'));
  });
});
