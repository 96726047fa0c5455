import type { Airing } from '../timeline/types.js';
import { firstKeyframeAtOrAfter, keyframeAt, type CacheIndex } from './cache-index.js';

/**
 * How a slice of an airing whose file is cached reaches the air:
 *  - `copy`: spliced from the cached file, starting at keyframe `keyframeIndex`;
 *  - `split`: rendered live up to `atMs` (a cached keyframe), then — as its own slice — copied;
 *  - `live`: rendered live, as without a cache.
 *
 * Rules (docs/architecture.md, "Media cache"):
 *  - a copy starts only on a cached keyframe within half a frame of the slice's content time,
 *    so every airing still starts on its timeline second with the right picture (airings
 *    start at 0 or at chapter marks, which the fill made keyframes);
 *  - a join in progress is exact: the run's first slice renders live up to the first cached
 *    keyframe after the cold-start ramp, then copies (no second of the timeline is lost or
 *    shown twice);
 *  - nothing is copied inside the run's cold-start ramp: its half-second segments need the
 *    live renderer's keyframes on the run's grid;
 *  - the cached file must cover the whole slot (a file shorter than its slot is padded by the
 *    live renderer).
 */
export type SlicePlan = { mode: 'live'; why: string } | { mode: 'copy'; keyframeIndex: number } | { mode: 'split'; atMs: number };

export interface SlicePlanInput {
  airing: Pick<Airing, 'startMs' | 'endMs' | 'inPointMs'>;
  fromMs: number;
  toMs: number;
  index: Pick<CacheIndex, 'keyframes' | 'durationSeconds'>;
  /** Wall-clock instant the run's ramp ends (run start + sum of the ramp). */
  rampEndsAtMs: number;
  frameRate: number;
}

/** A split that would copy less than this is not worth a second switch. */
const MIN_COPY_MS = 1000;

export function planSlice(input: SlicePlanInput): SlicePlan {
  const { airing, index, frameRate } = input;
  const contentAt = (tMs: number): number => (airing.inPointMs + (tMs - airing.startMs)) / 1000;
  if (contentAt(airing.endMs) + 1 / frameRate > index.durationSeconds) return { mode: 'live', why: 'the cached file is shorter than the slot' };
  if (input.fromMs >= input.rampEndsAtMs) {
    const keyframe = keyframeAt(index, contentAt(input.fromMs), frameRate);
    if (keyframe !== undefined) return { mode: 'copy', keyframeIndex: keyframe };
  }
  const earliestMs = Math.max(input.fromMs + 1, input.rampEndsAtMs);
  const next = firstKeyframeAtOrAfter(index, contentAt(earliestMs));
  if (next === undefined) return { mode: 'live', why: 'no cached keyframe left in the slice' };
  const atMs = airing.startMs + Math.round(index.keyframes[next]![0] * 1000) - airing.inPointMs;
  if (atMs <= input.fromMs || atMs > input.toMs - MIN_COPY_MS) return { mode: 'live', why: 'no cached keyframe left in the slice' };
  return { mode: 'split', atMs };
}

/**
 * Where a fresh run may start so that its first slice is copied from the cache: the instant of
 * the airing's last cached keyframe at or before `atMs` (at most one GOP, 2 s, earlier), or
 * undefined when the file does not cover the slot or no keyframe of the airing lies before.
 * The run then starts on a picture the cache can splice from, every later airing still airs on
 * its timeline second, and no encoder is needed to tune in (docs/architecture.md, "Media cache").
 */
export function cachedRunStart(input: { airing: Pick<Airing, 'startMs' | 'endMs' | 'inPointMs'>; atMs: number; index: Pick<CacheIndex, 'keyframes' | 'durationSeconds'>; frameRate: number }): number | undefined {
  const { airing, index, frameRate } = input;
  const contentAt = (tMs: number): number => (airing.inPointMs + (tMs - airing.startMs)) / 1000;
  if (contentAt(airing.endMs) + 1 / frameRate > index.durationSeconds) return undefined;
  const after = firstKeyframeAtOrAfter(index, contentAt(input.atMs) + 0.5 / frameRate);
  const i = (after ?? index.keyframes.length) - 1;
  const keyframe = index.keyframes[i];
  if (!keyframe || keyframe[0] < airing.inPointMs / 1000 - 0.5 / frameRate) return undefined;
  const startMs = Math.round(airing.startMs + keyframe[0] * 1000 - airing.inPointMs);
  // Less than a second of the airing left: not worth it, the next airing's start is as good.
  if (airing.endMs - startMs < 1000 || startMs > input.atMs) return undefined;
  return startMs;
}

/**
 * A slice whose station graphics need a live renderer only in some spans (a lower third, "up
 * next", an intermittent bug: `liveSpans`, wall clock, sorted) and are the cached picture
 * elsewhere (the bare copy or the channel's static-bug variant): how much of it to take now.
 *  - `copyUntilMs`: copy (planSlice decides how) up to the last cached keyframe at or before
 *    the next span; the live render of the span starts there with a fresh keyframe;
 *  - `liveUntilMs`: render live through the span, up to the first cached keyframe at or after
 *    its end (or the slice's end), where copying can resume;
 *  - undefined: no span touches the slice.
 * So only the seconds a card is on screen, rounded out to the cache's keyframes (2 s), are
 * rendered; the rest of the airing stays copied (docs/architecture.md, "Media cache").
 */
export function boundByLiveSpans(input: {
  airing: Pick<Airing, 'startMs' | 'inPointMs'>;
  fromMs: number;
  toMs: number;
  liveSpans: ReadonlyArray<{ fromMs: number; toMs: number }>;
  index: Pick<CacheIndex, 'keyframes'>;
}): { copyUntilMs: number } | { liveUntilMs: number } | undefined {
  const { airing, index } = input;
  const span = input.liveSpans.find((w) => w.toMs > input.fromMs && w.fromMs < input.toMs);
  if (!span) return undefined;
  const contentAt = (tMs: number): number => (airing.inPointMs + (tMs - airing.startMs)) / 1000;
  const instantOf = (i: number): number => Math.round(airing.startMs + index.keyframes[i]![0] * 1000 - airing.inPointMs);
  if (span.fromMs > input.fromMs) {
    const after = firstKeyframeAtOrAfter(index, contentAt(span.fromMs) + 1e-4);
    const before = (after ?? index.keyframes.length) - 1;
    if (before >= 0 && instantOf(before) - input.fromMs >= MIN_COPY_MS) return { copyUntilMs: instantOf(before) };
  }
  const resume = firstKeyframeAtOrAfter(index, contentAt(span.toMs));
  const resumeMs = resume === undefined ? input.toMs : instantOf(resume);
  return { liveUntilMs: resumeMs > input.toMs - MIN_COPY_MS ? input.toMs : resumeMs };
}
