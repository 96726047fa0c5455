import BetterSqlite3 from 'better-sqlite3';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { CompiledTimeline, EXTEND_CHUNK_MS, MIN_HORIZON_MS } from '../../../src/schedule/compiled-timeline.js';
import type { CompileInput } from '../../../src/schedule/compiler.js';
import { TimelineStore } from '../../../src/schedule/timeline-store.js';
import { assertContiguous, inputFor } from './fixtures.js';

/**
 * Issue 20, H2: a viewer's far-future `at` once compiled (and stored) the schedule up to it on
 * the request's turn. Now the horizon is compiled ahead in the background in small steps,
 * readers never make the timeline compile, and nothing is compiled past the horizon.
 */
const NOW = DateTime.fromISO('2024-06-03T17:50', { zone: 'America/New_York' }).toMillis();
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Every half hour of the week a block of two 11-minute cartoons with breaks: many units, many airings. */
const cartoonsAllDay = {
  blocks: Array.from({ length: 48 }, (_, i) => ({
    name: `Cartoons ${i}`,
    start: `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`,
    minutes: 30,
    content: { type: 'show' as const, show: 'Cartoon' },
  })),
};

const made: CompiledTimeline[] = [];
afterEach(() => {
  for (const timeline of made.splice(0)) timeline.stop();
  vi.restoreAllMocks();
});

function setup(schedule = cartoonsAllDay, clock = { now: NOW }) {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  let input: CompileInput = inputFor(schedule);
  const inputCalls = { count: 0 };
  const timeline = new CompiledTimeline({
    store: new TimelineStore(db, 1),
    input: () => {
      inputCalls.count += 1;
      return input;
    },
    now: () => clock.now,
    fileExists: () => true,
  });
  made.push(timeline);
  const storedRows = () => (db.prepare('SELECT COUNT(*) AS n FROM timeline_airings').get() as { n: number }).n;
  return { db, timeline, clock, storedRows, inputCalls, setInput: (next: CompileInput) => (input = next) };
}

