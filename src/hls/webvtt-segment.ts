/**
 * One WebVTT segment of a subtitle rendition (RFC 8216 §3.5): the cues visible during one video
 * segment, timed on that segment's stream clock. Pure and deterministic: a segment is fetched
 * again and again (players, proxies), and must be the same bytes each time.
 *
 * Timing. Cue times are written on the run's stream clock itself — the unwrapped PTS in
 * milliseconds — and `X-TIMESTAMP-MAP` states the identity at the segment's start:
 * `MPEGTS:<that instant's PTS mod 2^33>,LOCAL:<that instant>`. So:
 *  - across airings, a run's clock runs on (renderers write the channel's clock), and so do the
 *    cue times;
 *  - across a new run (a packager restart, a break-in), each segment carries its own run's clock
 *    (the caller passes it), and players map it through that segment's map, after the
 *    EXT-X-DISCONTINUITY the video has there too;
 *  - across the 33-bit wrap, MPEGTS is written modulo 2^33 as the video's PTS is, while LOCAL and
 *    the cue times keep counting: the map is always near the segment, where a player unwraps it
 *    against the video (hls.js: normalizePts against the fragment's start).
 * Every cue carries an identifier made from its wall-clock times and text, the same in every
 * segment it is repeated in: hls.js keeps one cue per identifier, so a cue repeated across
 * segments shows once, where the float arithmetic of its own ids could tell two copies apart.
 */
import type { WallCue } from '../subtitles/cue.js';

/** MPEG-TS timestamps are a 33-bit count of a 90 kHz clock. */
export const MPEGTS_WRAP = 2 ** 33;
const TICKS_PER_MS = 90;

/**
 * A run's stream clock, as playout places it: at wall instant `runStartMs` the stream's PTS is
 * `streamSecondsAtStart` (not wrapped). Playout computes it as
 * `runClockSeconds(runStartMs, epochMs) + 2 × MPEGTS_MUXER_OFFSET_SECONDS`
 * (src/playout/stream-clock.ts: the renderers' `-output_ts_offset` is the run clock, and the
 * renderer's and the packager's muxers each add their offset once).
 */
export interface RunStreamClock {
  runStartMs: number;
  streamSecondsAtStart: number;
}

/** The wall-clock span a video segment shows (its EXT-X-PROGRAM-DATE-TIME and EXTINF). */
export interface SegmentSpan {
  startMs: number;
  endMs: number;
}

/** Stream-clock milliseconds (unwrapped) at a wall instant of the run; whole milliseconds, so cue times and the map agree exactly. */
export function streamMsAt(clock: RunStreamClock, wallMs: number): number {
  return Math.round(clock.streamSecondsAtStart * 1000) + Math.round(wallMs - clock.runStartMs);
}

/** `hh:mm:ss.ttt`, hours as many digits as needed (WebVTT allows more than two). */
export function webVttTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor(total / 60_000) % 60;
  const seconds = Math.floor(total / 1000) % 60;
  const millis = total % 1000;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(hours)}:${two(minutes)}:${two(seconds)}.${String(millis).padStart(3, '0')}`;
}

/** The `X-TIMESTAMP-MAP` header line tying stream-clock millisecond `localMs` to its PTS. */
export function timestampMapLine(localMs: number): string {
  const ticks = (localMs * TICKS_PER_MS) % MPEGTS_WRAP;
  return `X-TIMESTAMP-MAP=MPEGTS:${ticks},LOCAL:${webVttTimestamp(localMs)}`;
}

/**
 * Cue text as a WebVTT payload: `&`, `<` and `>` as character references (so no markup, and no
 * `-->`, which would end the payload early in some parsers), no blank or whitespace-only line (a
 * blank line ends the cue), no control characters. Empty when nothing printable is left.
 */
export function escapeCueText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .split('\n')
    .map((line) => line.replace(/\t/g, ' ').trimEnd())
    .filter((line) => line.trim().length > 0)
    .join('\n')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** FNV-1a over the UTF-16 code units: a short, stable fingerprint of a cue's text for its identifier. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The cue's identifier: its wall-clock span and text, so every segment repeating it names it alike. */
export function cueIdentifier(cue: WallCue): string {
  return `${Math.round(cue.startMs)}-${Math.round(cue.endMs)}-${fingerprint(cue.text)}`;
}

const byTime = (a: WallCue, b: WallCue): number => a.startMs - b.startMs || a.endMs - b.endMs || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

/**
 * The WebVTT segment for the video segment that shows wall span `span` in the run `clock`: the
 * header, the timestamp map, then every cue of `cues` visible during the span (started before
 * it included, whole: a cue spanning segments is repeated in each, as RFC 8216 §3.5 expects),
 * in time order, each once. No cue: a valid file with just the header.
 */
export function renderWebVttSegment(span: SegmentSpan, clock: RunStreamClock, cues: readonly WallCue[]): string {
  const lines = ['WEBVTT', timestampMapLine(streamMsAt(clock, span.startMs)), ''];
  const seen = new Set<string>();
  for (const cue of [...cues].filter((c) => c.startMs < span.endMs && c.endMs > span.startMs && c.endMs > c.startMs).sort(byTime)) {
    const payload = escapeCueText(cue.text);
    const id = cueIdentifier(cue);
    if (!payload || seen.has(id)) continue;
    seen.add(id);
    lines.push(id, `${webVttTimestamp(streamMsAt(clock, cue.startMs))} --> ${webVttTimestamp(streamMsAt(clock, cue.endMs))}`, payload, '');
  }
  return `${lines.join('\n')}\n`;
}
