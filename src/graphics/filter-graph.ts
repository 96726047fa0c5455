import { drawtext } from '../ffmpeg/drawtext.js';
import { escapeFilterValue } from '../ffmpeg/filter-text.js';
import type { CardKind } from './windows.js';

/**
 * Station graphics as one filter-graph fragment, drawn inside the airing's own ffmpeg (no
 * extra process, no raw-frame pipe). It reads the normalised picture from `[gin]` and writes
 * `[gout]`; the renderer puts it between normalisation and its tpad/trim.
 *
 * Why it is cheap: every image (the bug, each card's band) is decoded or drawn once, at the
 * renderer's start, then repeated by `loop` (a reference to the same frame, not a copy);
 * `overlay` and `drawtext` carry `enable` so outside their windows they do no work at all;
 * fades touch only the band's pixels and only while fading.
 *
 * Times here are the renderer's own output seconds (0 = its first frame), already shifted by
 * how far into the airing the renderer starts, so a window that began before the renderer
 * simply starts "negative" and is drawn for what is left of it.
 */

export interface FrameSize {
  width: number;
  height: number;
  frameRate: number;
}

export interface BugLayer {
  /** A validated image file (png/jpeg/webp...). */
  image: string;
  corner: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
  marginPercent: number;
  sizePercent: number;
  opacity: number;
  /** Renderer-time windows; `always` = one window covering the whole renderer (no fades, no enable). */
  windows: Array<{ from: number; to: number }> | 'always';
}

export interface CardLayer {
  kind: CardKind;
  from: number;
  to: number;
  line1: string;
  line2: string;
}

export interface OverlaySpec {
  frame: FrameSize;
  fadeSeconds: number;
  branding: { primary: string; accent: string; text: string };
  /** Font for the cards' text; undefined = no text can be drawn (cards are skipped). */
  fontFile: string | undefined;
  bug?: BugLayer;
  cards: CardLayer[];
}

/** Seconds for filter expressions: fixed precision, so the same plan gives the same string. */
const s = (seconds: number) => seconds.toFixed(3);
const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/**
 * How every overlay ends: with the picture under it (shortest=1). repeatlast=0 changes nothing
 * while the layer above is endless (every layer here is), but without it an overlay whose
 * picture has no frame at all never ends: a run joined in an airing's last frames seeks past
 * the file's last picture, and that renderer ran forever, making nothing (a cold start that
 * never went live). Measured with ffmpeg 5.1.
 */
const OVERLAY_ENDS = 'shortest=1:repeatlast=0';

/** An endless stream of one still frame (drawn once), on the output's frame clock. */
function stillForever(source: string, frameRate: number): string {
  return `${source},loop=loop=-1:size=1,setpts=N/(${frameRate}*TB)`;
}

/** Fade-in/out of an alpha stream over [from, to); a fade that would start before 0 is skipped (the viewer joined after it). */
function fades(from: number, to: number, fade: number): string[] {
  if (fade <= 0) return [];
  const steps: string[] = [];
  if (from >= 0) steps.push(`fade=t=in:st=${s(from)}:d=${s(fade)}:alpha=1`);
  const outStart = Math.max(0, to - fade);
  steps.push(`fade=t=out:st=${s(outStart)}:d=${s(Math.min(fade, to))}:alpha=1`);
  return steps;
}

const between = (from: number, to: number) => `between(t,${s(from)},${s(to)})`;
/** `t-x` written so that a negative x reads `t+…` (a window that began before the renderer). */
const since = (x: number) => (x < 0 ? `t+${s(-x)}` : `t-${s(x)}`);

/** Opacity of text over its window, fading in and out like its band. */
function textAlpha(from: number, to: number, fade: number): string | undefined {
  if (fade <= 0) return undefined;
  return `clip(min((${since(from)})/${s(fade)},(${s(to)}-t)/${s(fade)}),0,1)`;
}

export function bugPosition(layer: BugLayer, frame: FrameSize): { x: string; y: string; width: number } {
  const margin = Math.round((frame.height * layer.marginPercent) / 100);
  const width = even((frame.width * layer.sizePercent) / 100);
  const x = layer.corner.endsWith('left') ? String(margin) : `W-w-${margin}`;
  const y = layer.corner.startsWith('top') ? String(margin) : `H-h-${margin}`;
  return { x, y, width };
}

/** Geometry of a lower-third band: title-safe inset, about a seventh of the frame tall. */
export function cardGeometry(frame: FrameSize, card: CardLayer) {
  const { width: W, height: H } = frame;
  const big = Math.max(8, Math.round(H * 0.055));
  const small = Math.max(7, Math.round(H * 0.038));
  const pad = Math.max(3, Math.round(H * 0.018));
  const stripe = even(W * 0.012);
  const height = even(big + small + pad * 3);
  // Wide enough for the longer line (DejaVu Sans Bold averages about 0.62 em a glyph), within bounds.
  const textWidth = Math.max(card.line1.length * big, card.line2.length * small) * 0.62;
  const width = even(Math.min(W * 0.72, Math.max(W * 0.36, textWidth + stripe + pad * 3)));
  const x = Math.round(W * 0.06);
  const y = Math.round(H * 0.9) - height;
  return { big, small, pad, stripe, height, width, x, y };
}

