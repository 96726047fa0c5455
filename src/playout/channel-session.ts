import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OutputProfile } from '../config/quality.js';
import type { Readable, Writable } from 'node:stream';
import { buildPackagerArgs } from '../ffmpeg/airing-command.js';
import { RunSupervisor, type FfmpegProgress, type InProcessRun, type LaunchSpec } from '../ffmpeg/run-supervisor.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import { LivePlaylist } from '../hls/live-playlist.js';
import { cachedStartGrid, channelGrid, MAX_KEYFRAME_INTERVAL_SECONDS } from '../hls/segment-grid.js';
import { cachedRunStart } from '../cache/splice-plan.js';
import { airsFile } from '../timeline/airing-kind.js';
import { writeSegmentFile } from '../hls/segment-file.js';
import { WriteErrorLog } from '../disk/write-errors.js';
import { Segmenter, type CutSegment } from '../hls/segmenter.js';
import type { Logger } from '../logging/logger.js';
import { PackagerOutput } from '../streaming/packager-output.js';
import { TsRemuxer } from '../streaming/ts-remuxer.js';
import { TsStreamFanout } from '../streaming/ts-stream-fanout.js';
import type { ChannelTimeline } from '../timeline/types.js';
import { AiringChain, type AiringChainOptions, type RendererInfo } from './airing-chain.js';
import { commonCachedStart, latestStart, type RunLockstep } from './run-lockstep.js';
import { MPEGTS_MUXER_OFFSET_SECONDS, runClockSeconds } from './stream-clock.js';
import { CaptionInserter } from '../captions/caption-inserter.js';
import { CaptionFeed, type CaptionLanguage } from './caption-feed.js';

type ChannelState = 'stopped' | 'starting' | 'live' | 'ended';

export interface ChannelSessionOptions {
  channelNumber: number;
  timeline: ChannelTimeline;
  epochMs: number;
  toolchain: Toolchain;
  profile: OutputProfile;
  segmentDurationSeconds: number;
  playlistSize: number;
  /** EBU R128 target in LUFS for every airing's audio, or null to leave levels alone. */
  loudnessTarget: number | null;
  /** Seconds of stream the packager may work ahead of real time (`streaming.work_ahead`). */
  workAheadSeconds: number;
  /** Seconds of stream a new `.ts` viewer gets at once (`streaming.ts_burst`). */
  tsBurstSeconds: number;
  /** What joins the airings into one stream (`streaming.packager`): Node (default) or an ffmpeg process. */
  packager?: 'node' | 'ffmpeg';
  /** Folder of this channel's generated files (segments, plans). */
  workDir: string;
  log: Logger;
  /** The channel's time zone (alert cards print the issuing time in it). */
  timeZone?: string;
  /** How alert cards look per type (`alerts.styles`). */
  alertStyles?: AiringChainOptions['alertStyles'];
  /** The channel's branding for its slates. */
  slateStyle?: AiringChainOptions['slateStyle'];
  /** Station graphics for each slice the chain renders (src/graphics); absent = none. */
  graphics?: AiringChainOptions['graphics'];
  /** The channel's overload step (src/capacity), read for every slice; absent: never degraded. */
  degraded?: AiringChainOptions['degraded'];
  /** The station's live sources, for the channel's live blocks; absent: they air their fallback. */
  live?: AiringChainOptions['live'];
  /** The media cache as this channel's profile sees it; absent = every airing rendered live. */
  cache?: AiringChainOptions['cache'];
  /**
   * Adaptive bitrate: the lockstep of the channel's renditions this session is one of
   * (src/playout/run-lockstep.ts): every run starts where all of them agree.
   */
  lockstep?: RunLockstep;
  /**
   * Closed captions made from the channel's subtitle cues (issue 22): CEA-608 inserted into the
   * video as it leaves the packager, for rendered and copied airings alike. Absent: none added
   * (captions the sources carry still pass through the renderers).
   */
  captions?: readonly CaptionLanguage[];
  /**
   * Subtitles burned into programmes' pictures (issue 22): the channel's subtitle mode, its first
   * subtitle language and the library's cues (src/playout/burn-in.ts decides per slice). The
   * cue files go under `<workDir>/burn-in`. Absent: nothing is burned.
   */
  burnIn?: Omit<NonNullable<AiringChainOptions['burnIn']>, 'dir'>;
  /** Segment URIs are `<this>/<file>`, relative to the playlist; default the channel number (`/channel/N.m3u8` → `N/r1-5.ts`). */
  segmentUriPrefix?: string;
  /** Test hook: the wall clock. */
  now?: () => number;
}

