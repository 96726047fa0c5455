import type { ConcatEntry } from '../ffmpeg/command-builder.js';
import type { ChannelTimeline } from '../timeline/types.js';

/** What one encoder run plays: the timeline from `startsAtMs` on, as an ffconcat list. */
export interface EncoderPlan {
  entries: ConcatEntry[];
  /** Seconds into the first entry: where the channel is right now (join in progress). */
  startOffsetSeconds: number;
  /** Output timestamps start here, so they keep increasing across encoder runs. */
  outputTimestampOffsetSeconds: number;
  startsAtMs: number;
  endsAtMs: number;
}

/** MPEG-TS timestamps wrap after 2^33 / 90 kHz ≈ 26.5 h; restarting the offset daily keeps it well inside. */
const TIMESTAMP_PERIOD_SECONDS = 86_400;

/**
 * Plans an encoder run from the timeline at `nowMs`, covering `horizonMs` (or up to the
 * channel's end). When the run finishes its plan, the next run is planned from the
 * timeline again, so any drift between encoder and wall clock is corrected there.
 */
export function planEncoderRun(options: {
  timeline: ChannelTimeline;
  epochMs: number;
  nowMs: number;
  horizonMs?: number;
  maxEntries?: number;
}): EncoderPlan | undefined {
  const { timeline, nowMs } = options;
  const position = timeline.at(nowMs);
  if (!position) return undefined;
  const airings = timeline.airingsBetween(nowMs, nowMs + (options.horizonMs ?? 6 * 3600_000), options.maxEntries ?? 2000);
  const entries = airings.map<ConcatEntry>((airing) => {
    const entry: ConcatEntry = { path: airing.mediaPath, durationSeconds: (airing.endMs - airing.startMs) / 1000 };
    if (airing.inPointMs > 0) entry.inpointSeconds = airing.inPointMs / 1000;
    if (airing.outPointMs < airing.inPointMs + (airing.endMs - airing.startMs)) entry.outpointSeconds = airing.outPointMs / 1000;
    return entry;
  });
  const last = airings[airings.length - 1]!;
  return {
    entries,
    startOffsetSeconds: position.offsetMs / 1000,
    outputTimestampOffsetSeconds: ((nowMs - options.epochMs) / 1000) % TIMESTAMP_PERIOD_SECONDS,
    startsAtMs: nowMs,
    endsAtMs: last.endMs,
  };
}
