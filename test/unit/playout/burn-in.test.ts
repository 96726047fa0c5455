import { describe, expect, it } from 'vitest';
import { cardGeometry } from '../../../src/graphics/filter-graph.js';
import { assScript, assText, burnInStyle, chooseBurnIn, cuesInSlice, type BurnInFacts } from '../../../src/playout/burn-in.js';
import type { SubtitleTrack } from '../../../src/subtitles/cue.js';

/** Which subtitle track a slice burns into its picture, and the ASS script text is burned from. */
const T0 = 1_800_000_000_000;
const programme = { kind: 'program' as const, startMs: T0, inPointMs: 0 };
const whole = { airing: programme, fromMs: T0, toMs: T0 + 60_000 };

let nextId = 1;
function track(over: Partial<SubtitleTrack>): SubtitleTrack {
  const id = nextId++;
  return { id, mediaFileId: 7, origin: 'embedded', streamIndex: id + 1, sidecarPath: null, codec: 'subrip', language: 'eng', title: null, forced: false, default: false, pictureOnly: false, problem: null, ...over };
}
const pgs = (over: Partial<SubtitleTrack> = {}) => track({ codec: 'hdmv_pgs_subtitle', pictureOnly: true, ...over });
const cues = [{ startMs: 1000, endMs: 4000, text: 'Hello' }];
const facts = (mode: BurnInFacts['mode'], tracks: SubtitleTrack[], over: Partial<BurnInFacts> = {}): BurnInFacts => ({ mode, language: 'eng', tracks, textCues: cues, textFilter: true, ...over });
const chosen = (result: ReturnType<typeof chooseBurnIn>) => (result ? `${result.kind} ${result.trackId}` : 'none');

describe('burn-in: which track a slice burns', () => {
  it('burn_in: the full text track in the language, its cues in the slice', () => {
    const text = track({});
    const picture = pgs();
    const result = chooseBurnIn(whole, facts('burn_in', [picture, text]));
    expect(result).toEqual({ kind: 'text', language: 'eng', forced: false, trackId: text.id, cues });
  });

  it('burn_in: a full picture track before a forced text one; a picture when the text cannot be read or ffmpeg lacks libass', () => {
    const forcedText = track({ forced: true });
    const picture = pgs();
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [forcedText, picture])))).toBe(`picture ${picture.id}`);
    const text = track({});
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [text, picture], { textCues: undefined })))).toBe(`picture ${picture.id}`);
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [text, picture], { textFilter: false })))).toBe(`picture ${picture.id}`);
  });

  it('burn_in: another language is never burned; an undetermined one stands in; a broken track is skipped', () => {
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [track({ language: 'jpn' }), pgs({ language: 'fre' })])))).toBe('none');
    const lone = track({ language: 'und', origin: 'sidecar', streamIndex: null, sidecarPath: '/m/Film.srt' });
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [lone])))).toBe(`text ${lone.id}`);
    expect(chosen(chooseBurnIn(whole, facts('burn_in', [pgs({ problem: 'cannot be read' })])))).toBe('none');
  });

  it('on: a picture track is burned only when the language has no text track (players get text as WebVTT)', () => {
    const picture = pgs();
    expect(chooseBurnIn(whole, facts('on', [picture]))).toEqual({ kind: 'picture', language: 'eng', forced: false, trackId: picture.id, streamIndex: picture.streamIndex });
    expect(chosen(chooseBurnIn(whole, facts('on', [picture, track({})])))).toBe('none');
    expect(chosen(chooseBurnIn(whole, facts('on', [pgs({ language: 'und' })])))).toBe('none');
  });

  it('forced: the forced track of the language, text or picture; never a full one', () => {
    const forcedText = track({ forced: true });
    expect(chosen(chooseBurnIn(whole, facts('forced', [track({}), forcedText])))).toBe(`text ${forcedText.id}`);
    const forcedPicture = pgs({ forced: true });
    expect(chosen(chooseBurnIn(whole, facts('forced', [track({}), forcedPicture], { textCues: undefined })))).toBe(`picture ${forcedPicture.id}`);
    expect(chosen(chooseBurnIn(whole, facts('forced', [track({}), pgs()])))).toBe('none');
  });

  it('off, breaks and filler: nothing; a text track with no cue in the slice: nothing (the slice may be copied)', () => {
    expect(chosen(chooseBurnIn(whole, facts('off', [track({})])))).toBe('none');
    expect(chosen(chooseBurnIn({ ...whole, airing: { ...programme, kind: 'commercial' } }, facts('burn_in', [track({})])))).toBe('none');
    expect(chosen(chooseBurnIn({ ...whole, airing: { ...programme, kind: 'filler' } }, facts('burn_in', [pgs()])))).toBe('none');
    expect(chosen(chooseBurnIn({ ...whole, fromMs: T0 + 5000 }, facts('burn_in', [track({})])))).toBe('none');
    expect(chosen(chooseBurnIn(whole, undefined))).toBe('none');
  });

  it("cues are shifted to the slice's first frame (the file's in-point plus how far into the slot it starts), cut to the slice", () => {
    // The airing plays the file from 100 s; the slice joins it 20 s in: its first frame is file time 120 s.
    const slice = { airing: { ...programme, inPointMs: 100_000 }, fromMs: T0 + 20_000, toMs: T0 + 30_000 };
    const file = [
      { startMs: 110_000, endMs: 119_000, text: 'before' },
      { startMs: 119_000, endMs: 121_500, text: 'across the start' },
      { startMs: 125_000, endMs: 127_000, text: 'inside' },
      { startMs: 129_000, endMs: 135_000, text: 'across the end' },
      { startMs: 130_000, endMs: 131_000, text: 'after' },
    ];
    expect(cuesInSlice(slice, file)).toEqual([
      { startMs: 0, endMs: 1500, text: 'across the start' },
      { startMs: 5000, endMs: 7000, text: 'inside' },
      { startMs: 9000, endMs: 10_000, text: 'across the end' },
    ]);
  });
});

