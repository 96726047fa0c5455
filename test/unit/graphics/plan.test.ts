import { describe, expect, it } from 'vitest';
import { effectiveGraphics, GraphicsConfigError, parseGraphicsOverride } from '../../../src/config/graphics-settings.js';
import { buildOverlayFilter } from '../../../src/graphics/filter-graph.js';
import { overlaySpecFor } from '../../../src/graphics/planner.js';
import { renderTemplate, templateProblem } from '../../../src/config/template-language.js';
import { planGraphics } from '../../../src/graphics/windows.js';
import { wrapText } from '../../../src/graphics/emergency.js';
import type { Airing } from '../../../src/timeline/types.js';

const T0 = Date.UTC(2026, 0, 1, 20, 0, 0);
const channel = { name: 'Retro One', callSign: 'RTV1', timeZone: 'Europe/London' };

function show(startS: number, lengthS: number, extra: Partial<Airing> = {}): Airing {
  return {
    startMs: T0 + startS * 1000,
    endMs: T0 + (startS + lengthS) * 1000,
    mediaPath: '/m/a.mkv',
    inPointMs: 0,
    outPointMs: lengthS * 1000,
    kind: 'program',
    title: 'A',
    ...extra,
  };
}

const plan = (airing: Airing, following: Airing[], override: unknown = {}, fromMs = airing.startMs, previous: Airing[] = []) =>
  planGraphics({ airing, slice: { fromMs, toMs: airing.endMs }, previous, following, settings: effectiveGraphics({}, override), channel });

describe('element windows from the timeline', () => {
  it('a viewer at minute 5 of a programme sees no lower third; one at 7 s sees its remaining window', () => {
    const a = show(0, 600);
    const b = show(600, 600, { mediaPath: '/m/b.mkv', title: 'B' });
    const override = { lower_third: { delay_seconds: 0, duration_seconds: 10 } };
    const atStart = plan(a, [b], override).cards.find((c) => c.kind === 'lower_third')!;
    const at7 = plan(a, [b], override, a.startMs + 7000).cards.find((c) => c.kind === 'lower_third')!;
    // The same wall-clock window, whichever renderer draws it.
    expect(at7).toEqual(atStart);
    const settings = effectiveGraphics({}, override);
    const slice = { fromMs: a.startMs + 300_000, toMs: a.endMs };
    const late = overlaySpecFor(plan(a, [b], override, slice.fromMs), slice, settings, { width: 640, height: 360, frameRate: 30 }, undefined, '/f.ttf');
    expect(late.cards.filter((c) => c.kind === 'lower_third')).toEqual([]);
  });

  it('a programme too short for both cards keeps the lower third and drops "up next"', () => {
    const short = show(0, 20);
    const next = show(20, 600, { mediaPath: '/m/b.mkv', title: 'B' });
    const result = plan(short, [next]);
    expect(result.cards.map((c) => c.kind)).toEqual(['lower_third']);
    expect(result.dropped.join(';')).toMatch(/up next/);
    // A long one gets both.
    expect(plan(show(0, 600), [next]).cards.map((c) => c.kind)).toEqual(['lower_third', 'up_next']);
  });

  it('breaks split a programme: lower third on the first piece only, up next on the last piece only', () => {
    const p = { id: 'x', title: 'Show', subtitle: 'Ep', category: 'Series', season: 1, episode: 3 };
    const first = show(0, 300, { program: p });
    const ad = { ...show(300, 30, { program: p }), kind: 'commercial' as const, mediaPath: '/m/ad.mp4' };
    const last = show(330, 300, { program: p, inPointMs: 300_000, outPointMs: 600_000 });
    const next = show(630, 600, { mediaPath: '/m/b.mkv', title: 'B', program: { id: 'y', title: 'Next Show' } });
    expect(plan(first, [ad, last, next]).cards.map((c) => c.kind)).toEqual(['lower_third']);
    expect(plan(first, [ad, last, next], { up_next: { back_after_break: true } }).cards.map((c) => c.kind)).toEqual(['lower_third', 'back_after_break']);
    const lastCards = plan(last, [next], {}, last.startMs, [first, ad]).cards;
    expect(lastCards.map((c) => c.kind)).toEqual(['up_next']);
    expect(lastCards[0]!.line2).toBe('Next Show · 8:10 PM');
    expect(plan(ad, [last, next], {}, ad.startMs, [first])).toMatchObject({ bug: [], cards: [] });
  });

  it('a live event wears the bug and gets its lower third with the event\'s title, like a programme (issue 25)', () => {
    const match = show(0, 3600, { kind: 'live', mediaPath: '', title: 'Friday Night Football', live: { sourceId: 'stadium' }, program: { id: 'live-1', title: 'Friday Night Football' } });
    const result = plan(match, [show(3600, 600)], { lower_third: { delay_seconds: 5, duration_seconds: 10 } });
    expect(result.bug).toEqual([{ fromMs: match.startMs, toMs: match.endMs }]);
    expect(result.cards.find((c) => c.kind === 'lower_third')).toMatchObject({ fromMs: match.startMs + 5000, line1: expect.stringContaining('Friday Night Football') });
  });

  it('intermittent bug: windows on the channel clock, the same for any renderer start', () => {
    const a = show(0, 1200);
    const override = { bug: { mode: 'intermittent', every_minutes: 5, for_seconds: 20 } };
    const windows = plan(a, [], override).bug.map((w) => [(w.fromMs - T0) / 1000, (w.toMs - T0) / 1000]);
    expect(windows).toEqual([[0, 20], [300, 320], [600, 620], [900, 920]]);
    const joined = plan(a, [], override, T0 + 310_000).bug.map((w) => [(w.fromMs - T0) / 1000, (w.toMs - T0) / 1000]);
    expect(joined).toEqual([[300, 320], [600, 620], [900, 920]]);
  });

  it('intermittent bug fades each window separately (one overlay per window)', () => {
    const a = show(0, 700);
    const override = { bug: { mode: 'intermittent', every_minutes: 5, for_seconds: 20 }, lower_third: { enabled: false } };
    const settings = effectiveGraphics({}, override);
    const filter = buildOverlayFilter(overlaySpecFor(plan(a, [], override), { fromMs: a.startMs, toMs: a.endMs }, settings, { width: 640, height: 360, frameRate: 30 }, '/b.png', '/f.ttf'))!;
    expect(filter).toContain('split=3');
    expect(filter.match(/overlay=/g)).toHaveLength(3);
    expect(filter).toContain("enable='between(t,300.000,320.000)'");
  });
});

