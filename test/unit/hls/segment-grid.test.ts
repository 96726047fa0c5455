import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelGrid, coldStartRamp, firstGridIndexAtOrAfter, gridPoint, keyframeGrid, keyframeGridExpression, MAX_KEYFRAME_INTERVAL_SECONDS,
} from '../../../src/hls/segment-grid.js';

/**
 * Runs a -force_key_frames expression the way ffmpeg does: frame by frame at `fps`, `t` the
 * frame's time, `n_forced` the keyframes forced so far. Returns the times of forced frames.
 */
function forcedKeyframes(expression: string, fps: number, seconds: number): number[] {
  const body = expression.replace(/^expr:/, '');
  const evaluate = new Function('t', 'n_forced', 'gte', 'lt', 'iff', `return ${body.replace(/\bif\(/g, 'iff(')};`) as (
    t: number, n: number, gte: (a: number, b: number) => number, lt: (a: number, b: number) => number, iff: (c: number, a: number, b: number) => number,
  ) => number;
  const forced: number[] = [];
  for (let i = 0; i < seconds * fps; i++) {
    const t = i / fps;
    if (evaluate(t, forced.length, (a, b) => Number(a >= b), (a, b) => Number(a < b), (c, a, b) => (c ? a : b))) forced.push(t);
  }
  return forced;
}

describe('segment grid (cold-start ramp, then segment_duration)', () => {
  it('ramps from half-second segments, each no longer than all before it together, up to segment_duration', () => {
    expect(coldStartRamp(10)).toEqual([0.5, 0.5, 1, 1, 2, 2, 4, 4, 8, 8]);
    expect(coldStartRamp(2)).toEqual([0.5, 0.5, 1, 1]);
    expect(coldStartRamp(1)).toEqual([0.5, 0.5]);
    for (const duration of [1, 2, 4, 6, 10, 30]) {
      const ramp = coldStartRamp(duration);
      ramp.forEach((d, i) => {
        expect(d).toBeLessThan(duration);
        if (i > 0) expect(d).toBeLessThanOrEqual(ramp.slice(0, i).reduce((a, b) => a + b, 0));
      });
    }
  });

  it('places grid points on the ramp then every segment_duration, and finds the next one', () => {
    const grid = channelGrid(2);
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => gridPoint(grid, k))).toEqual([0, 0.5, 1, 2, 3, 5, 7]);
    expect(firstGridIndexAtOrAfter(grid, 0)).toBe(0);
    expect(firstGridIndexAtOrAfter(grid, 1.2)).toBe(3);
    expect(firstGridIndexAtOrAfter(grid, 3.0005)).toBe(4); // within the 1 ms tolerance
    expect(firstGridIndexAtOrAfter(grid, 3.5)).toBe(5);
  });

  it('puts keyframes at least every 2 s, every segment boundary among them', () => {
    const grid = channelGrid(10);
    const keys = keyframeGrid(grid);
    const keyPoints = Array.from({ length: 40 }, (_, k) => gridPoint(keys, k));
    for (let k = 1; k < keyPoints.length; k++) expect(keyPoints[k]! - keyPoints[k - 1]!).toBeLessThanOrEqual(MAX_KEYFRAME_INTERVAL_SECONDS + 1e-9);
    for (let k = 0; k < 12; k++) expect(keyPoints.some((p) => Math.abs(p - gridPoint(grid, k)) < 1e-9)).toBe(true);
  });

  it('forces keyframes exactly on the keyframe grid from any airing start (the expression ffmpeg runs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 6, 10), fc.double({ min: -0.03, max: 70, noNaN: true }), (segmentDuration, airingRunStart) => {
        const grid = channelGrid(segmentDuration);
        const forced = forcedKeyframes(keyframeGridExpression(grid, airingRunStart), 30, 40);
        const keys = keyframeGrid(grid);
        const first = firstGridIndexAtOrAfter(keys, airingRunStart);
        forced.forEach((t, i) => {
          // Each forced frame is the first frame at or after its grid point (airing-relative).
          const point = gridPoint(keys, first + i) - airingRunStart;
          expect(t).toBeGreaterThanOrEqual(point - 1e-6);
          expect(t).toBeLessThan(point + 1 / 30);
        });
        expect(forced.length).toBeGreaterThanOrEqual(Math.floor(40 / MAX_KEYFRAME_INTERVAL_SECONDS) - 1);
      }),
      { numRuns: 60 },
    );
  });

  it('writes a valid expression for an airing whose time zero is before the run start (no "--")', () => {
    expect(keyframeGridExpression(channelGrid(2), -0.02)).toMatch(/\+0\.020000\)$/);
    expect(keyframeGridExpression(channelGrid(2), -0.02)).not.toContain('--');
    expect(keyframeGridExpression(channelGrid(2), 4.5)).toBe(
      'expr:gte(t,if(lt((n_forced+5),1),0,if(lt((n_forced+5),2),0.5,if(lt((n_forced+5),3),1,if(lt((n_forced+5),4),2,3+((n_forced+5)-4)*2))))-4.500000)',
    );
  });
});
