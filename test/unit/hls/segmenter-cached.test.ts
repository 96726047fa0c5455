import { describe, expect, it } from 'vitest';
import { Segmenter, type CutSegment } from '../../../src/hls/segmenter.js';
import type { SegmentGrid } from '../../../src/hls/segment-grid.js';
import type { TsPiece } from '../../../src/streaming/ts-pieces.js';

/** A piece that is only a keyframe at `pts` (its bytes name it, so segments can be read back). */
const key = (pts: number): TsPiece => ({ data: Buffer.from(`K${pts.toFixed(2)};`), clockSeconds: pts, keyframePtsSeconds: pts });
const frame = (pts: number): TsPiece => ({ data: Buffer.from(`f${pts.toFixed(2)};`), clockSeconds: pts });

function cut(grid: SegmentGrid, keyframes: number[], late?: number, end = keyframes[keyframes.length - 1]! + 1): CutSegment[] {
  const segments: CutSegment[] = [];
  const segmenter = new Segmenter(grid, (s) => segments.push(s), late);
  const keys = new Set(keyframes.map((k) => k.toFixed(2)));
  for (let t = 0; t < end; t = Number((t + 0.04).toFixed(2))) segmenter.push(keys.has(t.toFixed(2)) ? key(t) : frame(t));
  segmenter.finish(end - 0.04, 0.04);
  return segments;
}

const grid: SegmentGrid = { segmentDuration: 6, ramp: [] };
const FRAME = 0.04;

describe('Segmenter with copy-spliced stretches (keyframes off the run grid)', () => {
  it('INV-SEG-1: live keyframes on the grid (up to a frame late) cut exactly as without a cache', () => {
    const keyframes = [0, 2, 4, 6.04, 8, 9.2, 10, 12, 14, 16, 18.04, 20, 22, 24];
    const before = cut(grid, keyframes);
    const after = cut(grid, keyframes, FRAME + 0.002);
    expect(after.map((s) => [s.gridIndex, s.durationSeconds.toFixed(2), s.data.toString()])).toEqual(before.map((s) => [s.gridIndex, s.durationSeconds.toFixed(2), s.data.toString()]));
    expect(after.map((s) => s.durationSeconds.toFixed(2))).toEqual(['6.04', '5.96', '6.04', '5.96', '1.00']);
  });

  it('INV-SEG-1: a cached stretch (keyframes every 2 s, off the grid) never makes a segment longer than its slot', () => {
    // (The run's last segment is closed by finish(), which trims a possibly cut unit of real
    // MPEG-TS; these fake pieces are not, so the checks below leave it out.)
    // Live 0–5.2 on the run's keyframe grid, then a cached airing from 5.2 (keyframes at 5.2 + 2k),
    // then live again from 17.2 (fresh encoder, then the run grid: 18, 20, …).
    const keyframes = [0, 2, 4, 5.2, 7.2, 9.2, 11.2, 13.2, 15.2, 17.2, 18, 20, 22, 24, 26, 28, 30];
    const segments = cut(grid, keyframes, FRAME + 0.002);
    for (const s of segments.slice(0, -1)) expect(s.durationSeconds).toBeLessThanOrEqual(6 + 1e-9);
    // Each segment starts on a keyframe and the segments cover the stream with no hole.
    const whole = segments.slice(0, -1);
    expect(whole.map((s) => s.durationSeconds.toFixed(2))).toEqual(['5.20', '6.00', '6.00', '4.80', '6.00']);
    const starts = whole.map((s) => Number(/^K(\d+\.\d+)/.exec(s.data.toString())![1]));
    for (let i = 1; i < whole.length; i++) expect(starts[i]).toBeCloseTo(starts[i - 1]! + whole[i - 1]!.durationSeconds, 6);
    expect(starts.every((t) => keyframes.some((k) => Math.abs(k - t) < 1e-9))).toBe(true);
    // Sequence positions only go forward.
    const indexes = segments.map((s) => s.gridIndex);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes).size).toBe(indexes.length);
    // Every frame is in exactly one segment.
    const frames = whole.flatMap((s) => s.data.toString().split(';').filter(Boolean));
    expect(new Set(frames).size).toBe(frames.length);
    expect(frames.length).toBe(Math.round(28 / 0.04));
  });

  it('without the option a cached stretch would overrun the slot (why the option exists)', () => {
    const keyframes = [0, 2, 4, 5.2, 7.2, 9.2, 11.2, 13.2, 15.2];
    const segments = cut(grid, keyframes);
    expect(Math.max(...segments.slice(0, -1).map((s) => s.durationSeconds))).toBeGreaterThan(6.5);
  });
});
