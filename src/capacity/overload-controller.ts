import type { Degraded } from '../playout/render-plan.js';

/**
 * The overload ladder, decided without side effects: given what every channel is doing now, which
 * channel is degraded how. The actuator (overload-actuator.ts) applies the answer; tests drive this
 * with fake time.
 *
 * The steps, in order (each one only after the previous one has had `overloadAfterMs` to help):
 *  1. `graphics`: every channel on the air drops its cards (lower thirds, "up next", tickers); the
 *     always-on bug stays. Cheap to undo, and cards are what forces a cached airing to render live.
 *  2. `lower-quality`: every channel on the air that has a cheaper preset airs one preset lower.
 *  3. `slate`: the always-on channel nobody watches (the one idle longest) airs a slate; then the
 *     next such channel, one per step, while overload lasts.
 * Steps are undone last-first after `recoverAfterMs` of comfort each (hysteresis: the thresholds
 * for "overloaded" and "comfortable" are apart, and each needs its time, so the ladder does not
 * flap). A slated channel that gets a viewer is released at once: a viewer must see the programme.
 */

/** What the controller reads of one channel. */
export interface ChannelLoad {
  number: number;
  /** On the air now (its run is live). */
  onAir: boolean;
  alwaysOn: boolean;
  /** Its renderer's speed (× real time); null: no renderer now (copying from the cache, or idle). */
  speed: number | null;
  /** Seconds of stream made ahead of the wall clock; null: not running. */
  workAheadSeconds: number | null;
  viewers: number;
  /** When it last had a viewer (ms); undefined: never. */
  lastActivityMs?: number;
  /** It has a cheaper preset to fall to (src/playout/channel-outputs.ts, lowerProfileOf). */
  canLowerQuality: boolean;
}

export interface LoadSample {
  nowMs: number;
  channels: readonly ChannelLoad[];
  /** Cores the channels use now (measured). */
  inUseCores: number;
  /** Cores the station may use (capacity.cores × capacity.headroom). */
  usableCores: number;
}

export interface ControllerSettings {
  overloadAfterMs: number;
  recoverAfterMs: number;
  /** A running channel with less work-ahead than this and a renderer under real time is behind. */
  behindWorkAheadSeconds?: number;
  /** Comfortable: every channel at least this far ahead and the cores used under `comfortShare` of usable. */
  comfortWorkAheadSeconds?: number;
  comfortShare?: number;
}

export type OverloadStepName = Degraded;

/** One step taken: which, when, and for `slate` which channel. */
export interface OverloadStep {
  step: OverloadStepName;
  since: string;
  channel?: number;
}

export interface OverloadState {
  /** How many steps are in effect (0: none). */
  level: number;
  /** When the first step in effect was taken (ISO); null at level 0. */
  since: string | null;
  steps: OverloadStep[];
  /** Why the controller thinks the station is overloaded now (empty: it does not). */
  reasons: string[];
}

/** What the controller decided at one tick: every channel's step, and what changed. */
export interface ControllerDecision {
  state: OverloadState;
  perChannel: Map<number, Degraded>;
  /** A step taken or undone at this tick (for the log). */
  changed?: { taken?: OverloadStep; undone?: OverloadStep; why: string };
}

interface TakenStep {
  step: OverloadStepName;
  atMs: number;
  channel?: number;
}

export class OverloadController {
  private readonly steps: TakenStep[] = [];
  /** Since when the station has been overloaded (or comfortable) without a break; undefined: it is not. */
  private overloadedSinceMs: number | undefined;
  private comfortableSinceMs: number | undefined;
  private readonly behindWorkAhead: number;
  private readonly comfortWorkAhead: number;
  private readonly comfortShare: number;

  constructor(private readonly settings: ControllerSettings) {
    this.behindWorkAhead = settings.behindWorkAheadSeconds ?? 2;
    this.comfortWorkAhead = settings.comfortWorkAheadSeconds ?? 4;
    this.comfortShare = settings.comfortShare ?? 0.75;
  }

  /** Why the station is overloaded now (empty: it is not). */
  overloadReasons(sample: LoadSample): string[] {
    const reasons: string[] = [];
    if (sample.inUseCores > sample.usableCores) reasons.push(`${sample.inUseCores.toFixed(2)} cores in use of ${sample.usableCores.toFixed(2)} usable`);
    for (const c of sample.channels) {
      if (!c.onAir || c.speed === null || c.workAheadSeconds === null) continue;
      if (c.speed < 1 && c.workAheadSeconds < this.behindWorkAhead) reasons.push(`channel ${c.number} renders at ${c.speed.toFixed(2)}× real time with ${c.workAheadSeconds.toFixed(1)} s ahead`);
    }
    return reasons;
  }

