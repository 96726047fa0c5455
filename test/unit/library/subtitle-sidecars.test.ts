import { describe, expect, it } from 'vitest';
import { matchSidecars, parseSidecarName } from '../../../src/library/subtitles/sidecar-names.js';

const facts = (name: string, base = 'Film (1999)') => parseSidecarName(base, `/lib/${name}`);

describe('sidecar subtitle names', () => {
  it.each([
    ['Film (1999).srt', { language: null, forced: false, default: false, hearingImpaired: false, title: null, format: 'srt' }],
    ['Film (1999).en.srt', { language: 'eng' }],
    ['Film (1999).eng.srt', { language: 'eng' }],
    ['Film (1999).eng.forced.srt', { language: 'eng', forced: true }],
    ['Film (1999).forced.en.srt', { language: 'eng', forced: true }],
    ['Film (1999).English.srt', { language: 'eng' }],
    ['Film (1999).Japanese.Forced.ass', { language: 'jpn', forced: true, format: 'ass' }],
    ['Film (1999).ger.vtt', { language: 'ger', format: 'vtt' }],
    ['Film (1999).deu.srt', { language: 'ger' }],
    ['Film (1999).de.default.ssa', { language: 'ger', default: true, format: 'ass' }],
    ['Film (1999).pt-BR.srt', { language: 'por' }],
    ['Film (1999).en.sdh.srt', { language: 'eng', hearingImpaired: true }],
    ['Film (1999).en.cc.srt', { language: 'eng', hearingImpaired: true }],
    ['Film (1999).en.hi.srt', { language: 'eng', hearingImpaired: true }],
    ['Film (1999).hi.srt', { language: 'hin', hearingImpaired: false }],
    ['Film (1999).und.srt', { language: null }],
    ['Film (1999).en.Commentary.srt', { language: 'eng', title: 'Commentary' }],
    ['Film (1999).2.srt', { language: null, title: '2' }],
    ['FILM (1999).EN.SRT', { language: 'eng' }],
  ])('%s', (name, expected) => {
    expect(facts(name)).toMatchObject(expected);
  });

  it('is not a sidecar of the video: another name, a name that only starts the same, not a subtitle extension', () => {
    expect(facts('Other.en.srt')).toBeUndefined();
    expect(facts('Film (1999) extended.en.srt')).toBeUndefined();
    expect(facts('Film (1999).en.txt')).toBeUndefined();
    expect(facts('Film (1999).en.sub')).toBeUndefined();
  });

  it('matches each sidecar to the video of its folder with the longest name it extends', () => {
    const matched = matchSidecars(
      ['/tv/S1/Show.mkv', '/tv/S1/Show.Part2.mkv', '/tv/S2/Show.mkv', '/tv/S1/Other.mp4'],
      ['/tv/S1/Show.en.srt', '/tv/S1/Show.Part2.en.srt', '/tv/S1/Show.Part2.srt', '/tv/S2/Show.fr.srt', '/tv/S1/Nobody.en.srt', '/tv/Show.en.srt'],
    );
    expect(matched.get('/tv/S1/Show.mkv')?.map((m) => m.path)).toEqual(['/tv/S1/Show.en.srt']);
    expect(matched.get('/tv/S1/Show.Part2.mkv')?.map((m) => [m.path, m.name.language])).toEqual([
      ['/tv/S1/Show.Part2.en.srt', 'eng'],
      ['/tv/S1/Show.Part2.srt', null],
    ]);
    expect(matched.get('/tv/S2/Show.mkv')?.map((m) => m.name.language)).toEqual(['fre']);
    expect(matched.has('/tv/S1/Other.mp4')).toBe(false);
  });

  it('a sidecar beside two videos of the same name (Film.mkv, Film.mp4) belongs to both', () => {
    const matched = matchSidecars(['/m/Film.mkv', '/m/Film.mp4'], ['/m/Film.en.srt']);
    expect(matched.get('/m/Film.mkv')).toHaveLength(1);
    expect(matched.get('/m/Film.mp4')).toHaveLength(1);
  });

  it('matches a folder of 2 000 episodes and 4 000 sidecars quickly', () => {
    const videos = Array.from({ length: 2000 }, (_, i) => `/tv/Show - E${i}.mkv`);
    const subtitles = videos.flatMap((video) => [video.replace('.mkv', '.en.srt'), video.replace('.mkv', '.jpn.forced.ass')]);
    const started = performance.now();
    const matched = matchSidecars(videos, subtitles);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(matched.get('/tv/Show - E1.mkv')?.map((m) => m.path)).toEqual(['/tv/Show - E1.en.srt', '/tv/Show - E1.jpn.forced.ass']);
  });
});
