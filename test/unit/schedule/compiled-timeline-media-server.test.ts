import BetterSqlite3 from 'better-sqlite3';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { setMediaServerResolver } from '../../../src/ffmpeg/media-input.js';
import { CompiledTimeline } from '../../../src/schedule/compiled-timeline.js';
import { TimelineStore } from '../../../src/schedule/timeline-store.js';
import { inputFor, sampleCatalog, weeknightSchedule } from './fixtures.js';

/**
 * The compiled timeline's "is the file still there" (a vanished file airs as a slate) for a
 * media server's item: its `media-server:` path is never looked for on disk (which would slate
 * every streamed programme); it is there when the station's resolver can stream it.
 */
const NOW = DateTime.fromISO('2024-06-03T17:50', { zone: 'America/New_York' }).toMillis();
const SITCOM = DateTime.fromISO('2024-06-03T18:00', { zone: 'America/New_York' }).toMillis();

/** A channel whose every item is streamed from a media server (source 4); `at` reads it at `nowMs`. */
function streamedStation() {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  const catalog = sampleCatalog().map((item, n) => ({ ...item, path: `media-server:4:00000000-0000-0000-0000-${String(n).padStart(12, '0')}` }));
  return (nowMs = NOW) => new CompiledTimeline({ store: new TimelineStore(db, 1), input: () => inputFor(weeknightSchedule, { catalog }), now: () => nowMs });
}

afterEach(() => setMediaServerResolver(undefined));

describe('compiled timeline: media server items (default availability check)', () => {
  it('airs a streamed programme when its source can stream it, and a slate for its slot when it cannot', () => {
    const unavailable = new Set<string>();
    setMediaServerResolver((p) => (unavailable.has(p) ? { unavailable: 'marked missing on its server' } : { url: 'http://plex:32400/library/parts/1/1/file.mkv', headers: {}, label: 'plex-4: x' }));
    const timelineAt = streamedStation();
    const timeline = timelineAt();
    const on = timeline.at(SITCOM + 60_000)!;
    expect(on.airing.kind).toBe('program');
    expect(on.airing.mediaPath).toMatch(/^media-server:4:/);

    unavailable.add(on.airing.mediaPath);
    // (The check is cached for a few seconds; the published timeline read again later sees the change.)
    const later = timelineAt(NOW + 10_000);
    const slated = later.at(SITCOM + 60_000)!;
    expect(slated.airing).toMatchObject({ kind: 'slate', startMs: on.airing.startMs, endMs: on.airing.endMs, title: `Slate (missing: ${on.airing.title})` });
    timeline.stop();
    later.stop();
  });

  it('with no media server source loaded at all, its items are not available (a slate, never a renderer fed "media-server:")', () => {
    const timeline = streamedStation()();
    expect(timeline.at(SITCOM + 60_000)!.airing.kind).toBe('slate');
    timeline.stop();
  });
});