/** The band of one card: drawn once (colour + accent stripe), repeated, faded. */
function bandSource(spec: OverlaySpec, card: CardLayer, g: ReturnType<typeof cardGeometry>): string {
  const { primary, accent } = spec.branding;
  const base = `color=c=${primary}@0.88:s=${g.width}x${g.height}:r=${spec.frame.frameRate}:d=1,format=yuva420p,trim=end_frame=1`;
  const drawn = `${base},drawbox=x=0:y=0:w=${g.stripe}:h=ih:color=${accent}@1:t=fill,drawbox=x=0:y=ih-${Math.max(2, Math.round(g.height / 24))}:w=iw:h=ih:color=${accent}@1:t=fill`;
  return [stillForever(drawn, spec.frame.frameRate), ...fades(card.from, card.to, spec.fadeSeconds)].join(',');
}

function cardText(spec: OverlaySpec, card: CardLayer, g: ReturnType<typeof cardGeometry>): string[] {
  if (!spec.fontFile) return [];
  const enable = between(card.from, card.to);
  const alpha = textAlpha(card.from, card.to, spec.fadeSeconds);
  const left = String(g.x + g.stripe + g.pad);
  // "UP NEXT" style cards lead with a small label in the accent colour; the lower third leads with the show.
  const labelFirst = card.kind === 'up_next';
  const lines = [
    { text: card.line1, size: labelFirst ? g.small : g.big, colour: labelFirst ? spec.branding.accent : spec.branding.text, y: g.y + g.pad },
    {
      text: card.line2,
      size: labelFirst ? g.big : g.small,
      colour: spec.branding.text,
      y: g.y + g.pad * 2 + (labelFirst ? g.small : g.big),
    },
  ];
  return lines
    .filter((line) => line.text)
    .map((line) =>
      drawtext({ text: line.text, x: left, y: String(line.y), fontSize: line.size, color: line.colour, font: { file: spec.fontFile! }, alpha, enable }),
    );
}

/**
 * The graphics fragment `[gin]…[gout]`, or undefined when there is nothing to draw (the
 * renderer then keeps its plain chain and costs nothing extra).
 */
export function buildOverlayFilter(spec: OverlaySpec): string | undefined {
  const cards = spec.cards.filter((c) => c.to > 0 && c.to > c.from);
  const bugWindows = spec.bug ? (spec.bug.windows === 'always' ? 'always' : spec.bug.windows.filter((w) => w.to > 0 && w.to > w.from)) : [];
  if (cards.length === 0 && bugWindows !== 'always' && bugWindows.length === 0) return undefined;

  const chains: string[] = [];
  // Renderer time from zero whatever the source's timestamps, so every window is in one clock.
  let current = 'g0';
  chains.push(`[gin]setpts=PTS-STARTPTS[${current}]`);
  let n = 0;
  const next = () => `g${(n += 1)}`;

  if (spec.bug && (bugWindows === 'always' || bugWindows.length > 0)) {
    const { x, y, width } = bugPosition(spec.bug, spec.frame);
    const image = `movie=${escapeFilterValue(spec.bug.image)},format=rgba,colorchannelmixer=aa=${spec.bug.opacity},scale=${width}:-2,format=yuva420p`;
    if (bugWindows === 'always') {
      const out = next();
      chains.push(`${stillForever(image, spec.frame.frameRate)}[bug]`);
      chains.push(`[${current}][bug]overlay=x=${x}:y=${y}:eval=init:${OVERLAY_ENDS}[${out}]`);
      current = out;
    } else {
      const labels = bugWindows.map((_, i) => `bug${i}`);
      chains.push(`${stillForever(image, spec.frame.frameRate)}${bugWindows.length > 1 ? `,split=${bugWindows.length}` : ''}${labels.map((l) => `[${l}r]`).join('')}`);
      bugWindows.forEach((w, i) => {
        const out = next();
        const faded = fades(w.from, w.to, spec.fadeSeconds);
        chains.push(`[${labels[i]}r]${faded.length ? faded.join(',') : 'null'}[${labels[i]}]`);
        chains.push(`[${current}][${labels[i]}]overlay=x=${x}:y=${y}:eval=init:${OVERLAY_ENDS}:enable='${between(w.from, w.to)}'[${out}]`);
        current = out;
      });
    }
  }

  cards.forEach((card, i) => {
    const g = cardGeometry(spec.frame, card);
    const band = `card${i}`;
    chains.push(`${bandSource(spec, card, g)}[${band}]`);
    const out = next();
    const text = cardText(spec, card, g);
    chains.push(
      `[${current}][${band}]overlay=x=${g.x}:y=${g.y}:eval=init:${OVERLAY_ENDS}:enable='${between(card.from, card.to)}'${text.length ? `,${text.join(',')}` : ''}[${out}]`,
    );
    current = out;
  });

  chains.push(`[${current}]null[gout]`);
  return chains.join(';');
}
