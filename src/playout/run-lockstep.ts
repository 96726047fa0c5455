import type { Logger } from '../logging/logger.js';

/** A session whose runs must start together with the others' (one rung of a channel's ladder). */
export interface LockstepMember {
  /** Replaces the member's run at once (it then prepares a new one); false when none is running. */
  restartRun(): boolean;
}

interface Round {
  values: Map<LockstepMember, unknown>;
  resolvers: Array<(values: unknown[]) => void>;
  rejecters: Array<(error: Error) => void>;
}

/** How often a round still waiting asks the members that have not come to restart. */
const DRAG_EVERY_MS = 1000;

/**
 * Keeps the runs of a channel's renditions in lockstep (src/playout/channel-renditions.ts): every
 * run of every member starts at the same timeline instant on the same grid, so their segments
 * have the same sequence numbers, boundaries and durations (sequence numbers derive from the
 * run's start and grid index, ChannelSession.publish).
 *
 * Each member's run preparation passes through phases (`agree`): a phase completes when every
 * member has brought its value, and all get the combined one. A member that prepares a new run
 * (its run failed, or a break-in) drags the others along: their runs are restarted so that they
 * prepare too, and nobody waits for a member that is happily running.
 */
export class RunLockstep {
  private readonly members: LockstepMember[] = [];
  private readonly rounds = new Map<string, Round>();
  private dragTimer: NodeJS.Timeout | undefined;

  constructor(private readonly log?: Logger) {}

  join(member: LockstepMember): void {
    this.members.push(member);
  }

  get size(): number {
    return this.members.length;
  }

  /** Waits for every member's value for `phase`, and resolves with `combine` of them all. */
  agree<T>(member: LockstepMember, phase: string, value: T, combine: (values: T[]) => T): Promise<T> {
    if (!this.members.includes(member)) return Promise.resolve(value);
    let round = this.rounds.get(phase);
    if (!round) {
      round = { values: new Map(), resolvers: [], rejecters: [] };
      this.rounds.set(phase, round);
    }
    round.values.set(member, value);
    const settled = new Promise<T>((resolve, reject) => {
      round.resolvers.push((values) => resolve(combine(values as T[])));
      round.rejecters.push(reject);
    });
    if (round.values.size === this.members.length) {
      this.rounds.delete(phase);
      const values = [...round.values.values()];
      round.resolvers.forEach((resolve) => resolve(values));
    } else {
      this.drag();
    }
    this.scheduleDrag();
    return settled;
  }

  /** Members that have not come to a waiting round are asked to restart their run (and so to come). */
  private drag(): void {
    for (const round of this.rounds.values()) {
      for (const member of this.members) if (!round.values.has(member)) member.restartRun();
    }
  }

  private scheduleDrag(): void {
    if (this.rounds.size === 0) {
      if (this.dragTimer) clearInterval(this.dragTimer);
      this.dragTimer = undefined;
      return;
    }
    this.dragTimer ??= setInterval(() => {
      if (this.rounds.size === 0) return this.scheduleDrag();
      this.log?.debug({ phases: [...this.rounds.keys()] }, 'renditions: waiting for every rung to prepare its run');
      this.drag();
    }, DRAG_EVERY_MS);
  }

  /** The channel stops: whoever waits gives up (its preparation fails; a stopped supervisor does not retry). */
  cancel(): void {
    for (const round of this.rounds.values()) round.rejecters.forEach((reject) => reject(new Error('the channel stopped')));
    this.rounds.clear();
    this.scheduleDrag();
  }
}

/** The `start` phase: the latest of the members' resume points (none of them repeats a second). */
export const latestStart = (values: number[]): number => Math.max(...values);

/** The `cached` phase: a cached start only when every member can start on the same cached keyframe. */
export const commonCachedStart = (values: Array<number | undefined>): number | undefined =>
  values.every((v) => v !== undefined && v === values[0]) ? values[0] : undefined;
