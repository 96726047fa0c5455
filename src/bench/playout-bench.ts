/**
 * Playout benchmarks, measured from the outside the way a viewer and an operator see them:
 * the real `retrovue serve` over HTTP, encoder process ids from /api/health, CPU time from
 * /proc. Nothing here reaches into the playout internals, so the numbers stay comparable
 * while those internals change.
 *
 *  - cold tune-in: idle channel -> first playlist with a segment (`/channel/1.m3u8`), and
 *    idle channel -> first video packet of `/channel/1.ts`;
 *  - cost: CPU seconds per minute of output for one channel at each quality (the server
 *    process and every process it started), next to one bare ffmpeg doing the same job with
 *    the encoder options Retrovue's encoder runs with (read from /proc), so the difference is
 *    Retrovue's own overhead.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resolveOutputProfile, type OutputProfile } from '../config/quality.js';
import { configSchema } from '../config/schema.js';
import { audioLevelChain } from '../ffmpeg/airing-command.js';

const run = promisify(execFile);
export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BenchResult {
  name: string;
  value: string;
  note?: string;
}

export interface PlayoutBenchOptions {
  /** Cold tune-in attempts per endpoint (the median is reported). */
  coldRuns?: number;
  /**
   * Seconds of steady-state output measured per quality, for Retrovue and for bare ffmpeg. A
   * multiple of the 20 s library pass, so that each file's rendering (which may run ahead of
   * real time when airings are rendered one by one) falls into the window equally often.
   */
  costWindowSeconds?: number;
  /** Seconds an encoder runs before the window opens (start-up is not steady state). */
  warmupSeconds?: number;
  qualities?: Array<'low' | 'medium' | 'high'>;
  log?: (line: string) => void;
}

// ---------------------------------------------------------------------------------------------
// Media and server
// ---------------------------------------------------------------------------------------------

/** Two 10 s 640x360 clips with motion (one with film-like noise) and tone: a realistic load for the encoder. */
export async function makeBenchMedia(dir: string): Promise<string[]> {
  const clips = [
    { name: 'bench-a.mp4', video: 'testsrc2=size=640x360:rate=30:duration=10', tone: 440 },
    { name: 'bench-b.mp4', video: 'testsrc=size=640x360:rate=30:duration=10,noise=alls=12:allf=t', tone: 660 },
  ];
  const files: string[] = [];
  for (const clip of clips) {
    const file = path.join(dir, clip.name);
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', clip.video,
      '-f', 'lavfi', '-i', `sine=frequency=${clip.tone}:sample_rate=48000:duration=10`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
    ]);
    files.push(file);
  }
  return files;
}

