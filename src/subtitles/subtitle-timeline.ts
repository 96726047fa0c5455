/**
 * A channel's subtitle cues on the wall clock: the file cues of every programme airing, placed
 * where the airing plays them, and an emergency alert's message while the alert is on the air.
 * What the WebVTT segments (src/hls/webvtt-segment.ts) and the caption encoder read.
 *
 * The airing shapes are structural (not imported from src/timeline): the library imports this
 * folder (its cue source implements SubtitleCueSource) and src/timeline imports the library, so
 * an import of src/timeline here would close a folder cycle (INV-ARCH-1). A ChannelTimeline and
 * the alert overlay's airings fit these shapes as they are.
 */
import { MAX_CUE_TEXT_CHARS, type Cue, type LanguageCode, type SubtitleCueSource, type WallCue } from './cue.js';

/** What this module reads of an Airing (src/timeline/types.ts). */
export interface SubtitleAiring {
  startMs: number;
  endMs: number;
  inPointMs: number;
  kind: string;
  mediaId?: number;
  alert?: { message: string };
}

/** What this module reads of a ChannelTimeline: the airings overlapping [fromMs, toMs), in air order. */
export interface SubtitleAiringSource {
  airingsBetween(fromMs: number, toMs: number, limit?: number): SubtitleAiring[];
}

/**
 * The alert airings (kind `alert`) overlapping [fromMs, toMs); playout's alert overlay has them:
 * `(from, to) => alerts.spansFor(channel, from, to).map(alertAiring)` (src/alerts/alert-timeline.ts).
 */
export type AlertAiringSource = (fromMs: number, toMs: number) => SubtitleAiring[];

/** `on`: the full track; `forced`: only a forced track (signs and foreign dialogue). */
export type SubtitleCueMode = 'on' | 'forced';

export interface SubtitleTimelineOptions {
  /** The channel's timeline (the base timeline: alerts come from `alerts`). */
  timeline: SubtitleAiringSource;
  cues: SubtitleCueSource;
  alerts?: AlertAiringSource;
  /** Airings whose placed cues are kept (least recently used go first). */
  maxCachedAirings?: number;
  /** A file whose cues could not be read: the airing shows none for a while (logged by the caller). */
  onError?: (error: unknown, mediaId: number) => void;
  now?: () => number;
}

/** Only a programme plays its file's subtitles: breaks, filler, bumpers, promos, idents and slates are left blank. */
export function airsSubtitles(airing: SubtitleAiring): airing is SubtitleAiring & { mediaId: number } {
  return airing.kind === 'program' && airing.mediaId !== undefined;
}

/**
 * One airing's cues on the wall clock, in start order: wall = airing start + (file time − in
 * point), cut to the airing's slot. A cue a break cuts ends at the break; the programme's next
 * airing (later in-point) places the rest after it.
 */
export function placeCues(airing: SubtitleAiring, cues: readonly Cue[]): WallCue[] {
  const placed: WallCue[] = [];
  for (const cue of cues) {
    const startMs = Math.max(airing.startMs, airing.startMs + (cue.startMs - airing.inPointMs));
    const endMs = Math.min(airing.endMs, airing.startMs + (cue.endMs - airing.inPointMs));
    if (endMs > startMs) placed.push({ startMs, endMs, text: cue.text });
  }
  return placed.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

/** An alert's message as a cue for its whole span (the message is whatever language it was written in). */
export function alertCue(airing: SubtitleAiring): WallCue | undefined {
  const text = airing.alert?.message.trim().slice(0, MAX_CUE_TEXT_CHARS);
  return text ? { startMs: airing.startMs, endMs: airing.endMs, text } : undefined;
}

/** The parts of `cue` outside every span in `holes` (sorted by start). */
function cutOut(cue: WallCue, holes: readonly SubtitleAiring[]): WallCue[] {
  const parts: WallCue[] = [];
  let from = cue.startMs;
  for (const hole of holes) {
    if (hole.endMs <= from || hole.startMs >= cue.endMs) continue;
    if (hole.startMs > from) parts.push({ startMs: from, endMs: hole.startMs, text: cue.text });
    from = Math.max(from, hole.endMs);
  }
  if (from < cue.endMs) parts.push({ startMs: from, endMs: cue.endMs, text: cue.text });
  return parts;
}

/** An airing's placed cues, with a running maximum of their ends, so a window is found by bisection. */
interface PlacedAiring {
  cues: WallCue[];
  maxEndUpTo: number[];
}

function indexed(cues: WallCue[]): PlacedAiring {
  const maxEndUpTo: number[] = [];
  let max = -Infinity;
  for (const cue of cues) maxEndUpTo.push((max = Math.max(max, cue.endMs)));
  return { cues, maxEndUpTo };
}

/** The placed cues visible in [fromMs, toMs). */
function visible(placed: PlacedAiring, fromMs: number, toMs: number): WallCue[] {
  // The first cue that might still show at fromMs: the first whose running maximum end passes it.
  let lo = 0;
  let hi = placed.cues.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (placed.maxEndUpTo[mid]! > fromMs) hi = mid;
    else lo = mid + 1;
  }
  const out: WallCue[] = [];
  for (let i = lo; i < placed.cues.length && placed.cues[i]!.startMs < toMs; i++) {
    if (placed.cues[i]!.endMs > fromMs) out.push(placed.cues[i]!);
  }
  return out;
}

