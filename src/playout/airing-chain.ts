import type { ChildProcess } from 'node:child_process';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { OutputProfile } from '../config/quality.js';
import { AAC_FRAME_SAMPLES, buildAiringRenderArgs, placeOnGrids, type SlateStyle } from '../ffmpeg/airing-command.js';
import { MAX_KEYFRAME_INTERVAL_SECONDS, type SegmentGrid } from '../hls/segment-grid.js';
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import { describeInput, isMediaServerPath, resolveMediaInput, sanitiseInputText, type MediaInput } from '../ffmpeg/media-input.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import type { Logger } from '../logging/logger.js';
import type { Airing, ChannelTimeline } from '../timeline/types.js';
import { checkSource, type SourceCheck } from '../library/probe.js';
import { alertCard } from '../alerts/alert-render.js';
import type { ChannelCache } from '../cache/channel-cache.js';
import type { CacheEntry } from '../cache/cache-store.js';
import { spliceCachedSlice } from '../cache/ts-splicer.js';
import type { AlertStyles } from '../config/schema.js';
import { airsFile, liveSourceOf } from '../timeline/airing-kind.js';
import { feedLiveRenderer, WrittenVideo, type LiveFeeds } from './live-feed.js';
import { MPEGTS_MUXER_OFFSET_SECONDS } from './stream-clock.js';
import type { SubtitleMode } from '../config/languages.js';
import type { LanguageCode, SubtitleCueSource } from '../subtitles/cue.js';
import { assScript, describeBurnIn, type BurnInFacts } from './burn-in.js';
import type { AiringRenderSpec } from '../ffmpeg/airing-command.js';
import { bugOnly, planRender, type AiringSlice, type Degraded, type RenderFacts, type RenderPlan, type SliceGraphics, type SlatePicture } from './render-plan.js';

/**
 * Starts one renderer process (tests pass a fake; production wraps ffmpeg with PR_SET_PDEATHSIG).
 * `stdin`: the renderer reads its input there (a live source's stream).
 */
type SpawnRenderer = (command: string, args: string[], options?: { stdin?: boolean }) => ChildProcess;

function spawnRenderer(command: string, args: string[], options?: { stdin?: boolean }): ChildProcess {
  return spawnFfmpeg(command, args, { stdio: [options?.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] });
}

/**
 * How long before its slice a live renderer is started: time for its probe and the source's
 * first keyframe, and no more: it shows what arrives while it runs, so every second it is
 * started earlier is a second of delay on the live picture (a file is rendered well ahead).
 */
const LIVE_PREPARE_MS = 1000;

/**
 * A renderer that has made no progress for this long while its airing is already due is taken
 * for hung and replaced (the rest of the slot becomes a slate): one stuck ffmpeg must not take
 * the channel off the air. Generous, so a slow start on a loaded machine is not mistaken for one.
 */
const STALL_MS = 10_000;

/**
 * How long before its hand-over a media server airing's next try is prepared: its check (ffprobe,
 * up to the read timeout on a hung server) and its renderer's start must fit.
 */
const TRY_PREPARE_MS = 3000;

/** How much of the next airing may be rendered ahead of its turn. */
const PREROLL_BUFFER_BYTES = 1024 * 1024;

export interface AiringChainOptions {
  timeline: ChannelTimeline;
  toolchain: Toolchain;
  profile: OutputProfile;
  grid: SegmentGrid;
  loudnessTarget: number | null;
  /** Wall-clock instant the run starts at, and the channel-clock seconds its timestamps start from. */
  runStartMs: number;
  runClockSeconds: number;
  /** The packager's stdin. */
  sink: Writable;
  /** The channel's time zone (an alert card says when it was issued, in local time). */
  timeZone?: string;
  /** A scratch file (a burned-in cue file) could not be written: the channel's write errors (src/disk). */
  onWriteError?: (error: unknown, folder: string) => void;
  /** How alert cards look per type (`alerts.styles`). */
  alertStyles?: AlertStyles;
  /** The channel's branding for slates, read for every slate (a branding change shows on the next). */
  slateStyle?: () => SlateStyle | undefined;
  /** The channel's overload step (src/capacity), read for every slice the chain plans; absent or null: none. */
  degraded?: () => Degraded | null;
  /** Station graphics for a slice (src/graphics); asked afresh for every airing, so a change airs from the next one. */
  graphics?: (slice: AiringSlice) => Promise<SliceGraphics | undefined>;
  log: Logger;
  /**
   * How many seconds ahead of its start an airing may be handed to the packager (the packager's
   * work-ahead plus a margin). Without it, output small enough to sit in the pipes' buffers (a
   * copied slice of a still picture) let the chain hand over whole airings tens of seconds
   * early, and a graphics change then missed airings that were still well in the future.
   * Absent: no limit (unit tests; the pipes alone pace the chain).
   */
  leadSeconds?: number;
  /**
   * The media cache as this channel's profile sees it (src/cache). Absent (or nothing cached):
   * every slice is rendered live, exactly as without a cache.
   */
  cache?: ChannelCache;
  /**
   * Subtitles burned into programmes' pictures (src/playout/burn-in.ts): the channel's subtitle
   * mode and first subtitle language, the library's tracks and cues, and the folder the cue
   * files of text burn-ins are written to (one small ASS file per renderer, removed when it
   * exits). Absent: nothing is burned.
   */
  burnIn?: { mode: SubtitleMode; language: LanguageCode; cues: SubtitleCueSource; dir: string };
  /**
   * The station's live sources (src/live), for live blocks: whether a source is up, and its
   * stream for the renderer. Absent: every live block airs its fallback.
   */
  live?: LiveFeeds;
  /** Seams for unit tests: how a renderer is started and how a file is checked before air. */
  spawnRenderer?: SpawnRenderer;
  checkSource?: (ffprobePath: string, filePath: string) => Promise<SourceCheck>;
  now?: () => number;
}