/** Counts the event loop's turns while `work` is awaited: background steps must leave it free between them. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work;
  done = true;
  return turns;
}

describe('compiled timeline: bounded, in the background (issue 20, H2)', () => {
  it('a new timeline compiles the next hours at once and the rest of the horizon in steps, the event loop free between them', async () => {
    const { timeline } = setup();
    // Enough to air and to show what is up next; not the whole 48 h on the constructor's turn.
    expect(timeline.compiledUntil).toBeGreaterThanOrEqual(NOW + 6 * HOUR);
    expect(timeline.compiledUntil).toBeLessThan(NOW + 12 * HOUR);
    const turns = await turnsDuring(timeline.whenCompiled(NOW + MIN_HORIZON_MS));
    // About an hour of schedule per step: dozens of steps, each followed by a turn of the loop.
    expect(turns).toBeGreaterThan(20);
    expect(timeline.compiledUntil).toBeGreaterThanOrEqual(NOW + MIN_HORIZON_MS);
    const airings = timeline.publishedBetween(NOW, NOW + MIN_HORIZON_MS);
    expect(assertContiguous(airings, NOW)).toEqual([]);
  });

  it('each background step compiles about an hour and takes a few milliseconds', async () => {
    const { timeline } = setup();
    const before = timeline.compiledUntil;
    const stepSpans: number[] = [];
    const stepTimes: number[] = [];
    let last = before;
    let startedAt = performance.now();
    // Sample the compiled end on every turn of the loop: one step happens between two turns.
    const done = timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      await new Promise((resolve) => setImmediate(resolve));
      if (timeline.compiledUntil !== last) {
        stepSpans.push(timeline.compiledUntil - last);
        stepTimes.push(performance.now() - startedAt);
        last = timeline.compiledUntil;
      }
      startedAt = performance.now();
    }
    expect(stepSpans.length).toBeGreaterThan(20);
    // Whole half-hour units: one step is at least an hour and at most an hour and a half of schedule.
    expect(Math.max(...stepSpans)).toBeLessThanOrEqual(1.5 * HOUR);
    // Generous for a loaded test machine; a step measures 1–3 ms on an idle one.
    const sorted = [...stepTimes].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(25);
  });

  it('readers never compile: far instants read nothing, and nothing is compiled or stored past the horizon', async () => {
    const { timeline, storedRows } = setup();
    // As far as it goes: the horizon and the chunk it is topped up by.
    await timeline.whenCompiled(Infinity);
    await new Promise((resolve) => setImmediate(resolve));
    const compiled = timeline.compiledUntil;
    const rows = storedRows();
    const far = NOW + 150 * DAY;
    expect(timeline.at(far)).toBeUndefined();
    expect(timeline.at(Date.UTC(2100, 0, 1))).toBeUndefined();
    expect(timeline.programmeAt(far)).toBeUndefined();
    expect(timeline.publishedBetween(far, far + HOUR)).toEqual([]);
    expect(timeline.airingsBetween(NOW, NOW + 10 * 365 * DAY).at(-1)!.endMs).toBe(compiled);
    // Awaiting a far instant waits for the horizon only.
    await timeline.whenCompiled(far);
    expect(timeline.compiledUntil).toBe(compiled);
    expect(storedRows()).toBe(rows);
    expect(compiled).toBeLessThanOrEqual(NOW + MIN_HORIZON_MS + EXTEND_CHUNK_MS + 1.5 * HOUR);
  });

  it('playout always gets an airing: when the background is behind now, at() compiles just what it needs', () => {
    const clock = { now: NOW };
    const { timeline } = setup(cartoonsAllDay, clock);
    const compiled = timeline.compiledUntil;
    // The loop stalled (or the machine slept) past everything compiled.
    clock.now = compiled + 2 * HOUR;
    const position = timeline.at(clock.now);
    expect(position?.airing.kind).toBeDefined();
    expect(position!.airing.startMs).toBeLessThanOrEqual(clock.now);
    expect(position!.airing.endMs).toBeGreaterThan(clock.now);
    // The catch-up to now, and a step past it: not the horizon.
    expect(timeline.compiledUntil).toBeLessThan(clock.now + 2 * HOUR);
    // A viewer's instant an hour past that is not compiled on its turn.
    const viewerAt = timeline.compiledUntil + 2 * HOUR;
    expect(timeline.at(viewerAt)).toBeUndefined();
  });

  it('time passing tops the horizon up in the background; the recheck timer does not keep a process alive', async () => {
    const timers: NodeJS.Timeout[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = realSetTimeout(fn, ms);
      timers.push(timer);
      return timer;
    }) as typeof setTimeout);
    const clock = { now: NOW };
    const { timeline } = setup(cartoonsAllDay, clock);
    await timeline.whenCompiled(Infinity);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers.length).toBeGreaterThan(0);
    expect(timers.every((timer) => !timer.hasRef())).toBe(true);
    clock.now = NOW + DAY;
    await timeline.whenCompiled(clock.now + MIN_HORIZON_MS);
    expect(timeline.compiledUntil).toBeGreaterThanOrEqual(clock.now + MIN_HORIZON_MS);
    expect(assertContiguous(timeline.publishedBetween(NOW + DAY, clock.now + MIN_HORIZON_MS), timeline.publishedBetween(NOW + DAY, NOW + DAY + 1)[0]!.startMs)).toEqual([]);
  });

  it('reads the schedule and catalog once per background run, not once per step', async () => {
    const { timeline, inputCalls } = setup();
    const atStart = inputCalls.count;
    await timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    expect(inputCalls.count - atStart).toBe(1);
  });

  it('stop() ends the background: nothing more is compiled or stored, and readers stop waiting', async () => {
    const { timeline, storedRows } = setup();
    const rows = storedRows();
    const compiled = timeline.compiledUntil;
    const waiting = timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    timeline.stop();
    await waiting;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(timeline.compiledUntil).toBe(compiled);
    expect(storedRows()).toBe(rows);
  });

  it('a closed database (server shutdown) ends the background quietly', async () => {
    const { db, timeline } = setup();
    db.close();
    // Resolves (the background gave up) rather than throwing from a setImmediate callback.
    await timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    expect(timeline.compiledUntil).toBeLessThan(NOW + MIN_HORIZON_MS);
  });

  it('reschedule() recompiles the next hours at once, the rest in the background, and then says what changed', async () => {
    const { timeline, setInput } = setup();
    await timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    setInput(inputFor({ blocks: [{ name: 'Movies', start: '00:00', minutes: 1440, content: { type: 'movies' } }] }));
    const startedAt = performance.now();
    const { effectiveFromMs, change } = timeline.reschedule();
    const syncMs = performance.now() - startedAt;
    expect(effectiveFromMs).toBeGreaterThanOrEqual(NOW);
    expect(timeline.compiledUntil).toBeLessThan(NOW + MIN_HORIZON_MS);
    // Generous for a loaded test machine: the synchronous part is a few ms on an idle one.
    expect(syncMs).toBeLessThan(50);
    const changed = await change;
    expect(timeline.compiledUntil).toBeGreaterThanOrEqual(NOW + MIN_HORIZON_MS);
    expect(changed.effectiveFromMs).toBe(effectiveFromMs);
    // The whole published horizon is compared, not only what was recompiled at once.
    expect(changed.removed.at(-1)!.startMs).toBeGreaterThan(NOW + 40 * HOUR);
    expect(changed.added.every((p) => p.title === 'Long Movie' || p.title === 'Short Movie')).toBe(true);
    expect(assertContiguous(timeline.publishedBetween(NOW, NOW + MIN_HORIZON_MS), NOW)).toEqual([]);
  });
});
