import { mediaAvailable } from '../ffmpeg/media-input.js';
import { compileTimeline, initialState, type CompileInput } from './compiler.js';
import type { TimelineStore } from './timeline-store.js';
import { slateAiring } from '../timeline/slate-airing.js';
import type { Airing, AiringProgram, ChannelTimeline, TimelinePosition } from '../timeline/types.js';

export const MIN_HORIZON_MS = 48 * 3600_000;
/** The horizon is topped up a chunk at a time, so extension happens now and then rather than continuously. */
export const EXTEND_CHUNK_MS = 6 * 3600_000;
/**
 * One compile step: about an hour of schedule. A step compiles whole units (a block, a gap), so
 * a long block is one step; either way a step takes a few milliseconds, and the event loop runs
 * between steps.
 */
export const COMPILE_STEP_MS = 3600_000;
/**
 * Compiled at once when a timeline is made or rescheduled, so the channel airs at once and its
 * graphics find what is up next (they look 6 h ahead); the rest of the horizon follows in steps.
 */
const IMMEDIATE_SPAN_MS = 6 * 3600_000;
/** While caught up, the horizon is looked at again at least this often (time passes; clocks jump). */
const RECHECK_MS = 5 * 60_000;
/** Kept behind now at least this long, whatever the guide's history: the control room's guide reads 1.5 h back. */
export const MIN_HISTORY_MS = 3 * 3600_000;
/** After a long shutdown, do not compile the missed days: start again from now, progress kept. */
const MAX_CATCH_UP_MS = 7 * 24 * 3600_000;

/** How far a compiled timeline reaches ahead and keeps behind, from the guide's settings. */
export function timelineSpans(guide: { days: number; history_hours: number }): { horizonMs: number; historyMs: number } {
  return {
    horizonMs: Math.max(MIN_HORIZON_MS, guide.days * 24 * 3600_000),
    historyMs: Math.max(MIN_HISTORY_MS, guide.history_hours * 3600_000),
  };
}

export interface CompiledTimelineOptions {
  store: TimelineStore;
  /** The current schedule and catalog; read whenever the timeline is extended. */
  input: () => CompileInput;
  horizonMs?: number;
  /** Kept in memory and in the database behind now, for the guide's history. */
  historyMs?: number;
  now?: () => number;
  /**
   * Whether an airing's media can be read now (default: a local file exists; a media server's
   * item is resolvable, src/ffmpeg/media-input.ts — never `existsSync` of its `media-server:` path).
   */
  fileExists?: (path: string) => boolean;
}

/** What a schedule edit changed in the published future, programme by programme. */
export interface TimelineChange {
  effectiveFromMs: number;
  removed: ProgrammeSummary[];
  added: ProgrammeSummary[];
}

export interface ProgrammeSummary {
  startMs: number;
  endMs: number;
  title: string;
  subtitle?: string;
}

/** Folds airings into programmes: a show airing and its breaks, by program id, in air order. */
export function foldProgrammes(airings: Airing[]): Array<{ program: AiringProgram; startMs: number; endMs: number; airings: Airing[] }> {
  const result: Array<{ program: AiringProgram; startMs: number; endMs: number; airings: Airing[] }> = [];
  for (const airing of airings) {
    const last = result[result.length - 1];
    const program = airing.program ?? { id: `${airing.startMs}`, title: airing.title };
    if (last && last.program.id === program.id) {
      last.endMs = airing.endMs;
      last.airings.push(airing);
    } else result.push({ program, startMs: airing.startMs, endMs: airing.endMs, airings: [airing] });
  }
  return result;
}

/**
 * The airings of `recompiled` from `joinAtMs` on, the one spanning it clipped to start there
 * with its in-point advanced (`joinInProgress`). A recompiled programme that shares a program id
 * with a different programme kept before the join (the unit's station break: ids are the unit's
 * start) gets its own id, so the guide folds the break and the programme apart.
 */