describe('graphics settings', () => {
  it('merges defaults, server-wide and channel layers key by key', () => {
    const settings = effectiveGraphics({ branding: { primary: '#112233' }, bug: { opacity: 0.5 } }, { bug: { corner: 'top-left' } });
    expect(settings.branding.primary).toBe('0x112233');
    expect(settings.branding.accent).toBe('0xfca311');
    expect(settings.bug).toMatchObject({ opacity: 0.5, corner: 'top-left', enabled: true });
  });

  it('a bad value names its field', () => {
    const bad = (input: unknown) => {
      try {
        parseGraphicsOverride(input);
      } catch (error) {
        expect(error).toBeInstanceOf(GraphicsConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ bug: { opacity: 3 } })).toMatch(/^graphics\.bug\.opacity: /);
    expect(bad({ branding: { primary: 'blue' } })).toMatch(/^graphics\.branding\.primary: must be a hex colour/);
    expect(bad({ lower_third: { episode: { line1: '{shows}', line2: '' } } })).toMatch(/graphics\.lower_third\.episode\.line1: unknown field\(s\) \{shows\}/);
    expect(bad({ bug: { corner: 'middle' } })).toMatch(/graphics\.bug\.corner/);
    expect(bad({ bugg: {} })).toMatch(/unknown key\(s\) "bugg"/);
  });
});

describe('templates', () => {
  it('fills fields and leaves out a [group] whose field is empty', () => {
    expect(renderTemplate('[S{season} E{episode} · ]{title}', { season: 2, episode: 5, title: 'Pilot' })).toBe('S2 E5 · Pilot');
    expect(renderTemplate('[S{season} E{episode} · ]{title}', { title: 'Pilot' })).toBe('Pilot');
    expect(renderTemplate('\\[{call_sign}\\]', { call_sign: 'RTV1' })).toBe('[RTV1]');
  });

  it('flattens control characters and bidi overrides; keeps quotes, colons, percent, emoji and RTL text as they are', () => {
    const title = 'It\'s 100% "live": a\\b\n\u202eevil 😀 مرحبا';
    expect(renderTemplate('{title}', { title })).toBe('It\'s 100% "live": a\\b evil 😀 مرحبا');
  });

  it('reports unbalanced brackets and unknown fields', () => {
    expect(templateProblem('[{title}')).toMatch(/not closed/);
    expect(templateProblem('{nope}')).toMatch(/unknown field/);
    expect(templateProblem('{title} [{season}]')).toBeUndefined();
  });

  it('wraps alert text at spaces and cuts what does not fit', () => {
    expect(wrapText('one two three four five', 9, 5)).toEqual(['one two', 'three', 'four five']);
    expect(wrapText('one two three four five', 9, 2)).toEqual(['one two', 'three…']);
  });
});
