import { describe, expect, it } from 'vitest';
import { effectiveGraphics } from '../../../src/config/graphics-settings.js';
import { planGraphics } from '../../../src/graphics/windows.js';
import type { CatalogItem } from '../../../src/library/catalog.js';
import { foldProgrammes } from '../../../src/schedule/compiled-timeline.js';
import { LoopTimeline, loopItemsOf } from '../../../src/timeline/loop-timeline.js';

/**
 * Issue 23: in loop (and concat) mode an episode's lower third read "Pilot" / "Retro One" (the
 * movie template, with the channel's name) although the library knows its show, season and
 * episode. Loop airings now carry the programme as compiled schedules do.
 */
const catalog: CatalogItem[] = [
  { id: 1, path: '/m/shows/Space Cadets/S01E01.mkv', durationMs: 600_000, kind: 'episode', title: 'Pilot', show: 'Space Cadets', season: 1, episode: 1, chapters: [], tags: [] },
  { id: 2, path: '/m/movies/Night Train (1961).mkv', durationMs: 900_000, kind: 'movie', title: 'Night Train', year: 1961, chapters: [], tags: [] },
  { id: 3, path: '/m/commercials/soap.mp4', durationMs: 30_000, kind: 'commercial', title: 'Soap', chapters: [], tags: [] },
];
const epochMs = Date.UTC(2026, 0, 1, 20, 0, 0);
const channel = { name: 'Retro One', callSign: 'RTV1', timeZone: 'UTC' };

function lowerThirdAt(timeline: LoopTimeline, tMs: number) {
  const airing = timeline.at(tMs)!.airing;
  const following = timeline.airingsBetween(airing.endMs, airing.endMs + 3_600_000, 5);
  const previous = timeline.airingsBetween(airing.startMs - 60_000, airing.startMs, 5).filter((a) => a.endMs <= airing.startMs);
  const plan = planGraphics({ airing, slice: { fromMs: airing.startMs, toMs: airing.endMs }, previous, following, settings: effectiveGraphics({}, {}), channel });
  const card = plan.cards.find((c) => c.kind === 'lower_third')!;
  return [card.line1, card.line2];
}

describe('loop mode airs library files as their programmes', () => {
  const timeline = new LoopTimeline({ items: loopItemsOf(catalog), epochMs });

  it('an episode\'s lower third names its show and "S1 E1 · title", as in schedule mode', () => {
    expect(lowerThirdAt(timeline, epochMs)).toEqual(['Space Cadets', 'S1 E1 · Pilot']);
  });

  it('a movie keeps the movie template; a second pass says the same', () => {
    const [line1] = lowerThirdAt(timeline, epochMs + 600_000);
    expect(line1).toBe('Night Train');
    expect(lowerThirdAt(timeline, epochMs + timeline.passDurationMs)).toEqual(['Space Cadets', 'S1 E1 · Pilot']);
  });

  it('the guide lists the episode under its show, each airing its own programme', () => {
    const slots = foldProgrammes(timeline.airingsBetween(epochMs, epochMs + 2 * timeline.passDurationMs));
    expect(slots.map((s) => s.program.title)).toEqual(['Space Cadets', 'Night Train', 'Soap', 'Space Cadets', 'Night Train', 'Soap']);
    expect(slots[0]!.program).toMatchObject({ subtitle: 'Pilot', season: 1, episode: 1, category: 'Series' });
    expect(slots[1]!.program).toMatchObject({ year: 1961, category: 'Movie' });
    expect(new Set(slots.map((s) => s.program.id)).size).toBe(6);
  });
});