  private comfortable(sample: LoadSample): boolean {
    if (sample.inUseCores > sample.usableCores * this.comfortShare) return false;
    return sample.channels.every((c) => !c.onAir || c.workAheadSeconds === null || c.speed === null || c.workAheadSeconds >= this.comfortWorkAhead);
  }

  tick(sample: LoadSample): ControllerDecision {
    const { nowMs } = sample;
    let changed: ControllerDecision['changed'];
    // A slated channel someone tunes to airs its programme again at once.
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!;
      if (step.step !== 'slate') continue;
      const channel = sample.channels.find((c) => c.number === step.channel);
      if (!channel || channel.viewers > 0 || !channel.alwaysOn) {
        this.steps.splice(i, 1);
        changed = { undone: this.describe(step), why: `channel ${step.channel} has a viewer (or is no longer always on)` };
      }
    }
    const reasons = this.overloadReasons(sample);
    if (reasons.length > 0) {
      this.comfortableSinceMs = undefined;
      this.overloadedSinceMs ??= nowMs;
      // Each step gets its own time to help before the next one is taken.
      const lastStepMs = this.steps.at(-1)?.atMs ?? -Infinity;
      // (Not in the tick that released a slated channel: one change at a time, each one logged.)
      if (!changed && nowMs - Math.max(this.overloadedSinceMs, lastStepMs) >= this.settings.overloadAfterMs) {
        const next = this.nextStep(sample);
        if (next) {
          this.steps.push(next);
          changed = { taken: this.describe(next), why: reasons.join('; ') };
        }
      }
    } else {
      this.overloadedSinceMs = undefined;
      if (this.comfortable(sample)) {
        this.comfortableSinceMs ??= nowMs;
        const lastStepMs = this.steps.at(-1)?.atMs ?? -Infinity;
        if (!changed && this.steps.length > 0 && nowMs - Math.max(this.comfortableSinceMs, lastStepMs) >= this.settings.recoverAfterMs) {
          const undone = this.steps.pop()!;
          // The next undo waits its own comfortable stretch.
          this.comfortableSinceMs = nowMs;
          changed = { undone: this.describe(undone), why: `comfortable for ${Math.round(this.settings.recoverAfterMs / 1000)} s: ${sample.inUseCores.toFixed(2)} cores in use of ${sample.usableCores.toFixed(2)}` };
        }
      } else this.comfortableSinceMs = undefined;
    }
    return { state: this.state(reasons), perChannel: this.perChannel(sample), ...(changed ? { changed } : {}) };
  }

  /** The step after those in effect; undefined when there is nothing left to give up. */
  private nextStep(sample: LoadSample): TakenStep | undefined {
    const has = (step: OverloadStepName) => this.steps.some((s) => s.step === step);
    if (!has('graphics')) return { step: 'graphics', atMs: sample.nowMs };
    if (!has('lower-quality') && sample.channels.some((c) => c.onAir && c.canLowerQuality)) return { step: 'lower-quality', atMs: sample.nowMs };
    // The least watched: always on, nobody watching, idle longest (never watched first), not yet slated.
    const slated = new Set(this.steps.map((s) => s.channel));
    const candidate = sample.channels
      .filter((c) => c.onAir && c.alwaysOn && c.viewers === 0 && !slated.has(c.number))
      .sort((a, b) => (a.lastActivityMs ?? -Infinity) - (b.lastActivityMs ?? -Infinity) || b.number - a.number)[0];
    return candidate ? { step: 'slate', atMs: sample.nowMs, channel: candidate.number } : undefined;
  }

  private perChannel(sample: LoadSample): Map<number, Degraded> {
    const result = new Map<number, Degraded>();
    const has = (step: OverloadStepName) => this.steps.some((s) => s.step === step);
    for (const c of sample.channels) {
      if (this.steps.some((s) => s.step === 'slate' && s.channel === c.number)) result.set(c.number, 'slate');
      else if (has('lower-quality') && c.canLowerQuality) result.set(c.number, 'lower-quality');
      else if (has('graphics') || has('lower-quality')) result.set(c.number, 'graphics');
    }
    return result;
  }

  private describe(step: TakenStep): OverloadStep {
    return { step: step.step, since: new Date(step.atMs).toISOString(), ...(step.channel !== undefined ? { channel: step.channel } : {}) };
  }

  state(reasons: string[] = []): OverloadState {
    return { level: this.steps.length, since: this.steps[0] ? new Date(this.steps[0].atMs).toISOString() : null, steps: this.steps.map((s) => this.describe(s)), reasons };
  }
}
