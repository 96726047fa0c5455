import { describe, expect, it } from 'vitest';
import {
  MPEGTS_WRAP,
  cueIdentifier,
  escapeCueText,
  renderWebVttSegment,
  streamMsAt,
  webVttTimestamp,
  type RunStreamClock,
} from '../../../src/hls/webvtt-segment.js';
import { MPEGTS_MUXER_OFFSET_SECONDS, runClockSeconds } from '../../../src/playout/stream-clock.js';
import type { WallCue } from '../../../src/subtitles/cue.js';

const EPOCH = Date.UTC(2024, 0, 1);
/** A run's clock as playout places it (src/playout/channel-session.ts, airing-chain.ts). */
const clockOf = (runStartMs: number): RunStreamClock => ({
  runStartMs,
  streamSecondsAtStart: runClockSeconds(runStartMs, EPOCH) + 2 * MPEGTS_MUXER_OFFSET_SECONDS,
});
/** The PTS (90 kHz, wrapped) the video has at wall instant `wallMs` of a run: what a cue at that instant must map to. */
const videoPtsAt = (clock: RunStreamClock, wallMs: number): number =>
  Math.round((clock.streamSecondsAtStart + (wallMs - clock.runStartMs) / 1000) * 90_000) % MPEGTS_WRAP;

const parseTime = (t: string): number => {
  const [h, m, s] = t.split(':');
  return (Number(h) * 3600 + Number(m) * 60) * 1000 + Math.round(Number(s) * 1000);
};

interface ParsedVtt {
  mpegts: number;
  localMs: number;
  cues: Array<{ id: string; startMs: number; endMs: number; text: string }>;
}

/** Reads our WebVTT back, strictly: header, map, then blocks of id / timing / payload. */
function parseVtt(text: string): ParsedVtt {
  const blocks = text.split('\n\n');
  const header = blocks[0]!.split('\n');
  expect(header[0]).toBe('WEBVTT');
  const map = /^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d{2,}:\d{2}:\d{2}\.\d{3})$/.exec(header[1]!);
  expect(map).not.toBeNull();
  const cues = blocks
    .slice(1)
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const [id, timing, ...payload] = block.split('\n');
      const t = /^(\S+) --> (\S+)$/.exec(timing!);
      expect(t).not.toBeNull();
      return { id: id!, startMs: parseTime(t![1]!), endMs: parseTime(t![2]!), text: payload.join('\n') };
    });
  return { mpegts: Number(map![1]), localMs: parseTime(map![2]!), cues };
}

/** Where a cue's start lands on the 90 kHz clock through the segment's map (what a player computes). */
const mappedPts = (vtt: ParsedVtt, localMs: number): number => (((vtt.mpegts + (localMs - vtt.localMs) * 90) % MPEGTS_WRAP) + MPEGTS_WRAP) % MPEGTS_WRAP;

