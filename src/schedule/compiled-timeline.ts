import { existsSync } from 'node:fs';
import { compileTimeline, initialState, type CompileInput } from './compiler.js';
import type { TimelineStore } from './timeline-store.js';
import { slateAiring } from '../timeline/slate-airing.js';
import type { Airing, AiringProgram, ChannelTimeline, TimelinePosition } from '../timeline/types.js';

export const MIN_HORIZON_MS = 48 * 3600_000;
/** Compile ahead in chunks, so extension happens now and then rather than on every call. */
const EXTEND_CHUNK_MS = 6 * 3600_000;
/** After a long shutdown, do not compile the missed days: start again from now, progress kept. */
const MAX_CATCH_UP_MS = 7 * 24 * 3600_000;

export interface CompiledTimelineOptions {
  store: TimelineStore;
  /** The current schedule and catalog; read whenever the timeline is extended. */
  input: () => CompileInput;
  horizonMs?: number;
  /** Kept in memory and in the database behind now, for the guide's history. */
  historyMs?: number;
  now?: () => number;
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
 * A channel's compiled schedule as a ChannelTimeline. Airings, once compiled, are stored
 * and never recompiled (restart → same airings); the horizon is extended as time passes,
 * continuing from the stored progress. Only `reschedule()` changes the stored future.
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

  constructor(private readonly options: CompiledTimelineOptions) {
    this.horizonMs = Math.max(MIN_HORIZON_MS, options.horizonMs ?? MIN_HORIZON_MS);
    this.historyMs = options.historyMs ?? 6 * 3600_000;
    this.now = options.now ?? Date.now;
    this.fileExists = options.fileExists ?? existsSync;
    const nowMs = this.now();
    const head = options.store.head();
    this.airings = head ? options.store.load(nowMs - this.historyMs) : [];
    this.compiledUntilMs = head?.compiledUntilMs ?? nowMs;
    if (head && head.compiledUntilMs < nowMs - MAX_CATCH_UP_MS) {
      this.compiledUntilMs = nowMs;
      this.options.store.append([], [], { compiledUntilMs: nowMs, state: head.state });
    }
    this.ensureCompiled(nowMs + this.horizonMs);
  }

  get startMs(): number | undefined {
    return this.airings[0]?.startMs;
  }

  /** Compiles (and stores) until at least `untilMs`. */
  ensureCompiled(untilMs: number): void {
    if (this.compiledUntilMs >= untilMs) return;
    const head = this.options.store.head();
    const state = head?.state ?? initialState();
    const target = Math.max(untilMs, this.now() + this.horizonMs) + EXTEND_CHUNK_MS;
    const result = compileTimeline(this.options.input(), state, this.compiledUntilMs, target);
    this.options.store.append(result.airings, result.checkpoints, { compiledUntilMs: result.endMs, state: result.state });
    const keepFrom = this.now() - this.historyMs;
    this.airings = [...this.airings.filter((a) => a.endMs > keepFrom), ...result.airings];
    this.compiledUntilMs = result.endMs;
    this.options.store.prune(keepFrom - 24 * 3600_000);
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

  /** Published airings overlapping [fromMs, toMs), exactly as compiled (the guide's view). */
  publishedBetween(fromMs: number, toMs: number, limit = 100_000): Airing[] {
    this.ensureCompiled(toMs);
    if (this.airings.length === 0) return [];
    const result: Airing[] = [];
    for (let i = this.indexAt(fromMs); i < this.airings.length && result.length < limit; i += 1) {
      const a = this.airings[i]!;
      if (a.startMs >= toMs) break;
      if (a.endMs > fromMs) result.push(a);
    }
    return result;
  }

  /** The guide programme (show plus its breaks) on air at t, with its folded start and end. */
  programmeAt(tMs: number): { program: AiringProgram; startMs: number; endMs: number } | undefined {
    this.ensureCompiled(tMs + 1);
    const first = this.airings[0];
    if (!first || tMs < first.startMs) return undefined;
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
    if (airing.kind === 'slate' || this.exists(airing.mediaPath)) return airing;
    return slateAiring(airing.startMs, airing.endMs, `Slate (missing: ${airing.title})`, airing.program);
  }

  at(tMs: number): TimelinePosition | undefined {
    this.ensureCompiled(tMs + 1);
    const first = this.airings[0];
    if (!first || tMs < first.startMs) return undefined;
    const airing = this.playable(this.airings[this.indexAt(tMs)]!);
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
   * stays as published; the rest is recompiled. Returns the programmes that changed.
   */
  reschedule(): TimelineChange {
    const nowMs = this.now();
    const checkpoint = this.options.store.checkpointAtOrAfter(nowMs);
    const fromMs = checkpoint?.atMs ?? this.compiledUntilMs;
    const state = checkpoint?.state ?? this.options.store.head()?.state ?? initialState();
    const before = foldProgrammes(this.airings.filter((a) => a.startMs >= fromMs));
    this.options.store.truncateFrom(fromMs);
    this.airings = this.airings.filter((a) => a.startMs < fromMs);
    const result = compileTimeline(this.options.input(), state, fromMs, nowMs + this.horizonMs + EXTEND_CHUNK_MS);
    this.options.store.append(result.airings, result.checkpoints, { compiledUntilMs: result.endMs, state: result.state });
    this.airings.push(...result.airings);
    this.compiledUntilMs = result.endMs;
    const after = foldProgrammes(result.airings);
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
