import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopTimeline, type LoopItem } from '../../../src/timeline/loop-timeline.js';

const item = (name: string, seconds: number): LoopItem => ({ mediaPath: `/media/${name}.mp4`, durationMs: seconds * 1000, title: name, kind: 'program' });
const items = [item('a', 10), item('b', 20), item('c', 30)]; // a 60 s pass
const epochMs = Date.UTC(2024, 4, 1, 6, 0, 0);

describe('loop timeline', () => {
  it('places the channel by the time since its epoch: file and offset within it', () => {
    const timeline = new LoopTimeline({ items, epochMs });
    expect(timeline.passDurationMs).toBe(60_000);
    const at = (seconds: number) => {
      const position = timeline.at(epochMs + seconds * 1000)!;
      return [position.airing.title, position.offsetMs / 1000];
    };
    expect(at(0)).toEqual(['a', 0]);
    expect(at(9.999)).toEqual(['a', 9.999]);
    expect(at(10)).toEqual(['b', 0]);
    expect(at(45)).toEqual(['c', 15]);
    expect(at(60)).toEqual(['a', 0]); // the loop point
    expect(at(60 * 1000 + 35)).toEqual(['c', 5]); // pass 1000
  });

  it('gives airings their wall-clock start and end and the slice of the file', () => {
    const timeline = new LoopTimeline({ items, epochMs });
    const { airing, offsetMs } = timeline.at(epochMs + 135_000)!; // pass 2 (from 120 s), 5 s into b
    expect(airing).toMatchObject({ mediaPath: '/media/b.mp4', startMs: epochMs + 130_000, endMs: epochMs + 150_000, inPointMs: 0, outPointMs: 20_000 });
    expect(offsetMs).toBe(5000);
  });

  it('is off the air before its epoch', () => {
    const timeline = new LoopTimeline({ items, epochMs });
    expect(timeline.at(epochMs - 1)).toBeUndefined();
    expect(timeline.endsAtMs).toBeUndefined();
  });

  it('INV-TL-2: is a pure function of time: two timelines with the same epoch agree, whenever they are asked', () => {
    // A channel restarted (new process, new object) must join where the old one would be.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (elapsed) => {
        const first = new LoopTimeline({ items, epochMs }).at(epochMs + elapsed);
        new LoopTimeline({ items, epochMs }).at(epochMs + 12345); // asking about another instant changes nothing
        const second = new LoopTimeline({ items, epochMs }).at(epochMs + elapsed);
        expect(second).toEqual(first);
        const { airing, offsetMs } = first!;
        expect(offsetMs).toBeGreaterThanOrEqual(0);
        expect(airing.startMs + offsetMs).toBe(epochMs + elapsed);
        expect(offsetMs).toBeLessThan(airing.endMs - airing.startMs);
      }),
    );
  });

  it('stops after N loops', () => {
    const timeline = new LoopTimeline({ items, epochMs, loops: 2 });
    expect(timeline.endsAtMs).toBe(epochMs + 120_000);
    expect(timeline.at(epochMs + 119_999)!.airing.title).toBe('c');
    expect(timeline.at(epochMs + 120_000)).toBeUndefined();
    const all = timeline.airingsBetween(epochMs, epochMs + 10 * 60_000);
    expect(all.map((a) => a.title)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('lists airings overlapping a window back to back, including the one already under way', () => {
    const timeline = new LoopTimeline({ items, epochMs });
    const airings = timeline.airingsBetween(epochMs + 15_000, epochMs + 75_000);
    expect(airings.map((a) => a.title)).toEqual(['b', 'c', 'a', 'b']);
    expect(airings[0]!.startMs).toBe(epochMs + 10_000);
    for (let i = 1; i < airings.length; i += 1) expect(airings[i]!.startMs).toBe(airings[i - 1]!.endMs);
    expect(airings[airings.length - 1]!.startMs).toBeLessThan(epochMs + 75_000);
    expect(timeline.airingsBetween(epochMs, epochMs + 600_000, 4)).toHaveLength(4);
    // A window before the epoch starts the list at the epoch.
    expect(timeline.airingsBetween(epochMs - 5000, epochMs + 5000).map((a) => a.title)).toEqual(['a']);
  });

  it('skips items without a duration, and refuses a library with nothing playable', () => {
    const timeline = new LoopTimeline({ items: [item('a', 10), item('broken', 0), item('b', 5)], epochMs });
    expect(timeline.passDurationMs).toBe(15_000);
    expect(timeline.at(epochMs + 12_000)!.airing.title).toBe('b');
    expect(() => new LoopTimeline({ items: [item('broken', 0)], epochMs })).toThrow(/at least one playable item/);
  });
});
