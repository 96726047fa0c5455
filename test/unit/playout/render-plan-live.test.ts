import { describe, expect, it } from 'vitest';
import { LIVE_RETRY_MS, liveRetryBound, planRender, type AiringSlice, type RenderFacts } from '../../../src/playout/render-plan.js';
import type { Airing } from '../../../src/timeline/types.js';

/**
 * Golden plans of a scheduled live block (issue 25, INV-PLAN-1 and INV-PLAN-6): the source when
 * it is up, the fallback slate in short stretches when it is down or was lost, never a copy nor
 * a file check, and overload never slates it.
 */
const T0 = 1_800_000_000_000;
const s = (seconds: number) => T0 + seconds * 1000;
const match: Airing = { startMs: s(0), endMs: s(1200), mediaPath: '', inPointMs: 0, outPointMs: 1_200_000, kind: 'live', title: 'Friday Night Football', live: { sourceId: 'stadium' } };

function plan(slice: AiringSlice, rest: Partial<RenderFacts> = {}) {
  const { slice: planned, ...fields } = planRender({ slice, frameRate: 25, ...rest });
  return { ...fields, from: (planned.fromMs - T0) / 1000, to: (planned.toMs - T0) / 1000 };
}

describe('render plan: a live block', () => {
  it('airs the source for the whole slice while it is up', () => {
    expect(plan({ airing: match, fromMs: s(30), toMs: s(1200) }, { live: { up: true } })).toEqual({ kind: 'live', sourceId: 'stadium', why: 'live source stadium is on the air', from: 30, to: 1200 });
  });

  it('a source that is down: the slate for LIVE_RETRY_MS, then the chain asks again', () => {
    expect(LIVE_RETRY_MS).toBeLessThanOrEqual(1500);
    const why = 'live source stadium is not on the air: the fallback, tried again after it';
    expect(plan({ airing: match, fromMs: s(0), toMs: s(1200) }, { live: { up: false } })).toEqual({ kind: 'slate', picture: 'drawn slate', reason: 'live source stadium is not on the air', why, from: 0, to: LIVE_RETRY_MS / 1000 });
    // No live sources at all on this channel: the same as down.
    expect(plan({ airing: match, fromMs: s(0), toMs: s(1200) })).toMatchObject({ kind: 'slate', to: LIVE_RETRY_MS / 1000 });
  });

  it('a source lost mid-slice (its renderer was ended): the fallback in the same short stretches', () => {
    const lost = plan({ airing: match, fromMs: s(61.2), toMs: s(1200) }, { forcedSlate: { reason: 'no data for 1.5 s', picture: 'drawn slate' }, live: { up: true } });
    expect(lost).toEqual({ kind: 'slate', picture: 'drawn slate', reason: 'no data for 1.5 s', why: 'live source stadium was lost (no data for 1.5 s); the fallback until it is tried again', from: 61.2, to: 61.2 + LIVE_RETRY_MS / 1000 });
  });

  it('is never checked as a file nor copied, and overload does not slate it', () => {
    const cache = { entry: undefined, graphics: undefined, rampEndsAtMs: s(-100) };
    expect(plan({ airing: match, fromMs: s(10), toMs: s(1200) }, { live: { up: true }, cache, degraded: 'slate' })).toMatchObject({ kind: 'live', from: 10, to: 1200 });
  });

  it('liveRetryBound leaves no sliver at the end of the block', () => {
    expect(liveRetryBound({ airing: match, fromMs: s(1198.8), toMs: s(1200) }).toMs).toBe(s(1200));
    expect(liveRetryBound({ airing: match, fromMs: s(1198), toMs: s(1200) }).toMs).toBe(s(1198) + LIVE_RETRY_MS);
  });
});
