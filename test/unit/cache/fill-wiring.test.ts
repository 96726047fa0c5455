import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { resolveOutputProfile } from '../../../src/config/quality.js';
import { upcomingFills } from '../../../src/cache/fill-wiring.js';
import { bugShowsDuring } from '../../../src/graphics/windows.js';
import type { CatalogItem } from '../../../src/library/catalog.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';

const HOUR = 3600_000;
const item = (path: string, kind: CatalogItem['kind']): CatalogItem => ({ id: 1, path, durationMs: 60_000, kind, title: path, chapters: [], tags: [] });
const airing = (mediaPath: string, kind: Airing['kind'], startMs: number): Airing => ({ startMs, endMs: startMs + 60_000, mediaPath, inPointMs: 0, outPointMs: 60_000, kind, title: mediaPath });

describe('bugShowsDuring (the one rule: does the bug show during this airing)', () => {
  it('shows during a programme always, during a break only when show_during names its kind', () => {
    expect(bugShowsDuring('program', [])).toBe(true);
    expect(bugShowsDuring('commercial', [])).toBe(false);
    expect(bugShowsDuring('commercial', ['commercial'])).toBe(true);
    expect(bugShowsDuring('promo', ['commercial'])).toBe(false);
  });
});

describe('upcomingFills (what the background fill caches)', () => {
  const profile = resolveOutputProfile(configSchema.parse({}));
  const airings = [airing('show.mp4', 'program', 0), airing('ad.mp4', 'commercial', 60_000), airing('', 'slate', 120_000)];
  const timeline = { airingsBetween: () => airings } as unknown as ChannelTimeline;
  const sources = (bugged: number[]) => ({
    timelines: { channelNumbers: () => [1, 2, 3], plays: (n: number) => n !== 3, timelineFor: () => timeline },
    outputs: { profilesOf: () => [profile] },
    bugs: {
      staticBugOf: async (n: number) =>
        bugged.includes(n) ? { key: `bug-${n}`, filter: 'overlay', showsDuring: (kind: Airing['kind']) => bugShowsDuring(kind, []) } : undefined,
    },
    playable: () => [item('show.mp4', 'episode'), item('ad.mp4', 'commercial')],
    fillAheadHours: 2,
    loudnessTarget: -23,
  });

  it("fills each playing channel's files; with an always-on bug, what shows it from the bug's variant and a break that hides it bare", async () => {
    const jobs = await upcomingFills(sources([1]), 0);
    // Channel 3 does not play; the slate is no file.
    expect(jobs.map((job) => [job.path, job.kind, job.variant?.key ?? null])).toEqual([
      ['show.mp4', 'program', 'bug-1'],
      ['ad.mp4', 'commercial', null],
      ['show.mp4', 'program', null],
      ['ad.mp4', 'commercial', null],
    ]);
    expect(jobs[0]!.loudnessTarget).toBe(-23);
  });

  it('asks the timeline for the fill horizon only', async () => {
    const asked: Array<[number, number]> = [];
    const spying = { airingsBetween: (from: number, to: number) => (asked.push([from, to]), []) } as unknown as ChannelTimeline;
    await upcomingFills({ ...sources([]), timelines: { channelNumbers: () => [1], plays: () => true, timelineFor: () => spying } }, 1000);
    expect(asked).toEqual([[1000, 1000 + 2 * HOUR]]);
  });
});