/**
 * What a renderer draws. A slot whose source cannot play gets the drawn slate; a drawn slate
 * that fails gets the plain one (no drawtext); a plain one that fails ends the attempt for that
 * slot. So a broken slate costs at most two more processes per slot, never one per frame.
 */
type Picture = 'source' | SlatePicture;

export interface RendererInfo {
  slice: AiringSlice;
  pid: number | undefined;
  slate: boolean;
  reason?: string;
  /** The renderer draws station graphics. */
  graphics?: boolean;
  /** The renderer burns subtitles into the picture. */
  burnIn?: boolean;
  /** The slice is copy-spliced from the media cache (no ffmpeg). */
  cached?: boolean;
  /** A live block's slice: its source, and whether this renderer airs it or the fallback. */
  live?: { sourceId: string; on: 'source' | 'fallback' };
}

/** What the chain plays: a live renderer (ffmpeg) or a slice spliced from the cache. */
interface Playing {
  readonly info: RendererInfo;
  readonly picture: Picture;
  readonly output: Readable;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  outSeconds: number;
  lastError: string | undefined;
  /**
   * A media server's stream: the first thing ffmpeg said about reading it (a refused connection,
   * a timeout, a stream that ended early), named by the item's label: why the slate is on, in
   * words, where ffmpeg's last line is only what broke next ("corrupt input packet").
   */
  streamError?: string | undefined;
  kill(): void;
}

/** ffmpeg's lines about reading a network input (its http/tcp/tls layers, or their errors). */
const STREAM_ERROR = /^\[(?:https?|tcp|tls) @ 0x[0-9a-f]+\]|Connection (?:refused|reset|timed out)|Server returned|Stream ends prematurely|Input\/output error|End of file/i;
/** "[http @ 0x55…] [error] " and "[error] ": ffmpeg's prefixes, not the reason. */
const FFMPEG_PREFIXES = /^(?:\[[^\]]*@ 0x[0-9a-f]+\]\s*)?(?:\[(?:error|fatal|warning)\]\s*)?/i;

/**
 * The renderer of a cached slice: the splicer's bytes (src/cache/ts-splicer.ts) buffered like a
 * live renderer's stdout, so it is prepared ahead of its turn the same way; "exits" 0 when the
 * slice is copied, 1 when the cached file fails mid-slice (the chain then slates the rest).
 */
class SplicedSlice implements Playing {
  readonly picture: Picture = 'source';
  readonly output = new PassThrough({ highWaterMark: PREROLL_BUFFER_BYTES });
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  outSeconds = 0;
  lastError: string | undefined;
  private readonly source: Readable;

  constructor(
    readonly info: RendererInfo,
    makeSource: (onProgress: (seconds: number) => void) => Readable,
    release: () => void,
  ) {
    this.source = makeSource((seconds) => {
      this.outSeconds = seconds;
    });
    this.exited = new Promise((resolve) => {
      this.source.once('end', () => resolve({ code: 0, signal: null }));
      this.source.once('error', (error) => {
        this.lastError = error.message;
        this.output.end();
        resolve({ code: 1, signal: null });
      });
      this.source.once('close', () => resolve({ code: null, signal: 'SIGKILL' }));
    }).finally(release) as Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    this.source.pipe(this.output);
  }

  kill(): void {
    if (!this.source.destroyed) {
      this.source.destroy();
      this.output.end();
    }
  }
}

/** What a retry leaves out: a renderer that failed at once is tried again without what most likely broke it. */
interface Retry {
  withoutGraphics?: boolean;
  withoutBurnIn?: boolean;
}

/**
 * How long the chain waits for a text track's cues before an airing's renderer starts (an embedded
 * track is extracted by ffmpeg once, which may take minutes for a film): past it, the slice airs
 * without them rather than late. The read goes on and is cached, so later slices have them.
 */
const CUES_WAIT_MS = 3000;

/** The slice of the timeline that is on the air at `tMs`, up to the end of its airing. */
function sliceAt(timeline: ChannelTimeline, tMs: number): AiringSlice | undefined {
  const position = timeline.at(tMs);
  if (!position) return undefined;
  return { airing: position.airing, fromMs: tMs, toMs: position.airing.endMs };
}

function sameAiring(a: Airing, b: Airing): boolean {
  return a.startMs === b.startMs && a.endMs === b.endMs && a.mediaPath === b.mediaPath && a.inPointMs === b.inPointMs && a.kind === b.kind && a.title === b.title;
}

/** One running renderer: an ffmpeg turning one slice into MPEG-TS on stdout. */
class Renderer implements Playing {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * The renderer's output, read from its stdout at once. Node discards the unread output of a
   * child that has exited, and a renderer started ahead of its turn may finish before it; this
   * buffer keeps what it made (bounded: when full, the renderer blocks until its turn).
   */
  readonly output = new PassThrough({ highWaterMark: PREROLL_BUFFER_BYTES });
  /** Seconds of output written so far (ffmpeg's -progress). */
  outSeconds = 0;
  lastError: string | undefined;
  streamError: string | undefined;

