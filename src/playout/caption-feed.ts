import type { CaptionCue } from '../captions/cea608-schedule.js';
import { TS_CLOCK_HZ } from '../streaming/mpegts.js';
import type { WallCue } from '../subtitles/cue.js';
import { runStreamClock } from './language-renditions.js';

/**
 * The cues of a channel's closed captions, for one run's caption inserter (src/captions): the
 * subtitle timeline's wall-clock cues (CC1: the first subtitle language, CC3: the second),
 * placed on the run's stream clock.
 *
 * The inserter asks synchronously, a few seconds ahead of the video, as packets pass; reading
 * cues may take a file read or an ffmpeg extraction. So the feed reads ahead on its own — a
 * window of FETCH_AHEAD_MS past what was last asked, refreshed as the stream moves — and
 * answers from what it has. A cue that arrives after the inserter first asked for its moment
 * is still planned if its start is still ahead (the inserter asks in overlapping windows).
 *
 * The window is read in steps of FETCH_STEP_MS, each used as soon as it is read: a run's first
 * seconds pass the inserter within a second or two of its start, and one read of the whole
 * window would hold the airing on now (a sidecar, read in milliseconds) until every later
 * airing in the window is read too (an embedded track, extracted by ffmpeg one file at a time),
 * so a cold channel lost its first captions.
 */
export interface CaptionLanguage {
  /** CC1 or CC3. */
  channel: 1 | 3;
  cuesBetween(fromMs: number, toMs: number): Promise<WallCue[]>;
}

/** Wall-clock span read per fetch: a minute of cues is a few kB. */
const FETCH_AHEAD_MS = 60_000;
/** The window is read in steps this long, each planned as soon as it is read. */
const FETCH_STEP_MS = 5_000;
/** A fetch is started again when the stream is this close to the end of what was read. */
const REFETCH_MARGIN_MS = 20_000;

export class CaptionFeed {
  private readonly clock: { runStartMs: number; streamSecondsAtStart: number };
  private cues: CaptionCue[] = [];
  private fetchedUntilMs: number;
  private fetching = false;

  constructor(
    private readonly languages: readonly CaptionLanguage[],
    runStartMs: number,
    epochMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.clock = runStreamClock(runStartMs, epochMs);
    this.fetchedUntilMs = runStartMs;
    this.fetch(runStartMs);
  }

  /** The inserter's question: cues visible in [fromPts, toPts) (90 kHz ticks, unwrapped). */
  readonly cuesBetween = (fromPts: number, toPts: number): CaptionCue[] => {
    const toMs = this.wallMsAt(toPts);
    if (toMs > this.fetchedUntilMs - REFETCH_MARGIN_MS) this.fetch(Math.max(this.wallMsAt(fromPts), this.fetchedUntilMs));
    return this.cues.filter((cue) => cue.endPts > fromPts && cue.startPts < toPts);
  };

  private wallMsAt(pts: number): number {
    return this.clock.runStartMs + (pts / TS_CLOCK_HZ - this.clock.streamSecondsAtStart) * 1000;
  }

  private ptsAt(wallMs: number): number {
    return Math.round((this.clock.streamSecondsAtStart + (wallMs - this.clock.runStartMs) / 1000) * TS_CLOCK_HZ);
  }

  private fetch(fromMs: number): void {
    if (this.fetching) return;
    this.fetching = true;
    const toMs = fromMs + FETCH_AHEAD_MS;
    // Cues already past are let go.
    const horizon = this.ptsAt(fromMs) - 10 * TS_CLOCK_HZ;
    this.cues = this.cues.filter((cue) => cue.endPts > horizon);
    let failed = false;
    const steps: Array<Promise<void>> = [];
    for (let stepMs = fromMs; stepMs < toMs; stepMs += FETCH_STEP_MS) {
      const stepEndMs = Math.min(toMs, stepMs + FETCH_STEP_MS);
      const step = Promise.all(this.languages.map(async (language) => (await language.cuesBetween(stepMs, stepEndMs)).map((cue) => ({ ...cue, channel: language.channel }))))
        .then((perLanguage) => this.add(perLanguage.flat()))
        .catch((error: unknown) => {
          // Told once per window, as when it was read in one piece.
          if (!failed) this.onError(error);
          failed = true;
        });
      steps.push(step);
    }
    void Promise.all(steps).finally(() => {
      // A window with a failed step is read again at the inserter's next question.
      if (!failed) this.fetchedUntilMs = Math.max(this.fetchedUntilMs, toMs);
      this.fetching = false;
    });
  }

  /** Read cues placed on the stream clock; a cue read twice (it straddles two steps or windows) is kept once. */
  private add(read: Array<{ startMs: number; endMs: number; text: string; channel: 1 | 3 }>): void {
    const seen = new Set(this.cues.map(key));
    for (const cue of read) {
      const placed: CaptionCue = { startPts: this.ptsAt(cue.startMs), endPts: this.ptsAt(cue.endMs), text: cue.text, channel: cue.channel };
      const k = key(placed);
      if (seen.has(k)) continue;
      seen.add(k);
      this.cues.push(placed);
    }
  }
}

const key = (cue: CaptionCue): string => `${cue.channel ?? 1}|${cue.startPts}|${cue.endPts}|${cue.text}`;
