import { ZodError } from 'zod';
import { alertRequestSchema, alertSpans, windowEndMs, type Alert, type AlertSpan } from './alert.js';
import type { AlertStore } from './alert-store.js';

/** A request the service refuses: the field and why (the API answers 400 with both). */
export class AlertRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
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
  private readonly now: () => number;

  constructor(private readonly options: AlertServiceOptions) {
    this.now = options.now ?? Date.now;
    this.unfinished = options.store.unfinished(this.now());
  }

  /** Validates and sends an alert; throws AlertRequestError naming the field. Nothing is stored on error. */
  create(body: unknown): AlertView {
    let request;
    try {
      request = alertRequestSchema(this.options.maxDurationSeconds).parse(body);
    } catch (error) {
      if (error instanceof ZodError) {
        const issue = error.issues[0]!;
        throw new AlertRequestError(issue.path.join('.') || 'body', issue.message);
      }
      throw error;
    }
    const known = this.options.channelNumbers();
    const channels = request.channels === 'all' ? known : [...new Set(request.channels)].sort((a, b) => a - b);
    const unknown = channels.filter((n) => !known.includes(n));
    if (unknown.length > 0) throw new AlertRequestError('channels', `no channel ${unknown.join(', ')}; channels are ${known.join(', ')}`);
    if (channels.length === 0) throw new AlertRequestError('channels', 'there are no channels to send it to');
    const issuedAtMs = this.now();
    const alert = this.options.store.insert({
      message: request.message,
      type: request.type,
      priority: request.priority,
      channels,
      issuedAtMs,
      endsAtMs: issuedAtMs + Math.round(request.duration * 1000),
    });
    this.prune();
    this.unfinished.push(alert);
    this.options.onAirChanged(this.channelsWhereNowChanges(alert));
    return this.view(alert);
  }

  /** Ends an alert early; its channels return to their timelines. Undefined for an unknown id. */
  cancel(id: number): AlertView | undefined {
    const alert = this.options.store.get(id);
    if (!alert) return undefined;
    if (alert.cancelledAtMs === undefined && windowEndMs(alert) > this.now()) {
      const onAirBefore = this.onAirChannels(alert);
      this.options.store.cancel(id, this.now());
      this.unfinished = this.unfinished.filter((a) => a.id !== id);
      if (onAirBefore.length > 0) this.options.onAirChanged(onAirBefore);
    }
    return this.view(this.options.store.get(id)!);
  }

  get(id: number): AlertView | undefined {
    const alert = this.options.store.get(id);
    return alert ? this.view(alert) : undefined;
  }

  /**
   * Active (on air somewhere) and queued (window open, waiting): all of them, always few; and
   * one page of the history (ended or cancelled, newest first) with its total.
   */
  list(page: { limit: number; offset: number } = { limit: 50, offset: 0 }): { active: AlertView[]; queued: AlertView[]; history: AlertView[]; total: number; limit: number; offset: number } {
    const open = [...this.unfinished].reverse().map((a) => this.view(a));
    const finished = this.options.store.finished(this.now(), page.limit, page.offset);
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
    return alertSpans(this.unfinished, channel, fromMs, toMs);
  }

  /** The alert on air on `channel` at `tMs`, if any. */
  onAirAt(channel: number, tMs: number): AlertSpan | undefined {
    return this.spansFor(channel, tMs, tMs + 1)[0];
  }

  private onAirChannels(alert: Alert): number[] {
    const t = this.now();
    return alert.channels.filter((n) => this.onAirAt(n, t)?.alert.id === alert.id);
  }

  /** Channels whose alert on air right now differs with the change applied. */
  private channelsWhereNowChanges(alert: Alert): number[] {
    const t = this.now();
    const others = this.unfinished.filter((a) => a.id !== alert.id);
    return alert.channels.filter((n) => alertSpans(others, n, t, t + 1)[0]?.alert.id !== alertSpans(this.unfinished, n, t, t + 1)[0]?.alert.id);
  }

  private prune(): void {
    const t = this.now();
    this.unfinished = this.unfinished.filter((a) => windowEndMs(a) > t);
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
