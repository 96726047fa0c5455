import { describe, expect, it } from 'vitest';
import { parseMediaName } from '../../../src/library/name-parser.js';

describe('parseMediaName', () => {
  it.each([
    ['/tv/Show Name/Show Name - S01E02 - The Title.mkv', { show: 'Show Name', season: 1, episode: 2, title: 'The Title' }],
    ['/tv/x/The.Wire.S03E11.Middle.Ground.1080p.BluRay.x264.mkv', { show: 'The Wire', season: 3, episode: 11, title: 'Middle Ground' }],
    ['/tv/Cheers/Season 4/Cheers 4x05 Love Thy Neighbor.avi', { show: 'Cheers', season: 4, episode: 5, title: 'Love Thy Neighbor' }],
    ['/tv/Taxi/Season 2/07 - Nardo Loses Her Marbles.mp4', { show: 'Taxi', season: 2, episode: 7, title: 'Nardo Loses Her Marbles' }],
    ['/tv/Taxi/Season 02/E08 Louie Meets the Folks.mp4', { show: 'Taxi', season: 2, episode: 8, title: 'Louie Meets the Folks' }],
    ['/tv/Alf/Season 1/S01E01.mkv', { show: 'Alf', season: 1, episode: 1, title: 'Alf S01E01' }],
    ['/tv/Doctor Who (2005) - S01E01 - Rose.mkv', { show: 'Doctor Who', season: 1, episode: 1, title: 'Rose' }],
    ['/tv/Émission/Saison 1/Émission - S01E03 - Café ☕ 日本.mp4', { show: 'Émission', season: 1, episode: 3, title: 'Café ☕ 日本' }],
  ])('episode %s', (file, expected) => {
    expect(parseMediaName(file)).toEqual(expected);
  });

  it.each([
    ['/movies/RoboCop (1987).mkv', { title: 'RoboCop', year: 1987 }],
    ['/movies/Back.to.the.Future.1985.720p.mkv', { title: 'Back to the Future', year: 1985 }],
    ['/movies/Blade Runner [1982] Final Cut.mkv', { title: 'Blade Runner', year: 1982 }],
  ])('movie %s', (file, expected) => {
    expect(parseMediaName(file)).toEqual(expected);
  });

  it('keeps a name without structure as the title (a year-only name is a title)', () => {
    expect(parseMediaName('/ads/Soda_Pop_Spot.mp4')).toEqual({ title: 'Soda Pop Spot' });
    expect(parseMediaName('/movies/1984.mkv')).toEqual({ title: '1984' });
    expect(parseMediaName('/x/Season 1/Bonus Feature.mp4')).toEqual({ title: 'Bonus Feature' });
  });
});
