import BetterSqlite3 from 'better-sqlite3';
import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { ChannelStore } from '../../../src/channels/channel-store.js';
import { ChannelTimelines } from '../../../src/channels/channel-timelines.js';
import { migrate } from '../../../src/db/database.js';
import { SchedulingService } from '../../../src/schedule/scheduling-service.js';
import { LoopTimeline } from '../../../src/timeline/loop-timeline.js';
import { sampleCatalog, weeknightSchedule } from '../schedule/fixtures.js';

const NOW = DateTime.fromISO('2024-06-03T17:50', { zone: 'America/New_York' }).toMillis();
const HOUR = 3600_000;
const loopItems = [
  { mediaPath: '/media/a.mp4', durationMs: 60_000, title: 'A', kind: 'program' as const },
  { mediaPath: '/media/b.mp4', durationMs: 30_000, title: 'B', kind: 'commercial' as const },
];

function setup(mode: 'loop' | 'concat' | 'schedule', loops?: number, clock = { now: NOW }, horizonMs = 48 * HOUR) {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  const store = new ChannelStore(db, 'America/New_York');
  store.seed([{ number: 1, name: 'One', schedule: weeknightSchedule }, { number: 2, name: 'Two', enabled: false }, { number: 5, name: 'Five' }], 2);
  const catalog = sampleCatalog();
  const now = () => clock.now;
  const scheduling = new SchedulingService({ db, channel: (n) => store.get(n), catalog: () => catalog, horizonMs, historyMs: 2 * HOUR, now });
  const stopChannel = vi.fn(async (_n: number) => {});
  const timelines = new ChannelTimelines({ mode, store, scheduling, loop: { items: loopItems, channelCount: 2, loops }, stopChannel, now });
  return { db, store, timelines, stopChannel, clock, catalog };
}