describe('burn-in: the ASS script', () => {
  it('shows cue text as written: no override block, no escape, line breaks kept', () => {
    expect(assText('{\\an8}sign')).toBe('\\{\\\u2060an8\\}sign');
    expect(assText('C:\\new\\Note')).toBe('C:\\\u2060new\\\u2060Note');
    expect(assText('one\ntwo')).toBe('one\\Ntwo');
    expect(assText("50% off; [a], b: 'c'")).toBe("50% off; [a], b: 'c'");
  });

  it('writes the frame as canvas, one white outlined style above the lower third, and the cues in centiseconds', () => {
    const script = assScript([{ startMs: 1234, endMs: 3_723_456, text: 'Hello\nworld' }], { width: 1280, height: 720 });
    expect(script).toContain('PlayResX: 1280\nPlayResY: 720\n');
    const style = burnInStyle({ width: 1280, height: 720 });
    expect(script).toContain(`Style: Default,DejaVu Sans,${style.fontSize},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,${style.outline},0,2,${style.marginH},${style.marginH},${style.marginV},1`);
    expect(script).toContain('Dialogue: 0,0:00:01.23,1:02:03.46,Default,,0,0,0,,Hello\\Nworld\n');
  });

  it("sits above the lower third's band at every frame size", () => {
    for (const frame of [{ width: 320, height: 180 }, { width: 640, height: 360 }, { width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
      const band = cardGeometry({ ...frame, frameRate: 30 }, { kind: 'lower_third', from: 0, to: 0, line1: 'x', line2: 'y' });
      const style = burnInStyle(frame);
      // MarginV is the distance from the frame's bottom to the text's baseline.
      expect(frame.height - style.marginV).toBeLessThan(band.y);
      expect(style.fontSize).toBeGreaterThanOrEqual(10);
    }
  });
});
