import type { CacheEntry } from '../cache/cache-store.js';
import { boundByLiveSpans, planSlice } from '../cache/splice-plan.js';
import type { SourceFacts } from '../ffmpeg/airing-command.js';
import type { SourceCheck } from '../library/probe.js';
import { chooseBurnIn, describeBurnIn, type BurnIn, type BurnInFacts } from './burn-in.js';
import { airsFile, liveSourceOf } from '../timeline/airing-kind.js';
import type { Airing, AiringAlert } from '../timeline/types.js';

/**
 * How one slice of an airing becomes bytes — the one place that decides it.
 *
 * The airing chain gathers the facts (the slice, what the cache holds for it, the station
 * graphics it carries, whether its file plays) and executes the plan this module returns; it
 * does not decide. A new kind of airing (a live source, a language rendition set, a past airing,
 * a renderer on another machine) is a new case here and a new executor there.
 *
 * Plans (docs/architecture.md, "Render plan"):
 *  - `copy`: spliced from the media cache from keyframe `keyframeIndex` (no encoder);
 *  - `render`: the file rendered live by ffmpeg, with the channel's graphics unless told not,
 *    and `burnIn` when subtitles are drawn into its picture (src/playout/burn-in.ts: which
 *    track, and a text track's cues in the slice);
 *  - `card`: an emergency alert drawn by ffmpeg (no file);
 *  - `live`: a live block's source (src/live) fed to ffmpeg as it arrives and normalised like a
 *    file; only while the source is up. While it is down the block's fallback airs (the slate)
 *    for at most LIVE_RETRY_MS at a time, and the chain asks again after each (`liveRetryBound`);
 *  - `slate`: the slate — the timeline's own slate airing, or a file that cannot play, or what
 *    is left of a slot after a renderer failed (for a media server's airing, a few seconds of
 *    it at a time, the airing tried again after each: `retryBound`);
 *  - `probe`: not a plan yet: check the file (ffprobe) and ask again with `source`.
 * Every plan may cover less than the slice asked (a live stretch up to a cached keyframe); the
 * chain then asks for the rest as the next slice. Every plan says `why`, for logs and tests.
 *
 * Invariants:
 *  - INV-PLAN-1: `planRender` is pure: same facts, same plan (golden tests hold each case).
 *  - INV-PLAN-2: a plan's slice starts where the slice asked starts and never ends later.
 *  - INV-PLAN-3: a file airing is copied only when the cache holds the picture the viewer must
 *    see (the bare copy, or the channel's static-bug variant outside any card's span).
 *  - INV-PLAN-4: a slice with subtitles to burn is never copied (the cache holds no picture with
 *    them): it is rendered live, and its `why` says so.
 *  - INV-PLAN-5: under overload (`degraded`, src/capacity) a channel drops its cards (never its
 *    always-on bug, never an emergency alert), and a slated channel airs a slate in place of its
 *    files (an alert still breaks in).
 *  - INV-PLAN-6: a live airing is never copied nor probed, and never slated for longer than
 *    LIVE_RETRY_MS at a time: a source that comes back is on the air again within seconds.
 */
export type RenderPlan =
  | { kind: 'copy'; slice: AiringSlice; entry: CacheEntry; keyframeIndex: number; why: string }
  | { kind: 'render'; slice: AiringSlice; source: SourceFacts; drawGraphics: boolean; cardsDropped?: boolean; burnIn?: BurnIn; why: string }
  | { kind: 'card'; slice: AiringSlice; alert: AiringAlert; why: string }
  | { kind: 'live'; slice: AiringSlice; sourceId: string; why: string }
  | { kind: 'slate'; slice: AiringSlice; picture: SlatePicture; text?: string; reason?: string; why: string };

export type PlanOrProbe = RenderPlan | { kind: 'probe'; slice: AiringSlice; why: string };

