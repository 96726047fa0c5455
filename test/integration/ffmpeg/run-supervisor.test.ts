import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RunSupervisor, type ExitInfo, type LaunchSpec, type SupervisorOptions } from '../../../src/ffmpeg/run-supervisor.js';

/**
 * The supervisor runs real (short-lived, harmless) processes here instead of ffmpeg: what
 * is under test is how it starts, watches, restarts and stops a child, not ffmpeg itself.
 */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

const sh = (script: string): LaunchSpec => ({ command: 'sh', args: ['-c', script] });
const alive = (pid: number | undefined) => pid !== undefined && existsSync(`/proc/${pid}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const supervisors: RunSupervisor[] = [];
function supervise(options: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'prepare'>) {
  const { log, lines } = capturingLogger();
  const supervisor = new RunSupervisor({ name: 'test', log, restartAfterCleanExit: () => false, ...options });
  supervisors.push(supervisor);
  const spawns: Array<{ runId: number; pid: number; at: number }> = [];
  const exits: Array<ExitInfo & { at: number }> = [];
  supervisor.on('spawn', (runId: number, pid: number) => spawns.push({ runId, pid, at: Date.now() }));
  supervisor.on('exit', (info: ExitInfo) => exits.push({ ...info, at: Date.now() }));
  return { supervisor, spawns, exits, lines };
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop(200)));
});

describe('ffmpeg supervisor (real child processes)', () => {
  it('INV-PROC-3: restarts a crashing process within 2 s, backing off between failures', async () => {
    const runIds: number[] = [];
    const { supervisor, spawns, exits } = supervise({
      prepare: async (runId) => {
        runIds.push(runId);
        return sh('exit 3');
      },
      initialRestartDelayMs: 100,
      maxRestartDelayMs: 800,
    });
    supervisor.start();
    await until('five crashes', () => (exits.length >= 5 ? true : undefined));
    await supervisor.stop();
    expect(exits.slice(0, 5).map((e) => e.code)).toEqual([3, 3, 3, 3, 3]);
    expect(exits.every((e) => !e.requested)).toBe(true);
    expect(supervisor.restarts).toBeGreaterThanOrEqual(4);
    // Each run is prepared afresh (the plan reflects the moment of the restart).
    expect(runIds.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    const gaps = exits.slice(0, 4).map((exit, i) => spawns[i + 1]!.at - exit.at);
    for (const gap of gaps) expect(gap).toBeLessThan(2000);
    // 100, 200, 400, 800 ms: the fourth wait is clearly longer than the first.
    expect(gaps[3]!).toBeGreaterThan(gaps[0]! + 300);
  });

  it('INV-PROC-3: never waits more than 2 s by default, however often it crashed', async () => {
    const { supervisor, spawns, exits } = supervise({ prepare: async () => sh('exit 1'), initialRestartDelayMs: 1000 });
    supervisor.start();
    await until('three crashes', () => (exits.length >= 3 ? true : undefined));
    await supervisor.stop();
    // 1000 ms, then 2000 ms (capped, not 4000 ms).
    const gap = spawns[2]!.at - exits[1]!.at;
    expect(gap).toBeGreaterThan(1500);
    expect(gap).toBeLessThan(3000); // 2 s plus the time to spawn on a busy machine
  });

  it('stops a running process and does not restart it', async () => {
    const { supervisor, spawns, exits } = supervise({ prepare: async () => sh('exec sleep 30') });
    supervisor.start();
    const { pid } = await until('the spawn', () => spawns[0]);
    expect(alive(pid)).toBe(true);
    expect(supervisor.state).toBe('running');
    await supervisor.stop();
    expect(alive(pid)).toBe(false);
    expect(supervisor.state).toBe('stopped');
    expect(exits).toHaveLength(1);
    expect(exits[0]!.requested).toBe(true);
    await sleep(500);
    expect(spawns).toHaveLength(1);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const { supervisor, spawns, exits } = supervise({ prepare: async () => sh('trap "" TERM; while :; do sleep 0.1; done') });
    supervisor.start();
    const { pid } = await until('the spawn', () => spawns[0]);
    await supervisor.stop(300);
    expect(alive(pid)).toBe(false);
    expect(exits[0]!.signal).toBe('SIGKILL');
  });

  it('restarts a process killed from outside (kill -9)', async () => {
    const { supervisor, spawns } = supervise({ prepare: async () => sh('exec sleep 30'), initialRestartDelayMs: 100 });
    supervisor.start();
    const first = await until('the spawn', () => spawns[0]);
    process.kill(first.pid, 'SIGKILL');
    const second = await until('the restart', () => spawns[1]);
    expect(second.pid).not.toBe(first.pid);
    expect(second.runId).toBe(first.runId + 1);
    expect(alive(second.pid)).toBe(true);
  });

  it('after a clean exit, continues or finishes as the owner decides', async () => {
    let keepGoing = true;
    const { supervisor, spawns } = supervise({ prepare: async () => sh('exit 0'), restartAfterCleanExit: () => keepGoing });
    const finished = new Promise<void>((resolve) => supervisor.once('finished', resolve));
    supervisor.start();
    await until('a second run', () => spawns[1]);
    keepGoing = false;
    await finished;
    expect(supervisor.state).toBe('finished');
    expect(supervisor.restarts).toBe(0); // clean exits are not failures
  });

  it('reads -progress output from stdout and logs stderr', async () => {
    const script = [
      'echo frame=250', 'echo out_time_us=10000000', 'echo speed=1.01x', 'echo progress=continue',
      'echo "[error] Invalid data found when processing input" >&2', 'exec sleep 30',
    ].join('; ');
    const { supervisor, lines } = supervise({ prepare: async () => sh(script) });
    supervisor.start();
    const progress = await until('progress', () => supervisor.lastProgress);
    expect(progress).toMatchObject({ frame: 250, outTimeSeconds: 10, speed: 1.01 });
    await until('the stderr line', () => (supervisor.lastError?.includes('Invalid data') ? true : undefined));
    await until('the stderr line in the log', () => lines.find((l) => String(l.ffmpeg ?? '').includes('Invalid data found')));
  });

  it('retries (with backoff) when a run cannot be prepared', async () => {
    let attempts = 0;
    const { supervisor, spawns } = supervise({
      prepare: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('library unavailable');
        return sh('exec sleep 30');
      },
      initialRestartDelayMs: 50,
    });
    supervisor.start();
    await until('a spawn after two failed preparations', () => spawns[0]);
    expect(attempts).toBe(3);
    expect(supervisor.state).toBe('running');
    expect(supervisor.restarts).toBe(2);
  });
});
