import type { AiringKind } from './types.js';
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
