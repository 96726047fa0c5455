/**
 * CompiledTimeline.joinInProgress (issue 23): on the first run a programme scanned in while a
 * channel airs a station break joins the unit on the air from the end of the airing playout may
 * already have handed over, instead of from the next unit boundary.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { compileTimeline, initialState, type CompileInput } from '../../../src/schedule/compiler.js';
import { CompiledTimeline, joinAirings } from '../../../src/schedule/compiled-timeline.js';
import { TimelineStore } from '../../../src/schedule/timeline-store.js';
import type { Airing } from '../../../src/timeline/types.js';
import { assertContiguous, inputFor } from './fixtures.js';

const zone = 'America/New_York';
const at = (clock: string) => DateTime.fromISO(`2024-06-03T${clock}`, { zone }).toMillis();
const SIGN_ON = at('21:34');
const LEAD_MS = 15_000;

/** A movie every hour on the hour, as the demo's channel 2. */
const movieHour = {
  blocks: Array.from({ length: 24 }, (_, h) => ({ name: `Movie Hour ${String(h).padStart(2, '0')}:00`, start: `${String(h).padStart(2, '0')}:00`, minutes: 60, content: { type: 'movies' } })),
};

function openDb(file = ':memory:') {
  const db = new BetterSqlite3(file);
  migrate(db);
  return db;
}

/** The library at sign-on (commercials, bumpers, station IDs) and grown (the movies too). */
function inputs(): { signOn: CompileInput; grown: CompileInput } {
  const grown = inputFor(movieHour);
  return { grown, signOn: { ...grown, catalog: grown.catalog.filter((item) => item.kind !== 'movie' && item.kind !== 'episode') } };
}

const withoutProgramId = (a: Airing) => ({ ...a, program: a.program ? { ...a.program, id: '' } : undefined });

