import type { Logger } from '../logging/logger.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import type { ChannelOutputs } from '../playout/channel-outputs.js';
import type { Degraded } from '../playout/render-plan.js';
import type { Capacity } from './capacity.js';
import { OverloadController, type ChannelLoad, type OverloadState } from './overload-controller.js';

/**
 * Each channel's overload step, read by playout (ChannelFactory's `degradation`: the render plan
 * for every slice, the profile when a channel is made). Made before the channels, filled by
 * OverloadWatch.
 */
export class ChannelDegradation {
  private readonly steps = new Map<number, Degraded>();

  stepOf(channelNumber: number): Degraded | null {
    return this.steps.get(channelNumber) ?? null;
  }

  set(channelNumber: number, step: Degraded | null): void {
    if (step) this.steps.set(channelNumber, step);
    else this.steps.delete(channelNumber);
  }

  numbers(): number[] {
    return [...this.steps.keys()];
  }
}

export interface OverloadWatchOptions {
  capacity: Pick<Capacity, 'sample' | 'inUseCores' | 'usableCores'>;
  playout: Pick<ChannelManager, 'all' | 'channel' | 'remove' | 'touch' | 'isAlwaysOn' | 'lastActivity'>;
  outputs: Pick<ChannelOutputs, 'lowerProfileOf'>;
  degradation: ChannelDegradation;
  overloadAfterMs: number;
  recoverAfterMs: number;
  /** A channel whose playlist was fetched this recently has an HLS viewer. */
  hlsViewerWindowMs: number;
  log: Logger;
  intervalMs?: number;
  now?: () => number;
}

/**
 * The overload loop: every couple of seconds it measures (Capacity.sample), asks the controller
 * (overload-controller.ts) which channel is degraded how, and applies what changed through the
 * channel objects, with the operations an edit uses:
 *  - cards dropped or back: `Channel.graphicsChanged()` (the next airing is planned without them);
 *  - a preset lower or back: the channel is remade (ChannelFactory reads the step and picks the
 *    profile) and restarted if it was running, as a quality edit does;
 *  - slated or back: `Channel.breakIn()` (every run restarts from this instant with the new plan).
 */
export class OverloadWatch {
  private readonly controller: OverloadController;
  private timer: NodeJS.Timeout | undefined;
  private current: OverloadState;
  private readonly now: () => number;
  private ticking = false;

  constructor(private readonly options: OverloadWatchOptions) {
    this.controller = new OverloadController({ overloadAfterMs: options.overloadAfterMs, recoverAfterMs: options.recoverAfterMs });
    this.current = this.controller.state();
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.options.capacity.sample(); // the first CPU readings: deltas start from here
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** For /api/health (`overload`), the monitor and /metrics. */
  state(): OverloadState {
    return this.current;
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const { capacity, playout, log } = this.options;
      capacity.sample();
      const nowMs = this.now();
      const channels: ChannelLoad[] = playout.all().map((channel) => {
        const runs = channel.runs;
        const speeds = runs.map((r) => r.encoderProgress?.speed).filter((s): s is number => typeof s === 'number' && r0(s));
        const aheads = runs.map((r) => r.workingAheadSeconds).filter((s): s is number => typeof s === 'number');
        const last = playout.lastActivity(channel.number);
        const hls = last !== undefined && nowMs - last < this.options.hlsViewerWindowMs ? 1 : 0;
        return {
          number: channel.number,
          onAir: channel.session.state === 'live',
          alwaysOn: playout.isAlwaysOn(channel.number),
          speed: speeds.length ? Math.min(...speeds) : null,
          workAheadSeconds: aheads.length ? Math.min(...aheads) : null,
          viewers: channel.session.fanout.viewerCount + hls,
          ...(last !== undefined ? { lastActivityMs: last } : {}),
          canLowerQuality: this.options.outputs.lowerProfileOf(channel.number) !== undefined,
        };
      });
      const decision = this.controller.tick({ nowMs, channels, inUseCores: capacity.inUseCores(), usableCores: capacity.usableCores });
      this.current = decision.state;
      if (decision.changed?.taken) log.warn({ step: decision.changed.taken, level: decision.state.level, why: decision.changed.why }, `overload: ${describe(decision.changed.taken)}`);
      if (decision.changed?.undone) log.info({ step: decision.changed.undone, level: decision.state.level, why: decision.changed.why }, `overload eased: undoing ${describe(decision.changed.undone)}`);
      await this.apply(decision.perChannel);
    } catch (error) {
      this.options.log.error({ err: error }, 'overload watch failed this round');
    } finally {
      this.ticking = false;
    }
  }

  /** Applies every channel's step that changed. */
  private async apply(perChannel: Map<number, Degraded>): Promise<void> {
    const { degradation, playout } = this.options;
    const numbers = new Set([...degradation.numbers(), ...perChannel.keys()]);
    for (const n of numbers) {
      const before = degradation.stepOf(n);
      const after = perChannel.get(n) ?? null;
      if (before === after) continue;
      degradation.set(n, after);
      const channel = playout.all().find((c) => c.number === n);
      if (!channel) continue;
      const running = channel.session.state === 'live' || channel.session.state === 'starting';
      const profileChanges = (before === 'lower-quality' || after === 'lower-quality') && this.options.outputs.lowerProfileOf(n) !== undefined;
      if (profileChanges) {
        // Remade at the other profile (the factory reads the step); restarted if it was on the air.
        await playout.remove(n);
        const fresh = playout.channel(n);
        // An always-on channel just starts again; one that viewers keep on is touched, as a
        // viewer would (a new channel has no idle clock yet).
        if (running && playout.isAlwaysOn(n)) void fresh?.start();
        else if (running) void playout.touch(n);
      } else if (before === 'slate' || after === 'slate') {
        if (running) channel.breakIn();
      } else if (running) channel.graphicsChanged();
    }
  }
}

/** A speed ffmpeg reported (0 before its first frames is no reading). */
function r0(speed: number): boolean {
  return speed > 0;
}

function describe(step: { step: Degraded; channel?: number }): string {
  if (step.step === 'graphics') return 'dropping graphics cards (the bug stays)';
  if (step.step === 'lower-quality') return 'rendering channels one preset lower';
  return `slating channel ${step.channel} (always on, nobody watching)`;
}