export interface Server {
  baseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Writes the bench's config for a server over `mediaDir` (data in `workDir/data`); returns its path. */
export function writeBenchConfig(workDir: string, mediaDir: string, streaming: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const configPath = path.join(workDir, `config-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({
      streaming: { port: 0, host: '127.0.0.1', ...streaming },
      library: { paths: [mediaDir] },
      data_dir: path.join(workDir, 'data'),
      log_level: 'warn',
      ...extra,
    }),
  );
  return configPath;
}

/** `extra`: more top-level config (cache, graphics) beside `streaming`. */
export async function startServer(workDir: string, mediaDir: string, streaming: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Server> {
  const configPath = writeBenchConfig(workDir, mediaDir, streaming, extra);
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RETROVUE_LOG_FORMAT: 'json' },
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`retrovue did not start:\n${stderr.join('\n')}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"retrovue":"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`retrovue exited with ${code}:\n${stderr.join('\n')}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface ChannelHealth {
  state: string;
  encoder?: { pid?: number | null; pids?: number[]; speed?: number | null };
  /** With the Node packager there is no long-running encoder: a renderer per airing (and the next one, started ahead). */
  renderer?: { pid?: number | null; nextPid?: number | null };
}

async function channelHealth(server: Server): Promise<ChannelHealth> {
  const health = (await (await fetch(`${server.baseUrl}/api/health`)).json()) as { channels: ChannelHealth[] };
  return health.channels[0]!;
}

/** The processes of channel 1 that encode video: a long-running encoder, or the airing renderers of the Node packager. */
function encoderPids(channel: ChannelHealth): number[] {
  if (Array.isArray(channel.encoder?.pids)) return channel.encoder.pids;
  const pids = [channel.encoder?.pid, channel.renderer?.pid, channel.renderer?.nextPid];
  return pids.filter((pid): pid is number => typeof pid === 'number' && pid > 0);
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Cold tune-in
// ---------------------------------------------------------------------------------------------

/** Milliseconds from the request to a playlist that lists a segment (one request: the server holds it until live). */
export async function coldPlaylistMs(server: Server): Promise<number> {
  const started = performance.now();
  for (;;) {
    const text = await (await fetch(`${server.baseUrl}/channel/1.m3u8`)).text();
    if (/#EXTINF:/.test(text)) return performance.now() - started;
    if (performance.now() - started > 30_000) throw new Error('no segment within 30 s');
    await sleep(50);
  }
}

/**
 * Milliseconds from `GET /channel/1.ts` to the first TS packet that starts a video PES:
 * the PAT names the PMT, the PMT names the video stream (H.264/HEVC/MPEG-2).
 */
function coldTsFirstVideoMs(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let pmtPid: number | undefined;
    let videoPid: number | undefined;
    let pending = Buffer.alloc(0);
    const request = http.get(`${server.baseUrl}/channel/1.ts`, (response) => {
      response.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 188) {
          const packet = pending.subarray(0, 188);
          pending = pending.subarray(188);
          if (packet[0] !== 0x47) continue;
          const pid = ((packet[1]! & 0x1f) << 8) | packet[2]!;
          const payloadStart = (packet[1]! & 0x40) !== 0;
          const adaptation = (packet[3]! >> 4) & 0x3;
          let offset = 4 + (adaptation & 0x2 ? 1 + packet[4]! : 0);
          if (!(adaptation & 0x1) || offset >= 188) continue;
          if (pid === videoPid && payloadStart) {
            request.destroy();
            resolve(performance.now() - started);
            return;
          }
          if (!payloadStart) continue;
          if (pid === 0 && pmtPid === undefined) {
            offset += 1 + packet[offset]!; // pointer field
            // PAT: 8-byte section header, then (program_number, PID) pairs.
            const program = offset + 8;
            pmtPid = ((packet[program + 2]! & 0x1f) << 8) | packet[program + 3]!;
          } else if (pid === pmtPid && videoPid === undefined) {
            offset += 1 + packet[offset]!;
            const sectionLength = ((packet[offset + 1]! & 0x0f) << 8) | packet[offset + 2]!;
            const programInfoLength = ((packet[offset + 10]! & 0x0f) << 8) | packet[offset + 11]!;
            let entry = offset + 12 + programInfoLength;
            const end = Math.min(188, offset + 3 + sectionLength - 4);
            while (entry + 5 <= end) {
              const streamType = packet[entry]!;
              const elementaryPid = ((packet[entry + 1]! & 0x1f) << 8) | packet[entry + 2]!;
              if ([0x1b, 0x24, 0x02].includes(streamType)) videoPid = elementaryPid;
              entry += 5 + (((packet[entry + 3]! & 0x0f) << 8) | packet[entry + 4]!);
            }
          }
        }
      });
    });
    request.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
    setTimeout(() => {
      request.destroy();
      reject(new Error('no video packet within 30 s'));
    }, 30_000);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function coldTuneIn(workDir: string, mediaDir: string, runs: number, log: (line: string) => void): Promise<BenchResult[]> {
  // The shipped defaults (10 s segments, 6 listed) at the low profile; a short idle timeout
  // so the channel is idle again between attempts.
  const server = await startServer(workDir, mediaDir, { quality: 'low', idle_timeout: 2 });
  const playlist: number[] = [];
  const ts: number[] = [];
  try {
    const idle = () => waitUntil('the channel to go idle', async () => (await channelHealth(server)).state === 'stopped', 30_000);
    for (let i = 0; i < runs; i += 1) {
      await idle();
      playlist.push(await coldPlaylistMs(server));
      await idle();
      ts.push(await coldTsFirstVideoMs(server));
      log(`  cold tune-in ${i + 1}/${runs}: m3u8 ${playlist[i]!.toFixed(0)} ms, ts ${ts[i]!.toFixed(0)} ms`);
    }
  } finally {
    await server.stop();
  }
  const spread = (values: number[]) => `median of ${values.length}; min ${Math.min(...values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms; target < 2000 ms`;
  return [
    { name: 'cold tune-in, low: idle -> /channel/1.m3u8 with a segment', value: `${median(playlist).toFixed(0)} ms`, note: spread(playlist) },
    { name: 'cold tune-in, low: idle -> first video packet of /channel/1.ts', value: `${median(ts).toFixed(0)} ms`, note: spread(ts) },
  ];
}

// ---------------------------------------------------------------------------------------------
// CPU cost
// ---------------------------------------------------------------------------------------------

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Pids of every live descendant of `root` (children of children too), from /proc. */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const result: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) if (ppid === parent) {
      result.push(pid);
      frontier.push(pid);
    }
  }
  return result;
}

