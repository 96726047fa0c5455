import { existsSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';

/**
 * Every ffmpeg Retrovue starts is registered here, so that however the server goes
 * down (signal, uncaught exception, normal exit) no encoder is left running.
 * A SIGKILLed server cannot run any code; for that case children are started with
 * PR_SET_PDEATHSIG (see `wrapWithParentDeathSignal`), so the kernel kills them.
 */
const liveChildren = new Set<ChildProcess>();

export function registerChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export function liveChildCount(): number {
  return liveChildren.size;
}

/** Synchronous, so it is safe in a process 'exit' handler. */
export function killAllChildrenNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

let setprivWorks: boolean | undefined;

/** util-linux `setpriv --pdeathsig KILL` execs the command in place (same pid), dying with its parent. */
export function wrapWithParentDeathSignal(command: string, args: string[]): { command: string; args: string[] } {
  if (process.platform !== 'linux') return { command, args };
  if (setprivWorks === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivWorks = probe.status === 0;
  }
  return setprivWorks ? { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args };
}

export interface SpawnFfmpegOptions {
  stdio: StdioOptions;
  cwd?: string;
  /** Lowest CPU priority (nice 19): background work (cache fills, thumbnails, the demo render) never takes time from a live encoder. */
  background?: boolean;
}

/**
 * The one way Retrovue starts ffmpeg (or ffprobe): with the parent-death signal, so the child
 * dies with the server even on SIGKILL, and registered, so every exit path kills it
 * (INV-PROC-2). Renderers, packagers, cache fills, thumbnails, graphics previews and the demo
 * library all start here.
 */
export function spawnFfmpeg(command: string, args: string[], options: SpawnFfmpegOptions): ChildProcess {
  const wrapped = wrapWithParentDeathSignal(command, args);
  const nice = options.background && existsSync('/usr/bin/nice') ? '/usr/bin/nice' : undefined;
  const child = nice
    ? spawn(nice, ['-n', '19', wrapped.command, ...wrapped.args], { cwd: options.cwd, stdio: options.stdio })
    : spawn(wrapped.command, wrapped.args, { cwd: options.cwd, stdio: options.stdio });
  registerChild(child);
  return child;
}
