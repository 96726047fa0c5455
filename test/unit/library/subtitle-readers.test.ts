import { describe, expect, it } from 'vitest';
import { parseAss } from '../../../src/library/subtitles/ass.js';
import { cleanCueText, MAX_LINES_READ, parseClock } from '../../../src/library/subtitles/cue-text.js';
import { parseSubtitleBytes, parseSubtitleText } from '../../../src/library/subtitles/read-file.js';
import { parseSrt, parseWebVtt } from '../../../src/library/subtitles/timed-text.js';
import { MAX_CUE_TEXT_CHARS, MAX_CUES_PER_TRACK } from '../../../src/subtitles/cue.js';

const clock = (ms: number, mark = ',') =>
  `${String(Math.floor(ms / 3_600_000)).padStart(2, '0')}:${String(Math.floor(ms / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}${mark}${String(ms % 1000).padStart(3, '0')}`;
const srtCue = (n: number, startMs: number, endMs: number, text: string) => `${n}\n${clock(startMs)} --> ${clock(endMs)}\n${text}\n\n`;
/** Every reader must come back fast, whatever it is given. */
const timed = <T>(work: () => T, limitMs = 1500): T => {
  const started = performance.now();
  const result = work();
  expect(performance.now() - started).toBeLessThan(limitMs);
  return result;
};

describe('SRT reader', () => {
  it('reads cues in file time, markup stripped, lines joined by \\n', () => {
    const { cues, problems } = parseSrt(
      '1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> <font color="#ff0000">there</font>\n{\\an8}second line\n\n2\n00:01:02.5 --> 00:01:04,250 X1:10 X2:20\n<b>Bold</b>\n',
    );
    expect(problems).toEqual([]);
    expect(cues).toEqual([
      { startMs: 1000, endMs: 2500, text: 'Hello there\nsecond line' },
      { startMs: 62_500, endMs: 64_250, text: 'Bold' },
    ]);
  });

  it('survives a BOM, CRLF and CR line ends, and a missing blank line between cues', () => {
    const crlf = '\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nOne\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nTwo\r\n';
    expect(parseSrt(crlf).cues.map((c) => c.text)).toEqual(['One', 'Two']);
    expect(parseSrt(crlf.replace(/\r\n/g, '\r')).cues.map((c) => c.text)).toEqual(['One', 'Two']);
    const squashed = '1\n00:00:01,000 --> 00:00:02,000\nOne\n2\n00:00:03,000 --> 00:00:04,000\nTwo\n';
    expect(parseSrt(squashed).cues).toEqual([
      { startMs: 1000, endMs: 2000, text: 'One' },
      { startMs: 3000, endMs: 4000, text: 'Two' },
    ]);
  });

  it('drops negative and empty or backwards spans, naming each line, and keeps the rest', () => {
    const { cues, problems } = parseSrt(
      srtCue(1, 1000, 2000, 'ok') + '2\n-00:00:01,000 --> 00:00:02,000\nnegative\n\n' + srtCue(3, 5000, 5000, 'empty span') + srtCue(4, 7000, 6000, 'backwards') + '5\n00:00:xx,000 --> 00:00:09,000\nunreadable\n\n' + srtCue(6, 9000, 9500, 'last'),
    );
    expect(cues.map((c) => c.text)).toEqual(['ok', 'last']);
    expect(problems).toEqual([
      'line 6: negative time, cue dropped',
      'line 10: ends (5000 ms) before it starts (5000 ms), cue dropped',
      'line 14: ends (6000 ms) before it starts (7000 ms), cue dropped',
      'line 18: timestamps not understood, cue dropped',
    ]);
  });

  it('keeps overlapping cues, sorted by start', () => {
    const { cues } = parseSrt(srtCue(1, 5000, 9000, 'late') + srtCue(2, 1000, 6000, 'early') + srtCue(3, 1000, 3000, 'early short'));
    expect(cues).toEqual([
      { startMs: 1000, endMs: 3000, text: 'early short' },
      { startMs: 1000, endMs: 6000, text: 'early' },
      { startMs: 5000, endMs: 9000, text: 'late' },
    ]);
  });

  it('keeps the first MAX_CUES_PER_TRACK of 50 000 cues, saying where it stopped, quickly', () => {
    let text = '';
    for (let i = 0; i < 50_000; i++) text += srtCue(i + 1, i * 1000, i * 1000 + 900, `Cue ${i}`);
    const { cues, problems } = timed(() => parseSrt(text));
    expect(cues).toHaveLength(MAX_CUES_PER_TRACK);
    expect(cues.at(-1)).toEqual({ startMs: (MAX_CUES_PER_TRACK - 1) * 1000, endMs: (MAX_CUES_PER_TRACK - 1) * 1000 + 900, text: `Cue ${MAX_CUES_PER_TRACK - 1}` });
    expect(problems).toEqual([`line ${MAX_CUES_PER_TRACK * 4 + 2}: this cue and every one after it dropped: a track keeps its first ${MAX_CUES_PER_TRACK}`]);
  });

  it('cuts a 10 MB line to MAX_CUE_TEXT_CHARS, naming its line, and reads on', () => {
    const huge = 'ab<i>c</i>'.repeat(1_000_000);
    const { cues, problems } = timed(() => parseSrt(srtCue(1, 1000, 2000, huge) + srtCue(2, 3000, 4000, 'after')));
    expect(cues[0]!.text).toHaveLength(MAX_CUE_TEXT_CHARS);
    expect(cues[0]!.text.startsWith('abcabc')).toBe(true);
    expect(cues[1]!.text).toBe('after');
    expect(problems).toEqual([`line 2: text cut to ${MAX_CUE_TEXT_CHARS} characters`]);
  });

  it('reads 10 MB with no line break, or of nothing but newlines, quickly and without a cue', () => {
    expect(timed(() => parseSrt('x'.repeat(10_000_000))).cues).toEqual([]);
    const blank = timed(() => parseSrt('\n'.repeat(10_000_000)));
    expect(blank.cues).toEqual([]);
    expect(blank.problems).toEqual([`line ${MAX_LINES_READ}: stopped reading after ${MAX_LINES_READ} lines; the rest dropped`]);
  });

  it("removes control characters and keeps ' : \\ % { } verbatim (escaping is the renderer's job)", () => {
    const { cues } = parseSrt(srtCue(1, 0, 1000, "It's 50% at 10:30 \\ {braces} \u0007bell\u0000 \u001b[31mred\ttab\u0085"));
    expect(cues[0]!.text).toBe("It's 50% at 10:30 \\ {braces} bell [31mred tab");
  });

  it('never splits a surrogate pair when cutting', () => {
    const text = `${'a'.repeat(MAX_CUE_TEXT_CHARS - 1)}😀😀`;
    const cut = cleanCueText(text, 'html').text;
    expect(cut).toBe('a'.repeat(MAX_CUE_TEXT_CHARS - 1));
  });
});

