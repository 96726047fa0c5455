import { describe, expect, it } from 'vitest';
import { externalIdsOf, remoteBreakPoints, remoteMarkers, remoteRowFacts } from '../../../src/sources/remote-facts.js';
import { episode } from './fake-client.js';

describe('remote facts: a server\'s item as library columns', () => {
  it('maps the facts a guide and a renderer need', () => {
    const facts = remoteRowFacts(episode(7, { contentRating: 'TV-Y7', airDate: '1987-09-14', video: { codec: 'hevc', width: 1280, height: 720, frameRate: 29.97, bitDepth: 10, interlaced: false, displayAspect: '16:9', profile: 'main 10' } }));
    expect(facts).toMatchObject({
      kind: 'episode', title: 'Episode title 7', show: 'Show 0', season: 1, episode: 8, year: 1990, duration_ms: 1_320_000, size_bytes: 100_007,
      container: 'mkv', video_codec: 'hevc', video_profile: 'main 10', width: 1280, height: 720, frame_rate: 29.97, bit_depth: 10, interlaced: 0, display_aspect: '16:9',
      content_rating: 'TV-Y7', air_date: '1987-09-14', genres_json: '["Animation"]', remote_id: '1007', remote_part: '/library/parts/2007/file.mkv',
      remote_path: '/data/tv/Show 0/Season 1/Show 0 - s1e8.mkv', poster_remote: '/library/metadata/1007/thumb/1', external_ids_json: '{"tvdb":"500007"}',
    });
  });

  it('normalises external ids and drops what is not one', () => {
    expect(externalIdsOf({ externalIds: { imdb: 'TT0086465', tmdb: '1234', tvdb: 'abc' } })).toEqual({ imdb: 'tt0086465', tmdb: '1234' });
    expect(externalIdsOf({ externalIds: { imdb: 'tt1', tmdb: '12; DROP TABLE', tvdb: '' } })).toEqual({});
  });

  it('a movie has no show; bad dates, huge lists and blank genres are dropped or cut', () => {
    const facts = remoteRowFacts(episode(1, { kind: 'movie', airDate: '14/09/1987', genres: ['', '  ', ...Array.from({ length: 40 }, (_, i) => `G${i}`)], title: '   ' }));
    expect(facts).toMatchObject({ kind: 'movie', show: null, season: null, episode: null, air_date: null, title: 'Show 0 - s1e2.mkv' });
    expect(JSON.parse(facts.genres_json)).toHaveLength(20);
  });

  it('break points: chapters in the file, once each, plus where the intro ends; markers clipped to the file', () => {
    const item = episode(0, {
      durationMs: 100_000,
      chapters: [{ title: 'A', startMs: 0 }, { title: 'dup', startMs: 0 }, { title: 'B', startMs: 50_000.4 }, { title: 'past the end', startMs: 100_000 }, { title: 'neg', startMs: -5 }],
      markers: [{ kind: 'intro', startMs: 2_000, endMs: 30_000 }, { kind: 'credits', startMs: 95_000, endMs: 400_000 }, { kind: 'intro', startMs: 10, endMs: 5 }],
    });
    expect(remoteBreakPoints(item, 100_000)).toEqual([{ startMs: 0, title: 'A' }, { startMs: 30_000, title: 'After the intro' }, { startMs: 50_000, title: 'B' }]);
    expect(remoteMarkers(item, 100_000)).toEqual([{ kind: 'intro', startMs: 2_000, endMs: 30_000 }, { kind: 'credits', startMs: 95_000, endMs: 100_000 }]);
  });
});
