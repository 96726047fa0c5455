import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LivePlaylist } from '../../../src/hls/live-playlist.js';
import { parsePlaylist } from '../../helpers/hls.js';

const seg = (n: number, durationSeconds = 2, run = 'r1') => ({ fileName: `${run}-${n}.ts`, durationSeconds, sourceSequence: n });

describe('live playlist', () => {
  it('INV-SEG-1: slides a window of the configured size, EXTINF never above the target duration', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    for (let n = 100; n < 106; n += 1) playlist.append(seg(n, n === 104 ? 1.96 : 2), n * 1000);
    // 3 segments hold 5.96 s, less than three target durations (RFC 8216 §6.2.2): one more stays.
    const parsed = parsePlaylist(playlist.render());
    expect(parsed.segments.map((s) => s.uri)).toEqual(['r1-102.ts', 'r1-103.ts', 'r1-104.ts', 'r1-105.ts']);
    expect(parsed.mediaSequence).toBe(102);
    playlist.append(seg(106), 106_000);
    playlist.append(seg(107), 107_000);
    expect(parsePlaylist(playlist.render()).segments.map((s) => s.uri)).toEqual(['r1-105.ts', 'r1-106.ts', 'r1-107.ts']);
    expect(parsed.targetDuration).toBe(2);
    for (const s of parsed.segments) expect(s.duration).toBeLessThanOrEqual(parsed.targetDuration);
    expect(parsed.endList).toBe(false);
  });

  it('INV-HLS-1: never lets the sequence go back across encoder runs, even when ffmpeg restarts its numbering lower', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 4 });
    playlist.beginRun(1, 0);
    const a = [playlist.append(seg(500), 0), playlist.append(seg(501), 1)];
    playlist.beginRun(2, 4000);
    // ffmpeg's epoch numbering of the new run starts below where the last run ended.
    const b = [playlist.append(seg(499, 2, 'r2'), 2), playlist.append(seg(500, 2, 'r2'), 3)];
    expect([...a, ...b].map((s) => s.sequence)).toEqual([500, 501, 502, 503]);
    // While segments are listed the next is always one more, even when ffmpeg's number is ahead...
    expect(playlist.append(seg(900, 2, 'r2'), 4).sequence).toBe(504);
    // ...and an empty window (a channel back from idle) jumps forward with ffmpeg.
    playlist.clearWindow(5);
    expect(playlist.append(seg(950, 2, 'r2'), 6).sequence).toBe(950);
  });

  it('INV-HLS-1: keeps a listed segment under one sequence number and URI in every render', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    const seen = new Map<string, number>();
    for (let n = 0; n < 10; n += 1) {
      if (n === 5) playlist.beginRun(2, 10_000);
      // ffmpeg's numbering of run 2 starts lower than where run 1 ended.
      playlist.append({ fileName: `r${n >= 5 ? 2 : 1}-${n}.ts`, durationSeconds: 2, sourceSequence: n >= 5 ? n - 5 : 100 + n }, n * 1000);
      for (const s of parsePlaylist(playlist.render()).segments) {
        if (seen.has(s.uri)) expect(s.sequence).toBe(seen.get(s.uri));
        seen.set(s.uri, s.sequence);
      }
    }
  });

  it('INV-HLS-2: marks a new run with EXT-X-DISCONTINUITY and counts it in DISCONTINUITY-SEQUENCE once it slides out', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 1, windowSize: 2 });
    playlist.beginRun(1, 0);
    // Published a second apart (each segment listed long enough to slide out: see INV-HLS-4).
    playlist.append(seg(1), 0);
    playlist.append(seg(2), 1000);
    playlist.beginRun(2, 4000);
    playlist.append(seg(3, 2, 'r2'), 2000);
    let parsed = parsePlaylist(playlist.render());
    expect(parsed.segments.map((s) => s.discontinuity)).toEqual([false, true]);
    expect(parsed.discontinuitySequence).toBe(0);

    playlist.append(seg(4, 2, 'r2'), 3000); // the tagged segment is now first
    parsed = parsePlaylist(playlist.render());
    expect(parsed.segments[0]!.discontinuity).toBe(true);
    expect(parsed.discontinuitySequence).toBe(0);

    playlist.append(seg(5, 2, 'r2'), 4000); // the tagged segment slides out: its tag is counted
    parsed = parsePlaylist(playlist.render());
    expect(parsed.segments.some((s) => s.discontinuity)).toBe(false);
    expect(parsed.discontinuitySequence).toBe(1);
  });

  it('INV-HLS-2: does not mark the very first run as a discontinuity', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    expect(playlist.append(seg(1), 0).discontinuity).toBe(false);
  });

  it('INV-HLS-3: keeps a segment servable for at least the window duration after it leaves the list', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    for (let n = 0; n < 3; n += 1) playlist.append(seg(n), n * 2000);
    const leftAt = 6000;
    playlist.append(seg(3), leftAt); // r1-0 leaves the list now
    expect(parsePlaylist(playlist.render()).segments.some((s) => s.uri === 'r1-0.ts')).toBe(false);
    const windowMs = 3 * 2000;
    expect(playlist.isServable('r1-0.ts')).toBe(true);
    expect(playlist.takeExpired(leftAt + windowMs)).toEqual([]);
    expect(playlist.isServable('r1-0.ts')).toBe(true);
    const expired = playlist.takeExpired(leftAt + 60_000);
    expect(expired.map((s) => s.fileName)).toEqual(['r1-0.ts']);
    expect(playlist.isServable('r1-0.ts')).toBe(false);
    expect(playlist.isServable('never-listed.ts')).toBe(false);
  });

  it('clears the window after an idle stop, retiring (not forgetting) what was listed', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    playlist.append(seg(7), 0);
    playlist.append(seg(8), 0);
    playlist.clearWindow(1000);
    expect(playlist.segments).toHaveLength(0);
    expect(playlist.isServable('r1-8.ts')).toBe(true);
    // An empty playlist still names the next sequence, never an earlier one.
    expect(parsePlaylist(playlist.render()).mediaSequence).toBe(9);
    playlist.beginRun(2, 60_000);
    expect(playlist.append(seg(3, 2, 'r2'), 60_000).sequence).toBe(9);
  });

  it('dates each segment on the channel clock from the run start (EXT-X-PROGRAM-DATE-TIME)', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    const start = Date.UTC(2024, 0, 1, 12, 0, 0);
    playlist.beginRun(1, start);
    playlist.append(seg(1, 2), 0);
    playlist.append(seg(2, 1.5), 0);
    playlist.append(seg(3, 2), 0);
    const times = parsePlaylist(playlist.render()).segments.map((s) => s.programDateTime);
    expect(times).toEqual([start, start + 2000, start + 3500]);
  });

  it('ends the list with EXT-X-ENDLIST after the channel ends', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    playlist.append(seg(1), 0);
    playlist.end();
    expect(parsePlaylist(playlist.render()).endList).toBe(true);
  });

  it('INV-HLS-1 INV-HLS-2 INV-HLS-3: holds its invariants for any sequence of runs, idle stops and ffmpeg numbering (property)', () => {
    // Each run numbers its segments consecutively from a start number, as ffmpeg does: behind
    // the last one published, or (an epoch-numbered restart) ahead of it.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('segment' as const), duration: fc.double({ min: 0.5, max: 2, noNaN: true }) }),
      fc.record({ kind: fc.constant('restart' as const), goBack: fc.integer({ min: -1000, max: 1000 }) }),
      fc.record({ kind: fc.constant('idle' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 6 }), (steps, windowSize) => {
        const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize });
        let run = 1;
        let now = 0;
        let nextSource = 5000;
        let lastMediaSequence = -Infinity;
        let lastDiscontinuitySequence = 0;
        const sequenceOf = new Map<string, number>();
        playlist.beginRun(run, now);
        steps.forEach((s, i) => {
          now += 1000;
          if (s.kind === 'restart') {
            playlist.beginRun(++run, now);
            nextSource = Math.max(0, nextSource - s.goBack);
          } else if (s.kind === 'idle') playlist.clearWindow(now);
          else playlist.append({ fileName: `r${run}-${i}.ts`, durationSeconds: s.duration, sourceSequence: nextSource++ }, now);
          const parsed = parsePlaylist(playlist.render());
          expect(parsed.mediaSequence).toBeGreaterThanOrEqual(lastMediaSequence);
          expect(parsed.discontinuitySequence).toBeGreaterThanOrEqual(lastDiscontinuitySequence);
          // windowSize segments, more only while fewer would list less than three target durations.
          if (parsed.segments.length > windowSize) expect(parsed.segments.slice(1).reduce((sum, x) => sum + x.duration, 0)).toBeLessThan(3 * parsed.targetDuration);
          lastMediaSequence = parsed.mediaSequence;
          lastDiscontinuitySequence = parsed.discontinuitySequence;
          for (const segment of parsed.segments) {
            expect(segment.duration).toBeLessThanOrEqual(parsed.targetDuration);
            const known = sequenceOf.get(segment.uri);
            if (known !== undefined) expect(segment.sequence, segment.uri).toBe(known);
            sequenceOf.set(segment.uri, segment.sequence);
          }
        });
      }),
    );
  });

  /**
   * ffmpeg numbers segments from the epoch second a run starts (-hls_start_number_source epoch), so after a
   * crash restart the new run's numbers jump ahead of the old run's, and append() keeps the jump.
   * HLS has no gaps: a client numbers segments MEDIA-SEQUENCE + position, so while both runs are
   * listed it gives the new segments lower numbers than it will once the old ones slide out.
   */
  it('INV-HLS-1: keeps sequence numbers stable when a restarted encoder numbers its segments ahead', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 2, windowSize: 3 });
    playlist.beginRun(1, 0);
    playlist.append({ fileName: 'r1-1700000000.ts', durationSeconds: 2, sourceSequence: 1700000000 }, 0);
    playlist.append({ fileName: 'r1-1700000001.ts', durationSeconds: 2, sourceSequence: 1700000001 }, 1);
    playlist.beginRun(2, 60_000); // a crash; the new run starts a minute of epoch seconds later
    playlist.append({ fileName: 'r2-1700000060.ts', durationSeconds: 2, sourceSequence: 1700000060 }, 2);
    const whileBothListed = parsePlaylist(playlist.render()).segments.find((s) => s.uri === 'r2-1700000060.ts')!.sequence;
    playlist.append({ fileName: 'r2-1700000061.ts', durationSeconds: 2, sourceSequence: 1700000061 }, 3);
    playlist.append({ fileName: 'r2-1700000062.ts', durationSeconds: 2, sourceSequence: 1700000062 }, 4);
    const afterOldLeft = parsePlaylist(playlist.render()).segments.find((s) => s.uri === 'r2-1700000060.ts')!.sequence;
    expect(afterOldLeft).toBe(whileBothListed);
  });

  it('INV-HLS-4: never lists less than three target durations while it can (RFC 8216 §6.2.2): a cold start\'s ramp stays listed', () => {
    const playlist = new LivePlaylist({ targetDurationSeconds: 10, windowSize: 6 });
    playlist.beginRun(1, 0);
    const ramp = [0.5, 0.5, 1, 1, 2, 2, 4, 4, 8, 8, 10, 10, 10];
    ramp.forEach((d, i) => {
      playlist.append(seg(i, d), i);
      const listed = parsePlaylist(playlist.render()).segments;
      const seconds = listed.reduce((sum, x) => sum + x.duration, 0);
      const published = ramp.slice(0, i + 1).reduce((a, b) => a + b, 0);
      expect(seconds).toBeGreaterThanOrEqual(Math.min(30, published) - 1e-9);
    });
    // Once three target durations are listed, and the ramp has been listed long enough for any
    // player to have seen it (a target duration and a half), the window is back to its size.
    playlist.append(seg(ramp.length, 10), 30_000);
    expect(parsePlaylist(playlist.render()).segments).toHaveLength(6);
  });

  it('INV-HLS-4: lists every segment of a burst (a new run publishing its ramp ahead) long enough for a player reloading once a target duration', () => {
    const target = 2;
    const playlist = new LivePlaylist({ targetDurationSeconds: target, windowSize: 4 });
    // Steady segments every 2 s, then a new run at 20 s publishes its ramp and 4 s more at once.
    const publications: Array<{ atMs: number; durationSeconds: number }> = [];
    for (let i = 0; i < 10; i += 1) publications.push({ atMs: i * 2000, durationSeconds: 2 });
    for (const durationSeconds of [0.5, 0.5, 1, 1, 2, 2]) publications.push({ atMs: 20_100, durationSeconds });
    for (let i = 0; i < 10; i += 1) publications.push({ atMs: 22_000 + i * 2000, durationSeconds: 2 });
    playlist.beginRun(1, 0);
    let sequence = 0;
    const seen = new Set<number>();
    // A player reloading every target duration (at an odd phase), from 1.3 s on.
    let reloadAtMs = 1300;
    for (const [index, publication] of publications.entries()) {
      while (reloadAtMs < publication.atMs) {
        for (const segment of parsePlaylist(playlist.render()).segments) seen.add(segment.sequence);
        reloadAtMs += target * 1000;
      }
      if (index === 10) playlist.beginRun(2, publication.atMs);
      playlist.append(seg(sequence, publication.durationSeconds, `r${index < 10 ? 1 : 2}`), publication.atMs);
      sequence += 1;
    }
    const first = Math.min(...seen);
    const last = Math.max(...seen);
    expect([...Array(last - first + 1).keys()].map((i) => first + i).filter((n) => !seen.has(n))).toEqual([]);
    expect(last).toBeGreaterThan(20);
  });
});