describe('encodings', () => {
  it('reads a Windows-1252 file as such, saying so', () => {
    const bytes = Buffer.from(`1\n00:00:01,000 --> 00:00:02,000\nCaf\xe9 na\xefve \x93quoted\x94\n`, 'latin1');
    expect(parseSubtitleBytes(bytes, 'srt')).toEqual({ cues: [{ startMs: 1000, endMs: 2000, text: 'Café naïve “quoted”' }], problems: ['not UTF-8: read as Windows-1252'] });
  });

  it('keeps a UTF-8 file with a few bad bytes as UTF-8, the bad bytes as U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from('1\n00:00:01,000 --> 00:00:02,000\n日本 '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(' ok\n')]);
    const read = parseSubtitleBytes(bytes, 'srt');
    expect(read.cues[0]!.text).toBe('日本 �(� ok');
    expect(read.problems).toEqual(['not valid UTF-8: bad bytes shown as �']);
  });

  it('reads UTF-8 with a BOM, and UTF-16 (both byte orders) by its BOM', () => {
    const text = '1\n00:00:01,000 --> 00:00:02,000\nÜber 日本\n';
    const expected = [{ startMs: 1000, endMs: 2000, text: 'Über 日本' }];
    expect(parseSubtitleBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'srt').cues).toEqual(expected);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(parseSubtitleBytes(le, 'srt').cues).toEqual(expected);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(parseSubtitleBytes(be, 'srt').cues).toEqual(expected);
  });

  it('a file with no readable cue is fatal: "no cue could be read"', () => {
    expect(parseSubtitleBytes(Buffer.from('just some text\n'), 'srt')).toEqual({ cues: [], problems: [], fatal: 'no cue could be read' });
    expect(parseSubtitleBytes(Buffer.alloc(0), 'vtt').fatal).toBe('no cue could be read');
  });

  it('the content decides over the extension', () => {
    expect(parseSubtitleText('WEBVTT\n\n00:01.000 --> 00:02.000\nvtt &amp; co\n', 'srt').cues[0]!.text).toBe('vtt & co');
    expect(parseSubtitleText('[Script Info]\n[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,D,,0,0,0,,ass\\Ntext\n', 'srt').cues[0]!.text).toBe('ass\ntext');
  });
});

