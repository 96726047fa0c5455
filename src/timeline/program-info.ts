import type { CatalogItem } from '../library/catalog.js';
import type { AiringProgram } from './types.js';

/** What a library file tells the guide and the graphics about itself (the airing's programme). */
export type ProgramFacts = Omit<AiringProgram, 'id' | 'block'>;

/**
 * The programme a library file airs as: an episode is its show, with the episode's title,
 * season and number; a movie its title and year. The one home of the rule, so loop mode and
 * compiled schedules air the same file with the same guide entry and the same lower third
 * ("The Show" / "S1 E2 · Pilot"), not an episode dressed as a movie in one mode only.
 */
export function programFacts(item: Pick<CatalogItem, 'kind' | 'title' | 'show' | 'season' | 'episode' | 'year'>): ProgramFacts {
  if (item.show) {
    const numbering = item.season !== undefined && item.episode !== undefined ? `season ${item.season}, episode ${item.episode}` : undefined;
    return {
      title: item.show,
      subtitle: item.title,
      ...(item.season !== undefined ? { season: item.season } : {}),
      ...(item.episode !== undefined ? { episode: item.episode } : {}),
      description: numbering ? `${item.show}, ${numbering}: ${item.title}.` : `${item.show}: ${item.title}.`,
      category: 'Series',
    };
  }
  if (item.kind === 'movie') return { title: item.title, ...(item.year ? { year: item.year } : {}), category: 'Movie' };
  return { title: item.title };
}
