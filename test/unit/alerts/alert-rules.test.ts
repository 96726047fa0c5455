import { describe, expect, it } from 'vitest';
import { alertSpans, type Alert } from '../../../src/alerts/alert.js';
import { alertCard } from '../../../src/alerts/alert-render.js';
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

describe('alert cards (what viewers see and hear)', () => {
  const base = { id: 1, message: 'Flood watch until 9 PM', priority: 3, issuedAtMs: Date.UTC(2026, 10, 26, 19, 42) };
  const profile = { width: 640, height: 360, frameRate: 30, audioSampleRate: 48000 as const };

  it('draws weather on the default amber card with a crawl and a chime that is not the EAS two-tone', () => {
    const card = alertCard({ alert: { ...base, type: 'weather' }, profile, offsetSeconds: 0, durationSeconds: 30, timeZone: 'America/New_York' });
    expect(card.video).toMatch(/^color=c=0x7a3b00:s=640x360:r=30,/);
    expect(card.video).toContain('WEATHER ALERT');
    expect(card.video).toContain('Issued 2\\\\:42 PM'); // in the channel's zone, ffmpeg-escaped
    expect(card.video).toContain('w-mod('); // the crawl
    expect(card.audio).toContain('1046.5');
    expect(card.audio).not.toMatch(/853|960/);
  });

  it('takes the operator\'s style for a type, and gives system alerts no chime', () => {
    const styled = alertCard({ alert: { ...base, type: 'emergency' }, profile, offsetSeconds: 0, durationSeconds: 30, styles: { emergency: { background: '0x112233', heading: 'CIVIL EMERGENCY' } } });
    expect(styled.video).toMatch(/^color=c=0x112233:/);
    expect(styled.video).toContain('CIVIL EMERGENCY');
    const system = alertCard({ alert: { ...base, type: 'system', message: '' }, profile, offsetSeconds: 0, durationSeconds: 30 });
    expect(system.video).toContain('TECHNICAL DIFFICULTIES');
    expect(system.video).toContain('Please stand by');
    expect(system.audio).toMatch(/^aevalsrc=exprs=0\|0:/);
  });

  it('a renderer joining an alert late has no chime left to play (the chime is the first 2.4 s)', () => {
    const late = alertCard({ alert: { ...base, type: 'emergency' }, profile, offsetSeconds: 10, durationSeconds: 20 });
    expect(late.audio).toContain('(t+10.000)');
  });
});
