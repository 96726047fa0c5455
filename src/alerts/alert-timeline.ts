import type { Airing, ChannelTimeline, TimelinePosition } from '../timeline/types.js';
import type { AlertSpan } from './alert.js';

export interface AlertSource {
  spansFor(channel: number, fromMs: number, toMs: number): AlertSpan[];
}

/** The airing an alert span puts on the air (drawn by playout; the guide never sees it). */
export function alertAiring(span: AlertSpan): Airing {
  const { alert } = span;
  return {
    startMs: span.startMs,
    endMs: span.endMs,
    mediaPath: '',
    inPointMs: 0,
    outPointMs: span.endMs - span.startMs,
    kind: 'alert',
    title: `${alert.type.toUpperCase()} ALERT`,
    alert: { id: alert.id, type: alert.type, message: alert.message, priority: alert.priority, issuedAtMs: alert.issuedAtMs },
  };
}

/**
 * What playout airs on a channel: its timeline, with the channel's alert spans laid over it.
 * The timeline keeps running underneath, as on real TV: an airing interrupted by an alert is
 * cut where the alert starts, and when the alert ends `at(t)` is the timeline's airing at t,
 * joined at its offset. The guide reads the timeline itself (`airingsBetween` is the base's):
 * an alert changes neither the guide nor the timeline.
 */
export class AlertOverlayTimeline implements ChannelTimeline {
  constructor(
    private readonly base: ChannelTimeline,
    private readonly channel: number,
    private readonly alerts: AlertSource,
  ) {}

  get endsAtMs(): number | undefined {
    return this.base.endsAtMs;
  }

  at(tMs: number): TimelinePosition | undefined {
    const onAir = this.alerts.spansFor(this.channel, tMs, tMs + 1)[0];
    if (onAir) return { airing: alertAiring(onAir), offsetMs: tMs - onAir.startMs };
    const position = this.base.at(tMs);
    if (!position) return undefined;
    const next = this.alerts.spansFor(this.channel, tMs, position.airing.endMs)[0];
    if (!next) return position;
    return { airing: { ...position.airing, endMs: next.startMs }, offsetMs: position.offsetMs };
  }

  airingsBetween(fromMs: number, toMs: number, limit?: number): Airing[] {
    return this.base.airingsBetween(fromMs, toMs, limit);
  }
}
