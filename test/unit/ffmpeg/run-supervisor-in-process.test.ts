import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunSupervisor, type ExitInfo, type InProcessRun } from '../../../src/ffmpeg/run-supervisor.js';

/**
 * The Node packager's runs have no process: the supervisor must restart, replace and stop them
 * by the same rules as an ffmpeg packager (INV-PROC-3 for the run, whatever runs it).
 */
class FakeRun implements InProcessRun {
  killed = 0;
  private settle!: (result: { code: number | null; signal: NodeJS.Signals | null }) => void;
  readonly ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    this.settle = resolve;
  });
  finish(code: number): void {
    this.settle({ code, signal: null });
  }
  kill(): void {
    this.killed += 1;
    this.settle({ code: null, signal: 'SIGKILL' });
  }
}

describe('RunSupervisor with in-process runs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function supervise(restartAfterCleanExit = () => true) {
    const runs: FakeRun[] = [];
    const exits: ExitInfo[] = [];
    const supervisor = new RunSupervisor({
      name: 'test',
      log: pino({ level: 'silent' }),
      restartAfterCleanExit,
      prepare: async () => ({
        inProcess: () => {
          const run = new FakeRun();
          runs.push(run);
          return run;
        },
      }),
    });
    supervisor.on('exit', (info: ExitInfo) => exits.push(info));
    return { supervisor, runs, exits };
  }

  it('INV-PROC-3: restarts a failed run with backoff (250 ms, then 500 ms), counting restarts', async () => {
    const { supervisor, runs } = supervise();
    supervisor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    expect(supervisor.pid).toBeUndefined();
    expect(supervisor.state).toBe('running');
    runs[0]!.finish(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(2);
    runs[1]!.finish(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(3);
    expect(supervisor.restarts).toBe(2);
  });

  it('restartNow replaces the run at once (no backoff, not a restart); stop kills it and stays stopped', async () => {
    const { supervisor, runs, exits } = supervise();
    supervisor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.restartNow()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.killed).toBe(1);
    expect(supervisor.restarts).toBe(0);
    await supervisor.stop();
    expect(runs[1]!.killed).toBeGreaterThanOrEqual(1);
    expect(exits.at(-1)).toMatchObject({ requested: true, signal: 'SIGKILL' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(2);
    expect(supervisor.state).toBe('stopped');
    expect(supervisor.restartNow()).toBe(false);
  });

  it('a run that finished its plan ends the supervision when the timeline is over', async () => {
    const { supervisor, runs } = supervise(() => false);
    const finished = new Promise((resolve) => supervisor.once('finished', resolve));
    supervisor.start();
    await vi.advanceTimersByTimeAsync(0);
    runs[0]!.finish(0);
    await finished;
    expect(supervisor.state).toBe('finished');
    expect(runs).toHaveLength(1);
  });
});
