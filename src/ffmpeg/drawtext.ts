import { escapeFilterValue, FONTS } from './filter-text.js';

/**
 * The one drawtext builder of the project: slates, logos, demo media and station graphics all
 * build their text through it, so every value is escaped the same way (escapeFilterValue) and
 * text is never expanded by accident (`expansion=none` unless asked for).
 */
export interface DrawtextSpec {
  text: string;
  /** `%{...}` expansion (running clocks on demo media); off by default so `%` in titles is literal. */
  expand?: boolean;
  /** Expression for the left edge, e.g. `(w-tw)/2`. */
  x: string;
  y: string;
  /** Pixels, or an expression. */
  fontSize: number | string;
  /** ffmpeg colour, e.g. `white`, `0xFFD60A`, `black@0.6`. */
  color?: string;
  /** A built-in font (bold, mono) or a font file path; a missing file falls back to fontconfig. */
  font?: 'bold' | 'mono' | { file: string };
  /** Box behind the text. */
  box?: { color: string; borderWidth: number };
  /** Outline around the glyphs (legible over any picture). */
  border?: { color: string; width: number };
  /** Opacity expression (0..1), e.g. a fade. */
  alpha?: string;
  /** Timeline expression, e.g. `between(t,3,13)`. */
  enable?: string;
}

/** One `drawtext=…` filter with every option escaped for use inside -filter_complex or -vf. */
export function drawtext(spec: DrawtextSpec): string {
  const fontFile = typeof spec.font === 'object' ? spec.font.file : FONTS[spec.font ?? 'bold'];
  const options: Array<[string, string]> = [];
  if (fontFile) options.push(['fontfile', fontFile]);
  options.push(
    ['expansion', spec.expand ? 'normal' : 'none'],
    ['text', spec.text],
    ['x', spec.x],
    ['y', spec.y],
    ['fontsize', String(spec.fontSize)],
    ['fontcolor', spec.color ?? 'white'],
  );
  if (spec.box) options.push(['box', '1'], ['boxcolor', spec.box.color], ['boxborderw', String(spec.box.borderWidth)]);
  if (spec.border) options.push(['borderw', String(spec.border.width)], ['bordercolor', spec.border.color]);
  if (spec.alpha) options.push(['alpha', spec.alpha]);
  if (spec.enable) options.push(['enable', spec.enable]);
  return `drawtext=${options.map(([key, value]) => `${key}=${escapeFilterValue(value)}`).join(':')}`;
}