  constructor(
    readonly info: RendererInfo,
    readonly picture: Picture,
    child: ChildProcess,
    log: Logger,
    /** A media server's stream: ffmpeg's words about it name the item, never the URL, and carry no secret. */
    input?: MediaInput,
    /** A live source's renderer: how much picture it has really written. */
    writtenVideo?: WrittenVideo,
  ) {
    this.child = child;
    info.pid = this.child.pid;
    this.child.stdout!.pipe(this.output);
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    this.child.once('error', (error) => {
      this.lastError = error.message;
    });
    const progress = this.child.stdio[3] as Readable | null;
    // A live source's renderer counts the picture it has written (see WrittenVideo), not its
    // muxer's progress: where the fallback starts when the source is lost depends on it.
    const written = writtenVideo;
    if (written) this.child.stdout!.on('data', (chunk: Buffer) => {
      written.push(chunk);
      this.outSeconds = written.seconds;
    });
    if (progress && !written) {
      createInterface({ input: progress }).on('line', (line) => {
        if (line.startsWith('out_time_us=')) this.outSeconds = Math.max(this.outSeconds, Number(line.slice(12)) / 1e6 || 0);
      });
    }
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on('line', (raw) => {
        if (!raw.trim()) return;
        const line = sanitiseInputText(raw, input);
        this.lastError = line;
        if (input?.kind === 'http' && this.streamError === undefined && STREAM_ERROR.test(line)) {
          const said = line.replace(FFMPEG_PREFIXES, '');
          this.streamError = said.startsWith(`${input.label}: `) ? said : `${input.label}: ${said}`;
        }
        // A live source is joined mid-stream: the decoder's complaints until its first keyframe
        // (no PPS, no frame) are expected, and would be dozens of warnings at every cut-in.
        if (info.live?.on === 'source' && this.outSeconds === 0) log.debug({ ffmpeg: line, title: info.slice.airing.title }, 'live renderer says (joining the stream)');
        else log.warn({ ffmpeg: line, title: info.slice.airing.title }, 'airing renderer says');
      });
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * Plays the timeline from the run's start onward: one renderer per airing, their outputs
 * spliced one after another into the packager. The next renderer is started while the
 * current one plays, so it has its first frames ready at the boundary (it blocks on its full
 * stdout pipe until its turn, costing no CPU). A file that is missing or unreadable at air
 * time, or a renderer that dies, is replaced by a slate for exactly the rest of its slot.
 */
export class AiringChain {
  private stopped = false;
  private current: Playing | undefined;
  private upcoming: Promise<Playing> | undefined;
  private upcomingSlice: AiringSlice | undefined;
  /** The renderer started ahead of its turn (memory and CPU in the status API). */
  private ahead: Playing | undefined;
  slatesShown = 0;
  /** Set when even the plain slate failed: the slot went unfilled (the channel's lastError). */
  lastError: string | undefined;

  /** ffmpeg has libass's `subtitles` filter: text can be burned (pictures need only overlay). */
  private readonly textFilter: boolean;
  private cueFiles = 0;

  constructor(private readonly options: AiringChainOptions) {
    // (Read only for a channel that burns: some callers hand over a toolchain without its listings.)
    this.textFilter = options.burnIn ? options.toolchain.filters?.has('subtitles') === true : false;
    const mode = options.burnIn?.mode;
    if ((mode === 'burn_in' || mode === 'forced') && !this.textFilter) {
      options.log.warn({ mode }, "ffmpeg has no 'subtitles' filter (built without libass): text subtitles are not burned in, picture subtitles still are");
    }
  }

  /** What is being rendered now (for status): airing, renderer pid, slate or not. */
  get nowRendering(): RendererInfo | undefined {
    return this.current?.info;
  }

  /** The next airing's renderer, started while the current one plays (undefined once it is current). */
  get renderingAhead(): RendererInfo | undefined {
    return this.ahead && this.ahead !== this.current ? this.ahead.info : undefined;
  }

  /** Runs until the timeline ends (then ends the sink) or stop() is called. */
  async run(): Promise<void> {
    const first = sliceAt(this.options.timeline, this.options.runStartMs);
    if (!first) {
      this.options.sink.end();
      return;
    }
    this.upcomingSlice = first;
    this.upcoming = this.prepare(first);
    while (!this.stopped && this.upcoming) {
      // replanNext may replace the next renderer while we wait for it (a graphics change): the
      // one awaited is then killed, so wait for its replacement instead of airing a dead one.
      // The same holds while the chain waits for the airing's turn to be handed over.
      let pending = this.upcoming;
      let renderer = await pending;
      for (;;) {
        if (this.upcoming !== pending && this.upcoming) {
          pending = this.upcoming;
          renderer = await pending;
          continue;
        }
        const handOverAtMs = renderer.info.slice.fromMs - (this.options.leadSeconds ?? Infinity) * 1000;
        if (this.stopped || (this.options.now ?? Date.now)() >= handOverAtMs) break;
        await this.waitUntil(handOverAtMs);
      }
      if (this.stopped) {
        renderer.kill();
        break;
      }
      this.current = renderer;
      const following = sliceAt(this.options.timeline, renderer.info.slice.toMs);
      this.upcomingSlice = following;
      this.upcoming = following ? this.prepare(following) : undefined;
      await this.play(renderer);
    }
    if (!this.stopped) this.options.sink.end();
  }

  /**
   * What shapes the next airing changed (its graphics): the renderer started ahead for it is
   * replaced by one prepared now, so the change airs from the next airing, not the one after.
   */
  replanNext(): void {
    const pending = this.upcoming;
    const slice = this.upcomingSlice;
    if (!pending || !slice || this.stopped) return;
    this.upcoming = pending.then((stale) => {
      stale.kill();
      return this.prepare(slice);
    });
  }

  /**
   * The timeline changed after the next airing was read from it (the first run's join,
   * `CompiledTimeline.joinInProgress`): the next slice is read again, and when it is no longer
   * what the renderer started ahead plays, that renderer is replaced, so the new airing airs
   * from its instant. Nothing already handed to the packager changes (the join keeps it).
   */
  timelineChanged(): void {
    const slice = this.upcomingSlice;
    if (!slice || this.stopped) return;
    const fresh = sliceAt(this.options.timeline, slice.fromMs);
    if (!fresh || sameAiring(fresh.airing, slice.airing)) return;
    const pending = this.upcoming;
    this.upcomingSlice = fresh;
    this.upcoming = pending
      ? pending.then((stale) => {
          stale.kill();
          return this.prepare(fresh);
        })
      : this.prepare(fresh);
  }

  stop(): void {
    this.stopped = true;
    for (const wake of [...this.wakeUps]) wake();
    this.current?.kill();
    void this.upcoming?.then((renderer) => renderer.kill());
  }

  /** Every wait in progress (the hand-over's and a live renderer's start can overlap): stop() ends them all. */
  private readonly wakeUps = new Set<() => void>();

  /** Resolves at wall-clock instant `tMs`, or at once when the chain is stopped. */
  private waitUntil(tMs: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wakeUps = this.wakeUps;
      const timer = setTimeout(done, Math.max(0, tMs - (this.options.now ?? Date.now)()));
      // stop() ends the wait; an abandoned one must not keep the process alive.
      timer.unref?.();
      function done(): void {
        clearTimeout(timer);
        wakeUps.delete(done);
        resolve();
      }
      wakeUps.add(done);
    });
  }

