import { describe, expect, it } from 'vitest';
import { LivePlaylist } from '../../../src/hls/live-playlist.js';
import {
  audioRenditionPlaylist,
  parseSiblingSegmentName,
  segmentWallSpan,
  siblingSegmentName,
  subtitlePlaylist,
} from '../../../src/hls/subtitle-playlist.js';
import { parsePlaylist } from '../../helpers/hls.js';

const seg = (n: number, durationSeconds: number, run = 1) => ({ fileName: `r${run}-${n}.ts`, durationSeconds, sourceSequence: n });

/**
 * A channel's video playlist after three runs: one discontinuity has slid out of the window
 * (EXT-X-DISCONTINUITY-SEQUENCE 1) and one is listed. What the siblings must mirror.
 */
function videoPlaylist(): LivePlaylist {
  const playlist = new LivePlaylist({ targetDurationSeconds: 6, windowSize: 4, uriFor: (s) => `1/${s.fileName}` });
  const runs: Array<[number, number, number]> = [
    [1, 1_000_000, 3],
    [2, 1_018_000, 2],
    [3, 1_030_000, 3],
  ];
  for (const [run, startMs, count] of runs) {
    playlist.beginRun(run, startMs);
    for (let i = 0; i < count; i++) playlist.append(seg(startMs / 1000 + i, i === 0 ? 0.5 : 6, run), startMs + i * 6000 + 60_000);
  }
  return playlist;
}

describe('subtitle and audio-only playlists', () => {
  it('mirror the video playlist: sequence numbers, durations, discontinuities, target duration', () => {
    const playlist = videoPlaylist();
    const video = parsePlaylist(playlist.render());
    expect(video.discontinuitySequence).toBe(1);
    expect(video.segments.some((s) => s.discontinuity)).toBe(true);
    for (const text of [subtitlePlaylist(playlist, 'eng', false, '1/'), subtitlePlaylist(playlist, 'jpn', true), audioRenditionPlaylist(playlist, 1, '1/')]) {
      const sibling = parsePlaylist(text);
      expect(sibling.mediaSequence).toBe(video.mediaSequence);
      expect(sibling.discontinuitySequence).toBe(video.discontinuitySequence);
      expect(sibling.targetDuration).toBe(video.targetDuration);
      expect(sibling.segments.map((s) => [s.sequence, s.duration, s.discontinuity, s.programDateTime])).toEqual(
        video.segments.map((s) => [s.sequence, s.duration, s.discontinuity, s.programDateTime]),
      );
      // Line for line the same text, but for the URIs.
      const strip = (t: string) => t.split('\n').filter((l) => l.startsWith('#'));
      expect(strip(text)).toEqual(strip(playlist.render()));
    }
    expect(parsePlaylist(subtitlePlaylist(playlist, 'eng', false, '1/')).segments.map((s) => s.uri)).toEqual(video.segments.map((s) => s.uri.replace(/\.ts$/, '.sub-eng.vtt')));
    expect(parsePlaylist(subtitlePlaylist(playlist, 'jpn', true)).segments[0]!.uri).toMatch(/^r\d+-\d+\.sub-jpn-forced\.vtt$/);
    expect(parsePlaylist(audioRenditionPlaylist(playlist, 1, '1/')).segments[0]!.uri).toMatch(/^1\/r\d+-\d+\.aud-1\.ts$/);
  });

  it('are rendered once per change of the video playlist', () => {
    const playlist = videoPlaylist();
    const first = subtitlePlaylist(playlist, 'eng', false);
    expect(subtitlePlaylist(playlist, 'eng', false)).toBe(first);
    playlist.append(seg(1033, 6, 3), 1_200_000);
    const after = subtitlePlaylist(playlist, 'eng', false);
    expect(after).not.toBe(first);
    expect(after).toContain('r3-1033.sub-eng.vtt');
    // The video playlist's own render is unaffected by its siblings.
    expect(playlist.render()).toContain('1/r3-1033.ts');
  });

  it('name sibling segments after their video segment, and read the names back (anything else is not one)', () => {
    const cases = [
      [{ kind: 'subtitles', language: 'eng', forced: false }, 'r3-17.sub-eng.vtt'],
      [{ kind: 'subtitles', language: 'jpn', forced: true }, 'r3-17.sub-jpn-forced.vtt'],
      [{ kind: 'audio', slot: 0 }, 'r3-17.aud-0.ts'],
      [{ kind: 'audio', slot: 15 }, 'r3-17.aud-15.ts'],
    ] as const;
    for (const [rendition, name] of cases) {
      expect(siblingSegmentName('r3-17.ts', rendition)).toBe(name);
      expect(parseSiblingSegmentName(name)).toEqual({ videoFileName: 'r3-17.ts', rendition });
    }
    for (const bad of ['r3-17.ts', 'r3-17.sub-ENG.vtt', 'r3-17.sub-english.vtt', 'r3-17.aud-16.ts', 'r3-17.aud-01.ts', '../r3-17.sub-eng.vtt', 'r3-17.sub-eng.vtt.ts', 'x.sub-eng.vtt']) {
      expect(parseSiblingSegmentName(bad)).toBeUndefined();
    }
    expect(() => siblingSegmentName('r3-17.ts', { kind: 'subtitles', language: 'e"g', forced: false })).toThrow();
    expect(() => siblingSegmentName('r3-17.ts', { kind: 'audio', slot: 16 })).toThrow();
  });

  it('records each segment’s run start and wall span (what its WebVTT segment is cut for)', () => {
    const playlist = videoPlaylist();
    const segments = playlist.segments;
    const last = segments[segments.length - 1]!;
    expect(last.runStartMs).toBe(1_030_000);
    expect(segmentWallSpan(last)).toEqual({ startMs: 1_036_500, endMs: 1_042_500 });
    // Within a run the spans tile.
    const run2 = segments.filter((s) => s.runId === 3).map(segmentWallSpan);
    expect(run2.length).toBe(3);
    for (let i = 1; i < run2.length; i++) expect(run2[i]!.startMs).toBe(run2[i - 1]!.endMs);
  });
});
