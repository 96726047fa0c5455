import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../../src/channels/channel-info.js';
import type { ChannelLanguages } from '../../../src/config/languages.js';
import {
  annotateChannels,
  mediaLanguagesOnChannel,
  programmeLanguages,
  subtitleLanguagesOf,
  type GuideSubtitleTrack,
  type ProgrammeLanguageLookup,
} from '../../../src/guide/programme-languages.js';
import { buildXmltv, type GuideChannel } from '../../../src/guide/xmltv.js';
import type { Airing } from '../../../src/timeline/types.js';

const DTD = path.resolve(import.meta.dirname, '../../fixtures/xmltv.dtd');

const channel: ChannelInfo = { number: 1, name: 'Test One', callSign: 'TST1', group: 'Retrovue', enabled: true, timeZone: 'UTC' };

const text = (language: string, extra: Partial<GuideSubtitleTrack> = {}): GuideSubtitleTrack => ({
  origin: 'sidecar', streamIndex: null, sidecarPath: `/m/film.${language}.srt`, language, forced: false, default: false, pictureOnly: false, problem: null, ...extra,
});
const picture = (language: string, extra: Partial<GuideSubtitleTrack> = {}): GuideSubtitleTrack => ({
  origin: 'embedded', streamIndex: 3, sidecarPath: null, language, forced: false, default: false, pictureOnly: true, problem: null, ...extra,
});
const langs = (over: Partial<ChannelLanguages> = {}): ChannelLanguages => ({ audio: [], subtitles: ['eng', 'jpn'], subtitleMode: 'off', captions: true, ...over });

const T0 = Date.UTC(2025, 0, 6, 20, 0, 0);
const MIN = 60_000;
function airing(startMin: number, endMin: number, mediaId: number | undefined, kind: Airing['kind'] = 'program', programId = `p${mediaId}-${startMin}`): Airing {
  return {
    startMs: T0 + startMin * MIN, endMs: T0 + endMin * MIN, mediaPath: `/m/${mediaId}.mkv`, inPointMs: 0, outPointMs: (endMin - startMin) * MIN, kind, title: `Show ${mediaId}`,
    ...(mediaId !== undefined ? { mediaId } : {}),
    program: { id: programId, title: `Show ${mediaId}`, season: 1, episode: 2, category: 'Drama', description: 'Things happen.' },
  };
}

/** Element names directly inside each <programme>, in document order. */
function childOrders(xml: string): string[][] {
  return [...xml.matchAll(/<programme [^>]*>([\s\S]*?)<\/programme>/g)].map((m) => [...m[1]!.matchAll(/^\s{4}<([a-z-]+)/gm)].map((c) => c[1]!));
}

/** The DTD's order of a programme's children (test/fixtures/xmltv.dtd). */
const DTD_ORDER = ['title', 'sub-title', 'desc', 'credits', 'date', 'category', 'keyword', 'language', 'orig-language', 'length', 'icon', 'url', 'country', 'episode-num', 'video', 'audio', 'previously-shown', 'premiere', 'last-chance', 'new', 'subtitles', 'rating', 'star-rating', 'review', 'image'];