  private clockSecondsAt(tMs: number): number {
    return this.options.runClockSeconds + (tMs - this.options.runStartMs) / 1000;
  }

  /** Decides how the slice airs (src/playout/render-plan.ts) and starts what the plan says. */
  private async prepare(slice: AiringSlice, forcedSlate?: RenderFacts['forcedSlate'], retry: Retry = {}): Promise<Playing> {
    // A live slice is planned (is the source up?) and started only just before it airs.
    if (liveSourceOf(slice.airing) !== undefined && !forcedSlate) await this.waitUntil(slice.fromMs - LIVE_PREPARE_MS);
    const plan = await this.plan(slice, forcedSlate, retry);
    const playing = plan.kind === 'copy' ? this.copy(plan) : await this.render(plan);
    if (this.stopped) playing.kill();
    this.ahead = playing;
    return playing;
  }

  /** Gathers the facts the render plan needs: the cache's file and the graphics first, the file's check only when it is rendered. */
  private async plan(slice: AiringSlice, forcedSlate: RenderFacts['forcedSlate'], retry: Retry): Promise<RenderPlan> {
    const withoutGraphics = retry.withoutGraphics === true;
    const facts: RenderFacts = {
      slice,
      frameRate: this.options.profile.frameRate,
      ...(airsFile(slice.airing) && isMediaServerPath(slice.airing.mediaPath) ? { streamed: true } : {}),
      ...(forcedSlate ? { forcedSlate } : {}),
      ...(withoutGraphics ? { withoutGraphics } : {}),
      ...(retry.withoutBurnIn ? { withoutBurnIn: true } : {}),
    };
    // Overload (src/capacity): read per slice, so a step reaches the next airing planned.
    const degraded = this.options.degraded?.();
    if (degraded) facts.degraded = degraded;
    const sourceId = liveSourceOf(slice.airing);
    if (sourceId !== undefined) facts.live = { up: this.options.live?.isUp(sourceId) ?? false };
    if (!forcedSlate && !retry.withoutBurnIn) {
      const subtitles = await this.subtitleFacts(slice);
      if (subtitles) facts.subtitles = subtitles;
    }
    const { cache, grid } = this.options;
    // The segmenter cuts a copied stretch at its keyframes: they must come at least once a segment.
    if (cache && !forcedSlate && !withoutGraphics && airsFile(slice.airing) && grid.segmentDuration >= MAX_KEYFRAME_INTERVAL_SECONDS) {
      const graphics = await this.graphicsFor(slice);
      let entry: CacheEntry | undefined;
      try {
        entry = await cache.lookup(slice.airing.mediaPath, graphics?.staticBug?.key);
      } catch (error) {
        this.options.log.warn({ err: error, file: slice.airing.mediaPath }, 'media cache lookup failed: rendering live');
      }
      // A ramp whose first segment is no shorter than the cache's keyframe interval (a run that
      // started on a cached keyframe) can be cut from a copied stretch: copy from the start.
      const rampSeconds = (grid.ramp[0] ?? Infinity) >= MAX_KEYFRAME_INTERVAL_SECONDS ? 0 : grid.ramp.reduce((a, b) => a + b, 0);
      facts.cache = { entry, graphics, rampEndsAtMs: this.options.runStartMs + rampSeconds * 1000 };
    }
    let plan = planRender(facts);
    if (plan.kind === 'probe') {
      facts.source = await (this.options.checkSource ?? checkSource)(this.options.toolchain.ffprobePath, slice.airing.mediaPath);
      plan = planRender(facts);
    }
    if (plan.kind === 'probe') throw new Error('the render plan asked for the file check twice'); // planRender never does
    if (sourceId !== undefined) this.liveStateIs(sourceId, plan.kind === 'live' ? 'source' : 'fallback', slice, plan.why);
    else if (plan.kind === 'slate' && plan.reason && !forcedSlate) {
      this.options.log.warn({ title: slice.airing.title, file: slice.airing.mediaPath, reason: plan.reason }, 'airing cannot play: showing a slate for its slot');
    }
    return plan;
  }

