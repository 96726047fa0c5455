import { afterEach, describe, expect, it, vi } from 'vitest';
import { commonCachedStart, latestStart, RunLockstep, type LockstepMember } from '../../../src/playout/run-lockstep.js';

/** A rendition as the lockstep sees it: whether its run is going (restartRun only replaces a running one). */
function member(running = false): LockstepMember & { restarts: number; running: boolean } {
  const m = {
    restarts: 0,
    running,
    restartRun() {
      if (!m.running) return false;
      // Its run is replaced: until it has prepared the next, there is nothing to restart.
      m.restarts += 1;
      m.running = false;
      return true;
    },
  };
  return m;
}

describe('RunLockstep (adaptive-bitrate renditions start every run together)', () => {
  afterEach(() => vi.useRealTimers());

  it('answers every member with the combined value once all have come', async () => {
    const lockstep = new RunLockstep();
    const [a, b, c] = [member(), member(), member()];
    [a, b, c].forEach((m) => lockstep.join(m));
    const answers: number[] = [];
    const pa = lockstep.agree(a, 'start', 1000, latestStart).then((v) => answers.push(v));
    const pb = lockstep.agree(b, 'start', 1003, latestStart).then((v) => answers.push(v));
    await Promise.resolve();
    expect(answers).toEqual([]);
    await lockstep.agree(c, 'start', 1001, latestStart).then((v) => answers.push(v));
    await Promise.all([pa, pb]);
    expect(answers).toEqual([1003, 1003, 1003]);
  });

  it('starts cached only when every member can, on the same keyframe', () => {
    expect(commonCachedStart([5000, 5000])).toBe(5000);
    expect(commonCachedStart([5000, undefined])).toBeUndefined();
    expect(commonCachedStart([5000, 3000])).toBeUndefined();
  });

  it('drags running members along when one prepares a new run, and keeps asking until they come', async () => {
    vi.useFakeTimers();
    const lockstep = new RunLockstep();
    const failed = member(false);
    const running = member(true);
    const busy = member(false); // between runs: cannot be restarted yet
    [failed, running, busy].forEach((m) => lockstep.join(m));
    const agreed = lockstep.agree(failed, 'start', 7, latestStart);
    expect(running.restarts).toBe(1);
    expect(busy.restarts).toBe(0);
    // The busy one's run starts without having come (a race): the next drag restarts it.
    busy.running = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(busy.restarts).toBe(1);
    void lockstep.agree(running, 'start', 9, latestStart);
    void lockstep.agree(busy, 'start', 8, latestStart);
    await expect(agreed).resolves.toBe(9);
    // Nothing waits: no more restarts.
    await vi.advanceTimersByTimeAsync(3000);
    expect(running.restarts + busy.restarts).toBe(2);
  });

  it('lets whoever waits give up when the channel stops', async () => {
    const lockstep = new RunLockstep();
    const [a, b] = [member(), member()];
    [a, b].forEach((m) => lockstep.join(m));
    const waiting = lockstep.agree(a, 'start', 1, latestStart);
    lockstep.cancel();
    await expect(waiting).rejects.toThrow(/stopped/);
    // A fresh round afterwards starts clean (no stale value from before the stop).
    const again = lockstep.agree(a, 'start', 5, latestStart);
    await lockstep.agree(b, 'start', 4, latestStart);
    await expect(again).resolves.toBe(5);
  });
});
