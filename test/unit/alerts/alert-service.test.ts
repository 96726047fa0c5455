import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { alertSpans, windowEndMs, type Alert, type AlertSpan } from '../../../src/alerts/alert.js';
import { AlertLimitError, AlertRequestError, AlertService, MAX_UNFINISHED_ALERTS } from '../../../src/alerts/alert-service.js';
import { AlertStore } from '../../../src/alerts/alert-store.js';
import { openDatabase, type Database } from '../../../src/db/database.js';

/** The rule as first written (every alert checked at every edge): the sweep must agree with it. */
function referenceSpans(alerts: readonly Alert[], channel: number, fromMs: number, toMs: number): AlertSpan[] {
  const mine = alerts.filter((a) => a.channels.includes(channel) && windowEndMs(a) > a.issuedAtMs);
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
  return spans.filter((span) => span.endMs - span.startMs >= 1000 && span.startMs < toMs && span.endMs > fromMs);
}

const alertArbitrary = fc.record({
  priority: fc.integer({ min: 1, max: 4 }),
  // Coarse instants, so windows often share edges and priorities often tie.
  issuedAtMs: fc.integer({ min: 0, max: 20 }).map((n) => n * 500),
  seconds: fc.integer({ min: 0, max: 8 }),
  channels: fc.subarray([1, 2, 3], { minLength: 1 }),
  cancelAfterMs: fc.option(fc.integer({ min: 0, max: 8 }).map((n) => n * 500), { nil: undefined }),
});

describe('alertSpans: one sweep, the same answer as checking every alert at every edge', () => {
  it('agrees with the first-written rule on random alerts, channels and query windows', () => {
    fc.assert(
      fc.property(fc.array(alertArbitrary, { maxLength: 14 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 15_000 }), fc.integer({ min: 0, max: 15_000 }), (specs, channel, a, b) => {
        const alerts: Alert[] = specs.map((s, i) => ({
          id: i + 1, message: `alert ${i + 1}`, type: 'weather', priority: s.priority, channels: s.channels, issuedAtMs: s.issuedAtMs, endsAtMs: s.issuedAtMs + s.seconds * 1000,
          ...(s.cancelAfterMs !== undefined ? { cancelledAtMs: s.issuedAtMs + s.cancelAfterMs } : {}),
        }));
        const [from, to] = [Math.min(a, b), Math.max(a, b) + 1];
        const strip = (spans: AlertSpan[]) => spans.map((s) => [s.alert.id, s.startMs, s.endMs]);
        expect(strip(alertSpans(alerts, channel, from, to))).toEqual(strip(referenceSpans(alerts, channel, from, to)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('AlertService bounds and its spans kept per change', () => {
  let db: Database | undefined;
  afterEach(() => db?.close());

  function service(options: { maxUnfinished?: number; clock?: { ms: number }; changed?: number[][] } = {}) {
    db = openDatabase(mkdtempSync(path.join(tmpdir(), 'retrovue-alert-service-')));
    const clock = options.clock ?? { ms: 1_000_000 };
    return new AlertService({
      store: new AlertStore(db),
      channelNumbers: () => [1, 2, 3],
      maxDurationSeconds: 3600,
      ...(options.maxUnfinished !== undefined ? { maxUnfinished: options.maxUnfinished } : {}),
      onAirChanged: (channels) => options.changed?.push(channels),
      now: () => clock.ms,
    });
  }
  const request = (priority: number, duration = 60, channels: number[] | 'all' = [1]) => ({ message: `priority ${priority}`, priority, channels, duration });

  it(`refuses alert ${MAX_UNFINISHED_ALERTS + 1} while ${MAX_UNFINISHED_ALERTS} are unfinished, saying when the next ends; takes it once one is cancelled`, () => {
    const alerts = service();
    const first = alerts.create(request(5, 30));
    for (let i = 1; i < MAX_UNFINISHED_ALERTS; i++) alerts.create(request(1, 600));
    let refusal: unknown;
    try {
      alerts.create(request(9));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AlertLimitError);
    expect((refusal as AlertLimitError).message).toMatch(/200 alerts are already on the air or waiting.*cancel some.*in 30 s/);
    expect((refusal as AlertLimitError).retryAfterSeconds).toBe(30);
    expect(alerts.list().queued.length + alerts.list().active.length).toBe(MAX_UNFINISHED_ALERTS);
    alerts.cancel(first.id);
    expect(alerts.create(request(9)).state).toBe('on_air');
  });

  it('counts only alerts whose window is still open', () => {
    const clock = { ms: 1_000_000 };
    const alerts = service({ maxUnfinished: 2, clock });
    alerts.create(request(1, 10));
    alerts.create(request(1, 10));
    expect(() => alerts.create(request(1, 10))).toThrow(AlertLimitError);
    clock.ms += 10_000;
    expect(alerts.create(request(1, 10)).state).toBe('on_air');
  });

  it('refuses a channel list longer than 1000 and words a long list of unknown channels briefly', () => {
    const alerts = service();
    expect(() => alerts.create(request(1, 10, Array.from({ length: 1001 }, (_, i) => (i % 3) + 1)))).toThrow(/channels: must name at most 1000 channels/);
    let refusal: unknown;
    try {
      alerts.create(request(1, 10, Array.from({ length: 900 }, (_, i) => i + 1)));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AlertRequestError);
    expect((refusal as Error).message).toMatch(/^channels: no channel 4, 5, .* … \(897 in all\); channels are 1, 2, 3$/);
    expect((refusal as Error).message.length).toBeLessThan(200);
    expect(() => alerts.create({ ...request(1), message: 'x'.repeat(1001) })).toThrow(/message: must be at most 1000 characters/);
    expect(() => alerts.create(request(1, 3601))).toThrow(/duration: must be at most 3600 seconds/);
  });

  it('answers playout from spans that follow every change: a pre-emption, a cancel, time passing', () => {
    const clock = { ms: 1_000_000 };
    const changed: number[][] = [];
    const alerts = service({ clock, changed });
    const low = alerts.create(request(2, 120, [1, 2]));
    expect(alerts.onAirAt(1, clock.ms)?.alert.id).toBe(low.id);
    clock.ms += 10_000;
    const high = alerts.create(request(8, 30, [2]));
    expect(changed).toEqual([[1, 2], [2]]);
    expect(alerts.onAirAt(2, clock.ms)?.alert.id).toBe(high.id);
    expect(alerts.onAirAt(1, clock.ms)?.alert.id).toBe(low.id);
    expect(alerts.spansFor(2, 0, Infinity).map((s) => [s.alert.id, s.startMs - 1_000_000, s.endMs - 1_000_000])).toEqual([[low.id, 0, 10_000], [high.id, 10_000, 40_000], [low.id, 40_000, 120_000]]);
    expect(alerts.list().active.map((a) => [a.id, a.onAirChannels])).toEqual([[high.id, [2]], [low.id, [1]]]);
    alerts.cancel(high.id);
    expect(changed.at(-1)).toEqual([2]);
    expect(alerts.onAirAt(2, clock.ms)?.alert.id).toBe(low.id);
    expect(alerts.list().active.map((a) => [a.id, a.onAirChannels])).toEqual([[low.id, [1, 2]]]);
    clock.ms += 120_000;
    expect(alerts.onAirAt(1, clock.ms)).toBeUndefined();
    expect(alerts.list()).toMatchObject({ active: [], queued: [], total: 2 });
  });
});