/** Seconds beyond the work-ahead that an airing is handed to the packager before its start. */
const HAND_OVER_MARGIN_SECONDS = 3;

/**
 * How many seconds before its start an airing may be handed to the packager: the airing chain's
 * lead. A timeline change from further ahead than this never touches what was handed over.
 */
export function handOverLeadSeconds(workAheadSeconds: number): number {
  return workAheadSeconds + HAND_OVER_MARGIN_SECONDS;
}

/**
 * One live channel: a supervised run (the airing chain joined by the Node packager, or by an
 * ffmpeg packager process) turning the channel's timeline into HLS, the playlist players see,
 * and the shared MPEG-TS stream. Shared by all of the channel's viewers; started on demand and
 * stopped when idle by the ChannelManager.
 */
export class ChannelSession extends EventEmitter {
  readonly playlist: LivePlaylist;
  readonly fanout: TsStreamFanout;
  private readonly supervisor: RunSupervisor;
  private readonly hlsDir: string;
  private readonly now: () => number;
  private janitorTimer: NodeJS.Timeout | undefined;
  private preparedDir = false;
  private chain: AiringChain | undefined;
  private output: PackagerOutput | undefined;
  private breakingIn = false;
  /** Wall-clock instant the current run began (the Node packager's speed). */
  private runStartedAtMs: number | undefined;
  /** The listed segments' bytes: players fetch the newest ones, so they are served from memory. */
  private readonly segmentsInMemory = new Map<string, CutSegment>();
  /**
   * Segments whose disk write failed (a full disk): kept in memory until their retention ends
   * instead of only while listed, since there is no file to serve them from after that.
   */
  private readonly memoryOnly = new Set<string>();
  /** Failed writes of this run's segments (and burned-in cue files): status, health, monitor. */
  readonly writeErrors: WriteErrorLog;
  state: ChannelState = 'stopped';
  startedAtMs: number | undefined;

  constructor(private readonly options: ChannelSessionOptions) {
    super();
    this.setMaxListeners(0);
    this.now = options.now ?? Date.now;
    this.writeErrors = new WriteErrorLog(this.now);
    this.hlsDir = path.join(options.workDir, 'hls');
    this.playlist = new LivePlaylist({
      targetDurationSeconds: options.segmentDurationSeconds,
      windowSize: options.playlistSize,
      uriFor: (segment) => `${options.segmentUriPrefix ?? options.channelNumber}/${segment.fileName}`,
    });
    this.fanout = new TsStreamFanout({ log: options.log, burstSeconds: options.tsBurstSeconds, now: this.now });
    this.supervisor = new RunSupervisor({
      name: `channel ${options.channelNumber}`,
      log: options.log,
      prepare: (runId) => this.prepareRun(runId),
      restartAfterCleanExit: () => this.timelineContinues(),
    });
    this.supervisor.on('exit', () => {
      // The packager is gone: its renderers have no one to feed.
      this.chain?.stop();
    });
    this.supervisor.on('finished', () => void this.finish());
    options.lockstep?.join(this);
  }

  /** Lockstep hook: replace the current run (another rendition prepares a new one). */
  restartRun(): boolean {
    return this.supervisor.restartNow();
  }

