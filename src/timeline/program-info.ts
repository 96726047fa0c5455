import type { CatalogItem } from '../library/catalog.js';
import type { AiringProgram } from './types.js';

/** What a library file tells the guide and the graphics about itself (the airing's programme). */
export type ProgramFacts = Omit<AiringProgram, 'id' | 'block'>;

/** The catalog facts a programme is made from (the metadata ones absent when only the file name is known). */
export type ProgramSource = Pick<CatalogItem, 'kind' | 'title' | 'show' | 'season' | 'episode' | 'year'> &
  Partial<Pick<CatalogItem, 'id' | 'description' | 'showDescription' | 'contentRating' | 'genres' | 'airDate' | 'hasPoster' | 'creditsStartMs'>>;

/**
 * What the metadata (an .nfo, a media server) adds to any programme: genres, rating, air date,
 * poster and the credits marker; nothing when only the file name is known.
 */
function metadataFacts(item: ProgramSource): Partial<ProgramFacts> {
  return {
    ...(item.genres && item.genres.length > 0 ? { genres: item.genres } : {}),
    ...(item.contentRating ? { rating: item.contentRating } : {}),
    ...(item.airDate ? { airDate: item.airDate } : {}),
    ...(item.hasPoster && item.id !== undefined ? { posterMediaId: item.id } : {}),
    ...(item.creditsStartMs !== undefined ? { creditsStartMs: item.creditsStartMs } : {}),
  };
}

/**
 * The programme a library file airs as: an episode is its show, with the episode's title,
 * season and number; a movie its title and year. The one home of the rule, so loop mode and
 * compiled schedules air the same file with the same guide entry and the same lower third
 * ("The Show" / "S1 E2 · Pilot"), not an episode dressed as a movie in one mode only.
 *
 * The description is the episode's own (from its .nfo or media server), else the show's, else
 * (an episode known only by its file name) a sentence made from what the name says. The
 * category stays "Series" or "Movie" (graphics choose the lower third by it); genres come beside it.
 */
export function programFacts(item: ProgramSource): ProgramFacts {
  const metadata = metadataFacts(item);
  if (item.show) {
    const numbering = item.season !== undefined && item.episode !== undefined ? `season ${item.season}, episode ${item.episode}` : undefined;
    const generated = numbering ? `${item.show}, ${numbering}: ${item.title}.` : `${item.show}: ${item.title}.`;
    return {
      title: item.show,
      subtitle: item.title,
      ...(item.season !== undefined ? { season: item.season } : {}),
      ...(item.episode !== undefined ? { episode: item.episode } : {}),
      description: item.description ?? item.showDescription ?? generated,
      category: 'Series',
      ...metadata,
    };
  }
  const description = item.description ? { description: item.description } : {};
  if (item.kind === 'movie') return { title: item.title, ...(item.year ? { year: item.year } : {}), ...description, category: 'Movie', ...metadata };
  return { title: item.title, ...description, ...metadata };
}
