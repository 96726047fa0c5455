import { describe, expect, it } from 'vitest';
import { buildAiringRenderArgs, type AiringRenderSpec } from '../../../src/ffmpeg/airing-command.js';
import { defaultTrack, mapAudioSlots } from '../../../src/ffmpeg/audio-slots.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';

const jpnEng = [{ language: 'jpn', default: true }, { language: 'eng', default: false }];

describe('mapAudioSlots: which track fills each of the channel\'s language slots', () => {
  it('no slots: one stream, the file\'s default track', () => {
    expect(mapAudioSlots([], jpnEng)).toEqual([{ language: undefined, track: 0, matched: true }]);
    expect(mapAudioSlots([], [{ default: false }, { default: true }])).toEqual([{ language: undefined, track: 1, matched: true }]);
  });

  it('each slot takes the track in its language, in the channel\'s order', () => {
    expect(mapAudioSlots(['eng', 'jpn'], jpnEng)).toEqual([
      { language: 'eng', track: 1, matched: true },
      { language: 'jpn', track: 0, matched: true },
    ]);
  });

  it('a language the file lacks is filled by its default track and says so, never silence', () => {
    expect(mapAudioSlots(['jpn', 'fre'], jpnEng)).toEqual([
      { language: 'jpn', track: 0, matched: true },
      { language: 'fre', track: 0, matched: false },
    ]);
  });

  it('a file with no sound fills every slot with silence', () => {
    expect(mapAudioSlots(['jpn', 'eng'], [])).toEqual([
      { language: 'jpn', track: undefined, matched: false },
      { language: 'eng', track: undefined, matched: false },
    ]);
  });

  it('prefers the programme track over a commentary in the same language, and the default one among several', () => {
    const tracks = [
      { language: 'eng', default: false, title: 'Director\'s Commentary' },
      { language: 'eng', default: false },
      { language: 'eng', default: true, title: 'English 5.1' },
    ];
    expect(mapAudioSlots(['eng'], tracks)[0]!.track).toBe(2);
    expect(defaultTrack([{ default: true, title: 'Commentary' }, { default: false }])).toBe(1);
    // Only commentaries: still sound rather than silence.
    expect(mapAudioSlots(['eng'], [{ language: 'eng', default: false, title: 'Commentary' }])[0]).toEqual({ language: 'eng', track: 0, matched: true });
  });
});

const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast', audioLanguages: ['jpn', 'eng'],
};
const spec = (over: Partial<AiringRenderSpec> = {}): AiringRenderSpec => ({
  source: { path: '/media/film.mkv', startSeconds: 0, facts: { hasAudio: true, interlaced: false, audioTracks: [{ language: 'eng', default: true }, { language: 'jpn', default: false }] } },
  durationSeconds: 2, clockSeconds: 10, runSeconds: 0, grid: channelGrid(2), profile, loudnessTarget: -23, ...over,
});
const maps = (args: string[]) => args.flatMap((a, i) => (a === '-map' ? [args[i + 1]] : []));
const languages = (args: string[]) => args.flatMap((a, i) => (a.startsWith('-metadata:s:a:') ? [`${a.slice(12)}=${args[i + 1]}`] : []));

describe('the renderer airs one audio stream per slot, in the slot order, on every kind of airing', () => {
  it('a file: slot k reads the matching track, levelled on its own, tagged with its language', () => {
    const args = buildAiringRenderArgs(spec());
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(maps(args)).toEqual(['[v]', '[a]', '[a1]']);
    expect(graph).toMatch(/\[0:a:1\]aresample=48000:async=1:first_pts=0,loudnorm=[^;]*\[a\]/);
    expect(graph).toMatch(/\[0:a:0\]aresample=48000:async=1:first_pts=0,loudnorm=[^;]*\[a1\]/);
    expect(languages(args)).toEqual(['a:0=language=jpn', 'a:1=language=eng']);
  });

  it('slates, cards and silent files carry the same streams (silence or the card\'s sound in each)', () => {
    for (const over of [
      { source: undefined, slateText: 'Stand by' },
      { source: undefined, card: { video: 'color=c=red:s=320x180:r=30', audio: 'sine=f=440' } },
      { source: { path: '/media/silent.mp4', startSeconds: 0, facts: { hasAudio: false, interlaced: false } } },
    ] as Array<Partial<AiringRenderSpec>>) {
      const args = buildAiringRenderArgs(spec(over));
      expect(maps(args)).toEqual(['[v]', '[a]', '[a1]']);
      expect(languages(args)).toEqual(['a:0=language=jpn', 'a:1=language=eng']);
    }
  });

  it('a channel without language slots keeps its single stream and tags no language (golden command lines unchanged)', () => {
    const args = buildAiringRenderArgs(spec({ profile: { ...profile, audioLanguages: [] } }));
    expect(maps(args)).toEqual(['[v]', '[a]']);
    expect(languages(args)).toEqual([]);
    expect(args[args.indexOf('-filter_complex') + 1]).toContain('[0:a:0]aresample');
  });
});