  get channelNumber(): number {
    return this.options.channelNumber;
  }

  get timeline(): ChannelTimeline {
    return this.options.timeline;
  }

  /** What joins the airings into one stream: Node (no process) or an ffmpeg packager. */
  get packagerKind(): 'node' | 'ffmpeg' {
    return this.options.packager ?? 'node';
  }

  get encoderPid(): number | undefined {
    return this.supervisor.pid;
  }

  get encoderRestarts(): number {
    return this.supervisor.restarts;
  }

  /**
   * The packager's progress: ffmpeg's own report, or for the Node packager the same figures
   * from the stream clock (speed = seconds of stream over wall seconds since the run began).
   */
  get encoderProgress(): FfmpegProgress | undefined {
    if (this.options.packager === 'ffmpeg') return this.supervisor.lastProgress;
    if (!this.output || this.runStartedAtMs === undefined) return undefined;
    const at = this.now();
    const wallSeconds = (at - this.runStartedAtMs) / 1000;
    const outTimeSeconds = this.output.streamSeconds;
    return { frame: 0, outTimeSeconds, speed: wallSeconds > 0 ? Number((outTimeSeconds / wallSeconds).toFixed(3)) : null, at };
  }

  /** The packager's last complaint (or why it could not start), or a slot the chain gave up on. */
  get lastError(): string | undefined {
    // A full disk first: it is what the operator must fix, and it clears itself once writes succeed.
    return this.writeErrors.active?.message ?? this.chain?.lastError ?? this.supervisor.lastError;
  }

  segmentPath(fileName: string): string {
    return path.join(this.hlsDir, fileName);
  }

  private timelineContinues(): boolean {
    const end = this.options.timeline.endsAtMs;
    return end === undefined || this.now() < end - 500;
  }

  async start(): Promise<void> {
    if (this.state === 'starting' || this.state === 'live' || this.state === 'ended') return;
    if (!this.timelineContinues()) {
      await this.finish();
      return;
    }
    this.state = 'starting';
    if (!this.preparedDir) {
      // Segments left by an earlier server process are no one's: start clean.
      await rm(this.hlsDir, { recursive: true, force: true });
      this.preparedDir = true;
    }
    await mkdir(this.hlsDir, { recursive: true });
    this.playlist.clearWindow(this.now());
    this.forgetSegmentsNotListed();
    this.fanout.reset();
    this.startedAtMs = this.now();
    this.supervisor.start();
    this.janitorTimer ??= setInterval(() => void this.deleteExpiredSegments(), 1000);
    this.options.log.info('channel starting');
  }

