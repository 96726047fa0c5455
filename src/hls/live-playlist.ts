/**
 * The live HLS playlist players see. The Segmenter cuts each packager run's segments;
 * they are published here so that the promises players rely on hold across packager
 * restarts:
 *  - the media sequence number never goes back;
 *  - a segment, once listed, keeps its sequence number (and URI);
 *  - a new encoder run starts with EXT-X-DISCONTINUITY, and EXT-X-DISCONTINUITY-SEQUENCE
 *    counts the discontinuities that have slid out of the window (RFC 8216 §4.3.3.3);
 *  - a segment that leaves the window stays on disk for at least the window's duration
 *    (`retiredSegments` tells the janitor when it may go).
 */
export interface IncomingSegment {
  fileName: string;
  durationSeconds: number;
  /** ffmpeg's own (epoch-based) sequence number for the segment. */
  sourceSequence: number;
}

export interface PublishedSegment extends IncomingSegment {
  sequence: number;
  discontinuity: boolean;
  runId: number;
  /** Channel-clock instant the segment's run started at (with the channel's epoch: its stream clock, for WebVTT maps). */
  runStartMs: number;
  publishedAtMs: number;
  /** Channel-clock instant of the segment's first frame (EXT-X-PROGRAM-DATE-TIME). */
  airedAtMs: number;
}

interface RetiredSegment {
  segment: PublishedSegment;
  /** Not to be deleted before this instant. */
  keepUntilMs: number;
}

export interface LivePlaylistOptions {
  targetDurationSeconds: number;
  windowSize: number;
  /** URI written for a segment; the default is its file name (relative to the playlist). */
  uriFor?: (segment: PublishedSegment) => string;
}

export class LivePlaylist {
  private readonly window: PublishedSegment[] = [];
  private retired: RetiredSegment[] = [];
  private lastSequence: number | undefined;
  private discontinuitySequence = 0;
  private runId = 0;
  private runStartMs = 0;
  /** Where the next segment of this run starts on the channel's clock. */
  private runCursorMs = 0;
  private pendingDiscontinuity = false;
  private ended = false;
  /** The rendered text, kept until the playlist changes: a request costs a lookup, not a render. */
  private rendered: string | undefined;
  /** Sibling renditions' texts (subtitles, audio-only), kept like `rendered`, by key. */
  private readonly renderedSiblings = new Map<string, string>();
  /** Bumped on every change; with the boot instant it makes the playlist's ETag. */
  private version = 0;
  private readonly bootId = Date.now().toString(36);

  constructor(private readonly options: LivePlaylistOptions) {}

  /**
   * A new encoder run begins, playing the channel's clock from `runStartMs`: its first
   * segment is marked as a discontinuity.
   */
  beginRun(runId: number, runStartMs: number): void {
    this.changed();
    this.runId = runId;
    this.runStartMs = runStartMs;
    this.runCursorMs = runStartMs;
    this.ended = false;
    if (this.lastSequence !== undefined) this.pendingDiscontinuity = true;
  }

  /**
   * Drops every listed segment at once (a channel coming back after being idle: what it
   * showed minutes ago must not be offered as live). The files are retired, not deleted.
   */
  clearWindow(nowMs: number): void {
    while (this.window.length > 0) this.retireOldest(nowMs);
  }

  append(incoming: IncomingSegment, nowMs: number): PublishedSegment {
    this.changed();
    // HLS has no gaps: a player numbers segments MEDIA-SEQUENCE + position. While segments are
    // listed, the next one must be exactly one more, or a restarted encoder's (epoch-based,
    // further on) numbers would renumber it once the older segments slide out. Only an empty
    // window may jump ahead to the encoder's own number.
    let sequence: number;
    if (this.lastSequence === undefined) sequence = incoming.sourceSequence;
    else if (this.window.length > 0) sequence = this.lastSequence + 1;
    else sequence = Math.max(this.lastSequence + 1, incoming.sourceSequence);
    const segment: PublishedSegment = {
      ...incoming,
      sequence,
      discontinuity: this.pendingDiscontinuity,
      runId: this.runId,
      runStartMs: this.runStartMs,
      publishedAtMs: nowMs,
      airedAtMs: Math.round(this.runCursorMs),
    };
    this.runCursorMs += incoming.durationSeconds * 1000;
    this.pendingDiscontinuity = false;
    this.lastSequence = sequence;
    this.window.push(segment);
    // `windowSize` segments, but never less than three target durations of them (RFC 8216
    // §6.2.2): during a cold start's ramp of short segments the window holds more, so a player
    // reloading now and then still finds the segment after the one it has.
    const minimumSeconds = 3 * this.options.targetDurationSeconds;
    // Nor does a segment leave before it has been listed for a target duration and a half: a
    // player reloads about once a target duration, and a new run (a restart, an alert breaking
    // in) publishes its short ramp segments ahead all at once, which by the seconds alone would
    // retire the run's first segments within a second, before such a player ever saw them.
    const holdMs = 1.5 * this.options.targetDurationSeconds * 1000;
    while (
      this.window.length > this.options.windowSize &&
      this.listedSeconds() - this.window[0]!.durationSeconds >= minimumSeconds &&
      nowMs - this.window[0]!.publishedAtMs >= holdMs
    ) {
      this.retireOldest(nowMs);
    }
    return segment;
  }

