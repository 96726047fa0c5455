import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { OutputProfile } from '../config/quality.js';
import { buildAiringRenderArgs, type SourceFacts } from '../ffmpeg/airing-command.js';
import type { SegmentGrid } from '../hls/segment-grid.js';
import { registerChild, wrapWithParentDeathSignal } from '../ffmpeg/process-registry.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import type { Logger } from '../logging/logger.js';
import type { Airing, ChannelTimeline } from '../timeline/types.js';
import { checkSource, type SourceCheck } from '../library/probe.js';
import { alertCard } from '../alerts/alert-render.js';

/** Starts one renderer process (tests pass a fake; production wraps ffmpeg with PR_SET_PDEATHSIG). */
export type SpawnRenderer = (command: string, args: string[]) => ChildProcess;

function spawnRenderer(command: string, args: string[]): ChildProcess {
  const wrapped = wrapWithParentDeathSignal(command, args);
  const child = spawn(wrapped.command, wrapped.args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  registerChild(child);
  return child;
}

/** How much of the next airing may be rendered ahead of its turn. */
const PREROLL_BUFFER_BYTES = 1024 * 1024;

/** A stretch of the channel's clock that one renderer fills: a whole airing, or the rest of one. */
export interface AiringSlice {
  airing: Airing;
  fromMs: number;
  toMs: number;
}

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
  /** Station graphics for a slice (src/graphics); asked afresh for every airing, so a change airs from the next one. */
  graphics?: (slice: AiringSlice) => Promise<{ filter: string } | undefined>;
  log: Logger;
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
type Picture = 'source' | 'drawn slate' | 'plain slate';

export interface RendererInfo {
  slice: AiringSlice;
  pid: number | undefined;
  slate: boolean;
  reason?: string;
  /** The renderer draws station graphics. */
  graphics?: boolean;
}

/** The slice of the timeline that is on the air at `tMs`, up to the end of its airing. */
export function sliceAt(timeline: ChannelTimeline, tMs: number): AiringSlice | undefined {
  const position = timeline.at(tMs);
  if (!position) return undefined;
  return { airing: position.airing, fromMs: tMs, toMs: position.airing.endMs };
}

/** One running renderer: an ffmpeg turning one slice into MPEG-TS on stdout. */
class Renderer {
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

  constructor(
    readonly info: RendererInfo,
    readonly picture: Picture,
    child: ChildProcess,
    log: Logger,
  ) {
    this.child = child;
    info.pid = this.child.pid;
    this.child.stdout!.pipe(this.output);
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    this.child.once('error', (error) => {
      this.lastError = error.message;
    });
    const progress = this.child.stdio[3] as Readable | null;
    if (progress) {
      createInterface({ input: progress }).on('line', (line) => {
        if (line.startsWith('out_time_us=')) this.outSeconds = Math.max(this.outSeconds, Number(line.slice(12)) / 1e6 || 0);
      });
    }
    if (this.child.stderr) {
      createInterface({ input: this.child.stderr }).on('line', (line) => {
        if (!line.trim()) return;
        this.lastError = line;
        log.warn({ ffmpeg: line, title: info.slice.airing.title }, 'airing renderer says');
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
  private current: Renderer | undefined;
  private upcoming: Promise<Renderer> | undefined;
  private upcomingSlice: AiringSlice | undefined;
  /** The renderer started ahead of its turn (memory and CPU in the status API). */
  private ahead: Renderer | undefined;
  slatesShown = 0;
  /** Set when even the plain slate failed: the slot went unfilled (the channel's lastError). */
  lastError: string | undefined;

  constructor(private readonly options: AiringChainOptions) {}

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
      const renderer = await this.upcoming;
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

  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
    this.current?.kill();
    void this.upcoming?.then((renderer) => renderer.kill());
  }

  private wakeUp: (() => void) | undefined;

  /** Resolves at wall-clock instant `tMs`, or at once when the chain is stopped. */
  private waitUntil(tMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, tMs - (this.options.now ?? Date.now)()));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private clockSecondsAt(tMs: number): number {
    return this.options.runClockSeconds + (tMs - this.options.runStartMs) / 1000;
  }

  /** Checks the source and starts its renderer (or a slate's). */
  private async prepare(slice: AiringSlice, forceSlate?: { reason: string; picture: Exclude<Picture, 'source'> }, withoutGraphics = false): Promise<Renderer> {
    const { airing } = slice;
    let facts: SourceFacts | undefined;
    let reason = forceSlate?.reason;
    // An emergency alert is drawn, not read from a file (src/alerts/alert-render.ts).
    const card = airing.kind === 'alert' && airing.alert && !forceSlate
      ? alertCard({ alert: airing.alert, profile: this.options.profile, offsetSeconds: (slice.fromMs - airing.startMs) / 1000, durationSeconds: (slice.toMs - slice.fromMs) / 1000, timeZone: this.options.timeZone })
      : undefined;
    if (!reason && !card && airing.kind !== 'slate' && airing.mediaPath) {
      const check = await (this.options.checkSource ?? checkSource)(this.options.toolchain.ffprobePath, airing.mediaPath);
      if (check.ok) facts = check.facts;
      else reason = check.reason;
    }
    if (reason) this.options.log.warn({ title: airing.title, file: airing.mediaPath, reason }, 'airing cannot play: showing a slate for its slot');
    const offsetIntoAiringMs = slice.fromMs - airing.startMs;
    // Graphics go on real airings only (a slate says "technical difficulties" on its own).
    const graphics = facts && !withoutGraphics && this.options.graphics ? await this.options.graphics(slice).catch(() => undefined) : undefined;
    const args = buildAiringRenderArgs({
      source: facts ? { path: airing.mediaPath, startSeconds: (airing.inPointMs + offsetIntoAiringMs) / 1000, facts } : undefined,
      slateText: airing.kind === 'slate' && !reason ? 'Retrovue' : undefined,
      plainSlate: forceSlate?.picture === 'plain slate',
      durationSeconds: (slice.toMs - slice.fromMs) / 1000,
      clockSeconds: this.clockSecondsAt(slice.fromMs),
      runSeconds: (slice.fromMs - this.options.runStartMs) / 1000,
      grid: this.options.grid,
      profile: this.options.profile,
      loudnessTarget: this.options.loudnessTarget,
      ...(graphics ? { graphics } : {}),
      ...(card ? { card } : {}),
    });
    const info: RendererInfo = { slice, pid: undefined, slate: !facts && !card, reason, ...(graphics ? { graphics: true } : {}) };
    if (!facts && !card) this.slatesShown += 1;
    const picture: Picture = facts || card ? 'source' : (forceSlate?.picture ?? 'drawn slate');
    const child = (this.options.spawnRenderer ?? spawnRenderer)(this.options.toolchain.ffmpegPath, args);
    const renderer = new Renderer(info, picture, child, this.options.log);
    if (this.stopped) renderer.kill();
    this.ahead = renderer;
    return renderer;
  }

  /** Splices the renderer's output into the packager; on failure fills the rest of the slot. */
  private async play(renderer: Renderer): Promise<void> {
    const { slice } = renderer.info;
    this.options.log.info(
      { title: slice.airing.title, kind: slice.airing.kind, offsetSeconds: ((slice.fromMs - slice.airing.startMs) / 1000).toFixed(1), slate: renderer.info.slate },
      'on air',
    );
    const drained = new Promise<void>((resolve) => {
      renderer.output.once('end', resolve);
      renderer.output.once('error', () => resolve());
    });
    renderer.output.pipe(this.options.sink, { end: false });
    const [{ code, signal }] = await Promise.all([renderer.exited, drained]);
    renderer.output.unpipe(this.options.sink);
    if (this.stopped || code === 0) return;

    // The renderer died mid-slot: a slate for exactly what is left of the slot.
    const frameMs = 1000 / this.options.profile.frameRate;
    const doneUntilMs = slice.fromMs + Math.ceil((renderer.outSeconds * 1000) / frameMs + 1) * frameMs;
    this.options.log.warn(
      { title: slice.airing.title, code, signal, lastError: renderer.lastError, renderedSeconds: renderer.outSeconds },
      'airing renderer failed: slate for the rest of the slot',
    );
    if (slice.toMs - doneUntilMs < frameMs) return;
    const reason = renderer.lastError ?? `renderer exited with ${code ?? signal}`;
    if (renderer.picture === 'plain slate') {
      // Even black and silence cannot be rendered (ffmpeg itself is broken): trying again would
      // start a process per frame. The slot stays unfilled; the next airing keeps its time.
      this.lastError = `the slate cannot be rendered either (${reason}); "${slice.airing.title}" is not on the air until its slot ends`;
      this.options.log.error({ title: slice.airing.title, reason }, 'slate renderer failed: giving up on the rest of the slot');
      // Wait out the slot on the wall clock: otherwise every later slot would fail just as fast,
      // and the chain would spin through the timeline starting processes.
      await this.waitUntil(slice.toMs);
      return;
    }
    const rest: AiringSlice = { airing: slice.airing, fromMs: Math.round(doneUntilMs), toMs: slice.toMs };
    // A renderer with graphics that made nothing at all most likely choked on its graphics
    // (a font or image that went bad after it was checked): the airing plays on without them.
    const retryBare = renderer.info.graphics === true && renderer.outSeconds === 0 && renderer.picture === 'source';
    if (retryBare) this.options.log.warn({ title: slice.airing.title, lastError: renderer.lastError }, 'renderer with graphics failed at once: playing the airing without graphics');
    const picture = renderer.picture === 'source' ? 'drawn slate' : 'plain slate';
    const slate = retryBare ? await this.prepare(rest, undefined, true) : await this.prepare(rest, { reason, picture });
    if (this.stopped) {
      slate.kill();
      return;
    }
    this.current = slate;
    await this.play(slate);
  }
}