describe('WebVTT segments', () => {
  const run = clockOf(EPOCH + 3_600_000);
  const cue = (startMs: number, endMs: number, text: string): WallCue => ({ startMs: run.runStartMs + startMs, endMs: run.runStartMs + endMs, text });

  it('an empty segment is the header and the map alone', () => {
    const text = renderWebVttSegment({ startMs: run.runStartMs, endMs: run.runStartMs + 6000 }, run, []);
    expect(text).toBe(`WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${videoPtsAt(run, run.runStartMs)},LOCAL:01:00:12.800\n\n`);
  });

  it('holds every cue visible during the segment, those begun before it included, whole', () => {
    const span = { startMs: run.runStartMs + 6000, endMs: run.runStartMs + 12_000 };
    const vtt = parseVtt(
      renderWebVttSegment(span, run, [cue(1000, 2000, 'over before'), cue(5000, 7000, 'begun before'), cue(8000, 9000, 'inside'), cue(11_500, 14_000, 'runs past'), cue(12_000, 13_000, 'after')]),
    );
    expect(vtt.cues.map((c) => c.text)).toEqual(['begun before', 'inside', 'runs past']);
    const first = vtt.cues[0]!;
    expect(first.endMs - first.startMs).toBe(2000);
  });

  it('maps every cue to the PTS the video has at the same wall instant', () => {
    const span = { startMs: run.runStartMs + 6000, endMs: run.runStartMs + 12_000 };
    const vtt = parseVtt(renderWebVttSegment(span, run, [cue(5000, 7000, 'a'), cue(8123, 9000, 'b')]));
    expect(vtt.mpegts).toBe(videoPtsAt(run, span.startMs));
    expect(mappedPts(vtt, vtt.cues[0]!.startMs)).toBe(videoPtsAt(run, run.runStartMs + 5000));
    expect(mappedPts(vtt, vtt.cues[1]!.startMs)).toBe(videoPtsAt(run, run.runStartMs + 8123));
  });

  it('repeats a cue across segments with the same times and identifier (players keep one)', () => {
    const long = cue(5000, 8000, 'across the cut');
    const a = parseVtt(renderWebVttSegment({ startMs: run.runStartMs, endMs: run.runStartMs + 6000 }, run, [long]));
    const b = parseVtt(renderWebVttSegment({ startMs: run.runStartMs + 6000, endMs: run.runStartMs + 12_000 }, run, [long]));
    expect(a.cues).toEqual(b.cues);
    expect(a.cues[0]!.id).toBe(cueIdentifier(long));
  });

  it('is continuous across a restarted run: the same wall instant has the same stream time, and each map matches its run', () => {
    // Run 2 resumes where run 1's published segments end (ChannelSession.resumePoint), same day.
    const run1 = clockOf(EPOCH + 5 * 3_600_000);
    const run2 = clockOf(run1.runStartMs + 600_000);
    const spanning: WallCue = { startMs: run2.runStartMs - 1500, endMs: run2.runStartMs + 1500, text: 'over the restart' };
    const last1 = parseVtt(renderWebVttSegment({ startMs: run2.runStartMs - 6000, endMs: run2.runStartMs }, run1, [spanning]));
    const first2 = parseVtt(renderWebVttSegment({ startMs: run2.runStartMs, endMs: run2.runStartMs + 2000 }, run2, [spanning]));
    expect(first2.cues[0]!.startMs).toBe(last1.cues[0]!.startMs);
    expect(mappedPts(last1, last1.cues[0]!.startMs)).toBe(videoPtsAt(run1, spanning.startMs));
    expect(mappedPts(first2, first2.cues[0]!.startMs)).toBe(videoPtsAt(run2, spanning.startMs));
  });

  it('follows a run on the next clock day (the run clock restarts modulo a day): each segment maps by its own run', () => {
    const run1 = clockOf(EPOCH + 86_000_000);
    // The next day's run: the clock restarts (runClockSeconds is taken modulo a day).
    const run2 = clockOf(EPOCH + 86_400_000 + 30_000);
    expect(run2.streamSecondsAtStart).toBeLessThan(run1.streamSecondsAtStart);
    const c: WallCue = { startMs: run2.runStartMs + 500, endMs: run2.runStartMs + 2500, text: 'alert' };
    const vtt = parseVtt(renderWebVttSegment({ startMs: run2.runStartMs, endMs: run2.runStartMs + 2000 }, run2, [c]));
    expect(mappedPts(vtt, vtt.cues[0]!.startMs)).toBe(videoPtsAt(run2, c.startMs));
  });

  it('writes MPEGTS modulo 2^33 after the wrap while LOCAL and cue times keep counting', () => {
    // A run that starts late in the clock's day and runs on past 2^33 ticks (≈ 95 443.7 s).
    const late = clockOf(EPOCH + 86_000_000);
    const wrapWallMs = late.runStartMs + Math.ceil((MPEGTS_WRAP / 90_000 - late.streamSecondsAtStart) * 1000);
    const before = parseVtt(renderWebVttSegment({ startMs: wrapWallMs - 4000, endMs: wrapWallMs }, late, [{ startMs: wrapWallMs - 1000, endMs: wrapWallMs + 1000, text: 'x' }]));
    const after = parseVtt(renderWebVttSegment({ startMs: wrapWallMs, endMs: wrapWallMs + 4000 }, late, [{ startMs: wrapWallMs - 1000, endMs: wrapWallMs + 1000, text: 'x' }]));
    expect(after.mpegts).toBeLessThan(before.mpegts);
    expect(after.mpegts).toBeLessThan(90_000);
    expect(after.localMs).toBeGreaterThan(before.localMs);
    expect(after.localMs).toBeGreaterThan((MPEGTS_WRAP / 90_000) * 1000);
    expect(after.cues).toEqual(before.cues);
    expect(mappedPts(after, after.cues[0]!.startMs)).toBe(videoPtsAt(late, wrapWallMs - 1000));
    expect(mappedPts(before, before.cues[0]!.startMs)).toBe(videoPtsAt(late, wrapWallMs - 1000));
  });

  it('escapes markup and entities, and keeps a payload free of blank lines and "-->"', () => {
    expect(escapeCueText('Tom & Jerry <i>live</i> --> now')).toBe('Tom &amp; Jerry &lt;i&gt;live&lt;/i&gt; --&gt; now');
    expect(escapeCueText('one\n\n  \ntwo\r\nthree\u0007')).toBe('one\ntwo\nthree');
    const text = renderWebVttSegment({ startMs: run.runStartMs, endMs: run.runStartMs + 6000 }, run, [cue(0, 1000, 'a\n\n-->\nb'), cue(2000, 3000, ' \n ')]);
    const body = text.split('\n\n').slice(1).filter(Boolean);
    expect(body).toHaveLength(1);
    expect(body[0]).not.toContain('-->\n');
    expect(body[0]!.split('\n').slice(2)).toEqual(['a', '--&gt;', 'b']);
  });

  it('is deterministic: the same inputs give the same bytes, whatever order the cues came in', () => {
    const span = { startMs: run.runStartMs, endMs: run.runStartMs + 6000 };
    const cues = [cue(3000, 4000, 'b'), cue(1000, 2000, 'a'), cue(1000, 2000, 'a'), cue(1000, 2500, 'c')];
    const one = renderWebVttSegment(span, run, cues);
    expect(renderWebVttSegment(span, run, [...cues].reverse())).toBe(one);
    expect(parseVtt(one).cues.map((c) => c.text)).toEqual(['a', 'c', 'b']);
  });

  it('writes hours past 99 and never a negative time', () => {
    expect(webVttTimestamp(100 * 3_600_000 + 61_001)).toBe('100:01:01.001');
    expect(webVttTimestamp(-5)).toBe('00:00:00.000');
    expect(streamMsAt({ runStartMs: 1000, streamSecondsAtStart: 12.8 }, 1500)).toBe(13_300);
  });
});