  /**
   * Plans the next encoder run from the timeline now: a packager remuxing the output of an
   * AiringChain that renders airing after airing from this instant on (join in progress);
   * its output is paced, cut into HLS segments and fanned out to `.ts` viewers here.
   */
  private async prepareRun(runId: number): Promise<LaunchSpec> {
    // Where on the timeline this run starts: now, or where a restarted run's predecessor stopped
    // publishing. Renditions of a ladder all start where the latest of them would (lockstep).
    const lockstep = this.options.lockstep;
    let runStartMs = lockstep ? await lockstep.agree(this, 'start', this.resumePoint(), latestStart) : this.resumePoint();
    if (!this.options.timeline.at(runStartMs)) throw new Error('the channel is off the air at this time');
    // A fresh run (nothing published to continue from) on a cached airing starts on the cached
    // keyframe at or before now: its first segments are copied, with no encoder to wait for.
    // Renditions do so only when every one of them can, on the same keyframe (same grid).
    const ownCachedStartMs = this.playlist.latest ? undefined : await this.cachedRunStart(runStartMs);
    const cachedStartMs = lockstep ? await lockstep.agree(this, 'cached', ownCachedStartMs, commonCachedStart) : ownCachedStartMs;
    if (cachedStartMs !== undefined) runStartMs = cachedStartMs;
    this.playlist.beginRun(runId, runStartMs);
    // Segments ramp up from half a second (a cold channel plays about a second after it is
    // asked for) to segment_duration; keyframes at least every 2 s (see segment-grid.ts). A
    // run that starts copied ramps from 2 s, the cache's keyframe interval.
    const grid = cachedStartMs !== undefined ? cachedStartGrid(this.options.segmentDurationSeconds) : channelGrid(this.options.segmentDurationSeconds);
    const frameSeconds = 1 / this.options.profile.frameRate;
    // With a cache, copy-spliced stretches have keyframes on their file's grid, not the run's:
    // the segmenter then ends a segment at its last keyframe before its end (see segmenter.ts).
    const segmenter = new Segmenter(grid, (segment) => this.publish(runId, runStartMs, segment), this.options.cache ? frameSeconds + 0.002 : undefined);
    const startRun = (input: Writable, output: Readable, fail: () => void): void => {
      this.fanout.beginRun(runStartMs);
      this.output?.close();
      this.runStartedAtMs = this.now();
      this.output = new PackagerOutput({
        source: this.withCaptions(output, runStartMs),
        runStartMs,
        workAheadSeconds: this.options.workAheadSeconds,
        now: this.now,
        onPiece: (piece) => {
          segmenter.push(piece);
          this.fanout.push(piece);
        },
        onEnd: (lastVideoPts) => segmenter.finish(lastVideoPts, frameSeconds),
      });
      const chain = new AiringChain({
        timeline: this.options.timeline,
        toolchain: this.options.toolchain,
        profile: this.options.profile,
        grid,
        loudnessTarget: this.options.loudnessTarget,
        runStartMs,
        runClockSeconds: runClockSeconds(runStartMs, this.options.epochMs),
        sink: input,
        // An airing reaches the packager no earlier than the packager may need it (its
        // work-ahead) plus a margin for the packager's own buffering: later changes (graphics)
        // still reach every airing that starts after that.
        leadSeconds: handOverLeadSeconds(this.options.workAheadSeconds),
        log: this.options.log.child({ run: runId }),
        ...(this.options.graphics ? { graphics: this.options.graphics } : {}),
        ...(this.options.degraded ? { degraded: this.options.degraded } : {}),
        ...(this.options.live ? { live: this.options.live } : {}),
        ...(this.options.cache ? { cache: this.options.cache } : {}),
        ...(this.options.burnIn ? { burnIn: { ...this.options.burnIn, dir: path.join(this.options.workDir, 'burn-in') } } : {}),
        timeZone: this.options.timeZone,
        onWriteError: (error, folder) => this.writeFailed(error, folder),
        alertStyles: this.options.alertStyles,
        slateStyle: this.options.slateStyle,
      });
      this.chain = chain;
      chain.run().catch((error: unknown) => {
        this.options.log.error({ err: error }, 'airing chain failed');
        fail();
      });
    };
    if (this.options.packager === 'ffmpeg') {
      return {
        command: this.options.toolchain.ffmpegPath,
        args: buildPackagerArgs(),
        stdin: true,
        progressFd: 3,
        onSpawn: (child) => {
          if (child.stdin && child.stdout) startRun(child.stdin, child.stdout, () => child.kill('SIGKILL'));
        },
      };
    }
    return { inProcess: () => this.startNodeRun(startRun) };
  }

  /**
   * The packager's output with the channel's captions inserted (src/captions/caption-inserter.ts),
   * or as it is when the channel adds none. The inserter ends when the packager's output does.
   */
  private withCaptions(output: Readable, runStartMs: number): Readable {
    const languages = this.options.captions;
    if (!languages?.length) return output;
    const log = this.options.log;
    const feed = new CaptionFeed(languages, runStartMs, this.options.epochMs, (error) => log.warn({ err: error }, 'captions: could not read cues'));
    const inserter = new CaptionInserter({
      cuesBetween: feed.cuesBetween,
      frameRate: this.options.profile.frameRate,
      onLate: (late) => log.debug({ text: late.text.slice(0, 40), lateMs: Math.round(late.lateTicks / 90) }, 'captions: a cue was shown late (too little time to load it)'),
    });
    output.once('error', (error) => inserter.destroy(error));
    return output.pipe(inserter);
  }

