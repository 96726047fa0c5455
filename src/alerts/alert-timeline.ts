import { OverrideTimeline } from '../timeline/override-timeline.js';
import type { Airing, ChannelTimeline } from '../timeline/types.js';
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
 * What playout airs on a channel: its timeline, with the channel's alert spans laid over it
 * (src/timeline/override-timeline.ts: the timeline keeps running underneath; the guide reads the
 * timeline itself, so an alert changes neither the guide nor the timeline).
 */
export class AlertOverlayTimeline extends OverrideTimeline {
  constructor(base: ChannelTimeline, channel: number, alerts: AlertSource) {
    super(base, {
      airingAt: (tMs) => {
        const span = alerts.spansFor(channel, tMs, tMs + 1)[0];
        return span ? alertAiring(span) : undefined;
      },
      nextStartWithin: (tMs, untilMs) => alerts.spansFor(channel, tMs, untilMs)[0]?.startMs,
    });
  }
}