function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the guide says which programmes have subtitles and captions, in which languages (issue 22)', () => {
  it('soft subtitles in the channel languages the file has, in channel order; forced-only and broken tracks not counted', () => {
    const media = mediaLanguagesOnChannel(langs(), [text('jpn'), text('eng'), text('fre')]);
    expect(media).toEqual({ teletext: ['eng', 'jpn'], onscreen: [] });
    expect(mediaLanguagesOnChannel(langs(), [text('eng', { forced: true }), text('jpn', { problem: 'no valid cue' })]).teletext).toEqual([]);
    // A lone undetermined track stands in for the channel's languages, as the library chooses it.
    expect(mediaLanguagesOnChannel(langs({ subtitles: ['eng'] }), [text('und')]).teletext).toEqual(['eng']);
    // A channel without subtitle languages offers none.
    expect(mediaLanguagesOnChannel(langs({ subtitles: [] }), [text('eng')])).toEqual({ teletext: [], onscreen: [] });
  });

  it('burn_in: the first language onscreen; captions (CC1, CC3) still teletext; without captions nothing to turn on', () => {
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'burn_in', subtitles: ['eng', 'jpn', 'spa'] }), [text('eng'), text('spa')])).toEqual({ teletext: ['eng'], onscreen: ['eng'] });
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'burn_in', captions: false }), [text('eng')])).toEqual({ teletext: [], onscreen: ['eng'] });
    // A picture track can be burned in; it never gives captions.
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'burn_in' }), [picture('eng')])).toEqual({ teletext: [], onscreen: ['eng'] });
  });

  it('a picture-only track of the first language is onscreen when the channel shows subtitles (`on`), not when they are off', () => {
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'on' }), [picture('eng')])).toEqual({ teletext: [], onscreen: ['eng'] });
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'off' }), [picture('eng')])).toEqual({ teletext: [], onscreen: [] });
    expect(mediaLanguagesOnChannel(langs({ subtitleMode: 'on' }), [picture('eng'), text('eng')])).toEqual({ teletext: ['eng'], onscreen: [] });
  });

  it('the language heard: the first audio slot when the file has it, else the track standing in', () => {
    const tracks = [{ language: 'jpn', default: false }, { language: 'eng', default: false }];
    expect(mediaLanguagesOnChannel(langs({ audio: ['eng', 'jpn'] }), [], tracks).audio).toBe('eng');
    expect(mediaLanguagesOnChannel(langs({ audio: ['spa'] }), [], tracks).audio).toBe('jpn');
    expect(mediaLanguagesOnChannel(langs({ audio: [] }), [], [{ default: false }]).audio).toBeUndefined();
  });

  it('XMLTV: <language>, <audio><stereo>, one <subtitles> per language, in the DTD order, breaks folded in', () => {
    const airings = [airing(0, 12, 7, 'program', 'a'), airing(12, 14, 900, 'commercial', 'a'), airing(14, 30, 7, 'program', 'a'), airing(30, 60, 8)];
    const languages: GuideChannel['languages'] = { media: { 7: { audio: 'jpn', teletext: ['eng', 'jpn'], onscreen: ['eng'] } } };
    const xml = buildXmltv([{ channel, airings, languages }], 'http://h');
    const first = xml.slice(xml.indexOf('<programme'), xml.indexOf('</programme>'));
    expect(first).toContain('<language lang="en">Japanese</language>');
    expect(first).toContain('<audio>\n      <stereo>stereo</stereo>\n    </audio>');
    expect(first).toMatch(/<subtitles type="onscreen">\s*<language lang="en">English<\/language>\s*<\/subtitles>\s*<subtitles type="teletext">\s*<language lang="en">English<\/language>\s*<\/subtitles>\s*<subtitles type="teletext">\s*<language lang="en">Japanese<\/language>/);
    // The second programme's file has none: audio said, no subtitles or language.
    const second = xml.slice(xml.lastIndexOf('<programme'));
    expect(second).not.toContain('<subtitles');
    expect(second).not.toContain('<language');
    expect(second).toContain('<stereo>stereo</stereo>');
    for (const order of childOrders(xml)) {
      const positions = order.map((name) => DTD_ORDER.indexOf(name));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(childOrders(xml)[0]).toEqual(['title', 'desc', 'category', 'language', 'length', 'episode-num', 'episode-num', 'audio', 'subtitles', 'subtitles', 'subtitles']);
  });

  it.skipIf(!hasXmllint())('XMLTV with languages validates against the DTD (xmllint)', () => {
    const airings = [airing(0, 30, 7), airing(30, 60, 8), airing(60, 90, 9)];
    const languages: GuideChannel['languages'] = {
      media: { 7: { audio: 'eng', teletext: ['eng'], onscreen: [] }, 8: { teletext: [], onscreen: ['jpn'] }, 9: { audio: 'zzz', teletext: ['spa', 'ger'], onscreen: ['spa'] } },
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'xmltv-lang-'));
    try {
      const file = path.join(dir, 'guide.xml');
      writeFileSync(file, buildXmltv([{ channel, airings, languages }, { channel: { ...channel, number: 2 }, airings }], 'http://h'));
      execFileSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the annotation is plain data (it crosses to the guide worker) and each file is looked up once', async () => {
    const asked: number[] = [];
    const lookup: ProgrammeLanguageLookup = {
      languagesOf: (n) => langs(n === 2 ? { subtitleMode: 'burn_in', captions: false } : {}),
      subtitleTracksOf: (id) => (asked.push(id), id === 7 ? [text('eng')] : []),
      audioTracksOf: () => [{ language: 'eng', default: false }],
    };
    const airings = [airing(0, 30, 7), airing(30, 32, 901, 'commercial'), airing(32, 60, 7), airing(60, 90, 8), airing(90, 91, undefined, 'filler')];
    const annotations = await annotateChannels(lookup, [{ number: 1, airings }, { number: 2, airings }]);
    expect(asked.sort()).toEqual([7, 8]);
    expect(annotations.get(1)).toEqual({ media: { 7: { audio: 'eng', teletext: ['eng'], onscreen: [] }, 8: { audio: 'eng', teletext: [], onscreen: [] } } });
    expect(annotations.get(2)!.media[7]).toEqual({ audio: 'eng', teletext: [], onscreen: ['eng'] });
    expect(structuredClone(annotations.get(1))).toEqual(annotations.get(1));
    expect(subtitleLanguagesOf(programmeLanguages([airings[0]!], annotations.get(2)))).toEqual(['eng']);
    expect(programmeLanguages([airings[1]!], annotations.get(1))).toBeUndefined();
  });

  it('a lookup that fails costs that file its marks, not the guide', async () => {
    const lookup: ProgrammeLanguageLookup = {
      languagesOf: () => langs(),
      subtitleTracksOf: (id) => {
        if (id === 7) throw new Error('database closed');
        return [text('jpn')];
      },
    };
    const annotations = await annotateChannels(lookup, [{ number: 1, airings: [airing(0, 30, 7), airing(30, 60, 8)] }]);
    expect(annotations.get(1)).toEqual({ media: { 8: { teletext: ['jpn'], onscreen: [] } } });
  });
});