  /**
   * A run joined by the Node packager (src/streaming/ts-remuxer.ts): the chain writes into the
   * remuxer, whose output is paced, segmented and fanned out like an ffmpeg packager's stdout.
   * The run is over when that output ends (the timeline ran out: code 0), when the chain fails
   * (code 1: the supervisor restarts it with backoff), or when it is killed (stop, break-in).
   */
  private startNodeRun(startRun: (input: Writable, output: Readable, fail: () => void) => void): InProcessRun {
    // The ffmpeg packager's muxer adds its offset once more (-copyts); the Node packager adds the
    // same, so the channel's stream clock is the same whichever packager runs.
    const remuxer = new TsRemuxer({ offsetSeconds: MPEGTS_MUXER_OFFSET_SECONDS });
    let settle: (result: { code: number | null; signal: NodeJS.Signals | null }) => void = () => undefined;
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      settle = resolve;
    });
    remuxer.once('end', () => settle({ code: 0, signal: null }));
    remuxer.on('error', (error) => {
      this.options.log.error({ err: error }, 'packager (node) failed');
      remuxer.seal();
      settle({ code: 1, signal: null });
    });
    startRun(remuxer, remuxer, () => {
      remuxer.seal();
      settle({ code: 1, signal: null });
    });
    return {
      ended,
      kill: () => {
        this.chain?.stop();
        remuxer.seal();
        settle({ code: null, signal: 'SIGKILL' });
      },
    };
  }

  /**
   * The instant of the cached keyframe a fresh run at `atMs` can start on (src/cache/splice-plan.ts,
   * cachedRunStart), or undefined: no cache, nothing cached for the airing (or for its static
   * bug's variant), or graphics on it other than the always-on bug.
   */
  private async cachedRunStart(atMs: number): Promise<number | undefined> {
    const cache = this.options.cache;
    if (!cache || this.options.segmentDurationSeconds < MAX_KEYFRAME_INTERVAL_SECONDS) return undefined;
    const airing = this.options.timeline.at(atMs)?.airing;
    if (!airing || !airsFile(airing)) return undefined;
    try {
      // The graphics of the whole airing from `atMs` - 2 s: the run may start that much earlier.
      const graphics = await this.options.graphics?.({ airing, fromMs: Math.max(airing.startMs, atMs - 2000), toMs: airing.endMs }).catch(() => undefined);
      if (graphics && !graphics.staticBug) return undefined;
      const entry = await cache.lookup(airing.mediaPath, graphics?.staticBug?.key);
      if (!entry) return undefined;
      return cachedRunStart({ airing, atMs, index: entry, frameRate: this.options.profile.frameRate });
    } catch (error) {
      this.options.log.warn({ err: error }, 'media cache lookup failed: the run starts live');
      return undefined;
    }
  }

  /**
   * Where a run starts on the timeline: now, or — when a restarted packager's predecessor had
   * already published segments ahead of real time — where those end, so players neither see
   * the same seconds twice nor a gap, and timestamps keep increasing.
   */
  private resumePoint(): number {
    const nowMs = this.now();
    const latest = this.playlist.latest;
    if (this.breakingIn) {
      // A break-in (an emergency alert) must reach the picture now, not after what was made ahead.
      this.breakingIn = false;
      return nowMs;
    }
    if (!latest) return nowMs;
    const publishedUntilMs = Math.round(latest.airedAtMs + latest.durationSeconds * 1000);
    return Math.max(nowMs, publishedUntilMs);
  }

  /** A segment was cut: list it, keep it in memory while listed, and on disk until it expires. */
  private publish(runId: number, runStartMs: number, segment: CutSegment): void {
    // Sequence numbers count grid positions from the run's start second since the epoch, so a
    // restarted run's numbers are always further on (LivePlaylist keeps them consecutive).
    const sourceSequence = Math.floor(runStartMs / 1000) + segment.gridIndex;
    const fileName = `r${runId}-${sourceSequence}.ts`;
    this.segmentsInMemory.set(fileName, segment);
    // The segment is listed at once, from memory, whether or not its file can be written: its
    // bytes are whole (the segmenter cut them on a keyframe, PAT and PMT first), players fetch
    // listed segments from memory anyway, and a channel whose disk is full then keeps playing
    // rather than stalling on its last playlist. The file only serves a segment after it left
    // the window; one that could not be written is kept in memory for that time instead
    // (memoryOnly; a few windows of segments at most), and since the file is written under a
    // temporary name and renamed once whole, no truncated or empty file is ever served.
    const writeStartedAtMs = this.now();
    void writeSegmentFile(this.segmentPath(fileName), segment.parts).then(
      () => this.writeSucceeded(writeStartedAtMs),
      (error: unknown) => {
        this.memoryOnly.add(fileName);
        this.writeFailed(error, this.hlsDir);
      },
    );
    const published = this.playlist.append({ fileName, durationSeconds: segment.durationSeconds, sourceSequence }, this.now());
    this.forgetSegmentsNotListed();
    if (this.state === 'starting') {
      this.state = 'live';
      this.options.log.info({ ms: this.now() - (this.startedAtMs ?? 0) }, 'channel live');
    }
    this.emit('segment', published);
  }

  private forgetSegmentsNotListed(): void {
    const listed = new Set(this.playlist.segments.map((s) => s.fileName));
    for (const fileName of this.segmentsInMemory.keys()) {
      if (listed.has(fileName)) continue;
      if (this.memoryOnly.has(fileName) && this.playlist.isServable(fileName)) continue;
      this.segmentsInMemory.delete(fileName);
      this.memoryOnly.delete(fileName);
    }
  }

  /**
   * A write of this channel's failed: counted, and logged once per episode (a full disk fails
   * every segment; the log says so once, and "recovered" when writes succeed again).
   */
  private writeFailed(error: unknown, folder: string): void {
    const begins = this.writeErrors.failed(error, folder);
    if (begins) this.options.log.error({ code: begins.code, folder }, `${begins.message}; the channel keeps playing from memory`);
  }

  private writeSucceeded(startedAtMs: number): void {
    const ended = this.writeErrors.succeeded(startedAtMs);
    if (ended) this.options.log.info({ since: ended.at, code: ended.code }, 'recovered: segments are written to disk again');
  }

  /** The channel's clock origin: with a segment's run start, its stream clock (language renditions time their cues by it). */
  get epochMs(): number {
    return this.options.epochMs;
  }

  /** A listed segment's bytes, or undefined when it is only on disk (retired) or gone. */
  segmentInMemory(fileName: string): Buffer | undefined {
    return this.segmentsInMemory.get(fileName)?.data;
  }

  segmentPublishedAtMs(fileName: string): number | undefined {
    return this.playlist.find(fileName)?.publishedAtMs;
  }

  /** Seconds the packager is ahead of real time (status). */
  get workingAheadSeconds(): number | undefined {
    return this.output?.aheadSeconds;
  }

  /**
   * What airs from now on changed (an alert began, was pre-empted or cancelled): replace the
   * run with one that renders the timeline from this instant, dropping what was made ahead.
   * `.ts` viewers see the change within about a second; HLS lists it after the segments it
   * had already published (a live playlist cannot take segments back). An idle channel does
   * nothing: whoever tunes in gets the timeline as it is then.
   */
  breakIn(): void {
    if (this.state !== 'live' && this.state !== 'starting') return;
    this.breakingIn = true;
    this.chain?.stop();
    if (!this.supervisor.restartNow()) this.breakingIn = false;
    else this.options.log.info('breaking in: the run restarts from now');
  }

  /** The timeline changed from the next airing on (the first run's join): the next airing is read from it again. */
  timelineChanged(): void {
    this.chain?.timelineChanged();
  }

  /** The channel's graphics changed: the next airing is rendered with them (not the one after). */
  graphicsChanged(): void {
    this.chain?.replanNext();
  }

  /** What the channel is rendering right now (status and health). */
  get nowRendering(): RendererInfo | undefined {
    return this.chain?.nowRendering;
  }

  /** The next airing's renderer, started ahead of its turn. */
  get renderingAhead(): RendererInfo | undefined {
    return this.chain?.renderingAhead;
  }

  /** The channel's overload step now (src/capacity): null when it airs as configured. */
  get degraded() {
    return this.options.degraded?.() ?? null;
  }

  /** The profile this run airs at (one preset lower than the channel's while degraded to `lower-quality`). */
  get profile() {
    return this.options.profile;
  }

  /** Cache hits and misses of this channel (status and health); undefined without a cache. */
  get cacheSummary() {
    return this.options.cache?.summary();
  }

  get slatesShown(): number {
    return this.chain?.slatesShown ?? 0;
  }

  /** Deletes the files of segments whose retention has passed. */
  private async deleteExpiredSegments(): Promise<void> {
    for (const segment of this.playlist.takeExpired(this.now())) {
      this.segmentsInMemory.delete(segment.fileName);
      this.memoryOnly.delete(segment.fileName);
      await unlink(this.segmentPath(segment.fileName)).catch(() => undefined);
    }
  }

  /**
   * Resolves once segment `sequence` is published (or the channel ended), or after `timeoutMs`
   * (a blocking playlist reload is answered with what there is then).
   */
  waitForSequence(sequence: number, timeoutMs: number): Promise<void> {
    const published = () => (this.playlist.lastPublishedSequence ?? -Infinity) >= sequence || this.state === 'ended';
    if (published()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!published()) return;
        done();
      };
      const done = (): void => {
        clearTimeout(timer);
        this.off('segment', check);
        this.off('ended', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('segment', check);
      this.once('ended', done);
    });
  }

  /** Resolves once the channel has a segment to offer; rejects after `timeoutMs`. */
  waitUntilLive(timeoutMs: number): Promise<void> {
    if (this.playlist.latest || this.state === 'ended') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('segment', done);
        this.off('ended', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('segment', done);
        this.off('ended', done);
        reject(new Error(`channel ${this.channelNumber} produced no segment within ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('segment', done);
      this.once('ended', done);
    });
  }

  isServableSegment(fileName: string): boolean {
    return this.playlist.isServable(fileName) && (this.segmentsInMemory.has(fileName) || existsSync(this.segmentPath(fileName)));
  }

  /** The timeline has run out (`--loops N`): the playlist gets EXT-X-ENDLIST, .ts viewers get EOF. */
  private async finish(): Promise<void> {
    this.playlist.end();
    this.fanout.endAfterDrain();
    this.state = 'ended';
    this.options.log.info('channel reached the end of its timeline');
    this.emit('ended');
  }

  /** Stops the encoder; what was published stays servable until it expires. */
  async stop(): Promise<void> {
    // Renditions waiting for each other to prepare a run give up: nothing is left to wait for.
    this.options.lockstep?.cancel();
    if (this.state === 'stopped' || this.state === 'ended') return;
    await this.supervisor.stop();
    this.output?.close();
    this.fanout.endAll();
    this.fanout.reset();
    this.state = 'stopped';
    this.options.log.info('channel stopped');
  }

  /** Server shutdown: encoder stopped, timers cleared. */
  async close(): Promise<void> {
    await this.stop();
    this.fanout.reset();
    if (this.janitorTimer) clearInterval(this.janitorTimer);
    this.janitorTimer = undefined;
  }
}
