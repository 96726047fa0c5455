import { describe, expect, it } from 'vitest';
import { CaptionFeed, type CaptionLanguage } from '../../../src/playout/caption-feed.js';
import { runStreamClock } from '../../../src/playout/language-renditions.js';
import type { WallCue } from '../../../src/subtitles/cue.js';

const RUN_START = 1_700_000_000_000;
const EPOCH = RUN_START - 3_600_000;
const clock = runStreamClock(RUN_START, EPOCH);
const pts = (wallMs: number) => Math.round((clock.streamSecondsAtStart + (wallMs - RUN_START) / 1000) * 90_000);
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CaptionFeed', () => {
  it("answers with the airing on now while a later airing's cues are still being read", async () => {
    // Now: a sidecar's cue, read at once. 20 s on: an embedded track still being extracted.
    const now: WallCue = { startMs: RUN_START + 400, endMs: RUN_START + 1_300, text: 'Good evening' };
    const later: WallCue = { startMs: RUN_START + 20_500, endMs: RUN_START + 21_400, text: 'Welcome back' };
    let extracted: () => void = () => undefined;
    const extraction = new Promise<void>((resolve) => (extracted = resolve));
    const english: CaptionLanguage = {
      channel: 1,
      async cuesBetween(fromMs, toMs) {
        if (toMs > later.startMs && fromMs < later.endMs) await extraction;
        return [now, later].filter((c) => c.startMs < toMs && c.endMs > fromMs);
      },
    };
    const feed = new CaptionFeed([english], RUN_START, EPOCH);
    await flush();
    expect(feed.cuesBetween(pts(RUN_START), pts(RUN_START + 6_000)).map((c) => c.text)).toEqual(['Good evening']);
    extracted();
    await flush();
    const all = feed.cuesBetween(pts(RUN_START), pts(RUN_START + 30_000));
    expect(all.map((c) => [c.text, c.startPts, c.endPts, c.channel])).toEqual([
      ['Good evening', pts(now.startMs), pts(now.endMs), 1],
      ['Welcome back', pts(later.startMs), pts(later.endMs), 1],
    ]);
  });

  it('keeps a cue read in two steps once, and reads a window again after a failed step', async () => {
    const long: WallCue = { startMs: RUN_START + 4_000, endMs: RUN_START + 7_000, text: 'Across a step' };
    let failures = 1;
    const errors: unknown[] = [];
    const reads: number[] = [];
    const english: CaptionLanguage = {
      channel: 1,
      async cuesBetween(fromMs, toMs) {
        reads.push(fromMs - RUN_START);
        if (fromMs >= RUN_START + 10_000 && failures-- > 0) throw new Error('unreadable for now');
        return [long].filter((c) => c.startMs < toMs && c.endMs > fromMs);
      },
    };
    const feed = new CaptionFeed([english], RUN_START, EPOCH, (error) => errors.push(error));
    await flush();
    expect(errors).toHaveLength(1);
    expect(reads.filter((at) => at === 0)).toHaveLength(1);
    // The window was not read whole: the inserter's next question reads it again.
    expect(feed.cuesBetween(pts(RUN_START), pts(RUN_START + 10_000)).map((c) => c.text)).toEqual(['Across a step']);
    await flush();
    expect(reads.filter((at) => at === 0)).toHaveLength(2);
    expect(errors).toHaveLength(1);
  });
});