describe('CompiledTimeline.joinInProgress (the first run)', () => {
  it('keeps everything before T, clips the programme spanning T, and from there equals a fresh compile; a restart reads the same', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'retrovue-join-')), 'db.sqlite');
    const db = openDb(file);
    const { signOn, grown } = inputs();
    let input = signOn;
    let clock = SIGN_ON;
    const timeline = new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => input, now: () => clock, fileExists: () => true });
    // Signed on with no programme: the unit on the air is a station break under the block's name.
    expect(timeline.programmeAt(SIGN_ON)?.program.title).toBe('Movie Hour 21:00');
    const published = timeline.publishedBetween(SIGN_ON, at('23:00'));
    expect(published.every((a) => a.kind !== 'program')).toBe(true);

    clock = SIGN_ON + 70_000;
    input = grown;
    const handedOver = published.find((a) => a.startMs <= clock + LEAD_MS && clock + LEAD_MS < a.endMs)!;
    const joined = timeline.joinInProgress(LEAD_MS);
    timeline.stop();
    const T = handedOver.endMs;
    expect(joined.joinedAtMs).toBe(T);
    expect(joined.effectiveFromMs).toBe(T);
    expect(T).toBeGreaterThan(clock + LEAD_MS);
    expect(T).toBeLessThan(at('22:00'));

    // Before T: untouched, airing for airing.
    const after = timeline.publishedBetween(SIGN_ON, at('23:00'));
    expect(after.filter((a) => a.startMs < T)).toEqual(published.filter((a) => a.startMs < T));
    expect(assertContiguous(after, SIGN_ON)).toEqual([]);

    // At T: the movie, joined under way (its in-point advanced by the time since the unit began).
    const fresh = compileTimeline(grown, initialState(), SIGN_ON, at('23:00')).airings;
    const spanning = fresh.find((a) => a.startMs < T && T < a.endMs)!;
    expect(spanning.kind).toBe('program');
    const clipped = timeline.at(T)!.airing;
    expect(clipped).toMatchObject({ kind: 'program', title: 'Long Movie', startMs: T, endMs: spanning.endMs, inPointMs: spanning.inPointMs + (T - spanning.startMs), outPointMs: spanning.outPointMs });
    // The guide folds the break and the movie apart: the movie is its own programme from T.
    const programme = timeline.programmeAt(T + 1000)!;
    expect(programme.program.title).toBe('Long Movie');
    expect(programme.startMs).toBe(T);
    expect(timeline.programmeAt(SIGN_ON)?.program.title).toBe('Movie Hour 21:00');
    expect(timeline.programmeAt(SIGN_ON)?.endMs).toBe(T);

    // After T: exactly a fresh compile of the unit (and what follows) with the grown library.
    expect(after.filter((a) => a.startMs >= T).map(withoutProgramId)).toEqual(
      fresh.filter((a) => a.endMs > T).map((a) => (a === spanning ? clipped : a)).filter((a) => a.startMs < at('23:00')).map(withoutProgramId),
    );
    expect(after.filter((a) => a.startMs >= at('22:00'))).toEqual(fresh.filter((a) => a.startMs >= at('22:00') && a.startMs < at('23:00')));
    db.close();

    // A restart reads the same airings (stored like any compile), and compiles on from them.
    const db2 = openDb(file);
    clock += 60_000;
    const again = new CompiledTimeline({ store: new TimelineStore(db2, 1), input: () => grown, now: () => clock, fileExists: () => true });
    again.stop();
    expect(again.publishedBetween(SIGN_ON, at('23:00'))).toEqual(after);
    db2.close();
  });

  it('is deterministic: the same published timeline, clock and library join the same way', () => {
    const run = () => {
      const { signOn, grown } = inputs();
      let input = signOn;
      let clock = SIGN_ON;
      const timeline = new CompiledTimeline({ store: new TimelineStore(openDb(), 1), input: () => input, now: () => clock, fileExists: () => true });
      clock = SIGN_ON + 95_000;
      input = grown;
      const joined = timeline.joinInProgress(LEAD_MS);
      timeline.stop();
      return { at: joined.joinedAtMs, airings: timeline.publishedBetween(SIGN_ON, at('23:00')) };
    };
    expect(run()).toEqual(run());
  });

  it('is a plain reschedule from the next boundary once the unit airs a programme (a programme in progress never changes)', () => {
    const { signOn, grown } = inputs();
    let input = signOn;
    let clock = SIGN_ON;
    const timeline = new CompiledTimeline({ store: new TimelineStore(openDb(), 1), input: () => input, now: () => clock, fileExists: () => true });
    clock = SIGN_ON + 60_000;
    input = grown;
    expect(timeline.joinInProgress(LEAD_MS).joinedAtMs).toBeDefined();
    const joined = timeline.publishedBetween(SIGN_ON, at('22:00'));

    // The next file: the movie is on the air now, so nothing in this unit changes.
    clock += 5 * 60_000;
    const again = timeline.joinInProgress(LEAD_MS);
    timeline.stop();
    expect(again.joinedAtMs).toBeUndefined();
    expect(again.effectiveFromMs).toBe(at('22:00'));
    expect(timeline.publishedBetween(SIGN_ON, at('22:00'))).toEqual(joined);
  });

  it('joins nothing when the airing on the air at now + lead ends the unit: the next boundary is as soon', () => {
    const { signOn, grown } = inputs();
    let input = signOn;
    let clock = SIGN_ON;
    const timeline = new CompiledTimeline({ store: new TimelineStore(openDb(), 1), input: () => input, now: () => clock, fileExists: () => true });
    const published = timeline.publishedBetween(SIGN_ON, at('22:00'));
    const last = published.at(-1)!;
    clock = last.startMs - LEAD_MS + 1;
    input = grown;
    const result = timeline.joinInProgress(LEAD_MS);
    timeline.stop();
    expect(result.joinedAtMs).toBeUndefined();
    expect(result.effectiveFromMs).toBe(at('22:00'));
    expect(timeline.publishedBetween(SIGN_ON, at('22:00'))).toEqual(published);
    expect(timeline.at(at('22:00'))?.airing.kind).toBe('program');
  });
});

describe('joinAirings', () => {
  const airing = (startMs: number, endMs: number, title: string, programId: string, programTitle: string, inPointMs = 0): Airing => ({
    startMs, endMs, mediaPath: `/m/${title}`, inPointMs, outPointMs: inPointMs + endMs - startMs, kind: 'program', title, program: { id: programId, title: programTitle },
  });

  it('drops what ends by T, clips the airing spanning T, and gives a different programme sharing a kept id its own', () => {
    const kept = [airing(0, 100, 'Ad', '1:0', 'Movie Hour')];
    const recompiled = [airing(0, 1000, 'Film', '1:0', 'Film', 50), airing(1000, 1200, 'Ad', '1:0', 'Film'), airing(1200, 1300, 'Ad', '1:1200', 'Movie Hour')];
    const joined = joinAirings(kept, recompiled, 100);
    expect(joined.map((a) => [a.startMs, a.endMs, a.inPointMs, a.outPointMs, a.program?.id])).toEqual([
      [100, 1000, 150, 1050, '1:0@100'],
      [1000, 1200, 0, 200, '1:0@100'],
      [1200, 1300, 0, 100, '1:1200'],
    ]);
    // The same break continuing keeps its id.
    expect(joinAirings(kept, [airing(0, 300, 'Ad', '1:0', 'Movie Hour')], 100)[0]!.program?.id).toBe('1:0');
  });
});
