import { z } from 'zod';

/**
 * Emergency alerts (Retrovue's EmergencySystem): an operator breaks into programming on some
 * or all channels for a while; the timeline keeps running underneath and the channel returns
 * to it when the alert ends.
 */
export const ALERT_TYPES = ['emergency', 'weather', 'system', 'custom'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;

export interface Alert {
  id: number;
  message: string;
  type: AlertType;
  /** 1 (lowest) … 10 (highest): a higher priority pre-empts a lower one on shared channels. */
  priority: number;
  /** Channel numbers it was sent to (`all` is resolved to the channels of the moment). */
  channels: number[];
  /** The alert's window on the wall clock: issued at, and issued + duration. */
  issuedAtMs: number;
  endsAtMs: number;
  cancelledAtMs?: number;
}

/** Where the window really ends: its end, or when it was cancelled, whichever is first. */
export const windowEndMs = (alert: Alert): number => Math.min(alert.endsAtMs, alert.cancelledAtMs ?? Infinity);

/** An alert request as the API and the CLI send it; the service checks channels and the maximum duration. */
export function alertRequestSchema(maxDurationSeconds: number) {
  return z
    .object({
      message: z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
      type: z.enum(ALERT_TYPES).default('emergency'),
      priority: z.number().int('must be a whole number').min(MIN_PRIORITY, `must be ${MIN_PRIORITY}–${MAX_PRIORITY}`).max(MAX_PRIORITY, `must be ${MIN_PRIORITY}–${MAX_PRIORITY}`),
      channels: z.union([z.literal('all'), z.array(z.number().int().min(1)).min(1, 'must name at least one channel')]),
      duration: z
        .number()
        .positive('must be more than 0 seconds')
        .max(maxDurationSeconds, `must be at most ${maxDurationSeconds} seconds (alerts.max_duration)`),
    })
    .strict();
}
export type AlertRequest = z.infer<ReturnType<typeof alertRequestSchema>>;

/** A stretch of one channel's air given to one alert. */
export interface AlertSpan {
  alert: Alert;
  startMs: number;
  endMs: number;
}

/** A span shorter than this is not aired (a queued alert with a second of its window left). */
const MIN_SPAN_MS = 1000;

/**
 * Which alert is on a channel when (the documented rule): at every instant, among the alerts
 * sent to the channel whose window [issued, end or cancel) contains the instant, the one of
 * highest priority airs; among equal priorities, the one issued first. So a higher priority
 * pre-empts a lower one at once; a lower or equal one that arrives while another is on air
 * waits and airs after it for what is left of its own window; an alert whose window has passed
 * never airs. Pure: the same alerts give the same spans.
 */
export function alertSpans(alerts: readonly Alert[], channel: number, fromMs: number, toMs: number): AlertSpan[] {
  // Spans are worked out over the alerts' whole windows, then those overlapping the query are
  // returned: the answer for an instant never depends on how wide a stretch was asked about.
  const mine = alerts.filter((a) => a.channels.includes(channel) && windowEndMs(a) > a.issuedAtMs);
  if (!mine.some((a) => a.issuedAtMs < toMs && windowEndMs(a) > fromMs)) return [];
  const edges = [...new Set(mine.flatMap((a) => [a.issuedAtMs, windowEndMs(a)]))].sort((a, b) => a - b);
  const spans: AlertSpan[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const [start, end] = [edges[i]!, edges[i + 1]!];
    const live = mine.filter((a) => a.issuedAtMs <= start && windowEndMs(a) >= end);
    if (live.length === 0) continue;
    const winner = live.reduce((best, a) => (a.priority > best.priority || (a.priority === best.priority && a.issuedAtMs < best.issuedAtMs) ? a : best));
    const last = spans[spans.length - 1];
    if (last && last.alert.id === winner.id && last.endMs === start) last.endMs = end;
    else spans.push({ alert: winner, startMs: start, endMs: end });
  }
  return spans.filter((span) => span.endMs - span.startMs >= MIN_SPAN_MS && span.startMs < toMs && span.endMs > fromMs);
}
