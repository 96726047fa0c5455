import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../../src/cache/cache-store.js';
import type { SourceFacts } from '../../../src/ffmpeg/airing-command.js';
import { bugOnly, planRender, type RenderFacts, type SliceGraphics } from '../../../src/playout/render-plan.js';
import type { Airing } from '../../../src/timeline/types.js';

/** INV-PLAN-5: under overload the plan drops cards (the bug stays), and a slated channel airs a slate (alerts still break in). */
const T0 = 1_800_000_000_000;
const s = (seconds: number) => T0 + seconds * 1000;
const episode: Airing = { startMs: s(0), endMs: s(60), mediaPath: '/media/show.mkv', inPointMs: 0, outPointMs: 60_000, kind: 'program', title: 'Signal Hill', mediaId: 7 };
const cached = { key: 'k', file: '/cache/k.ts', originPts: 1.4, durationSeconds: 60.04, keyframes: Array.from({ length: 30 }, (_, i) => [i * 2, i * 188_000] as [number, number]) } as unknown as CacheEntry;
const playable = { ok: true as const, facts: { width: 320, height: 180 } as unknown as SourceFacts };
const withCard: SliceGraphics = { filter: '[bug+card]', staticBug: { key: 'bug-1', filter: '[bug]' }, liveSpans: [{ fromMs: s(0), toMs: s(10) }] };
const slice = { airing: episode, fromMs: s(0), toMs: s(60) };
const plan = (rest: Partial<RenderFacts>) => planRender({ slice, frameRate: 25, ...rest });

describe('render plan under overload (degraded)', () => {
  it('cards dropped: a cached airing with a card is copied from the bug variant over the card', () => {
    const cache = { entry: cached, graphics: withCard, rampEndsAtMs: s(-100) };
    expect(plan({ cache }).kind).toBe('probe'); // as configured: the card's span is rendered live
    expect(plan({ cache, degraded: 'graphics' })).toMatchObject({ kind: 'copy', why: 'cached' });
    expect(plan({ cache, degraded: 'lower-quality' })).toMatchObject({ kind: 'copy', why: 'cached' });
  });

  it('cards dropped on a live render: the plan says so and the renderer draws the bug alone', () => {
    expect(plan({ source: playable, degraded: 'graphics' })).toMatchObject({ kind: 'render', drawGraphics: true, cardsDropped: true, why: 'no media cache (overload: cards dropped)' });
    expect(plan({ source: playable })).not.toHaveProperty('cardsDropped');
    expect(bugOnly(withCard)).toEqual({ filter: '[bug]', staticBug: withCard.staticBug });
    // No always-on bug: nothing is drawn at all.
    expect(bugOnly({ filter: '[card]', liveSpans: [{ fromMs: s(0), toMs: s(10) }] })).toBeUndefined();
  });

  it('slated: a file airing becomes a slate, an emergency alert still airs', () => {
    expect(plan({ source: playable, degraded: 'slate' })).toMatchObject({ kind: 'slate', picture: 'drawn slate', why: 'overload: the channel is slated while nobody watches it' });
    const alert: Airing = { ...episode, kind: 'alert', mediaPath: '', title: 'ALERT', alert: { id: 3, type: 'weather', message: 'Storm', priority: 1, issuedAtMs: s(0) } };
    expect(planRender({ slice: { ...slice, airing: alert }, frameRate: 25, degraded: 'slate' }).kind).toBe('card');
  });
});
