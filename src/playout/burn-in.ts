import type { SubtitleMode } from '../config/languages.js';
import { cardGeometry, type CardLayer } from '../graphics/filter-graph.js';
import type { Airing } from '../timeline/types.js';
import type { Cue, LanguageCode, SubtitleTrack } from '../subtitles/cue.js';
import { UNDETERMINED } from '../subtitles/languages.js';

/**
 * Subtitles drawn into the picture by the airing's renderer (issue 22, "Burn-in"): which track of
 * an airing is burned (a pure choice, called by the render plan), and the small ASS script a text
 * track is burned from (never cue text inside an ffmpeg filter string: the text goes to a file,
 * the filter names the file).
 *
 * When a channel burns (its first subtitle language only; the others stay soft renditions):
 *  - `burn_in`: the best track in the language, text or picture (a full track before a forced
 *    one, text before picture) — for players that show no subtitles at all;
 *  - `on`: a picture track (PGS, VobSub, DVB) in the language, when the file has no text track
 *    in it — players can only be given text, as WebVTT or CEA-608, so pictures are burned;
 *  - `forced`: the forced track in the language (signs, foreign dialogue), so every client,
 *    `.ts` viewers and TVs included, shows them; the master playlist then offers no soft forced
 *    rendition (src/hls/master-playlist.ts subtitleRenditionsFor), or they would show twice;
 *  - `off`: never.
 * Only programmes: breaks, filler and slates carry none.
 */

/** What the render plan is told about an airing's subtitles (gathered by the airing chain). */
export interface BurnInFacts {
  mode: SubtitleMode;
  /** The channel's first subtitle language. */
  language: LanguageCode;
  /** The file's subtitle tracks as the library records them. */
  tracks: readonly SubtitleTrack[];
  /**
   * The cues of the text track the library reads for the mode (`forced`: a forced track, else the
   * best one), file time; undefined when none could be read (a picture track is then tried).
   */
  textCues?: readonly Cue[];
  /** ffmpeg has libass's `subtitles` filter; without it text tracks are not burned (pictures still are). */
  textFilter: boolean;
}

/** What the renderer burns into one slice. */
export type BurnIn =
  | {
      kind: 'text';
      language: LanguageCode;
      forced: boolean;
      trackId: number;
      /** The cues visible in the slice, in milliseconds from the slice's first frame (the renderer's time zero). */
      cues: Cue[];
    }
  | {
      kind: 'picture';
      language: LanguageCode;
      forced: boolean;
      trackId: number;
      /** The stream's index in the file (`[0:<index>]` in the renderer's graph). */
      streamIndex: number;
    };

/** A slice as the choice needs it: the airing, and where on its slot the slice starts and ends. */
interface SliceOfAiring {
  airing: Pick<Airing, 'kind' | 'startMs' | 'inPointMs'>;
  fromMs: number;
  toMs: number;
}

/** Short words for logs and the plan's `why`. */
export function describeBurnIn(burnIn: BurnIn): string {
  const what = burnIn.kind === 'text' ? `text track ${burnIn.trackId}` : `picture stream ${burnIn.streamIndex}`;
  return `${burnIn.language}${burnIn.forced ? ' forced' : ''}, ${what}`;
}

/** The track (if any) burned into a slice, and for text its cues in the slice. Pure. */
export function chooseBurnIn(slice: SliceOfAiring, facts: BurnInFacts | undefined): BurnIn | undefined {
  if (!facts || facts.mode === 'off' || slice.airing.kind !== 'program') return undefined;
  const { language, mode } = facts;
  // A track whose language is unknown (a lone `Film.srt`) stands in after the language's own, as
  // the library's chooser does for soft subtitles; never for `on` pictures (burning a guess into
  // a picture the viewer cannot turn off).
  const exact = (t: SubtitleTrack) => t.language === language;
  const standIn = (t: SubtitleTrack) => language !== UNDETERMINED && t.language === UNDETERMINED;
  const usable = facts.tracks.filter((t) => t.problem === null && (!t.pictureOnly || t.streamIndex !== null));
  const text = (t: SubtitleTrack) => !t.pictureOnly;
  const picture = (t: SubtitleTrack) => t.pictureOnly;
  let order: Array<(t: SubtitleTrack) => boolean>;
  if (mode === 'on') {
    // Any text track the soft renditions can show (the language's, or a stand-in): nothing burned.
    if (usable.some((t) => text(t) && (exact(t) || standIn(t)))) return undefined;
    order = [(t) => exact(t) && picture(t) && !t.forced, (t) => exact(t) && picture(t) && t.forced];
  } else if (mode === 'forced') {
    order = [exact, standIn].flatMap((lang) => [(t: SubtitleTrack) => lang(t) && t.forced && text(t), (t: SubtitleTrack) => lang(t) && t.forced && picture(t)]);
  } else {
    order = [exact, standIn].flatMap((lang) => [
      (t: SubtitleTrack) => lang(t) && !t.forced && text(t),
      (t: SubtitleTrack) => lang(t) && !t.forced && picture(t),
      (t: SubtitleTrack) => lang(t) && t.forced && text(t),
      (t: SubtitleTrack) => lang(t) && t.forced && picture(t),
    ]);
  }
  // Text needs its cues read and libass in ffmpeg; otherwise the next picture track is taken.
  const textPossible = facts.textFilter && facts.textCues !== undefined;
  const track = order.map((rule) => usable.find((t) => rule(t) && (t.pictureOnly || textPossible))).find((t) => t !== undefined);
  if (!track) return undefined;
  if (track.pictureOnly) return { kind: 'picture', language: track.language, forced: track.forced, trackId: track.id, streamIndex: track.streamIndex! };
  const cues = cuesInSlice(slice, facts.textCues!);
  // No cue on screen during the slice: nothing to burn (the slice may then be copied from the cache).
  if (cues.length === 0) return undefined;
  return { kind: 'text', language: track.language, forced: track.forced, trackId: track.id, cues };
}

