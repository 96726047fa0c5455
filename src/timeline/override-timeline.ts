import type { Airing, ChannelTimeline, TimelinePosition } from './types.js';

/**
 * Something playout airs over a channel's timeline for a while (an emergency alert, a live
 * take): what it puts on the air at t, and when the next one starts.
 */
export interface TimelineOverride {
  /** The override's airing on the air at `tMs`, if any. */
  airingAt(tMs: number): Airing | undefined;
  /** The start of the next override after `tMs` and before `untilMs`, if one comes. */
  nextStartWithin(tMs: number, untilMs: number): number | undefined;
  /** The timeline's own airing as this override leaves it (a camera taken on a live block); absent: as it is. */
  adjust?(airing: Airing): Airing;
}

/**
 * A channel's timeline with overrides laid over it, as on real TV: the timeline keeps running
 * underneath. While an override is on, `at(t)` is its airing; an airing an override interrupts
 * is cut where the override starts; after it, `at(t)` is the timeline's airing at t, joined at
 * its offset. The guide (`airingsBetween`) reads the timeline itself: an override changes
 * neither the guide nor the timeline.
 */
export class OverrideTimeline implements ChannelTimeline {
  constructor(
    private readonly base: ChannelTimeline,
    private readonly override: TimelineOverride,
  ) {}

  get endsAtMs(): number | undefined {
    return this.base.endsAtMs;
  }

  at(tMs: number): TimelinePosition | undefined {
    const onAir = this.override.airingAt(tMs);
    if (onAir) return { airing: onAir, offsetMs: tMs - onAir.startMs };
    const position = this.base.at(tMs);
    if (!position) return undefined;
    const airing = this.override.adjust?.(position.airing) ?? position.airing;
    const nextStartMs = this.override.nextStartWithin(tMs, airing.endMs);
    if (nextStartMs === undefined && airing === position.airing) return position;
    return { airing: nextStartMs === undefined ? airing : { ...airing, endMs: nextStartMs }, offsetMs: position.offsetMs };
  }

  airingsBetween(fromMs: number, toMs: number, limit?: number): Airing[] {
    return this.base.airingsBetween(fromMs, toMs, limit);
  }
}
