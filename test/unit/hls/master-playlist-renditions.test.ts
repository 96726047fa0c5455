import { describe, expect, it } from 'vitest';
import { renderMasterPlaylist, subtitleRenditionsFor, type MasterRenditions, type VariantStream } from '../../../src/hls/master-playlist.js';
import { languageTag } from '../../../src/hls/media-language.js';
import { validateMasterPlaylist } from '../../helpers/hls-validator.js';
// m3u8-parser ships no types.
// @ts-expect-error no declaration file
import { Parser } from 'm3u8-parser';

const ladder: VariantStream[] = [
  { uri: '1/medium.m3u8', bandwidth: 3_000_000, averageBandwidth: 2_300_000, width: 1280, height: 720, frameRate: 30, codecs: ['avc1.64001f', 'mp4a.40.2'] },
  { uri: '1/low.m3u8', bandwidth: 1_200_000, averageBandwidth: 1_000_000, width: 640, height: 360, frameRate: 30, codecs: ['avc1.64001e', 'mp4a.40.2'] },
];
const single: VariantStream[] = [ladder[0]!];

/** A bilingual anime channel: Japanese first, English dub, English subtitles on, captions in the video. */
const anime: MasterRenditions = {
  audio: [
    { language: 'jpn', uri: '1/audio-0.m3u8' },
    { language: 'eng', uri: '1/audio-1.m3u8' },
  ],
  subtitles: subtitleRenditionsFor(['eng'], 'on', (language, forced) => `1/subs-${language}${forced ? '-forced' : ''}.m3u8`),
  captions: [{ language: 'eng', instreamId: 'CC1' }],
};

const mediaLines = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:'));
const streamLines = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));

