import { ZodError, type z } from 'zod';
import { alertRequestSchema, alertSpans, windowEndMs, type Alert, type AlertSpan } from './alert.js';
import type { AlertStore } from './alert-store.js';

/**
 * The most alerts that may be on the air or waiting at once. Each one is on the control room's
 * list and in playout's reckoning of every channel it names; a client sending alerts in a loop
 * must meet a clear refusal, not slow the station down.
 */
export const MAX_UNFINISHED_ALERTS = 200;

/** A request the service refuses: the field and why (the API answers 400 with both). */
export class AlertRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Too many alerts on the air or waiting (the API answers 429, with when the next one ends). */
export class AlertLimitError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export type AlertState = 'on_air' | 'queued' | 'ended' | 'cancelled';

export interface AlertView extends Alert {
  state: AlertState;
  /** Channels it is on right now. */
  onAirChannels: number[];
}

export interface AlertServiceOptions {
  store: AlertStore;
  /** Channel numbers that exist now (for validation and `all`). */
  channelNumbers: () => number[];
  maxDurationSeconds: number;
  /** At most this many alerts on the air or waiting at once (default MAX_UNFINISHED_ALERTS). */
  maxUnfinished?: number;
  /** Called with the channels whose air changes now (an alert starts, is pre-empted or ends early). */
  onAirChanged: (channels: number[]) => void;
  now?: () => number;
}

/**
 * The emergency system: takes alerts, keeps the unfinished ones in memory for playout (which
 * asks "which alert is on channel n at t" for every airing it plans), stores all of them.
 */
export class AlertService {
  private unfinished: Alert[];
  /**
   * Each channel's spans over the unfinished alerts' whole windows, in time order, worked out
   * once per change of the alerts: spans do not depend on the clock, so playout's questions and
   * the list's "on the air now" are a lookup, not a recomputation per question.
   */
  private readonly spansByChannel = new Map<number, AlertSpan[]>();
  private readonly now: () => number;
  private readonly maxUnfinished: number;

  constructor(private readonly options: AlertServiceOptions) {
    this.now = options.now ?? Date.now;
    this.maxUnfinished = options.maxUnfinished ?? MAX_UNFINISHED_ALERTS;
    this.unfinished = options.store.unfinished(this.now());
  }

