/**
 * A channel's stream clock: the timestamps its runs write. Renderers, copy-spliced cache slices
 * and both packagers agree on it, so the segments of every run line up on one clock.
 */

/**
 * What ffmpeg's MPEG-TS muxer adds to every timestamp it writes (its default mux delay and
 * preload; measured: `-output_ts_offset X` gives a first picture at X + 1.4 s, and with -copyts
 * a packager's output PTS is its input's + 1.4 s). A live renderer adds it, and so does the
 * packager after it: the stream clock carries it twice.
 */
export const MPEGTS_MUXER_OFFSET_SECONDS = 1.4;

/** MPEG-TS timestamps wrap after 2^33 / 90 kHz ≈ 26.5 h; restarting the clock daily keeps a run inside. */
const TIMESTAMP_PERIOD_SECONDS = 86_400;

/**
 * Output timestamps never start at 0: the first AAC packet (encoder priming) would be negative,
 * and the MPEG-TS muxer would then shift that whole renderer later by 21 ms, off the grids.
 */
const CLOCK_ORIGIN_SECONDS = 10;

/** The stream-clock second a run starting at `runStartMs` begins at, on a channel whose clock began at `epochMs`. */
export function runClockSeconds(runStartMs: number, epochMs: number): number {
  return CLOCK_ORIGIN_SECONDS + (((runStartMs - epochMs) / 1000) % TIMESTAMP_PERIOD_SECONDS);
}