  private listedSeconds(): number {
    return this.window.reduce((sum, s) => sum + s.durationSeconds, 0);
  }

  private retireOldest(nowMs: number): void {
    this.changed();
    const segment = this.window.shift();
    if (!segment) return;
    // The tag leaves with the segment that carried it (RFC 8216 §6.2.1).
    if (segment.discontinuity) this.discontinuitySequence += 1;
    // A client that fetched the playlist just before this moment may still ask for the
    // segment while it plays the rest of the window, so keep it for the window's duration
    // plus one target duration of slack.
    const windowSeconds = this.window.reduce((sum, s) => sum + s.durationSeconds, segment.durationSeconds);
    const keepMs = (windowSeconds + this.options.targetDurationSeconds) * 1000;
    this.retired.push({ segment, keepUntilMs: nowMs + keepMs });
  }

  /** Marks the end of the channel (e.g. after `--loops N`): players stop at the last segment. */
  end(): void {
    this.changed();
    this.ended = true;
  }

  private changed(): void {
    this.rendered = undefined;
    this.renderedSiblings.clear();
    this.version += 1;
  }

  /** Strong validator of the current text (for conditional requests and caches in front). */
  get etag(): string {
    return `"${this.bootId}-${this.version}"`;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The newest published sequence number (listed or not), if any. */
  get lastPublishedSequence(): number | undefined {
    return this.lastSequence;
  }

  get segments(): readonly PublishedSegment[] {
    return this.window;
  }

  get latest(): PublishedSegment | undefined {
    return this.window[this.window.length - 1];
  }

  /** Retired segments whose keep-until time has passed; they are forgotten once returned. */
  takeExpired(nowMs: number): PublishedSegment[] {
    const expired = this.retired.filter((r) => r.keepUntilMs <= nowMs).map((r) => r.segment);
    this.retired = this.retired.filter((r) => r.keepUntilMs > nowMs);
    return expired;
  }

  /** A listed or retired-but-kept segment, by file name. */
  find(fileName: string): PublishedSegment | undefined {
    return this.window.find((s) => s.fileName === fileName) ?? this.retired.find((r) => r.segment.fileName === fileName)?.segment;
  }

  /** True while a segment is listed or retired-but-kept: it must be served. */
  isServable(fileName: string): boolean {
    return this.window.some((s) => s.fileName === fileName) || this.retired.some((r) => r.segment.fileName === fileName);
  }

  render(): string {
    this.rendered ??= this.renderText(this.options.uriFor ?? ((segment) => segment.fileName));
    return this.rendered;
  }

  /**
   * The media playlist of a sibling rendition cut from the same segments (a WebVTT subtitle
   * rendition, an audio-only rendition): the same media sequence, EXTINF durations,
   * discontinuities, discontinuity sequence, program date-times and target duration, so players
   * line its segments up with the video's (RFC 8216 §6.2.4); only each segment's URI differs.
   * Rendered once per change and `key` (one per rendition), like `render()`; same ETag.
   */
  renderSibling(key: string, uriFor: (segment: PublishedSegment) => string): string {
    let text = this.renderedSiblings.get(key);
    if (text === undefined) {
      text = this.renderText(uriFor);
      this.renderedSiblings.set(key, text);
    }
    return text;
  }

  private renderText(uriFor: (segment: PublishedSegment) => string): string {
    const first = this.window[0];
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      `#EXT-X-TARGETDURATION:${this.options.targetDurationSeconds}`,
      `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? (this.lastSequence ?? 0) + 1}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
      // Blocking playlist reload (RFC 8216bis §6.2.5.2): a player may ask for the playlist that
      // holds segment N (`?_HLS_msn=N`) and gets it the moment N is published, instead of
      // polling every half target duration — which starved cold starts between short segments.
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES',
    ];
    for (const segment of this.window) {
      if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.airedAtMs).toISOString()}`);
      lines.push(`#EXTINF:${segment.durationSeconds.toFixed(3)},`);
      lines.push(uriFor(segment));
    }
    if (this.ended) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }
}