/** The cues visible in the slice, shifted to the slice's first frame and cut to its length. */
export function cuesInSlice(slice: SliceOfAiring, cues: readonly Cue[]): Cue[] {
  // The renderer seeks its input to this point of the file (-ss before -i): its frames' timestamps,
  // which libass times the cues by, restart at zero there.
  const fileFromMs = slice.airing.inPointMs + (slice.fromMs - slice.airing.startMs);
  const lengthMs = slice.toMs - slice.fromMs;
  const out: Cue[] = [];
  for (const cue of cues) {
    const startMs = Math.max(0, cue.startMs - fileFromMs);
    const endMs = Math.min(lengthMs, cue.endMs - fileFromMs);
    if (endMs > startMs) out.push({ startMs, endMs, text: cue.text });
  }
  return out;
}

export interface FrameSize {
  width: number;
  height: number;
}

/**
 * Where burned text sits: bottom-centred, its baseline above the top of the lower third's band
 * (src/graphics/filter-graph.ts cardGeometry) with a small gap, so a lower third never covers a
 * line of dialogue; the type a little bigger than the lower third's title, white with a dark
 * outline (readable on any picture). In pixels of the channel's frame (burned after the picture
 * is normalised to it).
 */
export function burnInStyle(frame: FrameSize): { fontSize: number; outline: number; marginV: number; marginH: number } {
  const band = cardGeometry({ ...frame, frameRate: 25 }, LOWER_THIRD_BAND); // the band's place does not depend on the rate
  const gap = Math.max(2, Math.round(frame.height * 0.02));
  return {
    fontSize: Math.max(10, Math.round(frame.height * 0.058)),
    outline: Math.max(1, Math.round(frame.height / 240)),
    marginV: frame.height - band.y + gap,
    marginH: Math.round(frame.width * 0.08),
  };
}

/** The band's height does not depend on its text (only its width does): an empty card measures it. */
const LOWER_THIRD_BAND: CardLayer = { kind: 'lower_third', from: 0, to: 0, line1: '', line2: '' };

/** ASS time: H:MM:SS.cc (centiseconds). */
function assTime(ms: number): string {
  const cs = Math.max(0, Math.round(ms / 10));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor(cs / 6000) % 60;
  const s = Math.floor(cs / 100) % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}

/** U+2060 WORD JOINER: invisible, and breaks a backslash off the letter after it. */
const WORD_JOINER = '\u2060';

/**
 * A cue's plain text as an ASS event's text, shown as written: a backslash can never start an
 * escape (`\N`, `\h`, `\{`; a word joiner follows it), braces cannot open an override block
 * (libass shows `\{` and `\}` as braces), line breaks become `\N`.
 */
export function assText(text: string): string {
  return text
    .replace(/\\/g, `\\${WORD_JOINER}`)
    .replace(/[{}]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\N');
}

/** The ASS script a text burn-in is drawn from: the frame as its canvas, one style, the slice's cues. */
export function assScript(cues: readonly Cue[], frame: FrameSize, fontName = 'DejaVu Sans'): string {
  const style = burnInStyle(frame);
  const lines = [
    '[Script Info]',
    'ScriptType: v4.00+',
    // The canvas is the channel's frame: positions and sizes are its pixels.
    `PlayResX: ${frame.width}`,
    `PlayResY: ${frame.height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Default,${fontName},${style.fontSize},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,${style.outline},0,2,${style.marginH},${style.marginH},${style.marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...cues.map((cue) => `Dialogue: 0,${assTime(cue.startMs)},${assTime(cue.endMs)},Default,,0,0,0,,${assText(cue.text)}`),
  ];
  return `${lines.join('\n')}\n`;
}
