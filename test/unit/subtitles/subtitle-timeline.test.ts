import { describe, expect, it, vi } from 'vitest';
import type { Cue, SubtitleCueSource, WallCue } from '../../../src/subtitles/cue.js';
import { SubtitleTimeline, placeCues, type SubtitleAiring } from '../../../src/subtitles/subtitle-timeline.js';

const T0 = Date.UTC(2024, 0, 1, 20);

/** A timeline over fixed airings (what ChannelTimeline.airingsBetween answers). */
const timelineOf = (airings: SubtitleAiring[]) => ({
  airingsBetween: (fromMs: number, toMs: number) => airings.filter((a) => a.startMs < toMs && a.endMs > fromMs),
});

function cueSource(files: Record<number, Cue[]>, forced: Record<number, Cue[]> = {}): SubtitleCueSource & { cuesFor: ReturnType<typeof vi.fn> } {
  return {
    tracksOf: () => [],
    cuesFor: vi.fn(async (mediaId: number, _language: string, options?: { forced?: boolean }) => (options?.forced ? forced[mediaId] : files[mediaId])),
  };
}

const rel = (cues: WallCue[]) => cues.map((c) => [c.startMs - T0, c.endMs - T0, c.text]);

describe('subtitle timeline', () => {
  // A programme (file 7) in two parts around a commercial break, then another programme (file 8).
  const part1: SubtitleAiring = { startMs: T0, endMs: T0 + 60_000, inPointMs: 0, kind: 'program', mediaId: 7 };
  const commercial: SubtitleAiring = { startMs: T0 + 60_000, endMs: T0 + 90_000, inPointMs: 0, kind: 'commercial', mediaId: 99 };
  const part2: SubtitleAiring = { startMs: T0 + 90_000, endMs: T0 + 150_000, inPointMs: 60_000, kind: 'program', mediaId: 7 };
  const next: SubtitleAiring = { startMs: T0 + 150_000, endMs: T0 + 200_000, inPointMs: 10_000, kind: 'program', mediaId: 8 };
  const files = {
    7: [
      { startMs: 1000, endMs: 3000, text: 'first' },
      { startMs: 58_000, endMs: 62_000, text: 'cut by the break' },
      { startMs: 65_000, endMs: 66_000, text: 'after the break' },
    ],
    8: [
      { startMs: 5000, endMs: 11_000, text: 'before the in-point' },
      { startMs: 12_000, endMs: 13_000, text: 'second programme' },
    ],
    99: [{ startMs: 0, endMs: 30_000, text: 'commercial has subtitles too' }],
  };

  it('maps file cues onto the wall clock through each airing, across two airings and a break', async () => {
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([part1, commercial, part2, next]), cues: cueSource(files) });
    expect(rel(await subtitles.cuesBetween(T0, T0 + 200_000, 'eng', 'on'))).toEqual([
      [1000, 3000, 'first'],
      // Ends at the break; the rest (60–62 s of the file) resumes after it, where part 2 plays it.
      [58_000, 60_000, 'cut by the break'],
      [90_000, 92_000, 'cut by the break'],
      [95_000, 96_000, 'after the break'],
      // Clipped at the airing's start: the cue began before the in-point.
      [150_000, 151_000, 'before the in-point'],
      [152_000, 153_000, 'second programme'],
    ]);
  });

  it('leaves breaks, filler, bumpers and slates empty whatever their files hold', async () => {
    const others = ['commercial', 'bumper', 'promo', 'station_id', 'filler', 'slate'].map((kind) => ({ ...commercial, kind }));
    const source = cueSource(files);
    const subtitles = new SubtitleTimeline({ timeline: timelineOf(others), cues: source });
    expect(await subtitles.cuesBetween(T0 + 60_000, T0 + 90_000, 'eng', 'on')).toEqual([]);
    expect(source.cuesFor).not.toHaveBeenCalled();
  });

  it('answers a window with the cues visible in it, those begun before it included', async () => {
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([part1, commercial, part2]), cues: cueSource(files) });
    expect(rel(await subtitles.cuesBetween(T0 + 2000, T0 + 59_000, 'eng', 'on'))).toEqual([
      [1000, 3000, 'first'],
      [58_000, 60_000, 'cut by the break'],
    ]);
    expect(rel(await subtitles.cuesBetween(T0 + 3000, T0 + 58_000, 'eng', 'on'))).toEqual([]);
  });

  it('clips at the airing boundaries exactly (end exclusive)', () => {
    const placed = placeCues({ startMs: 1000, endMs: 2000, inPointMs: 500, kind: 'program', mediaId: 1 }, [
      { startMs: 0, endMs: 500, text: 'before' },
      { startMs: 400, endMs: 600, text: 'straddles start' },
      { startMs: 1400, endMs: 1600, text: 'straddles end' },
      { startMs: 1500, endMs: 1700, text: 'after' },
    ]);
    expect(placed).toEqual([
      { startMs: 1000, endMs: 1100, text: 'straddles start' },
      { startMs: 1900, endMs: 2000, text: 'straddles end' },
    ]);
  });

  it('shows an alert’s message for the alert span instead of the programme’s cues', async () => {
    const alert: SubtitleAiring = { startMs: T0 + 1500, endMs: T0 + 2500, inPointMs: 0, kind: 'alert', alert: { message: '  Tornado warning for the county  ' } };
    const subtitles = new SubtitleTimeline({
      timeline: timelineOf([part1]),
      cues: cueSource(files),
      alerts: (from, to) => [alert].filter((a) => a.startMs < to && a.endMs > from),
    });
    expect(rel(await subtitles.cuesBetween(T0, T0 + 10_000, 'eng', 'on'))).toEqual([
      [1000, 1500, 'first'],
      [1500, 2500, 'Tornado warning for the county'],
      [2500, 3000, 'first'],
    ]);
    // Forced-only subtitles still carry the alert: it is essential.
    expect(rel(await subtitles.cuesBetween(T0, T0 + 10_000, 'eng', 'forced'))).toEqual([[1500, 2500, 'Tornado warning for the county']]);
  });

  it('reads the forced track in forced mode', async () => {
    const source = cueSource(files, { 7: [{ startMs: 2000, endMs: 2500, text: 'SIGN: Exit' }] });
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([part1]), cues: source });
    expect(rel(await subtitles.cuesBetween(T0, T0 + 10_000, 'jpn', 'forced'))).toEqual([[2000, 2500, 'SIGN: Exit']]);
    expect(source.cuesFor).toHaveBeenCalledWith(7, 'jpn', { forced: true });
  });

  it('reads each airing once for any number of segment requests, concurrent ones included', async () => {
    const source = cueSource(files);
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([part1, part2]), cues: source });
    await Promise.all([subtitles.cuesBetween(T0, T0 + 6000, 'eng', 'on'), subtitles.cuesBetween(T0, T0 + 6000, 'eng', 'on')]);
    for (let t = 0; t < 60_000; t += 6000) await subtitles.cuesBetween(T0 + t, T0 + t + 6000, 'eng', 'on');
    expect(source.cuesFor).toHaveBeenCalledTimes(1);
    await subtitles.cuesBetween(T0 + 90_000, T0 + 96_000, 'eng', 'on');
    expect(source.cuesFor).toHaveBeenCalledTimes(2);
  });

  it('keeps a bounded number of airings (least recently used go)', async () => {
    const source = cueSource(files);
    const airings = Array.from({ length: 10 }, (_, i) => ({ startMs: T0 + i * 1000, endMs: T0 + (i + 1) * 1000, inPointMs: 0, kind: 'program', mediaId: 7 }));
    const subtitles = new SubtitleTimeline({ timeline: timelineOf(airings), cues: source, maxCachedAirings: 3 });
    for (const a of airings) await subtitles.cuesBetween(a.startMs, a.endMs, 'eng', 'on');
    expect(source.cuesFor).toHaveBeenCalledTimes(10);
    await subtitles.cuesBetween(airings[9]!.startMs, airings[9]!.endMs, 'eng', 'on');
    expect(source.cuesFor).toHaveBeenCalledTimes(10);
    await subtitles.cuesBetween(airings[0]!.startMs, airings[0]!.endMs, 'eng', 'on');
    expect(source.cuesFor).toHaveBeenCalledTimes(11);
  });

  it('a file whose cues cannot be read shows none, and is asked again only after a while', async () => {
    let now = T0;
    const source = cueSource(files);
    source.cuesFor.mockRejectedValueOnce(new Error('unreadable'));
    const onError = vi.fn();
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([part1]), cues: source, onError, now: () => now });
    expect(await subtitles.cuesBetween(T0, T0 + 6000, 'eng', 'on')).toEqual([]);
    expect(onError).toHaveBeenCalledWith(expect.any(Error), 7);
    expect(await subtitles.cuesBetween(T0, T0 + 6000, 'eng', 'on')).toEqual([]);
    expect(source.cuesFor).toHaveBeenCalledTimes(1);
    now += 60_000;
    expect(rel(await subtitles.cuesBetween(T0, T0 + 6000, 'eng', 'on'))).toEqual([[1000, 3000, 'first']]);
  });

  it('an airing whose file has no track in the language shows nothing', async () => {
    const subtitles = new SubtitleTimeline({ timeline: timelineOf([next]), cues: cueSource({}) });
    expect(await subtitles.cuesBetween(next.startMs, next.endMs, 'fre', 'on')).toEqual([]);
  });
});
