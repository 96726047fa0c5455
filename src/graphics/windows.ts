import { DateTime } from 'luxon';
import type { Airing, AiringKind } from '../timeline/types.js';
import type { GraphicsSettings } from '../config/graphics-settings.js';
import { renderTemplate, type TemplateValues } from '../config/template-language.js';

/**
 * Where each element is on the air, computed from the airing's place on the timeline (never
 * from when a renderer happened to start): a renderer that starts 7 s into a programme gets
 * the same windows as one that started at 0, and simply draws what is left of them.
 * All windows are wall-clock epoch milliseconds; the filter builder shifts them into the
 * renderer's own output time.
 */

export interface Window {
  fromMs: number;
  toMs: number;
}

export type CardKind = 'lower_third' | 'up_next' | 'back_after_break';

export interface CardPlan extends Window {
  kind: CardKind;
  line1: string;
  line2: string;
}

export interface GraphicsPlan {
  /** Windows in which the bug is on (a single whole-slice window in `always` mode); none = hidden. */
  bug: Window[];
  cards: CardPlan[];
  /** Why an element that the settings ask for is not drawn (for the log). */
  dropped: string[];
}

export interface PlanInput {
  airing: Airing;
  /** The stretch of the airing this renderer draws (join in progress: fromMs > airing.startMs). */
  slice: Window;
  /** Airings just before the airing (a break's worth), in air order. */
  previous: Airing[];
  /** Airings after it, in air order, far enough to find the next programme. */
  following: Airing[];
  settings: GraphicsSettings;
  channel: { name: string; callSign: string; timeZone: string };
}

/** Minimum a card must stay on to be worth drawing, and the gap kept between two cards. */
const MIN_CARD_MS = 2000;
const CARD_GAP_MS = 1000;

/** The next piece continues this one: same file, picking up where it stopped (breaks split programmes). */
export function continues(before: Airing, after: Airing): boolean {
  if (before.kind !== 'program' || after.kind !== 'program') return false;
  if (before.program?.id !== undefined && after.program?.id !== undefined && before.program.id !== after.program.id) return false;
  return before.mediaPath === after.mediaPath && after.inPointMs > 0 && Math.abs(before.outPointMs - after.inPointMs) < 1000;
}

/**
 * Programme content, as graphics see it: a programme from a file, or a live event (a scheduled
 * live block or a go-live take), which wears the bug and gets its lower third like any programme.
 */
export function isProgrammeKind(kind: AiringKind): boolean {
  return kind === 'program' || kind === 'live';
}

/**
 * Whether the bug is on during an airing of this kind: always during a programme (a live event
 * included); anything else is a break, where it shows only if `bug.show_during` names the kind.
 * The one home of the rule: the renderers' plan (below) and the cache's choice of a bug variant
 * for a break both ask here.
 */
export function bugShowsDuring(kind: AiringKind, showDuring: readonly string[]): boolean {
  return isProgrammeKind(kind) || showDuring.includes(kind);
}

const lastPiece = (airings: Airing[]) => [...airings].reverse().find((a) => isProgrammeKind(a.kind));
const firstPiece = (airings: Airing[]) => airings.find((a) => isProgrammeKind(a.kind));

function formatTime(ms: number, zone: string): string {
  const time = DateTime.fromMillis(ms, { zone });
  return (time.isValid ? time : DateTime.fromMillis(ms)).toFormat('h:mm a');
}

function valuesFor(airing: Airing, next: Airing | undefined, input: PlanInput, atMs: number): TemplateValues {
  const program = airing.program;
  const zone = input.channel.timeZone;
  return {
    show: program?.title ?? airing.title,
    title: program?.subtitle ?? program?.title ?? airing.title,
    season: program?.season,
    episode: program?.episode,
    year: program?.year,
    channel: input.channel.name,
    call_sign: input.channel.callSign,
    next_title: next ? (next.program?.title ?? next.title) : undefined,
    next_start: next ? formatTime(next.startMs, zone) : undefined,
    time: formatTime(atMs, zone),
  };
}

function overlaps(a: Window, b: Window, gapMs: number): boolean {
  return a.fromMs < b.toMs + gapMs && b.fromMs < a.toMs + gapMs;
}

