import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { parseSchedule } from '../../../src/schedule/model.js';
import { CompiledTimeline, foldProgrammes, MIN_HORIZON_MS } from '../../../src/schedule/compiled-timeline.js';
import { TimelineStore } from '../../../src/schedule/timeline-store.js';
import { assertContiguous, inputFor, weeknightSchedule } from './fixtures.js';

const NOW = DateTime.fromISO('2024-06-03T17:50', { zone: 'America/New_York' }).toMillis();

function openDb(file: string) {
  const db = new BetterSqlite3(file);
  migrate(db);
  return db;
}

describe('compiled timeline (SQLite-backed)', () => {
  it('INV-TL-2: covers at least 48 h ahead, contiguous, and a restart replays the same published airings', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'retrovue-tl-')), 'db.sqlite');
    let input = inputFor(weeknightSchedule);
    const db = openDb(file);
    let clock = NOW;
    const first = new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => input, now: () => clock, fileExists: () => true });
    await first.whenCompiled(NOW + MIN_HORIZON_MS);
    first.stop();
    const window = first.publishedBetween(NOW, NOW + MIN_HORIZON_MS);
    expect(window[0]!.startMs).toBe(NOW);
    expect(window.at(-1)!.endMs).toBeGreaterThanOrEqual(NOW + MIN_HORIZON_MS);
    expect(assertContiguous(window, NOW)).toEqual([]);
    db.close();

    // Restart later with a changed library order: published airings must not move.
    clock = NOW + 3600_000;
    input = { ...input, catalog: [...input.catalog].reverse().map((i) => (i.show === 'Sitcom' ? { ...i, title: `${i.title} (renamed)` } : i)) };
    const db2 = openDb(file);
    const again = new CompiledTimeline({ store: new TimelineStore(db2, 1), input: () => input, now: () => clock, fileExists: () => true });
    expect(again.publishedBetween(clock, NOW + MIN_HORIZON_MS)).toEqual(window.filter((a) => a.endMs > clock));
    // Time passes: the horizon extends, continuing contiguously from what was published.
    clock = NOW + 3 * 24 * 3600_000;
    await again.whenCompiled(clock + MIN_HORIZON_MS);
    const later = again.airingsBetween(NOW + MIN_HORIZON_MS - 3600_000, clock + MIN_HORIZON_MS);
    expect(assertContiguous(later, later[0]!.startMs)).toEqual([]);
    expect(later.at(-1)!.endMs).toBeGreaterThanOrEqual(clock + MIN_HORIZON_MS);
    again.stop();
    db2.close();
  });

  it('INV-AIR-1: replaces a file that went missing with slate at play time, without changing the guide', () => {
    const db = openDb(':memory:');
    const input = inputFor(weeknightSchedule);
    const gone = new Set<string>();
    const timeline = new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => input, now: () => NOW, fileExists: (p) => !gone.has(p) });
    const sitcomStart = DateTime.fromISO('2024-06-03T18:00', { zone: 'America/New_York' }).toMillis();
    const before = timeline.at(sitcomStart + 60_000)!;
    expect(before.airing.kind).toBe('program');
    const guideBefore = timeline.publishedBetween(NOW, NOW + 6 * 3600_000);
    gone.add(before.airing.mediaPath);
    const fresh = new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => input, now: () => NOW + 10_000, fileExists: (p) => !gone.has(p) });
    const during = fresh.at(sitcomStart + 60_000)!;
    expect(during.airing.kind).toBe('slate');
    // One slate airing for exactly the vanished airing's slot; playout draws it (no slate file).
    expect(during.airing).toMatchObject({ startMs: before.airing.startMs, endMs: before.airing.endMs, mediaPath: '', title: `Slate (missing: ${before.airing.title})` });
    expect(during.airing.program).toEqual(before.airing.program);
    expect(during.airing.startMs + during.offsetMs).toBe(sitcomStart + 60_000);
    expect(fresh.publishedBetween(NOW, NOW + 6 * 3600_000)).toEqual(guideBefore);
    const played = fresh.airingsBetween(sitcomStart, sitcomStart + 3600_000);
    expect(assertContiguous(played, sitcomStart)).toEqual([]);
    expect(played.filter((a) => a.mediaPath === before.airing.mediaPath)).toEqual([]);
  });

  it('INV-TL-3: a schedule edit changes only the future from the next boundary and says what changed', async () => {
    const db = openDb(':memory:');
    let input = inputFor(weeknightSchedule);
    const timeline = new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => input, now: () => NOW, fileExists: () => true });
    await timeline.whenCompiled(NOW + MIN_HORIZON_MS);
    const onAir = timeline.at(NOW)!;
    const pastAndCurrent = timeline.publishedBetween(NOW - 1, onAir.airing.endMs);
    const schedule = parseSchedule({
      blocks: [{ name: 'Movie Night', days: ['mon'], start: '18:00', minutes: 120, content: { type: 'movies' } }],
    });
    input = { ...input, schedule };
    const rescheduled = timeline.reschedule();
    const change = await rescheduled.change;
    expect(change.effectiveFromMs).toBe(rescheduled.effectiveFromMs);
    expect(change.effectiveFromMs).toBeGreaterThanOrEqual(NOW);
    expect(change.added.some((p) => p.title === 'Long Movie' || p.title === 'Short Movie')).toBe(true);
    expect(change.removed.some((p) => p.title === 'Sitcom')).toBe(true);
    expect(change.removed.every((p) => p.startMs >= change.effectiveFromMs)).toBe(true);
    expect(timeline.publishedBetween(NOW - 1, onAir.airing.endMs)).toEqual(pastAndCurrent);
    const after = timeline.publishedBetween(NOW, NOW + MIN_HORIZON_MS);
    expect(assertContiguous(after, after[0]!.startMs)).toEqual([]);
    const programmes = foldProgrammes(after).map((p) => p.program.block);
    expect(programmes).toContain('Movie Night');
    expect(programmes).not.toContain('Sitcom');
    timeline.stop();
  });
});
