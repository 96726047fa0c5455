import type { Airing, AiringKind } from './types.js';
import type { MediaKind } from '../library/catalog.js';

/** What playout calls a library kind: episodes, movies and anything unsorted air as programs. */
export function airingKindOf(kind: MediaKind): AiringKind {
  switch (kind) {
    case 'commercial':
    case 'bumper':
    case 'station_id':
    case 'promo':
      return kind;
    default:
      return 'program';
  }
}

/**
 * Whether an airing plays a library file (not the timeline's slate, not an alert card, not a
 * live block): the one answer to "is there a file to check, cache or copy" (render plan, cache
 * fill, run start).
 */
export function airsFile(airing: Pick<Airing, 'kind' | 'mediaPath'>): boolean {
  return airing.kind !== 'slate' && airing.kind !== 'alert' && airing.kind !== 'live' && Boolean(airing.mediaPath);
}

/** The live source a live block airs (issue 25), or undefined for every other airing. */
export function liveSourceOf(airing: Pick<Airing, 'kind' | 'live'>): string | undefined {
  return airing.kind === 'live' ? airing.live?.sourceId : undefined;
}