/** Intermittent bug: on for `for_seconds` every `every_minutes` of the channel's clock (anchored to the epoch, so every renderer agrees). */
function intermittentWindows(slice: Window, everyMinutes: number, forSeconds: number): Window[] {
  const period = everyMinutes * 60_000;
  const length = Math.min(forSeconds * 1000, period);
  const windows: Window[] = [];
  for (let start = Math.floor(slice.fromMs / period) * period; start < slice.toMs; start += period) {
    const window = { fromMs: start, toMs: start + length };
    if (window.toMs > slice.fromMs) windows.push(window);
  }
  return windows;
}

/** Where the airing's end credits start on the wall clock, when its file's credits marker falls inside what it airs. */
function creditsStartOnAir(airing: Airing): number | undefined {
  const creditsMs = airing.program?.creditsStartMs;
  if (creditsMs === undefined || creditsMs <= airing.inPointMs || creditsMs >= airing.outPointMs) return undefined;
  return airing.startMs + (creditsMs - airing.inPointMs);
}

/** What to draw during one airing: the bug's windows and the cards, on the wall clock. */
export function planGraphics(input: PlanInput): GraphicsPlan {
  const { airing, settings } = input;
  const plan: GraphicsPlan = { bug: [], cards: [], dropped: [] };
  if (!settings.enabled) return plan;

  const isBreak = !isProgrammeKind(airing.kind);
  if (settings.bug.enabled) {
    if (!bugShowsDuring(airing.kind, settings.bug.show_during)) plan.dropped.push(`bug hidden during ${airing.kind}`);
    else plan.bug = settings.bug.mode === 'always' ? [{ ...input.slice }] : intermittentWindows(input.slice, settings.bug.every_minutes, settings.bug.for_seconds);
  }
  if (isBreak) return plan;

  const before = lastPiece(input.previous);
  const after = firstPiece(input.following);
  const isFirst = !before || !continues(before, airing);
  const isLast = !after || !continues(airing, after);
  const clip = (w: Window): Window => ({ fromMs: Math.max(w.fromMs, airing.startMs), toMs: Math.min(w.toMs, airing.endMs) });

  let lowerThird: Window | undefined;
  const lt = settings.lower_third;
  if (lt.enabled && isFirst) {
    const window = clip({ fromMs: airing.startMs + lt.delay_seconds * 1000, toMs: airing.startMs + (lt.delay_seconds + lt.duration_seconds) * 1000 });
    if (window.toMs - window.fromMs >= MIN_CARD_MS) {
      lowerThird = window;
      const lines = airing.program?.category === 'Series' || airing.program?.season !== undefined ? lt.episode : lt.movie;
      const values = valuesFor(airing, undefined, input, window.fromMs);
      plan.cards.push({ kind: 'lower_third', ...window, line1: renderTemplate(lines.line1, values), line2: renderTemplate(lines.line2, values) });
    } else plan.dropped.push('lower third: the programme is too short');
  }

  const un = settings.up_next;
  const cardBeforeEnd = (kind: CardKind, lines: { line1: string; line2: string }, next: Airing | undefined): void => {
    const fixed = airing.endMs - un.before_end_seconds * 1000;
    // "Up next" over the end credits when the file's credits marker is known (a media server's): from where they start.
    const credits = kind === 'up_next' ? creditsStartOnAir(airing) : undefined;
    const fromMs = credits !== undefined && airing.endMs - credits >= MIN_CARD_MS ? credits : fixed;
    const window = clip({ fromMs, toMs: fromMs + un.duration_seconds * 1000 });
    // A programme too short for both cards keeps the lower third: "up next" goes first.
    if (window.toMs - window.fromMs < MIN_CARD_MS || (lowerThird && overlaps(window, lowerThird, CARD_GAP_MS))) {
      plan.dropped.push(`${kind.replace(/_/g, ' ')}: no room beside the lower third`);
      return;
    }
    const values = valuesFor(airing, next, input, window.fromMs);
    plan.cards.push({ kind, ...window, line1: renderTemplate(lines.line1, values), line2: renderTemplate(lines.line2, values) });
  };
  if (un.enabled && isLast && after) cardBeforeEnd('up_next', un.template, after);
  if (un.enabled && un.back_after_break && !isLast) cardBeforeEnd('back_after_break', un.break_template, after);
  return plan;
}