/**
 * A channel's step of the overload ladder (src/capacity/overload-controller.ts), deepest first
 * in effect: `graphics` drops cards (full-screen cards, lower thirds, tickers; the always-on bug
 * stays), `lower-quality` also runs the channel one preset lower (the factory picks the profile),
 * `slate` airs a slate in place of its files. null: not degraded.
 */
export type Degraded = 'graphics' | 'lower-quality' | 'slate';

/**
 * A slice's graphics with the cards dropped: the always-on bug alone (its cache variant and its
 * filter), or nothing when the channel has no always-on bug. Pure: the plan decides with it and
 * the chain draws with it.
 */
export function bugOnly(graphics: SliceGraphics | undefined): SliceGraphics | undefined {
  const bug = graphics?.staticBug;
  if (!bug) return undefined;
  // Without cards in the slice its whole filter is the bug's.
  const filter = bug.filter ?? (graphics.liveSpans?.length ? undefined : graphics.filter);
  return filter === undefined ? undefined : { filter, staticBug: bug };
}

/** The drawn slate (text on the channel's branding) or the plain one (black, no drawtext). */
export type SlatePicture = 'drawn slate' | 'plain slate';

/** A stretch of the channel's clock that one renderer fills: a whole airing, or the rest of one. */
export interface AiringSlice {
  airing: Airing;
  fromMs: number;
  toMs: number;
}

/**
 * A slice's station graphics (src/graphics/planner.ts): the renderer's filter fragment, and,
 * when all it draws is the channel's always-on bug, the cache variant that has it burned in.
 */
export interface SliceGraphics {
  filter: string;
  staticBug?: { key: string; filter?: string };
  /** Wall-clock spans that need the live renderer (cards); outside them the cached picture is right. */
  liveSpans?: ReadonlyArray<{ fromMs: number; toMs: number }>;
}

export interface RenderFacts {
  slice: AiringSlice;
  frameRate: number;
  /** The chain asks for a slate: a renderer failed and this is the rest of its slot. */
  forcedSlate?: { reason: string; picture: SlatePicture };
  /** The chain retries the airing without graphics (its graphics made the renderer fail at once). */
  withoutGraphics?: boolean;
  /**
   * What the media cache offers for the slice; absent when the channel has no cache, or its
   * segments are shorter than the cache's keyframe interval (a copied stretch is cut at its
   * keyframes, which must then come at least once a segment).
   */
  cache?: {
    /** The cached file for the slice's picture (bare, or the static-bug variant); undefined: not cached. */
    entry: CacheEntry | undefined;
    /** The slice's graphics as the cache lookup saw them (undefined: the channel draws none). */
    graphics: SliceGraphics | undefined;
    /** Wall-clock instant the run's cold-start ramp ends: nothing is copied inside it. */
    rampEndsAtMs: number;
  };
  /** The file's check (ffprobe), once a `probe` plan asked for it. */
  source?: SourceCheck;
  /**
   * The airing's subtitle tracks and the channel's subtitle mode, when the channel may burn
   * subtitles in (src/playout/burn-in.ts decides which, if any). Absent: nothing is burned.
   */
  subtitles?: BurnInFacts;
  /** The chain retries the airing without burned-in subtitles (its renderer failed at once with them). */
  withoutBurnIn?: boolean;
  /** The channel's overload step (src/capacity), when it is degraded. */
  degraded?: Degraded;
  /**
   * The airing's file streams from a media server (src/ffmpeg/media-input.ts). A slate in its
   * place — the server failed the check, or the renderer failed mid-slot — then covers at most
   * `MEDIA_SERVER_RETRY_MS`, after which the chain asks again and the airing is tried afresh from
   * where the timeline is: a server that comes back is back on the air within the slot.
   */
  streamed?: boolean;
  /**
   * A live airing's source as the chain saw it just before the slice (src/live): up = its stream
   * flows now. Absent for a live airing: the channel has no live sources (down).
   */
  live?: { up: boolean };
}