describe('ChannelTimelines: the one answer to "what is channel n\'s timeline"', () => {
  it('INV-TL-1: loop (and concat): channels 1..streaming.channels play the library from their stored epoch', () => {
    for (const mode of ['loop', 'concat'] as const) {
      const { timelines } = setup(mode);
      expect(timelines.channelNumbers()).toEqual([1, 2]);
      const one = timelines.timelineFor(1);
      expect(one).toBeInstanceOf(LoopTimeline);
      expect(timelines.timelineFor(1)).toBe(one); // one timeline per channel, whoever asks
      expect(timelines.timelineFor(3)).toBeUndefined();
      expect(timelines.timelineFor(5)).toBeUndefined(); // stored, but loop mode has 2 channels
      expect(timelines.plays(2)).toBe(true); // 'enabled' is a schedule-mode notion
      expect(timelines.qualityOf(1)).toBeUndefined();
      expect(timelines.programmeAt(1, NOW)).toBeUndefined();
      expect(timelines.guideAirings(1, NOW, NOW + 120_000).map((a) => a.title)).toEqual(one!.airingsBetween(NOW, NOW + 120_000).map((a) => a.title));
    }
  });

  it('INV-TL-2: loop: the epoch is stored, so a restart joins where the channel was; --loops N restarts it', () => {
    const clock = { now: NOW };
    const first = setup('loop', undefined, clock);
    const epoch = (first.timelines.timelineFor(1) as LoopTimeline).epochMs;
    expect(epoch).toBe(NOW);
    clock.now = NOW + 45_000;
    const again = new ChannelTimelines({ mode: 'loop', store: first.store, scheduling: undefined as never, loop: { items: loopItems, channelCount: 2 }, stopChannel: async () => {}, now: () => clock.now });
    expect((again.timelineFor(1) as LoopTimeline).epochMs).toBe(NOW);
    const counted = new ChannelTimelines({ mode: 'loop', store: first.store, scheduling: undefined as never, loop: { items: loopItems, channelCount: 2, loops: 2 }, stopChannel: async () => {}, now: () => clock.now });
    const timeline = counted.timelineFor(1) as LoopTimeline;
    expect(timeline.epochMs).toBe(NOW + 45_000);
    expect(counted.epochOf(1)).toBe(NOW + 45_000);
    expect(timeline.endsAtMs).toBe(NOW + 45_000 + 2 * 90_000);
  });

  it('schedule: every stored channel has its compiled timeline; only enabled ones play', () => {
    const { timelines } = setup('schedule');
    expect(timelines.channelNumbers()).toEqual([1, 5]);
    expect(timelines.timelineFor(2)).toBeDefined(); // the API may read a disabled channel's timeline
    expect(timelines.plays(2)).toBe(false);
    expect(timelines.plays(1)).toBe(true);
    expect(timelines.timelineFor(9)).toBeUndefined();
    const sitcom = DateTime.fromISO('2024-06-03T18:05', { zone: 'America/New_York' }).toMillis();
    expect(timelines.programmeAt(1, sitcom)?.program.title).toBe('Sitcom');
    expect(timelines.guideAirings(1, NOW, NOW + HOUR).length).toBeGreaterThan(0);
  });

  it('INV-TL-4: reading a timeline never stops or starts a channel', () => {
    const { timelines, stopChannel } = setup('schedule');
    timelines.timelineFor(1);
    timelines.guideAirings(1, NOW, NOW + HOUR);
    timelines.programmeAt(1, NOW);
    expect(stopChannel).not.toHaveBeenCalled();
  });

  it('an edit reschedules when what airs changed, and restarts the encoder when how it airs changed', async () => {
    const { timelines, stopChannel } = setup('schedule');
    timelines.timelineFor(1);
    const renamed = await timelines.updateChannel(1, { name: 'Uno' });
    expect(renamed.change).toBeNull();
    expect(stopChannel).not.toHaveBeenCalled();
    const rezoned = await timelines.updateChannel(1, { time_zone: 'Europe/Paris' });
    expect(rezoned.change?.effectiveFromMs).toBeGreaterThanOrEqual(NOW);
    expect(stopChannel).not.toHaveBeenCalled();
    await timelines.updateChannel(1, { quality: 'high' });
    await timelines.updateChannel(1, { enabled: false });
    expect(stopChannel.mock.calls).toEqual([[1], [1]]);
  });

  it('setSchedule stores and recompiles; deleteChannel forgets the timeline and stops the encoder', async () => {
    const { db, store, timelines, stopChannel } = setup('schedule');
    timelines.timelineFor(1); // published before the edit
    const { change } = await timelines.setSchedule(1, {});
    expect(change.removed.length + change.added.length).toBeGreaterThan(0);
    await timelines.deleteChannel(1);
    expect(store.get(1)).toBeUndefined();
    expect(stopChannel).toHaveBeenCalledWith(1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM timeline_airings WHERE channel_number = 1').get()).toEqual({ n: 0 });
  });

  it('a chapter edit reschedules the channels whose future airs the file, from their next unit boundary', () => {
    const { timelines, catalog } = setup('schedule');
    const episode = catalog.find((item) => item.title === 'Sitcom Episode 1')!;
    const firstActs = () => timelines.guideAirings(1, NOW, NOW + 7 * 24 * HOUR).filter((a) => a.mediaId === episode.id && a.inPointMs === 0 && a.program?.block === 'Sitcom');
    expect(firstActs().length).toBeGreaterThan(0);
    expect(firstActs().every((a) => a.outPointMs === 7 * 60_000 + 500)).toBe(true);
    episode.chapters[1] = { title: 'Act 2', timestampMs: 5 * 60_000 };
    // The timeline was first compiled at NOW: that is a unit boundary too.
    expect(timelines.mediaEdited(episode.id)).toContainEqual({ channel: 1, effectiveFromMs: NOW });
    expect(timelines.mediaEdited(99_999)).toEqual([]); // a file nobody airs
    // Every sitcom block from the boundary on is compiled with the new mark.
    expect(firstActs().length).toBeGreaterThan(0);
    expect(firstActs().every((a) => a.outPointMs === 5 * 60_000)).toBe(true);
    const { timelines: loop } = setup('loop');
    expect(loop.mediaEdited(episode.id)).toEqual([]);
  });

  it('a chapter edit during a block leaves that block as published: the breaks move from the next unit boundary', async () => {
    const clock = { now: NOW };
    // Compiled ten days ahead (guide.days 10), in the background: episode 1's next airing is in it.
    const { timelines, catalog } = setup('schedule', undefined, clock, 10 * 24 * HOUR);
    await timelines.whenCompiled(1, NOW + 10 * 24 * HOUR);
    const episode = catalog.find((item) => item.title === 'Sitcom Episode 1')!;
    // Six episodes, one a weekday: episode 1 airs again eight days later.
    const firstActs = () => timelines.guideAirings(1, NOW, NOW + 10 * 24 * HOUR).filter((a) => a.mediaId === episode.id && a.inPointMs === 0 && a.program?.block === 'Sitcom');
    const onAirNow = firstActs()[0]!;
    clock.now = DateTime.fromISO('2024-06-03T18:05', { zone: 'America/New_York' }).toMillis(); // episode 1 is on the air
    expect(onAirNow.startMs).toBeLessThan(clock.now);
    episode.chapters[1] = { title: 'Act 2', timestampMs: 5 * 60_000 };
    const [change] = timelines.mediaEdited(episode.id).filter((c) => c.channel === 1);
    expect(change!.effectiveFromMs).toBe(DateTime.fromISO('2024-06-03T18:30', { zone: 'America/New_York' }).toMillis());
    await timelines.whenCompiled(1, NOW + 10 * 24 * HOUR);
    const acts = firstActs();
    expect(acts[0]).toMatchObject({ startMs: onAirNow.startMs, outPointMs: 7 * 60_000 + 500 });
    expect(acts.slice(1).length).toBeGreaterThan(0);
    expect(acts.slice(1).every((a) => a.outPointMs === 5 * 60_000)).toBe(true);
  });

  it('a rescan that changed the library: loops play the new list (running channels restart); schedules need nothing', async () => {
    const { timelines, stopChannel } = setup('loop');
    const before = timelines.timelineFor(1)!;
    expect(await timelines.libraryChanged([...loopItems])).toEqual([]); // nothing new
    expect(timelines.timelineFor(1)).toBe(before);
    const added = [...loopItems, { mediaPath: '/media/c.mp4', durationMs: 45_000, title: 'C', kind: 'program' as const }];
    expect(await timelines.libraryChanged(added)).toEqual([1]);
    expect(stopChannel.mock.calls).toEqual([[1]]);
    const after = timelines.timelineFor(1)!;
    expect(after).not.toBe(before);
    expect(after.airingsBetween(NOW, NOW + 135_000).map((a) => a.title)).toEqual(['A', 'B', 'C']);
    const scheduled = setup('schedule');
    expect(await scheduled.timelines.libraryChanged(added)).toEqual([]);
    expect(scheduled.stopChannel).not.toHaveBeenCalled();
  });

  it('loop mode: schedule edits are stored but change nothing on the air', async () => {
    const { timelines } = setup('loop');
    const { change } = await timelines.setSchedule(1, {});
    expect(change).toEqual({ effectiveFromMs: NOW, removed: [], added: [] });
  });

  it('renumbering moves the channel whole (clock, compiled airings) and stops the old encoder; the same number restarts nothing', async () => {
    const { timelines, store, stopChannel } = setup('schedule');
    store.create({ number: 7, name: 'Seven', schedule: weeknightSchedule, time_zone: 'America/New_York' });
    const before = timelines.timelineFor(7)!.airingsBetween(NOW, NOW + 6 * HOUR).map((a) => [a.startMs, a.mediaPath]);
    const epoch = timelines.epochOf(7);
    await timelines.updateChannel(7, { number: 7, name: 'Seven again' });
    expect(stopChannel).not.toHaveBeenCalled();

    const { channel } = await timelines.updateChannel(7, { number: 9, name: 'Nine' });
    expect(channel).toMatchObject({ number: 9, name: 'Nine' });
    expect(store.get(7)).toBeUndefined();
    expect(timelines.epochOf(9)).toBe(epoch);
    expect(timelines.timelineFor(9)!.airingsBetween(NOW, NOW + 6 * HOUR).map((a) => [a.startMs, a.mediaPath])).toEqual(before);
    expect(stopChannel.mock.calls.map(([n]) => n)).toEqual([7, 9]);

    await expect(timelines.updateChannel(9, { number: 1 })).rejects.toMatchObject({ status: 409 });
    await expect(timelines.updateChannel(9, { number: 10, name: '' })).rejects.toMatchObject({ status: 400 });
    expect(store.get(9)?.name, 'a refused patch changes nothing').toBe('Nine');
  });
});