describe('WebVTT reader', () => {
  it('reads cues with identifiers, settings and hour-less clocks, skipping NOTE, STYLE and REGION blocks', () => {
    const { cues, problems } = parseWebVtt(
      'WEBVTT - a title\n\nREGION\nid:fred\n\nSTYLE\n::cue { color: red }\n\nNOTE a comment\n00:00:00.000 --> 00:00:09.000 not a cue\n\nintro\n00:01.000 --> 00:02.500 align:start position:10%\n<v Bob>Hi</v> <c.yellow>there</c> &lt;3 &amp; <00:01.500>bye&nbsp;now\n\n01:00:00.000 --> 01:00:01.000\nan hour in\n',
    );
    expect(problems).toEqual([]);
    expect(cues).toEqual([
      { startMs: 1000, endMs: 2500, text: 'Hi there <3 & bye now' },
      { startMs: 3_600_000, endMs: 3_601_000, text: 'an hour in' },
    ]);
  });

  it('reads a file without the WEBVTT header, saying so', () => {
    const { cues, problems } = parseWebVtt('00:01.000 --> 00:02.000\nno header\n');
    expect(cues).toHaveLength(1);
    expect(problems).toEqual(['line 1: no WEBVTT header; read anyway']);
  });
});

describe('ASS/SSA reader', () => {
  const script = (events: string, format = 'Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text') =>
    `[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname\nStyle: Default,Arial\n\n[Events]\nFormat: ${format}\n${events}`;

  it('reads Dialogue lines through the Format line: overrides gone, \\N a line break, commas in text kept', () => {
    const { cues, problems } = parseAss(
      script(
        'Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\i1}Hello{\\i0}, world\\Nline two\\hend\n' +
          'Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,a comment\n' +
          'Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}\n' +
          'Dialogue: 1,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\blur3}Hello, world\\Nline two\\hend\n' +
          'Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\k20}ka{\\k30}ra{comment}oke 100% \\ {unclosed\n',
      ),
    );
    expect(problems).toEqual([]);
    // The drawing has no words; the second layer of the same line is kept once.
    expect(cues).toEqual([
      { startMs: 1000, endMs: 2500, text: 'Hello, world\nline two end' },
      { startMs: 5000, endMs: 6000, text: 'karaoke 100% \\ {unclosed' },
    ]);
  });

  it('reads SSA (Marked) and a reordered Format; drops bad times naming the line', () => {
    const ssa = parseAss(script('Dialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0,0,0,,ssa text\n', 'Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text'));
    expect(ssa.cues).toEqual([{ startMs: 1000, endMs: 2000, text: 'ssa text' }]);
    // Format "End, Start, Text": the first field is the end.
    const reordered = parseAss(script('Dialogue: 0:00:02.00,0:00:01.00,in order\nDialogue: 0:00:03.00,0:00:04.00,backwards\nDialogue: 0:00:04.00,-0:00:01.00,negative\nDialogue: no commas\n', 'End, Start, Text'));
    expect(reordered.cues).toEqual([{ startMs: 1000, endMs: 2000, text: 'in order' }]);
    expect(reordered.problems).toEqual(['line 11: ends (3000 ms) before it starts (4000 ms), cue dropped', 'line 12: negative time, cue dropped', 'line 13: 0 of 3 fields, cue dropped']);
  });

  it('cuts a 10 MB Dialogue line quickly', () => {
    const { cues, problems } = timed(() => parseAss(script(`Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,${'{\\b1}x'.repeat(2_000_000)}\n`)));
    expect(cues[0]!.text).toBe('x'.repeat(MAX_CUE_TEXT_CHARS));
    expect(problems).toEqual([`line 10: text cut to ${MAX_CUE_TEXT_CHARS} characters`]);
  });
});

describe('clocks', () => {
  it.each([
    ['00:00:01,000', 1000], ['00:00:01.5', 1500], ['1:02:03.45', 3_723_450], ['02:03.456', 123_456], ['100:00:00,000', 360_000_000], ['-00:00:01,000', -1000],
  ])('%s is %d ms', (text, ms) => expect(parseClock(text)).toBe(ms));
  it.each(['', 'abc', '00:61:00,000', '00:00:61,000', '00:00:01,0000', '1'])('%j is not a clock', (text) => expect(parseClock(text)).toBeUndefined());
});
