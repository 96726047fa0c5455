import { describe, expect, it } from 'vitest';
import { masterPlaylistErrors, parseAttributeList, validateMasterPlaylist, type Rule } from '../../helpers/hls-validator.js';

/** A master playlist that follows every rule: each case below breaks exactly one. */
const GOOD = [
  '#EXTM3U',
  '#EXT-X-VERSION:6',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Japanese",LANGUAGE="ja",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="a0.m3u8"',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="a1.m3u8"',
  '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="s.m3u8"',
  '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"',
  '#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1000000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970,AUDIO="aud",SUBTITLES="subs",CLOSED-CAPTIONS="cc"',
  'low.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,AUDIO="aud",SUBTITLES="subs",CLOSED-CAPTIONS="cc"',
  'high.m3u8',
  '',
].join('\n');

const replaceLine = (n: number, line: string) => GOOD.split('\n').map((l, i) => (i === n ? line : l)).join('\n');
const edit = (from: string, to: string) => {
  expect(GOOD).toContain(from);
  return GOOD.replace(from, to);
};

const MEDIA_AUDIO_0 = 2;
const MEDIA_SUBS = 4;
const MEDIA_CC = 5;

describe('master playlist validator (RFC 8216)', () => {
  it('finds nothing wrong with a playlist that follows every rule', () => {
    expect(validateMasterPlaylist(GOOD)).toEqual([]);
  });

  // [rule, what is broken, playlist, rules that follow from it (a group without its TYPE is no group a variant can name)]
  const broken: Array<[Rule, string, string, Rule[]?]> = [
    ['header', 'no #EXTM3U first', GOOD.replace('#EXTM3U\n', '')],
    ['attribute-syntax', 'whitespace in an attribute list', edit('DEFAULT=YES,AUTOSELECT=YES,CHANNELS', 'DEFAULT=YES, AUTOSELECT=YES,CHANNELS')],
    ['attribute-duplicate', 'an attribute twice', edit('NAME="Japanese",', 'NAME="Japanese",NAME="Japanese 2",')],
    ['value-type', 'a quoted enumerated value', edit('TYPE=AUDIO,GROUP-ID="aud",NAME="Japanese"', 'TYPE="AUDIO",GROUP-ID="aud",NAME="Japanese"')],
    ['value-type', 'an unquoted GROUP-ID', edit('GROUP-ID="subs"', 'GROUP-ID=subs')],
    ['value-type', 'a quoted BANDWIDTH', edit('BANDWIDTH=3000000', 'BANDWIDTH="3000000"')],
    ['media-type', 'no TYPE', edit('#EXT-X-MEDIA:TYPE=SUBTITLES,', '#EXT-X-MEDIA:'), ['media-forced-type', 'stream-group-reference']],
    ['media-type', 'an unknown TYPE', edit('TYPE=SUBTITLES', 'TYPE=TEXT'), ['media-forced-type', 'stream-group-reference']],
    ['media-group-id', 'no GROUP-ID', edit('GROUP-ID="cc",', ''), ['stream-group-reference']],
    ['media-name', 'no NAME', edit('NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,INSTREAM', 'LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,INSTREAM')],
    ['media-language', 'a three-letter code where RFC 5646 has a two-letter one', edit('LANGUAGE="ja"', 'LANGUAGE="jpn"')],
    ['media-language', 'not a language tag', edit('LANGUAGE="ja"', 'LANGUAGE="Japanese language"')],
    ['media-yes-no', 'DEFAULT=TRUE', edit('DEFAULT=NO,AUTOSELECT=YES,FORCED', 'DEFAULT=TRUE,AUTOSELECT=YES,FORCED')],
    ['media-autoselect-default', 'DEFAULT=YES with AUTOSELECT=NO', edit('DEFAULT=YES,AUTOSELECT=YES', 'DEFAULT=YES,AUTOSELECT=NO')],
    ['media-forced-type', 'FORCED on audio', edit('DEFAULT=YES,AUTOSELECT=YES,', 'DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,')],
    ['media-instream-id', 'closed captions without INSTREAM-ID', edit(',INSTREAM-ID="CC1"', '')],
    ['media-instream-id', 'INSTREAM-ID out of range', edit('INSTREAM-ID="CC1"', 'INSTREAM-ID="CC5"')],
    ['media-instream-id', 'INSTREAM-ID on subtitles', edit('FORCED=NO,URI="s.m3u8"', 'FORCED=NO,INSTREAM-ID="CC1",URI="s.m3u8"')],
    ['media-instream-version', 'SERVICEn below version 7', edit('INSTREAM-ID="CC1"', 'INSTREAM-ID="SERVICE1"')],
    ['media-uri-captions', 'a URI on closed captions', edit('INSTREAM-ID="CC1"', 'INSTREAM-ID="CC1",URI="cc.m3u8"')],
    ['media-uri-subtitles', 'subtitles without a URI', edit(',URI="s.m3u8"', '')],
    ['media-channels', 'CHANNELS that is no count', edit('CHANNELS="2",URI="a0', 'CHANNELS="stereo",URI="a0')],
    ['group-name-unique', 'two audio renditions with one NAME', edit('NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS', 'NAME="Japanese",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS')],
    ['group-one-default', 'two DEFAULT=YES in a group', edit('LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS', 'LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS')],
    ['group-autoselect-distinct', 'two autoselected renditions alike', edit('NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,CHANNELS', 'NAME="Japanese 2",LANGUAGE="ja",DEFAULT=NO,AUTOSELECT=YES,CHANNELS')],
    ['stream-bandwidth', 'no BANDWIDTH', edit('#EXT-X-STREAM-INF:BANDWIDTH=3000000,', '#EXT-X-STREAM-INF:')],
    ['stream-uri', 'no URI line after a variant', GOOD.replace('high.m3u8\n', '')],
    ['stream-group-reference', 'AUDIO naming no group', edit('BANDWIDTH=3000000,RESOLUTION=1280x720,AUDIO="aud"', 'BANDWIDTH=3000000,RESOLUTION=1280x720,AUDIO="audio"')],
    ['stream-group-reference', 'SUBTITLES naming an audio group', edit('AUDIO="aud",SUBTITLES="subs",CLOSED-CAPTIONS="cc"\nhigh', 'AUDIO="aud",SUBTITLES="aud",CLOSED-CAPTIONS="cc"\nhigh')],
    ['stream-closed-captions-none', 'NONE on one variant only', edit('CLOSED-CAPTIONS="cc"\nlow', 'CLOSED-CAPTIONS=NONE\nlow')],
  ];

  it.each(broken)('reports %s (%s), and nothing else', (rule, _what, text, consequences = []) => {
    expect(text).not.toBe(GOOD);
    expect([...new Set(validateMasterPlaylist(text).map((p) => p.rule))].sort()).toEqual([rule, ...consequences].sort());
  });

  it('counts the RFC’s SHOULD as a warning, its MUSTs as errors', () => {
    const [, , text] = broken.find(([rule]) => rule === 'group-autoselect-distinct')!;
    expect(validateMasterPlaylist(text).map((p) => [p.rule, p.severity])).toEqual([['group-autoselect-distinct', 'warning']]);
    expect(masterPlaylistErrors(text)).toEqual([]);
  });

  it('names the line of each problem', () => {
    const problems = validateMasterPlaylist(replaceLine(MEDIA_AUDIO_0, GOOD.split('\n')[MEDIA_AUDIO_0]!.replace('LANGUAGE="ja"', 'LANGUAGE="xx-"')));
    expect(problems.map((p) => [p.rule, p.line])).toEqual([['media-language', MEDIA_AUDIO_0 + 1]]);
    expect(validateMasterPlaylist(replaceLine(MEDIA_SUBS, '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="x",URI="s.m3u8",FORCED=MAYBE')).map((p) => p.line)).toEqual([MEDIA_SUBS + 1]);
    expect(validateMasterPlaylist(replaceLine(MEDIA_CC, '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="x",INSTREAM-ID="SERVICE64"')).map((p) => p.rule)).toEqual(['media-instream-id']);
  });

  it('reads attribute lists with commas inside quoted strings', () => {
    expect(parseAttributeList('CODECS="avc1.64001e,mp4a.40.2",BANDWIDTH=5').map(([k, v]) => [k, v.value, v.quoted])).toEqual([
      ['CODECS', 'avc1.64001e,mp4a.40.2', true],
      ['BANDWIDTH', '5', false],
    ]);
    expect(() => parseAttributeList('A="x')).toThrow(/unterminated/);
    expect(() => parseAttributeList('a=1')).toThrow(/name/);
  });
});
