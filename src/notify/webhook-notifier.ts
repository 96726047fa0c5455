import type { Logger } from '../logging/logger.js';

/**
 * Paging the operator (issue 23): every monitor warning (a channel slower than real time,
 * restarting, showing slates, unable to write; the data disk low or full; the cache fill
 * paused) is POSTed to `notify.webhook` when it appears and again when it clears, as
 *   { event: 'warning' | 'cleared', channel: number | null, warning, at, station }
 * (`channel` null: server-wide). Built so that paging can never hurt the station:
 *  - observe() is synchronous and only compares sets; the POSTs go out from a queue, one at a
 *    time, so a slow or dead receiver never blocks playout or the monitor;
 *  - each POST has a timeout and is tried `tries` times with doubling backoff, then dropped;
 *  - the queue is bounded: when it is full the oldest event is dropped (counted in `dropped`);
 *  - deduplicated: a warning that stays on is sent once, even while its numbers move
 *    ("restarted 3 times", then 4: the same warning), and only once it has been seen on
 *    `confirmations` observations in a row (a channel's first seconds below real time are not a page).
 */
export interface PageEvent {
  event: 'warning' | 'cleared';
  /** The channel the warning is about; null for a server-wide one (the data disk). */
  channel: number | null;
  warning: string;
  /** ISO time the warning appeared or cleared. */
  at: string;
  /** Which station pages (hdhr.friendly_name): one receiver may serve several. */
  station: string;
}

/** One warning as the monitor computes it. */
export interface ObservedWarning {
  channel: number | null;
  warning: string;
}

export interface WebhookNotifierOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  station: string;
  log: Logger;
  /** Milliseconds one POST may take. */
  timeoutMs?: number;
  /** Tries per event (the first included). */
  tries?: number;
  /** Wait before the second try; doubled before each later one. */
  backoffMs?: number;
  /** Events waiting at most; the oldest is dropped beyond. */
  maxQueue?: number;
  /** Observations in a row a warning must be seen in (or missing from) before it is sent (cleared). */
  confirmations?: number;
  /** Test hooks. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** A warning's identity: its channel and its words with the numbers taken out. */
export function warningKey(w: ObservedWarning): string {
  return `${w.channel ?? 'server'}|${w.warning.replace(/\d+(?:[.,]\d+)*/g, '#')}`;
}

interface Tracked {
  warning: ObservedWarning;
  /** Consecutive observations seen (while unsent) or missed (while sent). */
  streak: number;
  sent: boolean;
}

export class WebhookNotifier {
  private readonly tracked = new Map<string, Tracked>();
  private readonly queue: PageEvent[] = [];
  private sending = false;
  private stopped = false;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  sent = 0;
  failed = 0;
  dropped = 0;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** The warnings on now (all of them, every channel and the server): pages what appeared and what cleared. */
  observe(warnings: readonly ObservedWarning[]): void {
    const confirmations = this.options.confirmations ?? 2;
    const seen = new Set<string>();
    for (const warning of warnings) {
      const key = warningKey(warning);
      if (seen.has(key)) continue;
      seen.add(key);
      const t = this.tracked.get(key);
      if (!t) this.tracked.set(key, { warning, streak: 1, sent: false });
      else {
        t.warning = warning;
        t.streak = t.sent ? 0 : t.streak + 1;
      }
      const now = this.tracked.get(key)!;
      if (!now.sent && now.streak >= confirmations) {
        now.sent = true;
        now.streak = 0;
        this.enqueue('warning', warning);
      }
    }
    for (const [key, t] of this.tracked) {
      if (seen.has(key)) continue;
      if (!t.sent) {
        // Never confirmed: it came and went without a page, and goes without one.
        this.tracked.delete(key);
        continue;
      }
      t.streak += 1;
      if (t.streak >= confirmations) {
        this.tracked.delete(key);
        this.enqueue('cleared', t.warning);
      }
    }
  }

  summary() {
    return { queued: this.queue.length, sent: this.sent, failed: this.failed, dropped: this.dropped };
  }

  /** Stops sending (at shutdown); what is queued is dropped. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private enqueue(event: PageEvent['event'], w: ObservedWarning): void {
    if (this.stopped) return;
    this.queue.push({ event, channel: w.channel, warning: w.warning, at: new Date(this.now()).toISOString(), station: this.options.station });
    const max = this.options.maxQueue ?? 100;
    while (this.queue.length > max) {
      this.queue.shift();
      this.dropped += 1;
    }
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const event = this.queue.shift()!;
        if (await this.deliver(event)) this.sent += 1;
        else {
          this.failed += 1;
          this.options.log.warn({ event: event.event, channel: event.channel, warning: event.warning }, 'notify: the webhook did not take a page; dropped');
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** One event, tried `tries` times with doubling backoff; true once the receiver answered 2xx. */
  private async deliver(event: PageEvent): Promise<boolean> {
    const tries = this.options.tries ?? 3;
    let backoff = this.options.backoffMs ?? 1000;
    for (let attempt = 1; attempt <= tries && !this.stopped; attempt += 1) {
      try {
        const status = await this.post(event);
        if (status >= 200 && status < 300) return true;
        this.options.log.debug({ status, attempt }, 'notify: webhook refused a page');
      } catch (error) {
        this.options.log.debug({ err: error, attempt }, 'notify: webhook unreachable');
      }
      if (attempt < tries) {
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff *= 2;
      }
    }
    return false;
  }

  private async post(event: PageEvent): Promise<number> {
    const controller = new AbortController();
    // A timer of our own (not AbortSignal.timeout): the unit tests drive it with fake timers.
    const timer = setTimeout(() => controller.abort(new Error('webhook timed out')), this.options.timeoutMs ?? 5000);
    try {
      const response = await this.fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
        body: JSON.stringify(event),
        signal: controller.signal,
        redirect: 'error',
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The warnings of a monitor snapshot (src/server/monitor-snapshot.ts), as the notifier observes them. */
export function snapshotWarnings(snapshot: { server: { warnings?: readonly string[] }; channels: ReadonlyArray<{ number: number; warnings: readonly string[] }> }): ObservedWarning[] {
  return [
    ...(snapshot.server.warnings ?? []).map((warning) => ({ channel: null, warning })),
    ...snapshot.channels.flatMap((c) => c.warnings.map((warning) => ({ channel: c.number, warning }))),
  ];
}