/**
 * How long the fallback stands in for a live source that is down before the chain asks again:
 * with the live renderer prepared about a second before its slice, a source that returns is on
 * the air within about 2 s (LIVE_RETRY_MS + that second). Each try costs only an `isUp` look and,
 * while the source stays down, one more short slate renderer.
 */
export const LIVE_RETRY_MS = 1000;

/** The stretch of a live slice the fallback covers before the next try: at most LIVE_RETRY_MS (all of it when under half a second would be left). */
export function liveRetryBound(slice: AiringSlice): AiringSlice {
  const toMs = slice.fromMs + LIVE_RETRY_MS;
  return slice.toMs - toMs < 500 ? slice : { ...slice, toMs };
}

/**
 * How long a slate stands in for a media server's airing before the airing is tried again: long
 * enough not to hammer a server that is down (one check per try), short enough that a server
 * back from a restart is on the air again within seconds.
 */
export const MEDIA_SERVER_RETRY_MS = 6000;

/**
 * The stretch of a streamed airing's slice a slate covers before the next try: at most
 * MEDIA_SERVER_RETRY_MS, and all of it when less than a second would be left for the try.
 */
export function retryBound(slice: AiringSlice): AiringSlice {
  const toMs = slice.fromMs + MEDIA_SERVER_RETRY_MS;
  return slice.toMs - toMs < 1000 ? slice : { ...slice, toMs };
}

export function planRender(facts: RenderFacts): PlanOrProbe {
  const { slice } = facts;
  const { airing } = slice;
  const sourceId = liveSourceOf(airing);
  if (facts.forcedSlate) {
    if (sourceId !== undefined) {
      return { kind: 'slate', slice: liveRetryBound(slice), picture: facts.forcedSlate.picture, reason: facts.forcedSlate.reason, why: `live source ${sourceId} was lost (${facts.forcedSlate.reason}); the fallback until it is tried again` };
    }
    if (facts.streamed) {
      return { kind: 'slate', slice: retryBound(slice), picture: facts.forcedSlate.picture, reason: facts.forcedSlate.reason, why: `its media server stream failed (${facts.forcedSlate.reason}); tried again after the slate` };
    }
    return { kind: 'slate', slice, picture: facts.forcedSlate.picture, reason: facts.forcedSlate.reason, why: `the rest of the slot after its renderer failed (${facts.forcedSlate.reason})` };
  }
  if (airing.kind === 'alert' && airing.alert) return { kind: 'card', slice, alert: airing.alert, why: `emergency alert ${airing.alert.id}` };
  if (sourceId !== undefined) {
    // Overload does not slate a live event: it is what the channel is for at that moment, and
    // nobody can see it again later.
    if (facts.live?.up) return { kind: 'live', slice, sourceId, why: `live source ${sourceId} is on the air` };
    const reason = `live source ${sourceId} is not on the air`;
    return { kind: 'slate', slice: liveRetryBound(slice), picture: 'drawn slate', reason, why: `${reason}: the fallback, tried again after it` };
  }
  if (!airsFile(airing)) return { kind: 'slate', slice, picture: 'drawn slate', text: 'Retrovue', why: 'the timeline airs a slate here' };
  // Overload, last step: nobody watches this always-on channel, so its slot is a cheap slate.
  if (facts.degraded === 'slate') return { kind: 'slate', slice, picture: 'drawn slate', text: 'Retrovue', why: 'overload: the channel is slated while nobody watches it' };
  // Overload, first steps: cards are dropped, so only the always-on bug is drawn (and cached).
  const cardsDropped = facts.degraded === 'graphics' || facts.degraded === 'lower-quality';
  const cacheFacts = facts.cache && cardsDropped ? { ...facts.cache, graphics: bugOnly(facts.cache.graphics) } : facts.cache;

  const burnIn = facts.withoutBurnIn ? undefined : chooseBurnIn(slice, facts.subtitles);
  let live = slice;
  let whyLive = 'no media cache';
  // Burned-in subtitles are in no cached picture: the whole slice is rendered live.
  if (burnIn) whyLive = `subtitles are burned in (${describeBurnIn(burnIn)})`;
  else if (cacheFacts && !facts.withoutGraphics) {
    const decision = fromCache(slice, cacheFacts, facts.frameRate);
    if (decision.kind === 'copy') return decision;
    live = decision.slice;
    whyLive = decision.why;
  } else if (facts.withoutGraphics) whyLive = 'retried without graphics';
  else if (facts.withoutBurnIn) whyLive = 'retried without burned-in subtitles';

  if (!facts.source) return { kind: 'probe', slice: live, why: 'the file is checked before it airs' };
  if (!facts.source.ok) {
    if (facts.streamed) return { kind: 'slate', slice: retryBound(live), picture: 'drawn slate', reason: facts.source.reason, why: `its media server cannot stream it now (${facts.source.reason}); tried again after the slate` };
    return { kind: 'slate', slice: live, picture: 'drawn slate', reason: facts.source.reason, why: `the file cannot play (${facts.source.reason})` };
  }
  const dropped = cardsDropped && !facts.withoutGraphics;
  return { kind: 'render', slice: live, source: facts.source.facts, drawGraphics: !facts.withoutGraphics, ...(dropped ? { cardsDropped: true } : {}), ...(burnIn ? { burnIn } : {}), why: dropped ? `${whyLive} (overload: cards dropped)` : whyLive };
}

