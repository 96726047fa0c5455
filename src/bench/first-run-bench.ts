/**
 * `npm run bench -- --only first-run`: a new user's first start (issue 23). Starts the real
 * `retrovue serve` on an empty data folder with no media configured (the demo station, the
 * full-size demo library) and times, from the spawn: the first 200 on `/` and `/api/health`,
 * the first segment of each demo channel, and the demo library complete (health `ready`).
 * The test (test/integration/demo/first-run.test.ts) asserts the order; this says the seconds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './playout-bench.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Seconds from `startedMs` until `check` holds (polled every 100 ms), or undefined past the budget. */
async function until(startedMs: number, budgetMs: number, check: () => Promise<boolean>): Promise<number | undefined> {
  while (Date.now() - startedMs < budgetMs) {
    if (await check()) return (Date.now() - startedMs) / 1000;
    await sleep(100);
  }
  return undefined;
}

/** A first segment of channel n can be fetched (its playlist lists one and it answers 200). */
async function hasSegment(baseUrl: string, n: number): Promise<boolean> {
  try {
    const playlist = await fetch(`${baseUrl}/channel/${n}.m3u8`, { signal: AbortSignal.timeout(25_000) });
    if (playlist.status !== 200) return false;
    const uri = (await playlist.text()).split('\n').find((line) => line.endsWith('.ts'));
    return uri !== undefined && (await status(new URL(uri, `${baseUrl}/channel/${n}.m3u8`).href)) === 200;
  } catch {
    return false;
  }
}

export async function runFirstRunBench(options: { budgetSeconds?: number } = {}): Promise<BenchResult[]> {
  const budgetMs = (options.budgetSeconds ?? 900) * 1000;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-first-run-'));
  const dataDir = path.join(workDir, 'data');
  const configPath = path.join(workDir, 'config.json');
  const port = 20000 + Math.floor(Math.random() * 20000);
  // As the quickstart runs it: defaults, except a free port and this empty data folder.
  writeFileSync(configPath, JSON.stringify({ streaming: { port, host: '127.0.0.1' }, data_dir: dataDir }));
  const startedMs = Date.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RETROVUE_LOG_FORMAT: 'json' } });
  const logs: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const baseUrl = `http://127.0.0.1:${port}`;
  const seconds = (value: number | undefined) => (value === undefined ? `not within ${budgetMs / 1000} s` : `${value.toFixed(1)} s`);
  try {
    const page = await until(startedMs, budgetMs, async () => (await status(`${baseUrl}/`)) === 200);
    const health = await until(startedMs, budgetMs, async () => (await status(`${baseUrl}/api/health`)) === 200);
    const channels: Array<number | undefined> = [];
    // The three channels are asked for together, as a viewer zapping through the guide would.
    channels.push(...(await Promise.all([1, 2, 3].map((n) => until(startedMs, budgetMs, () => hasSegment(baseUrl, n))))));
    const complete = await until(startedMs, budgetMs, async () => {
      const answer = (await fetch(`${baseUrl}/api/health`).then((r) => r.json()).catch(() => undefined)) as { station?: { state: string } | null } | undefined;
      return answer?.station?.state === 'ready' || answer?.station === null;
    });
    const note = 'from spawning `retrovue serve` on an empty data folder, full demo library';
    return [
      { name: 'first 200 on /', value: seconds(page), note },
      { name: 'first 200 on /api/health', value: seconds(health) },
      ...channels.map((value, i) => ({ name: `first segment on channel ${i + 1}`, value: seconds(value) })),
      { name: 'demo library complete (health ready)', value: seconds(complete) },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode !== 0 && process.env.RETROVUE_BENCH_VERBOSE) process.stderr.write(`${logs.join('\n')}\n`);
    rmSync(workDir, { recursive: true, force: true });
  }
}