/** utime+stime and cutime+cstime (reaped children) of a process, in seconds. */
function processTimes(pid: number): { own: number; reapedChildren: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { own: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, reapedChildren: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process tree at an instant: the root, the children it has reaped, and every
 * live descendant. An encoder that exits moves its time from "live" to "reaped", so the
 * difference between two readings is exactly the CPU the tree used in between, whatever
 * processes came and went (one encoder, or a renderer per airing and a packager).
 */
export function treeCpu(root: number): { total: number; children: number; processes: number } {
  const rootTimes = processTimes(root) ?? { own: 0, reapedChildren: 0 };
  const live = descendants(root);
  const liveCpu = live.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  const children = rootTimes.reapedChildren + liveCpu;
  return { total: rootTimes.own + children, children, processes: live.length };
}

/** The encoder's own command line, from /proc. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

/**
 * The video/audio encoder options Retrovue's encoder runs with, read from the live process:
 * from `-c:v` up to the output options (`-output_ts_offset` or the output format).
 */
function encoderOptions(args: string[]): string[] {
  const from = args.indexOf('-c:v');
  if (from < 0) return [];
  let to = args.indexOf('-output_ts_offset', from);
  if (to < 0) to = args.indexOf('-f', from);
  return args.slice(from, to < 0 ? undefined : to);
}

/**
 * A bare ffmpeg doing the same job as the channel with the same encoder options: the library
 * looped through the concat demuxer, normalised to the profile (loudness included: the channel
 * runs with the default `ffmpeg.loudness_target`), paced to real time, cut to HLS.
 */
function bareCommand(options: string[], profile: OutputProfile, mediaFiles: string[], scratch: string, segmentSeconds: number): string[] {
  const plan = path.join(scratch, 'bare.ffconcat');
  const entries = Array.from({ length: 40 }, () => mediaFiles).flat();
  writeFileSync(plan, `ffconcat version 1.0\n${entries.map((f) => `file '${f.replace(/'/g, "'\\''")}'`).join('\n')}\n`);
  const { width: w, height: h, frameRate } = profile;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'concat', '-safe', '0', '-i', plan,
    '-map', '0:v:0', '-map', '0:a:0',
    '-vf', `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${frameRate},format=yuv420p`,
    '-af', `aresample=${profile.audioSampleRate},${audioLevelChain(configSchema.parse({}).ffmpeg.loudness_target, profile.audioSampleRate)}`,
    ...options,
    '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', '6', '-hls_flags', 'delete_segments',
    path.join(scratch, 'bare.m3u8'),
  ];
}

interface CostSample {
  cpuPerOutputMinute: number;
  encoderCpuPerOutputMinute: number;
  processes: number;
}

async function measureRetrovue(
  workDir: string,
  mediaDir: string,
  quality: string,
  windowSeconds: number,
  warmupSeconds: number,
): Promise<{ sample: CostSample; options: string[]; speed: number | null }> {
  const server = await startServer(workDir, mediaDir, { quality, idle_timeout: 0 });
  try {
    await waitUntil('the channel to be live', async () => {
      const channel = await channelHealth(server);
      return channel.state === 'live' && encoderPids(channel).length > 0;
    }, 60_000);
    const serverPid = server.process.pid!;
    // Whichever of the server's processes encodes video: one long-running encoder, or a
    // renderer per airing, which may run ahead of real time and be gone at any given moment.
    const findOptions = (): string[] | undefined => {
      for (const pid of [...encoderPids(lastHealth), ...descendants(serverPid)]) {
        try {
          const options = encoderOptions(commandLine(pid));
          if (options.length > 0) return options;
        } catch {
          // exited meanwhile
        }
      }
      return undefined;
    };
    let lastHealth = await channelHealth(server);
    let options: string[] | undefined;
    const lookUntil = Date.now() + Math.max(warmupSeconds * 1000, 30_000);
    const warm = Date.now() + warmupSeconds * 1000;
    while (Date.now() < warm || (!options && Date.now() < lookUntil)) {
      options ??= findOptions();
      await sleep(100);
      if (!options) lastHealth = await channelHealth(server);
    }
    if (!options) throw new Error('found no process of the server encoding video (-c:v)');
    const before = treeCpu(serverPid);
    let processes = before.processes;
    const end = Date.now() + windowSeconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(1000, end - Date.now()));
      processes = Math.max(processes, treeCpu(serverPid).processes);
    }
    const after = treeCpu(serverPid);
    const minutes = windowSeconds / 60;
    const speed = (await channelHealth(server)).encoder?.speed ?? null;
    return {
      sample: { cpuPerOutputMinute: (after.total - before.total) / minutes, encoderCpuPerOutputMinute: (after.children - before.children) / minutes, processes },
      options,
      speed,
    };
  } finally {
    await server.stop();
  }
}