/**
 * What the cache can take of a file slice (src/cache/splice-plan.ts): a copy, or the live
 * stretch before the cache can take over (the whole slice when it cannot at all).
 * A slice with station graphics is copied from the channel's variant with its static bug
 * burned in (or the bare copy when it has no always-on bug); the spans where it draws more
 * (cards, an intermittent bug) are rendered live, from the cached keyframe before each to the
 * one after it.
 */
function fromCache(
  sliceAsked: AiringSlice,
  cache: NonNullable<RenderFacts['cache']>,
  frameRate: number,
): Extract<RenderPlan, { kind: 'copy' }> | { kind: 'live'; slice: AiringSlice; why: string } {
  const { graphics, entry } = cache;
  const live = (why: string, toMs = sliceAsked.toMs) => ({ kind: 'live' as const, slice: { ...sliceAsked, toMs: Math.min(toMs, sliceAsked.toMs) }, why });
  if (graphics && !graphics.staticBug && !graphics.liveSpans?.length) return live('its graphics change over the whole slice (only a static bug can be cached)');
  if (!entry) return live(graphics?.staticBug ? 'the channel\'s bug variant of the file is not cached' : 'the file is not cached');
  let slice = sliceAsked;
  // Cards on screen somewhere in the slice: only their spans (rounded out to cached keyframes)
  // are rendered live; the copy stops before the next one.
  const bound = graphics?.liveSpans?.length ? boundByLiveSpans({ airing: slice.airing, fromMs: slice.fromMs, toMs: slice.toMs, liveSpans: graphics.liveSpans, index: entry }) : undefined;
  if (bound && 'liveUntilMs' in bound) return live('a card is on screen', bound.liveUntilMs);
  if (bound) slice = { ...slice, toMs: bound.copyUntilMs };
  const plan = planSlice({ airing: slice.airing, fromMs: slice.fromMs, toMs: slice.toMs, index: entry, rampEndsAtMs: cache.rampEndsAtMs, frameRate });
  if (plan.mode === 'live') return live(plan.why);
  if (plan.mode === 'split') return live('live up to the next cached keyframe', plan.atMs);
  return { kind: 'copy', slice, entry, keyframeIndex: plan.keyframeIndex, why: bound ? 'cached, up to the next card' : 'cached' };
}
