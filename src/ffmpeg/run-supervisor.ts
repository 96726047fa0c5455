import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../logging/logger.js';
import { redact } from '../logging/redact.js';
import { spawnFfmpeg } from './process-registry.js';

/**
 * A run that needs no process (the Node packager, src/streaming/ts-remuxer.ts): supervised like
 * one — restarted with backoff when it fails, replaced by restartNow, ended by stop.
 */
export interface InProcessRun {
  /** Resolves when the run is over: code 0 when its plan is done, non-zero when it failed; signal when killed. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export type LaunchSpec = ProcessLaunchSpec | { inProcess: () => InProcessRun };

export interface ProcessLaunchSpec {
  command: string;
  args: string[];
  cwd?: string;
  /** Give the process a stdin pipe (the packager reads the airing renderers' output from it). */
  stdin?: boolean;
  /** Called once the process exists, e.g. to start feeding its stdin. */
  onSpawn?: (child: ChildProcess) => void;
  /**
   * Where ffmpeg writes `-progress`: stdout (1, the default) or a fourth pipe (3), which
   * leaves stdout free for media (the packager writes the channel's MPEG-TS there).
   */
  progressFd?: 1 | 3;
}

export interface FfmpegProgress {
  frame: number;
  outTimeSeconds: number;
  speed: number | null;
  at: number;
}

export interface ExitInfo {
  runId: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when Retrovue asked it to stop. */
  requested: boolean;
  ranForMs: number;
}

export interface SupervisorOptions {
  name: string;
  log: Logger;
  /** Called before every (re)start: the command reflects the state of the world at that moment. */
  prepare: (runId: number) => Promise<LaunchSpec>;
  /** After a clean exit (code 0): restart at once (true) or stay stopped (false). */
  restartAfterCleanExit: () => boolean;
  /** First restart delay after a failure; doubled each failure up to maxRestartDelayMs. */
  initialRestartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A run that lasted this long resets the backoff. */
  stableAfterMs?: number;
}

export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'finished';

/**
 * Keeps one run going — an ffmpeg process, or an in-process run (InProcessRun: the same
 * restart, replace and stop rules; no pid, no stderr, no -progress). For ffmpeg: starts it, logs its stderr, parses its `-progress` output,
 * restarts it with backoff (never more than maxRestartDelayMs, 2 s by default) when it
 * dies, and kills it on stop. Events: 'spawn' (runId, pid), 'exit' (ExitInfo),
 * 'progress' (FfmpegProgress), 'finished' (clean exit with no restart wanted).
 */
export class RunSupervisor extends EventEmitter {
  private child: ChildProcess | undefined;
  private inProcess: InProcessRun | undefined;
  private runId = 0;
  private stopRequested = false;
  /** A replacement run was asked for (restartNow): the exit is no failure; relaunch at once. */
  private replaceRequested = false;
  private consecutiveFailures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private exitWaiters: Array<() => void> = [];
  state: SupervisorState = 'idle';
  restarts = 0;
  lastProgress: FfmpegProgress | undefined;
  lastError: string | undefined;

  constructor(private readonly options: SupervisorOptions) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get currentRunId(): number {
    return this.runId;
  }

  start(): void {
    this.stopRequested = false;
    void this.launch();
  }

