import { describe, expect, it } from 'vitest';
import { alertSpans, type Alert } from '../../../src/alerts/alert.js';
import { AlertOverlayTimeline } from '../../../src/alerts/alert-timeline.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';

const alert = (id: number, priority: number, issuedAtMs: number, seconds: number, channels = [1], cancelledAtMs?: number): Alert => ({
  id, message: `alert ${id}`, type: 'weather', priority, channels, issuedAtMs, endsAtMs: issuedAtMs + seconds * 1000, ...(cancelledAtMs ? { cancelledAtMs } : {}),
});
const spans = (alerts: Alert[], channel = 1) => alertSpans(alerts, channel, 0, 1_000_000).map((s) => [s.alert.id, s.startMs, s.endMs]);

describe('INV-ALERT-2: which alert airs when (the documented priority rule)', () => {
  it('airs an alert for its window, only on its channels', () => {
    expect(spans([alert(1, 3, 10_000, 60, [1, 2])])).toEqual([[1, 10_000, 70_000]]);
    expect(spans([alert(1, 3, 10_000, 60, [2])])).toEqual([]);
  });

  it('a higher priority pre-empts a lower one at once; the lower one airs after it while its window lasts', () => {
    expect(spans([alert(1, 2, 0, 100), alert(2, 5, 20_000, 30)])).toEqual([[1, 0, 20_000], [2, 20_000, 50_000], [1, 50_000, 100_000]]);
  });

  it('a lower or equal priority arriving during another waits, then airs for what is left of its window', () => {
    expect(spans([alert(1, 5, 0, 30), alert(2, 5, 10_000, 60)])).toEqual([[1, 0, 30_000], [2, 30_000, 70_000]]);
    expect(spans([alert(1, 5, 0, 30), alert(2, 1, 10_000, 60)])).toEqual([[1, 0, 30_000], [2, 30_000, 70_000]]);
  });

  it('an alert whose window passed while it waited never airs; a cancelled one stops when cancelled', () => {
    expect(spans([alert(1, 9, 0, 100), alert(2, 1, 10_000, 30)])).toEqual([[1, 0, 100_000]]);
    expect(spans([alert(1, 3, 0, 100, [1], 25_000)])).toEqual([[1, 0, 25_000]]);
  });
});

describe('AlertOverlayTimeline: alerts over a timeline that keeps running underneath', () => {
  const airing = (startMs: number, endMs: number, title: string): Airing => ({ startMs, endMs, mediaPath: `/m/${title}.mp4`, inPointMs: 0, outPointMs: endMs - startMs, kind: 'program', title });
  const base: ChannelTimeline = {
    endsAtMs: undefined,
    at: (t) => {
      const a = t < 60_000 ? airing(0, 60_000, 'show') : airing(60_000, 120_000, 'movie');
      return { airing: a, offsetMs: t - a.startMs };
    },
    airingsBetween: () => [airing(0, 60_000, 'show'), airing(60_000, 120_000, 'movie')],
  };
  const timeline = (alerts: Alert[]) => new AlertOverlayTimeline(base, 1, { spansFor: (c, from, to) => alertSpans(alerts, c, from, to) });

  it('cuts the airing where the alert starts, airs the alert, then joins the timeline at its offset', () => {
    const t = timeline([alert(7, 3, 30_000, 20)]);
    expect(t.at(10_000)).toMatchObject({ airing: { title: 'show', endMs: 30_000 }, offsetMs: 10_000 });
    expect(t.at(35_000)).toMatchObject({ airing: { kind: 'alert', startMs: 30_000, endMs: 50_000, alert: { id: 7, message: 'alert 7' } }, offsetMs: 5000 });
    // After the alert: the show, 50 s in, as if the alert had never interrupted it.
    expect(t.at(50_000)).toMatchObject({ airing: { title: 'show', startMs: 0, endMs: 60_000 }, offsetMs: 50_000 });
  });

  it('leaves the guide alone', () => {
    expect(timeline([alert(7, 3, 30_000, 20)]).airingsBetween(0, 120_000).map((a) => a.title)).toEqual(['show', 'movie']);
  });
});
