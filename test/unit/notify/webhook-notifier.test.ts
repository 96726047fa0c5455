import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { WebhookNotifier, warningKey, type PageEvent } from '../../../src/notify/webhook-notifier.js';

const log = createLogger('silent');

/** A receiver that answers each POST with the next status of `statuses` (then 200), or hangs on 0. */
function receiver(statuses: number[] = []) {
  const got: PageEvent[] = [];
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    const status = statuses.shift() ?? 200;
    if (status === 0) {
      return new Promise<Response>((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (status === 200) got.push(JSON.parse(String(init!.body)) as PageEvent);
    return new Response('', { status });
  });
  return { got, fetch: fetch as unknown as typeof globalThis.fetch, calls: fetch };
}

describe('WebhookNotifier (issue 23)', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-03-01T02:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('sends a warning once while it stays on (its numbers may move) and once when it clears', async () => {
    const r = receiver();
    const n = new WebhookNotifier({ url: 'http://pager/hook', station: 'KRTV', log, fetch: r.fetch, confirmations: 2 });
    n.observe([{ channel: 2, warning: 'encoder restarted 3 times' }]);
    await vi.runAllTimersAsync();
    expect(r.got).toEqual([]); // seen once: not a page yet
    n.observe([{ channel: 2, warning: 'encoder restarted 3 times' }, { channel: null, warning: 'data disk full: segments cannot be written (0 MB free in /d)' }]);
    n.observe([{ channel: 2, warning: 'encoder restarted 4 times' }, { channel: null, warning: 'data disk full: segments cannot be written (0 MB free in /d)' }]);
    n.observe([{ channel: 2, warning: 'encoder restarted 5 times' }, { channel: null, warning: 'data disk full: segments cannot be written (1 MB free in /d)' }]);
    await vi.runAllTimersAsync();
    expect(r.got).toEqual([
      { event: 'warning', channel: 2, warning: 'encoder restarted 3 times', at: '2026-03-01T02:00:00.000Z', station: 'KRTV' },
    ].concat(r.got.slice(1)));
    expect(r.got.map((e) => [e.event, e.channel])).toEqual([['warning', 2], ['warning', null]]);
    n.observe([{ channel: 2, warning: 'encoder restarted 5 times' }]);
    n.observe([{ channel: 2, warning: 'encoder restarted 5 times' }]);
    n.observe([]);
    n.observe([]);
    await vi.runAllTimersAsync();
    expect(r.got.slice(2).map((e) => [e.event, e.channel, e.warning])).toEqual([
      ['cleared', null, 'data disk full: segments cannot be written (1 MB free in /d)'],
      ['cleared', 2, 'encoder restarted 5 times'],
    ]);
    expect(n.summary()).toEqual({ queued: 0, sent: 4, failed: 0, dropped: 0 });
  });

  it('a warning that comes and goes within one observation is no page', async () => {
    const r = receiver();
    const n = new WebhookNotifier({ url: 'http://pager/hook', station: 'KRTV', log, fetch: r.fetch, confirmations: 2 });
    n.observe([{ channel: 1, warning: 'encoding at 0.90× real time: falling behind, viewers will stall' }]);
    n.observe([]);
    n.observe([]);
    await vi.runAllTimersAsync();
    expect(r.calls).not.toHaveBeenCalled();
  });

  it('retries with doubling backoff, times out a hung try, and gives up after the last try', async () => {
    const r = receiver([500, 0, 200]);
    const n = new WebhookNotifier({ url: 'http://pager/hook', token: 's3cret', station: 'KRTV', log, fetch: r.fetch, confirmations: 1, tries: 3, backoffMs: 1000, timeoutMs: 5000 });
    n.observe([{ channel: 1, warning: 'x' }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(r.calls).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveBeenCalledTimes(2); // second try after 1 s; it hangs
    await vi.advanceTimersByTimeAsync(5000 + 1999);
    expect(r.calls).toHaveBeenCalledTimes(2); // timed out at 5 s, then 2 s of backoff
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveBeenCalledTimes(3);
    await vi.runAllTimersAsync();
    expect(r.got).toHaveLength(1);
    const headers = r.calls.mock.calls[0]![1]!.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer s3cret');
    expect(n.summary()).toMatchObject({ sent: 1, failed: 0 });

    const dead = receiver([500, 500, 500]);
    const m = new WebhookNotifier({ url: 'http://pager/hook', station: 'KRTV', log, fetch: dead.fetch, confirmations: 1, tries: 3, backoffMs: 10 });
    m.observe([{ channel: 1, warning: 'x' }]);
    await vi.runAllTimersAsync();
    expect(dead.calls).toHaveBeenCalledTimes(3);
    expect(m.summary()).toMatchObject({ sent: 0, failed: 1 });
  });

  it('bounds its queue: the oldest events are dropped and counted, and observe never waits', async () => {
    const r = receiver([0]);
    const n = new WebhookNotifier({ url: 'http://pager/hook', station: 'KRTV', log, fetch: r.fetch, confirmations: 1, tries: 1, maxQueue: 3, timeoutMs: 60_000 });
    // The first event is on the wire (hung); ten more arrive.
    const on: Array<{ channel: number; warning: string }> = [];
    for (let i = 0; i < 11; i += 1) {
      on.push({ channel: i, warning: 'w' });
      n.observe(on);
    }
    expect(n.summary()).toMatchObject({ queued: 3, dropped: 7 });
    await vi.runAllTimersAsync();
    expect(r.got.map((e) => e.channel)).toEqual([8, 9, 10]);
    expect(n.summary()).toMatchObject({ sent: 3, failed: 1, dropped: 7 });
  });

  it('keys a warning by its channel and its words, numbers aside', () => {
    expect(warningKey({ channel: 1, warning: 'encoding at 0.95× real time' })).toBe(warningKey({ channel: 1, warning: 'encoding at 0.80× real time' }));
    expect(warningKey({ channel: 1, warning: 'a' })).not.toBe(warningKey({ channel: 2, warning: 'a' }));
  });
});