  private async launch(): Promise<void> {
    if (this.stopRequested) return;
    this.state = 'starting';
    const runId = ++this.runId;
    let spec: LaunchSpec;
    try {
      spec = await this.options.prepare(runId);
    } catch (error) {
      // Stopped while preparing (e.g. a rendition waiting for its ladder's other rungs): no retry.
      if (this.stopRequested) return;
      this.lastError = (error as Error).message;
      this.options.log.error({ err: error }, `${this.options.name}: cannot prepare ffmpeg run`);
      this.scheduleRestart(false);
      return;
    }
    if (this.stopRequested) return;
    if ('inProcess' in spec) {
      this.launchInProcess(runId, spec.inProcess);
      return;
    }
    const stdio: Array<'pipe' | 'ignore'> = [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    if (spec.progressFd === 3) stdio.push('pipe');
    const child = spawnFfmpeg(spec.command, spec.args, { cwd: spec.cwd, stdio });
    this.child = child;
    // A dead reader must not take the server down with EPIPE; its exit is handled below.
    child.stdin?.on('error', () => undefined);
    spec.onSpawn?.(child);
    this.startedAt = Date.now();
    this.state = 'running';
    child.once('spawn', () => {
      // Secrets (a media server's token in `-headers`) never reach the log.
      this.options.log.debug({ pid: child.pid, runId, args: redact(spec.args.join(' ')) }, `${this.options.name}: ffmpeg started`);
      this.emit('spawn', runId, child.pid);
    });
    child.once('error', (error) => {
      this.lastError = error.message;
      this.options.log.error({ err: error }, `${this.options.name}: ffmpeg could not start`);
    });
    this.readProgress(spec.progressFd === 3 ? (child.stdio[3] as Readable | null) : child.stdout);
    this.readStderr(child);
    child.once('close', (code, signal) => this.onExit(runId, code, signal));
  }

  private launchInProcess(runId: number, start: () => InProcessRun): void {
    let run: InProcessRun;
    try {
      run = start();
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.log.error({ err: error }, `${this.options.name}: run could not start`);
      this.scheduleRestart(false);
      return;
    }
    this.inProcess = run;
    this.startedAt = Date.now();
    this.state = 'running';
    this.emit('spawn', runId, undefined);
    void run.ended.then(
      ({ code, signal }) => this.onExit(runId, code, signal),
      (error: unknown) => {
        this.lastError = (error as Error).message;
        this.onExit(runId, 1, null);
      },
    );
  }

  /** Whether a run (process or in-process) is going now. */
  private get alive(): boolean {
    if (this.inProcess) return true;
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  private killRun(signal: NodeJS.Signals): void {
    if (this.inProcess) this.inProcess.kill();
    else this.child?.kill(signal);
  }

  private readProgress(progress: Readable | null): void {
    if (!progress) return;
    const fields = new Map<string, string>();
    createInterface({ input: progress }).on('line', (line) => {
      const eq = line.indexOf('=');
      if (eq < 0) return;
      const key = line.slice(0, eq).trim();
      fields.set(key, line.slice(eq + 1).trim());
      if (key !== 'progress') return;
      const speed = Number.parseFloat(fields.get('speed') ?? '');
      this.lastProgress = {
        frame: Number(fields.get('frame') ?? 0),
        outTimeSeconds: Number(fields.get('out_time_us') ?? fields.get('out_time_ms') ?? 0) / 1e6,
        speed: Number.isFinite(speed) ? speed : null,
        at: Date.now(),
      };
      this.emit('progress', this.lastProgress);
      fields.clear();
    });
  }

  private readStderr(child: ChildProcess): void {
    if (!child.stderr) return;
    createInterface({ input: child.stderr }).on('line', (raw) => {
      if (!raw.trim()) return;
      // ffmpeg may echo a request it made; lastError reaches the status API.
      const line = redact(raw);
      this.lastError = line;
      this.options.log.warn({ ffmpeg: line }, `${this.options.name}: ffmpeg says`);
    });
  }

  private onExit(runId: number, code: number | null, signal: NodeJS.Signals | null): void {
    const ranForMs = Date.now() - this.startedAt;
    this.child = undefined;
    this.inProcess = undefined;
    const info: ExitInfo = { runId, code, signal, requested: this.stopRequested, ranForMs };
    this.emit('exit', info);
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((resolve) => resolve());
    if (this.stopRequested) {
      this.state = 'stopped';
      return;
    }
    if (this.replaceRequested) {
      this.replaceRequested = false;
      void this.launch();
      return;
    }
    if (code === 0) {
      if (this.options.restartAfterCleanExit()) {
        this.options.log.info(`${this.options.name}: ffmpeg finished its plan; continuing`);
        this.consecutiveFailures = 0;
        void this.launch();
      } else {
        this.state = 'finished';
        this.emit('finished');
      }
      return;
    }
    this.options.log.warn({ code, signal, ranForMs, lastError: this.lastError }, `${this.options.name}: ffmpeg died; restarting`);
    this.scheduleRestart(ranForMs >= (this.options.stableAfterMs ?? 30_000));
  }

  private scheduleRestart(wasStable: boolean): void {
    if (wasStable) this.consecutiveFailures = 0;
    const initial = this.options.initialRestartDelayMs ?? 250;
    const max = this.options.maxRestartDelayMs ?? 2000;
    const delay = Math.min(max, initial * 2 ** this.consecutiveFailures);
    this.consecutiveFailures += 1;
    this.restarts += 1;
    this.state = 'backoff';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.launch();
    }, delay);
  }

  /**
   * Replaces the running process with a freshly prepared one at once (prepare() sees the world
   * as it is now): not a failure, so no backoff and no restart counted. Does nothing unless running.
   */
  restartNow(): boolean {
    if (this.stopRequested || !this.alive) return false;
    this.replaceRequested = true;
    this.killRun('SIGKILL');
    return true;
  }

  /** SIGTERM, then SIGKILL if ffmpeg has not exited after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopRequested = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.alive) {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.killRun('SIGTERM');
    const timer = setTimeout(() => this.killRun('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