  /**
   * Validates and sends an alert; throws AlertRequestError naming the field, or AlertLimitError
   * when too many are on the air or waiting. Nothing is stored on error.
   */
  create(body: unknown): AlertView {
    let request;
    try {
      request = alertRequestSchema(this.options.maxDurationSeconds).parse(body);
    } catch (error) {
      if (error instanceof ZodError) {
        const issue = specificIssue(error.issues[0]!);
        throw new AlertRequestError(issue.path.join('.') || 'body', issue.message);
      }
      throw error;
    }
    const known = this.options.channelNumbers();
    const knownSet = new Set(known);
    const channels = request.channels === 'all' ? known : [...new Set(request.channels)].sort((a, b) => a - b);
    const unknown = channels.filter((n) => !knownSet.has(n));
    if (unknown.length > 0) throw new AlertRequestError('channels', `no channel ${listed(unknown)}; channels are ${listed(known)}`);
    if (channels.length === 0) throw new AlertRequestError('channels', 'there are no channels to send it to');
    this.prune();
    if (this.unfinished.length >= this.maxUnfinished) {
      const nextEndMs = Math.min(...this.unfinished.map(windowEndMs));
      const retryAfterSeconds = Math.max(1, Math.ceil((nextEndMs - this.now()) / 1000));
      throw new AlertLimitError(
        `${this.unfinished.length} alerts are already on the air or waiting, the most there may be at once; cancel some (DELETE /api/alerts/{id}) or try again when the next one ends, in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    }
    const issuedAtMs = this.now();
    const alert = this.options.store.insert({
      message: request.message,
      type: request.type,
      priority: request.priority,
      channels,
      issuedAtMs,
      endsAtMs: issuedAtMs + Math.round(request.duration * 1000),
    });
    const onAirBefore = alert.channels.map((n) => this.onAirNow(n));
    this.setUnfinished([...this.unfinished, alert]);
    this.options.onAirChanged(alert.channels.filter((n, i) => this.onAirNow(n) !== onAirBefore[i]));
    return this.view(alert);
  }

  /** Ends an alert early; its channels return to their timelines. Undefined for an unknown id. */
  cancel(id: number): AlertView | undefined {
    const alert = this.options.store.get(id);
    if (!alert) return undefined;
    if (alert.cancelledAtMs === undefined && windowEndMs(alert) > this.now()) {
      const onAirBefore = this.onAirChannels(alert);
      this.options.store.cancel(id, this.now());
      this.setUnfinished(this.unfinished.filter((a) => a.id !== id));
      if (onAirBefore.length > 0) this.options.onAirChanged(onAirBefore);
    }
    return this.view(this.options.store.get(id)!);
  }

  get(id: number): AlertView | undefined {
    const alert = this.options.store.get(id);
    return alert ? this.view(alert) : undefined;
  }

  /**
   * Active (on air somewhere) and queued (window open, waiting): all of them (at most
   * maxUnfinished); and one page of the history (ended or cancelled, newest first) with its
   * total. Linear in the unfinished alerts: each one's channels are looked up in the spans.
   */
  list(page: { limit: number; offset: number } = { limit: 50, offset: 0 }): { active: AlertView[]; queued: AlertView[]; history: AlertView[]; total: number; limit: number; offset: number } {
    const t = this.now();
    const open = this.unfinished.filter((a) => windowEndMs(a) > t).reverse().map((a) => this.view(a));
    const finished = this.options.store.finished(t, page.limit, page.offset);
    return {
      active: open.filter((v) => v.state === 'on_air'),
      queued: open.filter((v) => v.state === 'queued'),
      history: finished.alerts.map((a) => this.view(a)),
      total: finished.total,
      ...page,
    };
  }

  /** The alert spans of one channel in [fromMs, toMs) (what playout renders instead of the timeline). */
  spansFor(channel: number, fromMs: number, toMs: number): AlertSpan[] {
    const spans = this.channelSpans(channel);
    // Spans are in time order and do not overlap: find the first one still running at fromMs.
    let [low, high] = [0, spans.length];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (spans[middle]!.endMs <= fromMs) low = middle + 1;
      else high = middle;
    }
    const overlapping: AlertSpan[] = [];
    for (let i = low; i < spans.length && spans[i]!.startMs < toMs; i++) overlapping.push(spans[i]!);
    return overlapping;
  }

  /** The alert on air on `channel` at `tMs`, if any. */
  onAirAt(channel: number, tMs: number): AlertSpan | undefined {
    return this.spansFor(channel, tMs, tMs + 1)[0];
  }

  private channelSpans(channel: number): AlertSpan[] {
    let spans = this.spansByChannel.get(channel);
    if (!spans) {
      spans = alertSpans(this.unfinished, channel, -Infinity, Infinity);
      this.spansByChannel.set(channel, spans);
    }
    return spans;
  }

  /** The id of the alert on the air on `channel` now, if any. */
  private onAirNow(channel: number): number | undefined {
    return this.onAirAt(channel, this.now())?.alert.id;
  }

  private onAirChannels(alert: Alert): number[] {
    return alert.channels.filter((n) => this.onAirNow(n) === alert.id);
  }

  /** Every change of the unfinished alerts goes through here, so the spans are never stale. */
  private setUnfinished(alerts: Alert[]): void {
    this.unfinished = alerts;
    this.spansByChannel.clear();
  }

  private prune(): void {
    const t = this.now();
    const open = this.unfinished.filter((a) => windowEndMs(a) > t);
    if (open.length !== this.unfinished.length) this.setUnfinished(open);
  }

  private view(alert: Alert): AlertView {
    const t = this.now();
    const onAirChannels = windowEndMs(alert) > t ? this.onAirChannels(alert) : [];
    let state: AlertState;
    if (alert.cancelledAtMs !== undefined) state = 'cancelled';
    else if (windowEndMs(alert) <= t) state = 'ended';
    else state = onAirChannels.length > 0 ? 'on_air' : 'queued';
    return { ...alert, state, onAirChannels };
  }
}

/**
 * The issue to tell the sender: for a value that matched one form of a union in type but broke
 * its rules (500 channel numbers where at most 100 may be named), that form's own complaint;
 * for a value of no form at all, the union's sentence naming the forms.
 */
function specificIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union') return issue;
  const typeMismatch = (i: z.core.$ZodIssue) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
  const matched = issue.errors.find((branch) => branch.length > 0 && !branch.some(typeMismatch));
  if (!matched) return issue;
  const inner = specificIssue(matched[0]!);
  return { path: [...issue.path, ...inner.path], message: inner.message };
}

/** A list of channel numbers for a message, cut short when long (a request may name a thousand). */
function listed(numbers: number[], most = 20): string {
  return numbers.length <= most ? numbers.join(', ') : `${numbers.slice(0, most).join(', ')} … (${numbers.length} in all)`;
}