const DEFAULT_MAX_CACHED_AIRINGS = 64;
/** A failed read is asked again after this long: not on every segment request, not never. */
const RETRY_FAILED_READ_MS = 30_000;

interface CacheEntry {
  placed: Promise<PlacedAiring>;
  /** Set when the read failed: the entry is dropped after this instant. */
  failedUntilMs?: number;
}

/**
 * The channel's subtitle cues in one language. Each airing's cues are read from the library and
 * placed once, then kept (a bounded LRU keyed by the airing's file, slot and in-point): every
 * segment request of that airing — each player, each retry — is a lookup. Concurrent requests of
 * one airing share one read.
 */
export class SubtitleTimeline {
  private readonly placed = new Map<string, CacheEntry>();
  private readonly maxCached: number;

  constructor(private readonly options: SubtitleTimelineOptions) {
    this.maxCached = Math.max(1, options.maxCachedAirings ?? DEFAULT_MAX_CACHED_AIRINGS);
  }

  /** Every cue visible in [fromMs, toMs) on the wall clock, in time order; alert spans show only the alert. */
  async cuesBetween(fromMs: number, toMs: number, language: LanguageCode, mode: SubtitleCueMode): Promise<WallCue[]> {
    if (!(toMs > fromMs)) return [];
    const alerts = (this.options.alerts?.(fromMs, toMs) ?? []).filter((a) => a.endMs > a.startMs).sort((a, b) => a.startMs - b.startMs);
    const programmes = this.options.timeline.airingsBetween(fromMs, toMs).filter(airsSubtitles);
    const perAiring = await Promise.all(programmes.map((airing) => this.placedFor(airing, language, mode)));
    const cues: WallCue[] = [];
    for (const placed of perAiring) for (const cue of visible(placed, fromMs, toMs)) cues.push(...cutOut(cue, alerts));
    for (const alert of alerts) {
      const cue = alertCue(alert);
      if (cue) cues.push(cue);
    }
    return cues.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  }

  private placedFor(airing: SubtitleAiring & { mediaId: number }, language: LanguageCode, mode: SubtitleCueMode): Promise<PlacedAiring> {
    const key = `${airing.mediaId}|${language}|${mode}|${airing.startMs}|${airing.endMs}|${airing.inPointMs}`;
    const now = this.options.now ?? Date.now;
    const cached = this.placed.get(key);
    if (cached && !(cached.failedUntilMs !== undefined && now() >= cached.failedUntilMs)) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      this.placed.delete(key);
      this.placed.set(key, cached);
      return cached.placed;
    }
    const entry: CacheEntry = { placed: Promise.resolve(indexed([])) };
    entry.placed = Promise.resolve()
      .then(() => this.options.cues.cuesFor(airing.mediaId, language, mode === 'forced' ? { forced: true } : undefined))
      .then((cues) => indexed(placeCues(airing, cues ?? [])))
      .catch((error: unknown) => {
        this.options.onError?.(error, airing.mediaId);
        entry.failedUntilMs = now() + RETRY_FAILED_READ_MS;
        return indexed([]);
      });
    this.placed.delete(key);
    this.placed.set(key, entry);
    while (this.placed.size > this.maxCached) this.placed.delete(this.placed.keys().next().value!);
    return entry.placed;
  }
}
