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

/** Channel numbers run 1–9999 (the channel config's bound). */
const MAX_CHANNEL_NUMBER = 9999;
/** A request naming more channels than this is refused rather than checked one by one ("all" reaches every channel). */
export const MAX_ALERT_CHANNELS = 1000;
/** Longest alert text: the card and the crawl show it whole. */
export const MAX_MESSAGE_CHARACTERS = 1000;

/** Where the window really ends: its end, or when it was cancelled, whichever is first. */
export const windowEndMs = (alert: Alert): number => Math.min(alert.endsAtMs, alert.cancelledAtMs ?? Infinity);

/** An alert request as the API and the CLI send it; the service checks channels and the maximum duration. */
export function alertRequestSchema(maxDurationSeconds: number) {
  return z
    .object({
      message: z.string().trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARACTERS, `must be at most ${MAX_MESSAGE_CHARACTERS} characters`),
      type: z.enum(ALERT_TYPES).default('emergency'),
      priority: z.number().int('must be a whole number').min(MIN_PRIORITY, `must be ${MIN_PRIORITY}–${MAX_PRIORITY}`).max(MAX_PRIORITY, `must be ${MIN_PRIORITY}–${MAX_PRIORITY}`),
      channels: z.union([
        z.literal('all'),
        z
          .array(z.number().int('must be whole channel numbers').min(1, 'must be channel numbers from 1').max(MAX_CHANNEL_NUMBER, `must be channel numbers up to ${MAX_CHANNEL_NUMBER}`))
          .min(1, 'must name at least one channel')
          .max(MAX_ALERT_CHANNELS, `must name at most ${MAX_ALERT_CHANNELS} channels (or "all")`),
      ], { error: 'must be "all" or a list of channel numbers such as [1, 2]' }),
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

/** A channel's contender in the sweep: its alert, where its window ends, and its place in the input (the last tie-break). */
interface Contender {
  alert: Alert;
  endMs: number;
  order: number;
}

/** Whether `a` wins the air over `b`: higher priority, then issued first, then first given. */
const outranks = (a: Contender, b: Contender): boolean =>
  a.alert.priority !== b.alert.priority ? a.alert.priority > b.alert.priority : a.alert.issuedAtMs !== b.alert.issuedAtMs ? a.alert.issuedAtMs < b.alert.issuedAtMs : a.order < b.order;

/** A binary heap with the winning contender on top. */
class ContenderHeap {
  private readonly items: Contender[] = [];

  get top(): Contender | undefined {
    return this.items[0];
  }

  push(item: Contender): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!outranks(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): void {
    const items = this.items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let best = i;
      if (left < items.length && outranks(items[left]!, items[best]!)) best = left;
      if (right < items.length && outranks(items[right]!, items[best]!)) best = right;
      if (best === i) return;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
  }
}

/**
 * Which alert is on a channel when (the documented rule): at every instant, among the alerts
 * sent to the channel whose window [issued, end or cancel) contains the instant, the one of
 * highest priority airs; among equal priorities, the one issued first. So a higher priority
 * pre-empts a lower one at once; a lower or equal one that arrives while another is on air
 * waits and airs after it for what is left of its own window; an alert whose window has passed
 * never airs. Pure: the same alerts give the same spans.
 *
 * One sweep over the windows' edges with the contenders in a heap: O(n log n) in the channel's
 * alerts. (Checking every alert at every edge was quadratic, and the alert list asked it once
 * per alert and channel: 400 queued alerts took 13 s and held the event loop throughout.)
 */
export function alertSpans(alerts: readonly Alert[], channel: number, fromMs: number, toMs: number): AlertSpan[] {
  // Spans are worked out over the alerts' whole windows, then those overlapping the query are
  // returned: the answer for an instant never depends on how wide a stretch was asked about.
  const mine: Contender[] = [];
  for (const alert of alerts) {
    const endMs = windowEndMs(alert);
    if (alert.channels.includes(channel) && endMs > alert.issuedAtMs) mine.push({ alert, endMs, order: mine.length });
  }
  if (!mine.some((c) => c.alert.issuedAtMs < toMs && c.endMs > fromMs)) return [];
  const byIssue = [...mine].sort((a, b) => a.alert.issuedAtMs - b.alert.issuedAtMs);
  const edges = [...new Set(mine.flatMap((c) => [c.alert.issuedAtMs, c.endMs]))].sort((a, b) => a - b);
  const contenders = new ContenderHeap();
  const spans: AlertSpan[] = [];
  let issued = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const [start, end] = [edges[i]!, edges[i + 1]!];
    while (issued < byIssue.length && byIssue[issued]!.alert.issuedAtMs <= start) contenders.push(byIssue[issued++]!);
    // Windows that ended are dropped when they reach the top; every window ends on an edge, so
    // the top, once live at `start`, is live until at least `end`.
    while (contenders.top && contenders.top.endMs <= start) contenders.pop();
    const winner = contenders.top?.alert;
    if (!winner) continue;
    const last = spans[spans.length - 1];
    if (last && last.alert.id === winner.id && last.endMs === start) last.endMs = end;
    else spans.push({ alert: winner, startMs: start, endMs: end });
  }
  return spans.filter((span) => span.endMs - span.startMs >= MIN_SPAN_MS && span.startMs < toMs && span.endMs > fromMs);
}