export function joinAirings(keptInUnit: Airing[], recompiled: Airing[], joinAtMs: number): Airing[] {
  const keptTitles = new Map(keptInUnit.flatMap((a) => (a.program ? [[a.program.id, a.program.title] as const] : [])));
  const result: Airing[] = [];
  for (const airing of recompiled) {
    if (airing.endMs <= joinAtMs) continue;
    let joined = airing;
    if (airing.startMs < joinAtMs) {
      const skipped = joinAtMs - airing.startMs;
      joined = { ...airing, startMs: joinAtMs, inPointMs: airing.inPointMs + skipped };
    }
    const program = joined.program;
    if (program && keptTitles.has(program.id) && keptTitles.get(program.id) !== program.title) {
      joined = { ...joined, program: { ...program, id: `${program.id}@${joinAtMs}` } };
    }
    result.push(joined);
  }
  return result;
}

/**
 * A channel's compiled schedule as a ChannelTimeline. Airings, once compiled, are stored
 * and never recompiled (restart → same airings); only `reschedule()` changes the stored future
 * (and, on the first run only, `joinInProgress()`).
 *
 * The horizon (now + horizonMs + up to a chunk) is kept compiled in the background, a step at
 * a time with the event loop free between steps: started when the timeline is made and again
 * as time passes. Readers read what is compiled and never make it compile further, so no
 * request can make the server compile (and store) a far future, or compile for long on its
 * turn. Only playout's `at()` may compile on its turn, and only the step it needs when the
 * background is somehow behind; nothing is ever compiled past the horizon.
 */
export class CompiledTimeline implements ChannelTimeline {
  readonly endsAtMs = undefined;
  private airings: Airing[];
  private compiledUntilMs: number;
  private readonly horizonMs: number;
  private readonly historyMs: number;
  private readonly now: () => number;
  private readonly fileExists: (path: string) => boolean;
  private readonly existence = new Map<string, { exists: boolean; checkedAtMs: number }>();
  /** The background compiles until here (the horizon when it was last topped up, or what a reader awaits). */
  private backgroundTargetMs = 0;
  /** The schedule and catalog for the steps of one background run: read once per run, not per step. */
  private runInput: CompileInput | undefined;
  private nextStep: NodeJS.Immediate | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private readonly waiters: Array<{ untilMs: number; resolve: () => void }> = [];
  private stopped = false;

  constructor(private readonly options: CompiledTimelineOptions) {
    this.horizonMs = Math.max(MIN_HORIZON_MS, options.horizonMs ?? MIN_HORIZON_MS);
    this.historyMs = Math.max(MIN_HISTORY_MS, options.historyMs ?? 6 * 3600_000);
    this.now = options.now ?? Date.now;
    this.fileExists = options.fileExists ?? ((path) => mediaAvailable(path));
    const nowMs = this.now();
    const head = options.store.head();
    this.airings = head ? options.store.load(nowMs - this.historyMs) : [];
    this.compiledUntilMs = head?.compiledUntilMs ?? nowMs;
    this.skipLongOutage(nowMs);
    this.compileThrough(nowMs + IMMEDIATE_SPAN_MS);
    this.topUpHorizon();
  }

  get startMs(): number | undefined {
    return this.airings[0]?.startMs;
  }

  /** Where the compiled (and stored) timeline ends for now. */
  get compiledUntil(): number {
    return this.compiledUntilMs;
  }

  /** The instants a viewer may ask about: from the kept history to the horizon. */
  queryWindow(nowMs = this.now()): { fromMs: number; toMs: number } {
    return { fromMs: nowMs - this.historyMs, toMs: nowMs + this.horizonMs };
  }

  /** The furthest the timeline is ever compiled: the horizon plus the chunk it is topped up by. */
  private horizonEnd(nowMs: number): number {
    return nowMs + this.horizonMs + EXTEND_CHUNK_MS;
  }