  /** What a live block airs now, as last logged: the log says when it changes, not every try. */
  private liveOnAir: { sourceId: string; on: 'source' | 'fallback' } | undefined;

  private liveStateIs(sourceId: string, on: 'source' | 'fallback', slice: AiringSlice, why: string): void {
    const was = this.liveOnAir;
    this.liveOnAir = { sourceId, on };
    if (was?.sourceId === sourceId && was.on === on) return;
    const fields = { sourceId, title: slice.airing.title, at: new Date(slice.fromMs).toISOString() };
    if (on === 'source') this.options.log.info(fields, 'live source on air');
    else this.options.log.info({ ...fields, why }, 'live source not on the air: fallback');
  }

  /**
   * The airing's subtitle tracks for the burn-in choice, and the cues of the text track the mode
   * would burn (read only when a text track could be burned). Never fails: a library that cannot
   * answer means nothing is burned into this slice.
   */
  private async subtitleFacts(slice: AiringSlice): Promise<BurnInFacts | undefined> {
    const burnIn = this.options.burnIn;
    const mediaId = slice.airing.mediaId;
    if (!burnIn || burnIn.mode === 'off' || slice.airing.kind !== 'program' || mediaId === undefined) return undefined;
    try {
      const tracks = burnIn.cues.tracksOf(mediaId);
      if (tracks.length === 0) return undefined;
      const facts: BurnInFacts = { mode: burnIn.mode, language: burnIn.language, tracks, textFilter: this.textFilter };
      // `on` burns pictures only; text is read for `burn_in` and `forced` when a text track exists.
      const text = this.textFilter && burnIn.mode !== 'on' && tracks.some((t) => !t.pictureOnly && t.problem === null);
      if (!text) return facts;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), CUES_WAIT_MS);
        timer.unref?.();
      });
      const read = burnIn.cues.cuesFor(mediaId, burnIn.language, burnIn.mode === 'forced' ? { forced: true } : undefined);
      const cues = await Promise.race([read, late]).finally(() => clearTimeout(timer));
      if (cues === 'late') {
        read.catch(() => undefined);
        this.options.log.warn({ title: slice.airing.title, mediaId }, 'subtitles: cues not read in time; this slice airs without burned-in text');
        return facts;
      }
      return cues ? { ...facts, textCues: cues } : facts;
    } catch (error) {
      this.options.log.warn({ err: error, title: slice.airing.title, mediaId }, 'subtitles: could not read the tracks of a file; nothing burned in');
      return undefined;
    }
  }

  /** Writes a text burn-in's cues as the ASS script the renderer draws; undefined (logged) when it cannot. */
  private async writeCueFile(slice: AiringSlice, cues: Parameters<typeof assScript>[0]): Promise<string | undefined> {
    const dir = this.options.burnIn!.dir;
    this.cueFiles += 1;
    const file = path.join(dir, `${slice.fromMs}-${process.pid}-${this.cueFiles}.ass`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, assScript(cues, this.options.profile));
      return file;
    } catch (error) {
      this.options.log.warn({ err: error, file }, 'subtitles: could not write the cue file; the slice airs without burned-in text');
      this.options.onWriteError?.(error, dir);
      return undefined;
    }
  }

  private graphicsFor(slice: AiringSlice): Promise<SliceGraphics | undefined> {
    return this.options.graphics ? this.options.graphics(slice).catch(() => undefined) : Promise.resolve(undefined);
  }

  /** A live renderer (ffmpeg) for a render, card or slate plan. */
  private async render(plan: Exclude<RenderPlan, { kind: 'copy' }>): Promise<Playing> {
    const { slice } = plan;
    const { airing } = slice;
    // Graphics go on real airings only (a slate says "technical difficulties" on its own).
    const all = (plan.kind === 'render' && plan.drawGraphics) || plan.kind === 'live' ? await this.graphicsFor(slice) : undefined;
    const graphics = plan.kind === 'render' && plan.cardsDropped ? bugOnly(all) : all;
    // An emergency alert is drawn, not read from a file (src/alerts/alert-render.ts).
    // Subtitles burned in: a picture stream is read from the file itself; text from a cue file.
    let burnIn: AiringRenderSpec['burnIn'];
    let cueFile: string | undefined;
    if (plan.kind === 'render' && plan.burnIn) {
      if (plan.burnIn.kind === 'picture') burnIn = { kind: 'picture', streamIndex: plan.burnIn.streamIndex };
      else {
        cueFile = await this.writeCueFile(slice, plan.burnIn.cues);
        if (cueFile) burnIn = { kind: 'text', file: cueFile };
      }
      if (burnIn) this.options.log.debug({ title: airing.title, burnIn: describeBurnIn(plan.burnIn) }, 'subtitles burned in');
    }
    const card = plan.kind === 'card'
      ? alertCard({ alert: plan.alert, profile: this.options.profile, offsetSeconds: (slice.fromMs - airing.startMs) / 1000, durationSeconds: (slice.toMs - slice.fromMs) / 1000, timeZone: this.options.timeZone, styles: this.options.alertStyles })
      : undefined;
    // A media server's item is read from its stream (src/ffmpeg/media-input.ts). Resolved afresh
    // for every renderer: a try after a failure reads what the source says now. (Unresolvable
    // here after the check passed: the renderer fails at once and the slot is slated as for any.)
    const resolved = plan.kind === 'render' ? resolveMediaInput(airing.mediaPath) : undefined;
    const input = resolved?.ok && resolved.input.kind === 'http' ? resolved.input : undefined;
    if (resolved && !resolved.ok) this.options.log.warn({ title: airing.title, file: airing.mediaPath, reason: resolved.reason }, 'airing cannot be streamed from its media server');
    if (input) this.options.log.debug({ title: airing.title, stream: describeInput(input) }, 'streaming the airing from its media server');
    // A live source: its stream on stdin, normalised as a file is. Sound unknown yet: taken to
    // be there (a renderer that finds none fails at once and the fallback airs until the next try).
    const liveSource = plan.kind === 'live' ? { path: '', live: true, startSeconds: 0, facts: { hasAudio: this.options.live?.hasAudio(plan.sourceId) ?? true, interlaced: true } } : undefined;
    const args = buildAiringRenderArgs({
      source: plan.kind === 'render' ? { path: airing.mediaPath, ...(input ? { input } : {}), startSeconds: (airing.inPointMs + slice.fromMs - airing.startMs) / 1000, facts: plan.source } : liveSource,
      slateText: plan.kind === 'slate' ? plan.text : undefined,
      plainSlate: plan.kind === 'slate' && plan.picture === 'plain slate',
      slateStyle: plan.kind === 'slate' ? this.options.slateStyle?.() : undefined,
      durationSeconds: (slice.toMs - slice.fromMs) / 1000,
      clockSeconds: this.clockSecondsAt(slice.fromMs),
      runSeconds: (slice.fromMs - this.options.runStartMs) / 1000,
      grid: this.options.grid,
      profile: this.options.profile,
      // Not for a live source: loudnorm's 3 s window holds its output back by 2-3 s, which makes
      // the picture that late and a lost source's fallback later than a `.ts` viewer's burst
      // (3 s) can cover. Its sound is resampled to the channel's layout; its level is the encoder's.
      loudnessTarget: plan.kind === 'live' ? null : this.options.loudnessTarget,
      ...(graphics ? { graphics } : {}),
      ...(burnIn ? { burnIn } : {}),
      ...(card ? { card } : {}),
    });
    const slate = plan.kind === 'slate';
    const sourceId = liveSourceOf(airing);
    const live = sourceId !== undefined ? { live: { sourceId, on: plan.kind === 'live' ? ('source' as const) : ('fallback' as const) } } : {};
    const info: RendererInfo = { slice, pid: undefined, slate, reason: slate ? plan.reason : undefined, ...(graphics ? { graphics: true } : {}), ...(burnIn ? { burnIn: true } : {}), ...live };
    if (slate) this.slatesShown += 1;
    const picture: Picture = slate ? plan.picture : 'source';
    const child = (this.options.spawnRenderer ?? spawnRenderer)(this.options.toolchain.ffmpegPath, args, plan.kind === 'live' ? { stdin: true } : undefined);
    // A live event is rendered too (the capacity check counts it from these figures).
    if (plan.kind === 'render' || plan.kind === 'live') this.options.cache?.record('live', (slice.toMs - slice.fromMs) / 1000);
    const renderer = new Renderer(info, picture, child, this.options.log, input, plan.kind === 'live' ? new WrittenVideo(1 / this.options.profile.frameRate) : undefined);
    if (plan.kind === 'live') this.feed(renderer, plan.sourceId);
    if (cueFile) {
      const file = cueFile;
      void renderer.exited.then(() => unlink(file).catch(() => undefined));
    }
    return renderer;
  }

  /**
   * Feeds a live renderer its source for as long as it runs (src/playout/live-feed.ts). A source
   * that goes quiet, or a renderer that stops producing, ends the renderer: play() then airs the
   * fallback for a moment and tries the source again (replace, playRestOfSlot).
   */
  private feed(renderer: Renderer, sourceId: string): void {
    const { stdin } = renderer.child;
    if (!stdin) {
      renderer.lastError = 'the live renderer has no input pipe';
      renderer.kill();
      return;
    }
    feedLiveRenderer({
      sourceId,
      feeds: this.options.live ?? { isUp: () => false, subscribe: () => undefined, hasAudio: () => undefined },
      stdin,
      outSeconds: () => renderer.outSeconds,
      slotStartMs: renderer.info.slice.fromMs,
      exited: renderer.exited,
      ...(this.options.now ? { now: this.options.now } : {}),
      onLost: (reason) => {
        renderer.lastError = reason;
        renderer.kill();
      },
    });
  }

  /** A copy plan: the cached file spliced onto the channel's clock (src/cache/ts-splicer.ts). */
  private copy(plan: Extract<RenderPlan, { kind: 'copy' }>): Playing {
    const { slice, entry } = plan;
    const { profile } = this.options;
    const placement = placeOnGrids(this.clockSecondsAt(slice.fromMs), (slice.toMs - slice.fromMs) / 1000, profile.frameRate, profile.audioSampleRate);
    const rate = profile.audioSampleRate;
    const aacFrame = AAC_FRAME_SAMPLES / rate;
    // The live renderer's AAC packets span [audio start − 1 frame, next airing's audio start − 1
    // frame) (the priming packet comes first); a copied slice takes the cached frames that start
    // within half a frame of that span, so it tiles with either kind of neighbour.
    const audioStart = placement.baseSeconds + placement.audioStartSamples / rate;
    const audioEnd = audioStart + (placement.audioSamples + AAC_FRAME_SAMPLES) / rate;
    const info: RendererInfo = { slice, pid: undefined, slate: false, cached: true };
    const release = this.options.cache!.beginAiring(entry);
    const spliced = new SplicedSlice(
      info,
      (onProgress) =>
        spliceCachedSlice({
          entry,
          keyframeIndex: plan.keyframeIndex,
          frames: placement.frames,
          videoStartSeconds: placement.baseSeconds + placement.videoLeadFrames / profile.frameRate,
          audioFromSeconds: audioStart - 1.5 * aacFrame,
          audioToSeconds: audioEnd - 1.5 * aacFrame,
          // A copy-spliced slice writes what a live renderer's muxer would, so the packager sees one clock.
          muxerOffsetSeconds: MPEGTS_MUXER_OFFSET_SECONDS,
          frameRate: profile.frameRate,
          onProgress,
        }),
      release,
    );
    this.options.cache!.record('cached', (slice.toMs - slice.fromMs) / 1000);
    return spliced;
  }

  /**
   * Kills the renderer when it stalls: no new output for STALL_MS while it is behind its slot on
   * the wall clock. (One blocked on a full pipe is ahead of real time, so it is never taken for
   * hung.) play() then fills the rest of the slot as for any renderer that died.
   */
  private watchStall(renderer: Playing): NodeJS.Timeout {
    const now = this.options.now ?? Date.now;
    let lastSeconds = renderer.outSeconds;
    let lastProgressMs = now();
    const timer = setInterval(() => {
      if (this.stopped) return;
      const at = now();
      if (renderer.outSeconds !== lastSeconds) {
        lastSeconds = renderer.outSeconds;
        lastProgressMs = at;
        return;
      }
      const behind = at - renderer.info.slice.fromMs > renderer.outSeconds * 1000 + 1000;
      if (!behind || at - lastProgressMs < STALL_MS) return;
      renderer.lastError = `the renderer made nothing for ${STALL_MS / 1000} s (stalled)`;
      this.options.log.warn({ title: renderer.info.slice.airing.title, renderedSeconds: renderer.outSeconds }, 'airing renderer stalled: killing it');
      renderer.kill();
    }, 1000);
    // A stopped chain's last play() may never settle (its sink is gone): the watch must not keep
    // the process alive after the server has stopped.
    timer.unref();
    return timer;
  }

  /** Splices the renderer's output into the packager; on failure fills the rest of the slot. */
  private async play(renderer: Playing): Promise<void> {
    const { slice } = renderer.info;
    this.options.log.info(
      {
        title: slice.airing.title,
        kind: slice.airing.kind,
        offsetSeconds: ((slice.fromMs - slice.airing.startMs) / 1000).toFixed(1),
        // Handed to the packager this long before it airs (its output may reach players sooner).
        aheadSeconds: ((slice.fromMs - (this.options.now ?? Date.now)()) / 1000).toFixed(1),
        slate: renderer.info.slate,
        cached: renderer.info.cached === true,
      },
      'on air',
    );
    const drained = new Promise<void>((resolve) => {
      renderer.output.once('end', resolve);
      renderer.output.once('error', () => resolve());
    });
    renderer.output.pipe(this.options.sink, { end: false });
    const watchdog = this.watchStall(renderer);
    const { code, signal } = await renderer.exited;
    // A renderer that failed is replaced the moment it exits, while what it made before still
    // drains into the packager: the slate (or the try) is then ready where its picture ends,
    // not started only once the packager has taken the last of it.
    const replacement = this.stopped || code === 0 ? undefined : this.replace(renderer, code, signal);
    // (Awaited below, after the drain; a failure meanwhile must not count as unhandled.)
    replacement?.catch(() => undefined);
    await drained;
    clearInterval(watchdog);
    renderer.output.unpipe(this.options.sink);
    const next = await replacement;
    if (!next) return;
    if (this.stopped) {
      next.kill();
      return;
    }
    this.current = next;
    await this.play(next);
    await this.playRestOfSlot(slice, next.info.slice.toMs);
  }

  /**
   * What replaces a renderer that failed mid-slot: a slate for exactly what is left of the slot
   * (a media server's airing: a slate for a few seconds, then the airing again, until the slot
   * ends), or the airing again without burned-in subtitles or graphics when it failed at once
   * with them. Undefined: nothing is left of the slot, or not even a plain slate can be drawn.
   */
  private async replace(renderer: Playing, code: number | null, signal: NodeJS.Signals | null): Promise<Playing | undefined> {
    const { slice } = renderer.info;
    const frameMs = 1000 / this.options.profile.frameRate;
    const doneUntilMs = slice.fromMs + Math.ceil((renderer.outSeconds * 1000) / frameMs + 1) * frameMs;
    const streamed = renderer.picture === 'source' && airsFile(slice.airing) && isMediaServerPath(slice.airing.mediaPath);
    const sourceId = renderer.info.live?.on === 'source' ? renderer.info.live.sourceId : undefined;
    if (sourceId !== undefined) {
      // A live source lost mid-slot is the expected failure of a live block, not a fault of ours.
      this.liveOnAir = { sourceId, on: 'fallback' };
      this.options.log.info({ sourceId, title: slice.airing.title, reason: renderer.lastError, renderedSeconds: renderer.outSeconds }, 'live source lost: fallback');
    } else this.options.log.warn(
      { title: slice.airing.title, code, signal, lastError: renderer.lastError, renderedSeconds: renderer.outSeconds, ...(streamed ? { file: slice.airing.mediaPath, streamError: renderer.streamError } : {}) },
      streamed ? 'airing renderer failed reading its media server: slate, then the airing is tried again' : 'airing renderer failed: slate for the rest of the slot',
    );
    if (slice.toMs - doneUntilMs < frameMs) return undefined;
    const reason = renderer.streamError ?? renderer.lastError ?? `renderer exited with ${code ?? signal}`;
    if (renderer.picture === 'plain slate') {
      // Even black and silence cannot be rendered (ffmpeg itself is broken): trying again would
      // start a process per frame. The slot stays unfilled; the next airing keeps its time.
      this.lastError = `the slate cannot be rendered either (${reason}); "${slice.airing.title}" is not on the air until its slot ends`;
      this.options.log.error({ title: slice.airing.title, reason }, 'slate renderer failed: giving up on the rest of the slot');
      // Wait out the slot on the wall clock: otherwise every later slot would fail just as fast,
      // and the chain would spin through the timeline starting processes.
      await this.waitUntil(slice.toMs);
      return undefined;
    }
    const rest: AiringSlice = { airing: slice.airing, fromMs: Math.round(doneUntilMs), toMs: slice.toMs };
    // (A live source's renderer is never retried without its graphics: its source, not they, is what fails.)
    const failedAtOnce = renderer.outSeconds === 0 && renderer.picture === 'source' && sourceId === undefined;
    // A renderer that made nothing at all with burned-in subtitles most likely choked on them (a
    // picture stream ffmpeg cannot decode, a cue file libass refuses): the airing plays on without
    // them, graphics kept. Never dead air because of a subtitle.
    const retryWithoutBurnIn = failedAtOnce && renderer.info.burnIn === true;
    // One with graphics (and, by now, no subtitles) most likely choked on its graphics (a font or
    // image that went bad after it was checked): the airing plays on without either.
    const retryBare = failedAtOnce && !retryWithoutBurnIn && renderer.info.graphics === true;
    if (retryWithoutBurnIn) this.options.log.warn({ title: slice.airing.title, lastError: renderer.lastError }, 'renderer with burned-in subtitles failed at once: playing the airing without them');
    if (retryBare) this.options.log.warn({ title: slice.airing.title, lastError: renderer.lastError }, 'renderer with graphics failed at once: playing the airing without graphics');
    const picture = renderer.picture === 'source' ? 'drawn slate' : 'plain slate';
    return retryWithoutBurnIn
      ? this.prepare(rest, undefined, { withoutBurnIn: true })
      : retryBare
        ? this.prepare(rest, undefined, { withoutGraphics: true, withoutBurnIn: true })
        : this.prepare(rest, { reason, picture });
  }

  /**
   * What a replacement left of the failed renderer's slot, played to its end: a media server's
   * airing is slated for a few seconds at a time (`retryBound`) and tried again after each, from
   * where the timeline is then, so a server that comes back airs again within the slot. (A local
   * file's slate covers the whole rest at once: nothing is left.) Each try is planned afresh (its
   * check, the cache, graphics) and fails the same bounded way.
   */
  private async playRestOfSlot(slice: AiringSlice, reachedMs: number): Promise<void> {
    const frameMs = 1000 / this.options.profile.frameRate;
    let reached = reachedMs;
    while (!this.stopped && slice.toMs - reached >= frameMs) {
      // A slate is a few bytes a second: the pipes alone would let the chain run through every
      // try of the slot at once, long before air, and a server back a moment later would find
      // the slot slated to its end. Each try waits for its turn as run() hands airings over (a
      // little earlier: its check may take the read timeout).
      // A live block's fallback is handed over only just before it airs (prepare() waits for
      // the try): a slate made ahead would still be airing seconds after the source is back.
      if (liveSourceOf(slice.airing) !== undefined) await this.waitUntil(reached - LIVE_PREPARE_MS);
      else if (this.options.leadSeconds !== undefined) await this.waitUntil(reached - (this.options.leadSeconds * 1000 + TRY_PREPARE_MS));
      if (this.stopped) return;
      if (liveSourceOf(slice.airing) === undefined) this.options.log.info({ title: slice.airing.title, file: slice.airing.mediaPath, offsetSeconds: ((reached - slice.airing.startMs) / 1000).toFixed(1) }, 'trying the airing again');
      const again = await this.prepare({ airing: slice.airing, fromMs: Math.round(reached), toMs: slice.toMs });
      if (this.stopped) {
        again.kill();
        return;
      }
      this.current = again;
      await this.play(again);
      // play() fills what it failed to (its own rest); what its plan did not cover comes next.
      reached = again.info.slice.toMs;
    }
  }
}
