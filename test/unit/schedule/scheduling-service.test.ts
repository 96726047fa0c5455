import BetterSqlite3 from 'better-sqlite3';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { parseSchedule, type ChannelSchedule } from '../../../src/schedule/model.js';
import { SchedulingService, type ScheduledChannel } from '../../../src/schedule/scheduling-service.js';
import { sampleCatalog, weeknightSchedule } from './fixtures.js';

const NOW = DateTime.fromISO('2024-06-03T17:50', { zone: 'America/New_York' }).toMillis();
const HOUR = 3600_000;

function service(db = new BetterSqlite3(':memory:'), channels = new Map<number, ScheduledChannel>([[1, { timeZone: 'America/New_York', schedule: parseSchedule(weeknightSchedule) }]]), now = () => NOW) {
  migrate(db);
  const catalog = sampleCatalog();
  return { db, channels, scheduling: new SchedulingService({ db, channel: (n) => channels.get(n), catalog: () => catalog, horizonMs: 48 * HOUR, historyMs: 2 * HOUR, now }) };
}

describe('SchedulingService', () => {
  it('has no timeline for a channel that does not exist, and one (kept) per stored channel', async () => {
    const { scheduling } = service();
    expect(scheduling.timeline(2)).toBeUndefined();
    const timeline = scheduling.timeline(1)!;
    expect(scheduling.timeline(1)).toBe(timeline);
    await timeline.whenCompiled(NOW + 48 * HOUR);
    const airings = timeline.publishedBetween(NOW, NOW + 48 * HOUR);
    expect(airings[0]!.startMs).toBe(NOW);
    expect(airings.at(-1)!.endMs).toBeGreaterThanOrEqual(NOW + 48 * HOUR);
  });

  it('INV-TL-2: a second service over the same database (a restart) replays the stored airings', () => {
    const first = service();
    const before = first.scheduling.timeline(1)!.publishedBetween(NOW, NOW + 24 * HOUR);
    // The schedule changed while the server was down: the published airings still stand.
    first.channels.set(1, { timeZone: 'America/New_York', schedule: parseSchedule({}) as ChannelSchedule });
    const second = service(first.db, first.channels, () => NOW + 60_000);
    expect(second.scheduling.timeline(1)!.publishedBetween(NOW, NOW + 24 * HOUR)).toEqual(before);
  });

  it('forget() drops a deleted channel: a new channel with the number compiles from scratch', () => {
    const { db, channels, scheduling } = service();
    const before = scheduling.timeline(1)!.publishedBetween(NOW, NOW + 6 * HOUR);
    scheduling.forget(1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM timeline_airings WHERE channel_number = 1').get()).toEqual({ n: 0 });
    channels.set(1, { timeZone: 'America/New_York', schedule: parseSchedule({}) });
    const after = scheduling.timeline(1)!.publishedBetween(NOW, NOW + 6 * HOUR);
    expect(after).not.toEqual(before);
    expect(after.every((a) => a.kind === 'program' && a.inPointMs === 0)).toBe(true);
  });
});