async function measureBare(options: string[], quality: 'low' | 'medium' | 'high', mediaFiles: string[], windowSeconds: number, warmupSeconds: number): Promise<number> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'retrovue-bare-'));
  const profile = resolveOutputProfile(configSchema.parse({ streaming: { quality } }));
  const child = spawn('ffmpeg', bareCommand(options, profile, mediaFiles, scratch, 10), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-2000)));
  try {
    await sleep(warmupSeconds * 1000);
    if (child.exitCode !== null) throw new Error(`bare ffmpeg exited early: ${stderr}`);
    const before = cpuSeconds(child.pid!)!;
    await sleep(windowSeconds * 1000);
    const after = cpuSeconds(child.pid!);
    if (after === undefined || child.exitCode !== null) throw new Error(`bare ffmpeg exited during the window: ${stderr}`);
    return (after - before) / (windowSeconds / 60);
  } finally {
    child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function costPerQuality(
  workDir: string,
  mediaDir: string,
  mediaFiles: string[],
  qualities: Array<'low' | 'medium' | 'high'>,
  windowSeconds: number,
  warmupSeconds: number,
  log: (line: string) => void,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const quality of qualities) {
    const retrovue = await measureRetrovue(workDir, mediaDir, quality, windowSeconds, warmupSeconds);
    const bare = await measureBare(retrovue.options, quality, mediaFiles, windowSeconds, warmupSeconds);
    const overhead = (retrovue.sample.cpuPerOutputMinute / bare - 1) * 100;
    const encoderOverhead = (retrovue.sample.encoderCpuPerOutputMinute / bare - 1) * 100;
    log(`  ${quality}: retrovue ${retrovue.sample.cpuPerOutputMinute.toFixed(1)} CPU s/min (encoder ${retrovue.sample.encoderCpuPerOutputMinute.toFixed(1)}), bare ffmpeg ${bare.toFixed(1)}`);
    results.push(
      {
        name: `cost, ${quality}: Retrovue (encoder + server process)`,
        value: `${retrovue.sample.cpuPerOutputMinute.toFixed(1)} CPU s / output min`,
        note: `its ffmpeg processes alone ${retrovue.sample.encoderCpuPerOutputMinute.toFixed(1)} (up to ${retrovue.sample.processes} at once); encoder speed ${retrovue.speed ?? '?'}x`,
      },
      { name: `cost, ${quality}: bare ffmpeg, same encoder options`, value: `${bare.toFixed(1)} CPU s / output min` },
      {
        name: `cost, ${quality}: Retrovue overhead`,
        value: `${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} %`,
        note: `ffmpeg processes alone ${encoderOverhead >= 0 ? '+' : ''}${encoderOverhead.toFixed(1)} %; target < 5 %`,
      },
    );
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

export async function runPlayoutBench(options: PlayoutBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const workDir = mkdtempSync(path.join(tmpdir(), 'retrovue-bench-'));
  const mediaDir = path.join(workDir, 'media');
  try {
    log('playout bench: generating media');
    await run('mkdir', ['-p', mediaDir]);
    const mediaFiles = await makeBenchMedia(mediaDir);
    log('playout bench: cold tune-in (low)');
    const cold = await coldTuneIn(workDir, mediaDir, options.coldRuns ?? 3, log);
    log('playout bench: CPU cost per quality');
    const cost = await costPerQuality(
      workDir,
      mediaDir,
      mediaFiles,
      options.qualities ?? ['low', 'medium', 'high'],
      options.costWindowSeconds ?? 40,
      options.warmupSeconds ?? 30,
      log,
    );
    return [...cold, ...cost];
  } finally {
    if (existsSync(workDir)) rmSync(workDir, { recursive: true, force: true });
  }
}