  /**
   * Resolves once the timeline is compiled through `untilMs` (at most to the horizon), without
   * compiling anything on the caller's turn: the background does it, in steps. Readers that
   * answer viewers await this, then read.
   */
  whenCompiled(untilMs: number): Promise<void> {
    const wanted = Math.min(untilMs, this.horizonEnd(this.now()));
    // (NaN would also poison the background's target for good.)
    if (this.compiledUntilMs >= wanted || this.stopped || Number.isNaN(wanted)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ untilMs: wanted, resolve });
      this.compileInBackground(wanted);
    });
  }

  /** Stops compiling in the background (server shutdown, channel deleted or renumbered); readers stop waiting. */
  stop(): void {
    this.stopped = true;
    if (this.nextStep) clearImmediate(this.nextStep);
    if (this.recheck) clearTimeout(this.recheck);
    this.nextStep = undefined;
    this.recheck = undefined;
    this.settleWaiters(Infinity);
  }

  /** A timeline left for more than MAX_CATCH_UP_MS starts again from now, its progress kept. */
  private skipLongOutage(nowMs: number): void {
    if (this.compiledUntilMs >= nowMs - MAX_CATCH_UP_MS) return;
    this.compiledUntilMs = nowMs;
    const state = this.options.store.head()?.state ?? initialState();
    this.options.store.append([], [], { compiledUntilMs: nowMs, state });
  }

  /** One step: whole units from where the timeline ends, about COMPILE_STEP_MS of them, stored at once. */
  private compileStep(input: CompileInput): void {
    const state = this.options.store.head()?.state ?? initialState();
    const result = compileTimeline(input, state, this.compiledUntilMs, this.compiledUntilMs + COMPILE_STEP_MS);
    this.options.store.append(result.airings, result.checkpoints, { compiledUntilMs: result.endMs, state: result.state });
    this.compiledUntilMs = result.endMs;
    // Airings are contiguous, so the history to forget is a prefix.
    const keepFrom = this.now() - this.historyMs;
    let forget = 0;
    while (forget < this.airings.length && this.airings[forget]!.endMs <= keepFrom) forget += 1;
    if (forget > 0) this.airings.splice(0, forget);
    for (const airing of result.airings) this.airings.push(airing);
  }

  /** Compiles synchronously, step by step, until the timeline reaches past `untilMs`. */
  private compileThrough(untilMs: number): void {
    if (this.compiledUntilMs >= untilMs) return;
    const input = this.options.input();
    while (this.compiledUntilMs < untilMs) this.compileStep(input);
    this.pruneStore();
  }

  private pruneStore(): void {
    this.options.store.prune(this.now() - this.historyMs - 24 * 3600_000);
  }

  /** Tops the horizon up by a chunk when less than half a chunk of it is left. */
  private topUpHorizon(): void {
    const nowMs = this.now();
    this.skipLongOutage(nowMs);
    if (this.compiledUntilMs < this.horizonEnd(nowMs) - EXTEND_CHUNK_MS / 2) this.compileInBackground(this.horizonEnd(nowMs));
    else this.armRecheck();
  }

  private compileInBackground(untilMs: number): void {
    this.backgroundTargetMs = Math.max(this.backgroundTargetMs, untilMs);
    if (this.stopped || this.nextStep) return;
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = undefined;
    this.nextStep = setImmediate(() => this.backgroundStep());
  }

  private backgroundStep(): void {
    this.nextStep = undefined;
    if (this.stopped) return;
    try {
      if (this.compiledUntilMs < this.backgroundTargetMs) {
        this.runInput ??= this.options.input();
        this.compileStep(this.runInput);
        this.settleWaiters(this.compiledUntilMs);
        if (this.compiledUntilMs < this.backgroundTargetMs) {
          this.nextStep = setImmediate(() => this.backgroundStep());
          return;
        }
      }
      this.pruneStore();
    } catch {
      // A database closed under it (shutdown) ends the background for good; anything else is
      // tried again at the next recheck, and playout's own `at()` would surface it meanwhile.
      if (!this.options.store.isOpen) {
        this.stop();
        return;
      }
    }
    this.runInput = undefined;
    this.settleWaiters(Infinity);
    this.armRecheck();
  }

  /** Looks at the horizon again when about half a chunk of it has gone by (or sooner, at most RECHECK_MS). */
  private armRecheck(): void {
    if (this.stopped) return;
    if (this.recheck) clearTimeout(this.recheck);
    const spare = this.compiledUntilMs - (this.horizonEnd(this.now()) - EXTEND_CHUNK_MS / 2);
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      if (this.options.store.isOpen) this.topUpHorizon();
      else this.stop();
    }, Math.min(Math.max(spare, 1000), RECHECK_MS));
    // A stopped server must not be kept alive by the horizon's clock.
    this.recheck.unref();
  }

  private settleWaiters(compiledUntilMs: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i]!;
      if (waiter.untilMs > compiledUntilMs) continue;
      this.waiters.splice(i, 1);
      waiter.resolve();
    }
  }

  /**
   * Playout must always get an airing: when the background is somehow behind (a stalled event
   * loop, a machine woken from sleep), the step `tMs` needs is compiled now. Only a step past
   * both now and the compiled end, and never past the horizon.
   */
  private coverForPlayout(tMs: number): void {
    if (tMs < this.compiledUntilMs || this.stopped) return;
    const nowMs = this.now();
    if (tMs >= Math.max(nowMs, this.compiledUntilMs) + COMPILE_STEP_MS || tMs >= this.horizonEnd(nowMs)) return;
    this.skipLongOutage(nowMs);
    this.compileThrough(tMs + 1);
  }

  /** The airing on air at `tMs` among those compiled, if any. */
  private airingAt(tMs: number): Airing | undefined {
    const first = this.airings[0];
    if (!first || tMs < first.startMs || tMs >= this.compiledUntilMs) return undefined;
    const airing = this.airings[this.indexAt(tMs)]!;
    // After a long outage the stored airings stop and compiling restarted later: a hole.
    return tMs < airing.endMs ? airing : undefined;
  }

  private indexAt(tMs: number): number {
    let low = 0;
    let high = this.airings.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.airings[mid]!.startMs <= tMs) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Published airings overlapping [fromMs, toMs), exactly as compiled (the guide's view); never compiles. */
  publishedBetween(fromMs: number, toMs: number, limit = 100_000): Airing[] {
    if (this.airings.length === 0) return [];
    const result: Airing[] = [];
    for (let i = this.indexAt(fromMs); i < this.airings.length && result.length < limit; i += 1) {
      const a = this.airings[i]!;
      if (a.startMs >= toMs) break;
      if (a.endMs > fromMs) result.push(a);
    }
    return result;
  }

  /** The guide programme (show plus its breaks) on air at t, with its folded start and end; never compiles. */
  programmeAt(tMs: number): { program: AiringProgram; startMs: number; endMs: number } | undefined {
    if (!this.airingAt(tMs)) return undefined;
    const index = this.indexAt(tMs);
    const airing = this.airings[index]!;
    if (!airing.program) return { program: { id: String(airing.startMs), title: airing.title }, startMs: airing.startMs, endMs: airing.endMs };
    const id = airing.program.id;
    let from = index;
    let to = index;
    while (from > 0 && this.airings[from - 1]!.program?.id === id) from -= 1;
    while (to + 1 < this.airings.length && this.airings[to + 1]!.program?.id === id) to += 1;
    return { program: airing.program, startMs: this.airings[from]!.startMs, endMs: this.airings[to]!.endMs };
  }

  private exists(path: string): boolean {
    const nowMs = this.now();
    const cached = this.existence.get(path);
    if (cached && nowMs - cached.checkedAtMs < 5000) return cached.exists;
    const exists = this.fileExists(path);
    this.existence.set(path, { exists, checkedAtMs: nowMs });
    return exists;
  }

  /**
   * A file that vanished after compiling airs as one slate airing for exactly its slot, so the
   * channel stays on time and the guide (which reads publishedBetween) stays unchanged.
   */
  private playable(airing: Airing): Airing {
    // A live block has no file: its source is playout's to check, at air time.
    if (airing.kind === 'slate' || airing.kind === 'live' || this.exists(airing.mediaPath)) return airing;
    return slateAiring(airing.startMs, airing.endMs, `Slate (missing: ${airing.title})`, airing.program);
  }

  /** What airs at t. Compiles only the step playout needs when the background is behind (see coverForPlayout). */
  at(tMs: number): TimelinePosition | undefined {
    this.coverForPlayout(tMs);
    const compiled = this.airingAt(tMs);
    if (!compiled) return undefined;
    const airing = this.playable(compiled);
    return { airing, offsetMs: tMs - airing.startMs };
  }

  airingsBetween(fromMs: number, toMs: number, limit = 10_000): Airing[] {
    return this.publishedBetween(fromMs, toMs, limit).map((airing) => this.playable(airing));
  }

  /** Whether a compiled airing starting at or after `fromMs` plays the library file `mediaId`. */
  airsMediaFrom(mediaId: number, fromMs: number): boolean {
    for (let i = this.airings.length - 1; i >= 0; i -= 1) {
      const airing = this.airings[i]!;
      if (airing.startMs < fromMs) return false;
      if (airing.mediaId === mediaId) return true;
    }
    return false;
  }

  /**
   * Applies an edited schedule: everything before the next unit boundary after `nowMs`
   * stays as published; the rest is recompiled, the next hours at once (playout reads them),
   * the rest of the horizon in the background. `change` resolves once the recompiled timeline
   * covers what was published before, with the programmes that changed.
   */
  reschedule(): { effectiveFromMs: number; change: Promise<TimelineChange> } {
    const nowMs = this.now();
    const checkpoint = this.options.store.checkpointAtOrAfter(nowMs);
    const fromMs = checkpoint?.atMs ?? this.compiledUntilMs;
    const state = checkpoint?.state ?? this.options.store.head()?.state ?? initialState();
    const before = this.airings.filter((a) => a.startMs >= fromMs);
    const publishedUntilMs = this.compiledUntilMs;
    this.options.store.truncateFrom(fromMs);
    this.airings = this.airings.filter((a) => a.startMs < fromMs);
    // A background run under way continues from the new end, with the new schedule.
    this.runInput = undefined;
    const input = this.options.input();
    const first = compileTimeline(input, state, fromMs, Math.max(fromMs, nowMs + IMMEDIATE_SPAN_MS));
    this.options.store.append(first.airings, first.checkpoints, { compiledUntilMs: first.endMs, state: first.state });
    for (const airing of first.airings) this.airings.push(airing);
    this.compiledUntilMs = first.endMs;
    this.compileInBackground(this.horizonEnd(nowMs));
    const change = this.whenCompiled(publishedUntilMs).then(() => this.changeSince(fromMs, before));
    return { effectiveFromMs: fromMs, change };
  }

  /**
   * The first run's join (issue 23), and only that: `serve` signs the demo channels on with only
   * commercials and the station ID in the library, so the unit on the air compiled as a station
   * break; when a programme is rendered and scanned in, it joins that unit in progress, the way a
   * station joins a programme already under way, instead of waiting for the next unit boundary
   * (up to an hour of commercials on a movie channel, on a new user's first look).
   *
   * The join instant T is the end of the airing on the air at `nowMs + leadMs`, where `leadMs` is
   * how far ahead playout hands airings to its packager (the airing chain's lead): everything
   * before T, including all that may already be handed over, stays as published. The unit is
   * compiled again from its own start checkpoint (same state) with the grown library, and from
   * T on its airings replace the published ones: the one spanning T is clipped to start at T
   * with its in-point advanced (the viewer joins the programme under way), and everything after
   * the unit follows from that compile, as a reschedule would compile it. Stored like any
   * compile, so a restart reads the same airings.
   *
   * Ordinary edits (schedule, time zone, chapter marks) use `reschedule()`, never this: they
   * keep INV-TL-3 (what is on the air and everything before the next unit boundary never
   * changes), since a programme in progress must not be swapped for another one mid-way. Here
   * nothing is in progress: the unit is joined only while it airs no programme from now to its
   * end (a station break); otherwise, or when T is not inside the unit, this is `reschedule()`.
   */
  joinInProgress(leadMs: number): { joinedAtMs: number | undefined; effectiveFromMs: number; change: Promise<TimelineChange> } {
    const nowMs = this.now();
    const unit = this.options.store.checkpointAtOrBefore(nowMs);
    const spanning = this.airingAt(nowMs + Math.max(0, leadMs));
    const joinAtMs = spanning?.endMs;
    const unitEndMs = unit ? (this.options.store.checkpointAtOrAfter(unit.atMs + 1)?.atMs ?? this.compiledUntilMs) : undefined;
    const airsProgramme = unitEndMs !== undefined && this.publishedBetween(nowMs, unitEndMs).some((a) => a.kind === 'program');
    if (!unit || joinAtMs === undefined || unitEndMs === undefined || joinAtMs >= unitEndMs || airsProgramme) {
      return { joinedAtMs: undefined, ...this.reschedule() };
    }
    const before = this.airings.filter((a) => a.startMs >= joinAtMs);
    const publishedUntilMs = this.compiledUntilMs;
    const kept = this.airings.filter((a) => a.startMs < joinAtMs);
    this.runInput = undefined;
    const compiled = compileTimeline(this.options.input(), unit.state, unit.atMs, Math.max(joinAtMs + 1, nowMs + IMMEDIATE_SPAN_MS));
    const joined = joinAirings(kept.filter((a) => a.startMs >= unit.atMs), compiled.airings, joinAtMs);
    this.options.store.truncateFrom(joinAtMs);
    this.options.store.append(joined, compiled.checkpoints.filter((c) => c.atMs >= joinAtMs), { compiledUntilMs: compiled.endMs, state: compiled.state });
    this.airings = [...kept, ...joined];
    this.compiledUntilMs = compiled.endMs;
    this.compileInBackground(this.horizonEnd(nowMs));
    const change = this.whenCompiled(publishedUntilMs).then(() => this.changeSince(joinAtMs, before));
    return { joinedAtMs: joinAtMs, effectiveFromMs: joinAtMs, change };
  }

  /** What the recompiled future from `fromMs` changed, programme by programme, against what was `published` there. */
  private changeSince(fromMs: number, published: Airing[]): TimelineChange {
    const before = foldProgrammes(published);
    const after = foldProgrammes(this.airings.filter((a) => a.startMs >= fromMs));
    const key = (p: { startMs: number; endMs: number; program: AiringProgram }) => `${p.startMs}|${p.endMs}|${p.program.title}|${p.program.subtitle ?? ''}`;
    const summary = (p: { startMs: number; endMs: number; program: AiringProgram }): ProgrammeSummary => ({
      startMs: p.startMs,
      endMs: p.endMs,
      title: p.program.title,
      ...(p.program.subtitle ? { subtitle: p.program.subtitle } : {}),
    });
    // Only compare the span both versions cover; beyond the old head nothing was published.
    const horizon = Math.min(before.at(-1)?.endMs ?? fromMs, after.at(-1)?.endMs ?? fromMs);
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    return {
      effectiveFromMs: fromMs,
      removed: before.filter((p) => p.startMs < horizon && !afterKeys.has(key(p))).map(summary),
      added: after.filter((p) => p.startMs < horizon && !beforeKeys.has(key(p))).map(summary),
    };
  }
}