describe('master playlist renditions (RFC 8216 §4.3.4.1)', () => {
  it('writes audio, subtitle and caption groups and points every variant at them', () => {
    const text = renderMasterPlaylist(ladder, anime);
    expect(mediaLines(text)).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Japanese",LANGUAGE="ja",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="1/audio-0.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="1/audio-1.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="1/subs-eng.m3u8"',
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"',
    ]);
    for (const line of streamLines(text)) expect(line).toMatch(/,AUDIO="aud",SUBTITLES="subs",CLOSED-CAPTIONS="cc"$/);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('works without a ladder: one variant, the same groups', () => {
    const text = renderMasterPlaylist(single, anime);
    expect(streamLines(text)).toHaveLength(1);
    expect(mediaLines(text)).toHaveLength(4);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('says CLOSED-CAPTIONS=NONE on every variant when the video carries none, and writes no caption group', () => {
    const text = renderMasterPlaylist(ladder, { ...anime, captions: [] });
    expect(text).not.toContain('TYPE=CLOSED-CAPTIONS');
    for (const line of streamLines(text)) expect(line).toContain('CLOSED-CAPTIONS=NONE');
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('writes no audio group for a single audio slot (the variant plays it), but still the subtitles', () => {
    const text = renderMasterPlaylist(single, { audio: [{ language: 'eng', uri: 'a.m3u8' }], subtitles: subtitleRenditionsFor(['eng', 'spa'], 'off', (l) => `s-${l}.m3u8`) });
    expect(text).not.toContain('TYPE=AUDIO');
    expect(streamLines(text)[0]).not.toContain('AUDIO=');
    expect(mediaLines(text).filter((l) => l.includes('DEFAULT=YES'))).toEqual([]);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('keeps NAME unique in a group when two slots share a language, and autoselects only the first', () => {
    const text = renderMasterPlaylist(single, {
      audio: [
        { language: 'eng', uri: 'a0.m3u8' },
        { language: 'eng', uri: 'a1.m3u8' },
        { language: 'und', uri: 'a2.m3u8' },
      ],
    });
    expect(mediaLines(text)).toEqual([
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="a0.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English (2)",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=NO,CHANNELS="2",URI="a1.m3u8"',
      // 'und': no LANGUAGE at all (RFC 5646 prefers no tag to "undetermined").
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Unknown language",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="a2.m3u8"',
    ]);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('forced mode: the full tracks offered, none shown, no forced-only rendition (the forced subtitles are burned into the picture: a soft one shown too would double them)', () => {
    const subtitles = subtitleRenditionsFor(['eng', 'fre'], 'forced', (l, forced) => `s-${l}${forced ? '-forced' : ''}.m3u8`);
    const text = renderMasterPlaylist(ladder, { audio: anime.audio!, subtitles });
    expect(mediaLines(text).filter((l) => l.includes('TYPE=SUBTITLES'))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="s-eng.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="French",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="s-fre.m3u8"',
    ]);
    expect(text).not.toContain('FORCED=YES');
    expect(validateMasterPlaylist(text)).toEqual([]);
    expect(subtitleRenditionsFor(['eng'], 'burn_in', () => 'x')).toEqual([]);
  });

  it('honours one DEFAULT=YES per group whatever it is asked, and keeps AUTOSELECT=YES on it', () => {
    const text = renderMasterPlaylist(single, {
      subtitles: [
        { language: 'eng', uri: 'a', forced: false, default: true },
        { language: 'eng', uri: 'b', forced: false, default: true, name: 'English SDH' },
      ],
    });
    expect(validateMasterPlaylist(text)).toEqual([]);
    expect(mediaLines(text).filter((l) => l.includes('DEFAULT=YES'))).toHaveLength(1);
  });

  it('caption channels: CC1 and CC3, no URI, one tag per channel', () => {
    const text = renderMasterPlaylist(single, {
      captions: [
        { language: 'spa', instreamId: 'CC3' },
        { language: 'eng', instreamId: 'CC1' },
        { language: 'eng', instreamId: 'CC1' },
      ],
    });
    expect(mediaLines(text)).toEqual([
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"',
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="Spanish",LANGUAGE="es",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC3"',
    ]);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('takes readable names from the caller, and never lets a quote break an attribute', () => {
    const text = renderMasterPlaylist(single, { audio: anime.audio!, nameOf: (code) => (code === 'jpn' ? '日本語 "original"' : 'English') });
    expect(text).toContain(`NAME="日本語 'original'"`);
    expect(validateMasterPlaylist(text)).toEqual([]);
  });

  it('without renditions, the variants alone, as before', () => {
    expect(renderMasterPlaylist(ladder)).not.toMatch(/EXT-X-MEDIA|CLOSED-CAPTIONS|AUDIO=/);
    expect(validateMasterPlaylist(renderMasterPlaylist(ladder))).toEqual([]);
  });

  it('parses in a real client parser, groups and all', () => {
    const parser = new Parser();
    parser.push(renderMasterPlaylist(ladder, anime));
    parser.end();
    const manifest = parser.manifest as {
      mediaGroups: Record<string, Record<string, Record<string, { language?: string; default: boolean; uri?: string; instreamId?: string; forced?: boolean }>>>;
      playlists: Array<{ attributes: Record<string, unknown> }>;
    };
    expect(Object.keys(manifest.mediaGroups.AUDIO!.aud!)).toEqual(['Japanese', 'English']);
    expect(manifest.mediaGroups.AUDIO!.aud!.Japanese).toMatchObject({ language: 'ja', default: true, uri: '1/audio-0.m3u8' });
    expect(manifest.mediaGroups.SUBTITLES!.subs!.English).toMatchObject({ language: 'en', default: true, forced: false });
    expect(manifest.mediaGroups['CLOSED-CAPTIONS']!.cc!.English).toMatchObject({ instreamId: 'CC1' });
    expect(manifest.playlists[0]!.attributes).toMatchObject({ AUDIO: 'aud', SUBTITLES: 'subs', 'CLOSED-CAPTIONS': 'cc' });
  });

  it('turns ISO 639-2 codes into RFC 5646 tags', () => {
    expect(['eng', 'jpn', 'fre', 'fra', 'ger', 'chi', 'haw', 'fil', 'und', 'xx1', ''].map(languageTag)).toEqual(['en', 'ja', 'fr', 'fr', 'de', 'zh', 'haw', 'fil', undefined, undefined, undefined]);
  });
});
