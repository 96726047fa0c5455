import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

/**
 * A child process without a process: what AiringChain reads of one (stdout, stderr, the
 * -progress pipe on fd 3, 'close'), driven by the test. Events are delivered on setImmediate,
 * which vitest's fake timers leave alone when only setTimeout/Date are faked.
 */
export class FakeChild extends EventEmitter {
  static nextPid = 40_000;
  readonly pid = (FakeChild.nextPid += 1);
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly progress = new PassThrough();
  readonly stdio = [null, this.stdout, this.stderr, this.progress];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  constructor(
    readonly command: string,
    readonly args: string[],
  ) {
    super();
  }

  /** Writes some MPEG-TS-looking bytes and reports `seconds` of output on the progress pipe. */
  render(bytes: number, seconds: number): void {
    this.stdout.write(Buffer.alloc(bytes, 0x47));
    this.progress.write(`out_time_us=${Math.round(seconds * 1e6)}\n`);
  }

  /** Ends the process: optional last stderr line, then exit code (or signal). */
  exit(code: number | null, stderrLine?: string, signal: NodeJS.Signals | null = null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    if (stderrLine) this.stderr.write(`${stderrLine}\n`);
    this.exitCode = code;
    this.signalCode = signal;
    for (const stream of [this.stdout, this.stderr, this.progress]) stream.end();
    setImmediate(() => this.emit('close', code, signal));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.exit(null, undefined, signal);
    return true;
  }

  asChildProcess(): ChildProcess {
    return this as unknown as ChildProcess;
  }
}

/** Records every spawn; `behave` decides what each fake process does once started. */
export function fakeSpawner(behave: (child: FakeChild, index: number) => void) {
  const children: FakeChild[] = [];
  const spawn = (command: string, args: string[]): ChildProcess => {
    const child = new FakeChild(command, args);
    const index = children.push(child) - 1;
    setImmediate(() => behave(child, index));
    return child.asChildProcess();
  };
  return { spawn, children };
}
