import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface RunningServer {
  baseUrl: string;
  port: number;
  process: ChildProcess;
  logs: string[];
  dataDir: string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `retrovue-${prefix}-`));
}

/**
 * Where and with what environment a test runs the CLI. Never the checkout: its `./data` (left by
 * `scripts/quickstart.sh`, with that station's admin token) and a `RETROVUE_TOKEN` or
 * `RETROVUE_SERVER` in the shell that runs the tests are the user's, not the test's (issue 23:
 * `bash .ci/run` after the quickstart failed). A relative path a test gives resolves in the
 * fresh folder; a test that means to set one of those variables passes it in `env`.
 */
export function cliProcessOptions(env: Record<string, string> = {}): { cwd: string; env: NodeJS.ProcessEnv } {
  const inherited = { ...process.env };
  delete inherited.RETROVUE_TOKEN;
  delete inherited.RETROVUE_SERVER;
  return { cwd: tempDir('cwd'), env: { ...inherited, ...env } };
}

/** Quick settings for tests: tiny output, 2 s segments, short playlists. */
export function testConfig(overrides: { media: string[]; dataDir: string; streaming?: Record<string, unknown>; ffmpeg?: Record<string, unknown> }) {
  return {
    streaming: { port: 0, host: '127.0.0.1', quality: 'low', segment_duration: 2, playlist_size: 4, idle_timeout: 30, ...overrides.streaming },
    ffmpeg: { resolution: '320x180', bitrate: '300k', preset: 'ultrafast', ...overrides.ffmpeg },
    library: { paths: overrides.media },
    data_dir: overrides.dataDir,
  };
}

/**
 * With RETROVUE_TEST_LOG_DIR set, every test server's whole log is written there when it stops
 * (one file per server, named by test file and time): what an intermittent failure needs.
 */
function keepLogs(logs: string[]): void {
  const dir = process.env.RETROVUE_TEST_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const testFile = path.basename(expect.getState().testPath ?? 'server', '.test.ts');
  writeFileSync(path.join(dir, `${testFile}-${Date.now()}.log`), `${logs.join('\n')}\n`);
}

/** Starts the real `retrovue serve` as a child process and waits until it listens. */
export async function startServer(config: ReturnType<typeof testConfig>, extraArgs: string[] = []): Promise<RunningServer> {
  const configPath = path.join(tempDir('config'), 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...cliProcessOptions({ RETROVUE_LOG_FORMAT: 'json' }),
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (line.includes('"retrovue":"listening"')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    process: child,
    logs,
    dataDir: config.data_dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      keepLogs(logs);
      return code;
    },
  };
}

/**
 * Runs the CLI to completion (for commands that must fail fast), in a fresh folder (see
 * cliProcessOptions); `options.cwd` runs it in a folder the test prepared, `options.env` adds
 * variables.
 */
export function runCli(
  args: string[],
  timeoutMs = 30_000,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const defaults = cliProcessOptions(options.env);
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: defaults.env, cwd: options.cwd ?? defaults.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`retrovue ${args.join(' ')} did not finish:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
