import type { OutputProfile } from '../config/quality.js';
import { buildAiringRenderArgs, type SourceFacts } from '../ffmpeg/airing-command.js';
import { channelGrid } from '../hls/segment-grid.js';
import type { MediaInput } from '../ffmpeg/media-input.js';

/**
 * The cache fill: the live renderer's own command line (src/ffmpeg/airing-command.ts: the same
 * scale/pad, CFR, deinterlace, stereo 48 kHz, loudness, encoder settings), rendering the whole
 * file as one airing, with two differences:
 *  - keyframes on the FILE's grid (every `keyframeInterval` s of content, and at every chapter
 *    marker, since breaks start airings there), not on a channel run's segment grid;
 *  - written to a file, one AAC frame per PES (`-muxdelay 0`): the copy-splicer then chooses
 *    audio frame by frame, so a spliced airing's sound tiles its neighbours' within one frame.
 */
export interface CacheFillSpec {
  /** `input`: how ffmpeg reads it when not the local file at `path` (a media server's URL). */
  source: { path: string; input?: MediaInput; facts: SourceFacts };
  /** Seconds of the file (the library's duration). */
  durationSeconds: number;
  chapterSeconds: number[];
  keyframeIntervalSeconds: number;
  profile: OutputProfile;
  loudnessTarget: number | null;
  output: string;
  /** Graphics burned into this rendition (a channel's static bug), as a live renderer draws them. */
  graphics?: { filter: string };
}

/**
 * The fill renders as if the file aired at this channel-clock time: a whole second, so on the
 * frame grid of any integer frame rate, and 750 AAC frames (on the AAC grid): content time 0 is
 * then both grids' zero, and positive (no negative priming packet for the muxer to shift).
 */
export const FILL_CLOCK_ORIGIN_SECONDS = 16;

/**
 * A little more than the file: the copy-splicer may need up to one AAC frame of sound (and a
 * frame of picture) past a file's end to tile the next airing; padding (last frame, silence)
 * is what the live renderer would show there too.
 */
const TAIL_PADDING_SECONDS = 0.2;

/** Keyframe times: the grid of the file's own time plus every chapter marker, sorted, deduplicated. */
export function cacheKeyframeTimes(durationSeconds: number, chapterSeconds: number[], intervalSeconds: number): number[] {
  const times = new Set<number>();
  for (let t = 0; t < durationSeconds + TAIL_PADDING_SECONDS; t += intervalSeconds) times.add(Number(t.toFixed(3)));
  for (const c of chapterSeconds) if (c > 0 && c < durationSeconds) times.add(Number(c.toFixed(3)));
  return [...times].sort((a, b) => a - b);
}

export function buildCacheFillArgs(spec: CacheFillSpec): string[] {
  const keyframes = cacheKeyframeTimes(spec.durationSeconds, spec.chapterSeconds, spec.keyframeIntervalSeconds);
  return buildAiringRenderArgs({
    source: { path: spec.source.path, ...(spec.source.input ? { input: spec.source.input } : {}), startSeconds: 0, facts: spec.source.facts },
    durationSeconds: spec.durationSeconds + TAIL_PADDING_SECONDS,
    clockSeconds: FILL_CLOCK_ORIGIN_SECONDS,
    runSeconds: 0,
    // Unused (the keyframes are the file's), but the spec wants one.
    grid: channelGrid(10),
    profile: spec.profile,
    loudnessTarget: spec.loudnessTarget,
    ...(spec.graphics ? { graphics: spec.graphics } : {}),
    fileOutput: {
      keyframes: keyframes.join(','),
      muxerArgs: ['-muxdelay', '0', '-muxpreload', '0'],
      // A spliced airing's first AAC frame may start up to 1.6 frames before its first picture.
      audioLeadSamples: 2 * 1024,
      path: spec.output,
    },
  });
}
