import { describe, expect, it } from 'vitest';
import { programFacts } from '../../../src/timeline/program-info.js';

describe('programFacts with metadata (.nfo or media server)', () => {
  const episode = { id: 7, kind: 'episode' as const, title: 'The Move', show: 'Galaxy Patrol', season: 1, episode: 2 };

  it('an episode known only by its name keeps today\'s generated sentence and no metadata fields', () => {
    expect(programFacts(episode)).toEqual({
      title: 'Galaxy Patrol', subtitle: 'The Move', season: 1, episode: 2, description: 'Galaxy Patrol, season 1, episode 2: The Move.', category: 'Series',
    });
  });

  it('the episode\'s description first, then the show\'s; genres, rating, air date, poster and credits carried', () => {
    const rich = { ...episode, description: 'The crew moves house.', showDescription: 'A patrol in space.', genres: ['Animation', 'Comedy'], contentRating: 'TV-Y7', airDate: '1986-09-08', hasPoster: true, creditsStartMs: 1_260_000 };
    expect(programFacts(rich)).toEqual({
      title: 'Galaxy Patrol', subtitle: 'The Move', season: 1, episode: 2, description: 'The crew moves house.', category: 'Series',
      genres: ['Animation', 'Comedy'], rating: 'TV-Y7', airDate: '1986-09-08', posterMediaId: 7, creditsStartMs: 1_260_000,
    });
    const { description: _, ...showOnly } = rich;
    expect(programFacts(showOnly).description).toBe('A patrol in space.');
  });

  it('a movie gets its description, still category Movie; no poster without hasPoster; an empty genre list is no genres', () => {
    expect(programFacts({ id: 3, kind: 'movie', title: 'Night Drive', year: 1999, description: 'A short drive.', contentRating: 'R', genres: [] })).toEqual({
      title: 'Night Drive', year: 1999, description: 'A short drive.', category: 'Movie', rating: 'R',
    });
    expect(programFacts({ id: 4, kind: 'other', title: 'Clip', hasPoster: true })).toEqual({ title: 'Clip', posterMediaId: 4 });
  });
});
