/**
 * Capacity benchmark (issue #5): how many always-on channels this machine keeps in real time at
 * `low`, and what each costs in memory. Measured from outside, like playout-bench.ts: the real
 * `retrovue serve` with `--channels N`, its playlists over HTTP, its process ids from
 * /api/health, memory from /proc.
 *
 * For N = 1, 2, 3, … a fresh server runs N channels for a warm-up and then a window; a step is
 * *sustained* when every channel
 *  - publishes media at wall-clock pace: the EXTINF published between the window's first and
 *    last segment publications, over the wall time between them, is ≥ 0.98 (measured between
 *    publications because a 90 s window holds 8 or 9 ten-second segments depending on phase,
 *    so a plain "sum of EXTINF in the window" would swing by a whole segment);
 *  - and its packager reports speed ≥ 0.98 (ffmpeg's figure, cumulative since the packager
 *    started, so start-up latency keeps a healthy channel at 0.99x–1.00x rather than 1.000x);
 *  - and its packager was not restarted.
 * The run stops at the first step that is not sustained.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { descendants, startServer, waitUntil, type BenchResult, type Server } from './playout-bench.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CapacityBenchOptions {
  /** Seconds each step is measured for (the issue asks for 10 minutes; 90 s by default). */
  windowSeconds?: number;
  /** Seconds between all channels being live and the window opening (past the 1 s first segments). */
  warmupSeconds?: number;
  /** Highest N tried. */
  maxChannels?: number;
  /** First N tried (default 1): to re-measure the edge with a longer window without the steps below it. */
  fromChannels?: number;
  log?: (line: string) => void;
}

/** Wall-clock pace and speed both have to reach this share of real time. */
const REAL_TIME_SHARE = 0.98;
const PLAYLIST_POLL_MS = 500;
const MEMORY_SAMPLE_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Media
// ---------------------------------------------------------------------------------------------

/** Three demo-like 640x360 30 fps clips with tone, 20/30/40 s: a 90 s library pass. */
async function makeCapacityMedia(dir: string): Promise<void> {
  const clips = [
    { name: 'cap-a.mp4', seconds: 20, video: 'testsrc2=size=640x360:rate=30:duration=20', tone: 440 },
    { name: 'cap-b.mp4', seconds: 30, video: 'testsrc=size=640x360:rate=30:duration=30,noise=alls=12:allf=t', tone: 550 },
    { name: 'cap-c.mp4', seconds: 40, video: 'testsrc2=size=640x360:rate=30:duration=40,hue=H=t/4', tone: 660 },
  ];
  for (const clip of clips) {
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', clip.video,
      '-f', 'lavfi', '-i', `sine=frequency=${clip.tone}:sample_rate=48000:duration=${clip.seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
      path.join(dir, clip.name),
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// /proc and the API
// ---------------------------------------------------------------------------------------------

/** Resident and proportional (shared pages split between sharers) memory of a process, bytes. */
function memoryOf(pid: number): { rss: number; pss: number } | undefined {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    let pss = rss;
    try {
      pss = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // smaps_rollup needs Linux 4.14; RSS stands in for it
    }
    return { rss, pss };
  } catch {
    return undefined;
  }
}

interface ChannelStatus {
  number: number;
  state: string;
  encoder: { pid: number | null; rendererPid: number | null; restarts: number; speed: number | null; memoryBytes: number | null };
}

/** Every channel's status from `/api/health`, read as the caller's shape of it. */
export async function allChannels<T extends { state: string } = ChannelStatus>(server: Server): Promise<T[]> {
  const response = await fetch(`${server.baseUrl}/api/health`);
  return ((await response.json()) as { channels: T[] }).channels;
}

/** Waits (up to two minutes) until the server lists `n` channels, all live. */
export async function waitForAllLive(server: Server, n: number): Promise<void> {
  await waitUntil(`all ${n} channels to be live`, async () => {
    const channels = await allChannels(server);
    return channels.length === n && channels.every((c) => c.state === 'live');
  }, 120_000);
}

// ---------------------------------------------------------------------------------------------
// Playlists: when each segment was first seen
// ---------------------------------------------------------------------------------------------

export interface Publication {
  uri: string;
  seconds: number;
  seenAtMs: number;
}

/** Segments of one live playlist: URI and EXTINF, in order. */
export function parsePlaylistSegments(text: string): Array<{ uri: string; seconds: number }> {
  const segments: Array<{ uri: string; seconds: number }> = [];
  let pending: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, seconds: pending });
      pending = undefined;
    }
  }
  return segments;
}

/** Polls every channel's playlist and records the first sighting of each segment. */
export class PublicationWatch {
  readonly published = new Map<number, Publication[]>();
  private readonly seen = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly server: Server, private readonly channels: number[]) {
    for (const n of channels) this.published.set(n, []);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await Promise.all(this.channels.map((n) => this.poll(n).catch(() => undefined)));
        await sleep(PLAYLIST_POLL_MS);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async poll(channel: number): Promise<void> {
    const text = await (await fetch(`${this.server.baseUrl}/channel/${channel}.m3u8`)).text();
    const now = Date.now();
    for (const segment of parsePlaylistSegments(text)) {
      const key = `${channel} ${segment.uri}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.published.get(channel)!.push({ ...segment, seenAtMs: now });
    }
  }
}

export interface PaceVerdict {
  /** Sum of EXTINF of the segments first seen inside the window, over the window. */
  rawShare: number;
  /** EXTINF published between the first and last publication in the window, over the wall time between them. */
  pace: number | undefined;
  segments: number;
}

/** How well a channel kept wall-clock pace over [openMs, closeMs], from its publications. */
export function paceOver(publications: Publication[], openMs: number, closeMs: number): PaceVerdict {
  const inWindow = publications.filter((p) => p.seenAtMs > openMs && p.seenAtMs <= closeMs);
  const rawShare = inWindow.reduce((sum, p) => sum + p.seconds, 0) / ((closeMs - openMs) / 1000);
  if (inWindow.length < 2) return { rawShare, pace: undefined, segments: inWindow.length };
  // Segment i's EXTINF is the media made between publication i-1 and publication i.
  const media = inWindow.slice(1).reduce((sum, p) => sum + p.seconds, 0);
  const wall = (inWindow.at(-1)!.seenAtMs - inWindow[0]!.seenAtMs) / 1000;
  return { rawShare, pace: media / wall, segments: inWindow.length };
}

// ---------------------------------------------------------------------------------------------
// One step
// ---------------------------------------------------------------------------------------------

interface StepResult {
  channels: number;
  sustained: boolean;
  why: string[];
  worstPace: number;
  worstRawShare: number;
  worstSpeed: number;
  restarts: number;
  /** Means over the window's samples, bytes. */
  serverRss: number;
  ffmpegRss: number;
  ffmpegPss: number;
  /** status.encoder.memoryBytes (packager + current renderer), mean over channels and samples. */
  statusMemoryPerChannel: number;
  maxFfmpegProcesses: number;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function measureStep(workDir: string, mediaDir: string, n: number, windowSeconds: number, warmupSeconds: number): Promise<StepResult> {
  const stepDir = path.join(workDir, `step-${n}`);
  mkdirSync(stepDir, { recursive: true });
  const server = await startServer(stepDir, mediaDir, { quality: 'low', idle_timeout: 0, channels: n });
  const numbers = Array.from({ length: n }, (_, i) => i + 1);
  const watch = new PublicationWatch(server, numbers);
  try {
    await waitForAllLive(server, n);
    watch.start();
    await sleep(warmupSeconds * 1000);
    const restartsBefore = new Map((await allChannels(server)).map((c) => [c.number, c.encoder.restarts]));
    const openMs = Date.now();
    const closeMs = openMs + windowSeconds * 1000;
    const serverRss: number[] = [];
    const ffmpegRss: number[] = [];
    const ffmpegPss: number[] = [];
    const statusMemory: number[] = [];
    let maxFfmpegProcesses = 0;
    while (Date.now() < closeMs) {
      await sleep(Math.min(MEMORY_SAMPLE_MS, closeMs - Date.now()));
      const serverPid = server.process.pid!;
      serverRss.push(memoryOf(serverPid)?.rss ?? 0);
      const children = descendants(serverPid).map(memoryOf).filter((m) => m !== undefined);
      maxFfmpegProcesses = Math.max(maxFfmpegProcesses, children.length);
      ffmpegRss.push(children.reduce((sum, m) => sum + m.rss, 0));
      ffmpegPss.push(children.reduce((sum, m) => sum + m.pss, 0));
      for (const channel of await allChannels(server)) if (channel.encoder.memoryBytes) statusMemory.push(channel.encoder.memoryBytes);
    }
    // One more poll's worth, so a segment finished right at the close is seen with a fair time.
    await sleep(PLAYLIST_POLL_MS);
    await watch.stop();
    const end = await allChannels(server);
    const why: string[] = [];
    let worstPace = Infinity;
    let worstRawShare = Infinity;
    let worstSpeed = Infinity;
    let restarts = 0;
    for (const channel of end) {
      const verdict = paceOver(watch.published.get(channel.number) ?? [], openMs, closeMs);
      worstRawShare = Math.min(worstRawShare, verdict.rawShare);
      const pace = verdict.pace ?? 0;
      worstPace = Math.min(worstPace, pace);
      if (pace < REAL_TIME_SHARE) why.push(`channel ${channel.number}: pace ${pace.toFixed(3)} (${verdict.segments} segments)`);
      const speed = channel.encoder.speed ?? 0;
      worstSpeed = Math.min(worstSpeed, speed);
      if (speed < REAL_TIME_SHARE) why.push(`channel ${channel.number}: packager speed ${speed}x`);
      const restarted = channel.encoder.restarts - (restartsBefore.get(channel.number) ?? 0);
      restarts += restarted;
      if (restarted > 0) why.push(`channel ${channel.number}: packager restarted ${restarted}x`);
      if (channel.state !== 'live') why.push(`channel ${channel.number}: ${channel.state}`);
    }
    return {
      channels: n,
      sustained: why.length === 0,
      why,
      worstPace,
      worstRawShare,
      worstSpeed,
      restarts,
      serverRss: mean(serverRss),
      ffmpegRss: mean(ffmpegRss),
      ffmpegPss: mean(ffmpegPss),
      statusMemoryPerChannel: mean(statusMemory),
      maxFfmpegProcesses,
    };
  } finally {
    await watch.stop();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------

export async function runCapacityBench(workDir: string, options: CapacityBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const windowSeconds = options.windowSeconds ?? 90;
  const warmupSeconds = options.warmupSeconds ?? 15;
  const maxChannels = options.maxChannels ?? 12;
  const mediaDir = path.join(workDir, 'capacity-media');
  mkdirSync(mediaDir, { recursive: true });
  log('capacity bench: generating media (3 clips, 20/30/40 s, 640x360)');
  await makeCapacityMedia(mediaDir);

  const steps: StepResult[] = [];
  for (let n = options.fromChannels ?? 1; n <= maxChannels; n += 1) {
    log(`capacity bench: ${n} channel(s) at low, ${warmupSeconds} s warm-up + ${windowSeconds} s window`);
    const step = await measureStep(workDir, mediaDir, n, windowSeconds, warmupSeconds);
    steps.push(step);
    log(
      `  ${n}: ${step.sustained ? 'sustained' : 'NOT sustained'}; worst pace ${step.worstPace.toFixed(3)}, raw ${step.worstRawShare.toFixed(3)}, ` +
        `worst speed ${step.worstSpeed}x; server RSS ${mib(step.serverRss)}, ffmpeg RSS ${mib(step.ffmpegRss)} (PSS ${mib(step.ffmpegPss)}) ` +
        `in up to ${step.maxFfmpegProcesses} processes${step.why.length ? `; ${step.why.join('; ')}` : ''}`,
    );
    if (!step.sustained) break;
  }

  const sustained = steps.filter((s) => s.sustained);
  const best = sustained.at(-1)?.channels ?? 0;
  const rows: BenchResult[] = [
    {
      name: 'channels sustained in real time at low',
      value: String(best),
      note: `${windowSeconds} s window per step after ${warmupSeconds} s warm-up; ${steps.at(-1)?.sustained ? `stopped at the limit of ${maxChannels}` : `${steps.at(-1)!.channels} failed`}`,
    },
  ];
  for (const step of steps) {
    rows.push({
      name: `capacity, ${step.channels} channel(s): ${step.sustained ? 'sustained' : 'not sustained'}`,
      value: `pace ${step.worstPace.toFixed(3)}`,
      note:
        `worst channel: wall-clock pace ${step.worstPace.toFixed(3)}, EXTINF in window / window ${step.worstRawShare.toFixed(3)}, packager speed ${step.worstSpeed}x` +
        `${step.restarts ? `, ${step.restarts} restart(s)` : ''}${step.why.length ? `; ${step.why.join('; ')}` : ''}`,
    });
  }
  for (const step of steps) {
    rows.push({
      name: `memory, ${step.channels} channel(s): ffmpeg per channel`,
      value: `${mib(step.ffmpegRss / step.channels)} RSS`,
      note:
        `PSS ${mib(step.ffmpegPss / step.channels)}; status memoryBytes (packager + renderer) ${mib(step.statusMemoryPerChannel)}; ` +
        `up to ${step.maxFfmpegProcesses} ffmpeg processes; server RSS ${mib(step.serverRss)}`,
    });
  }
  if (steps.length >= 2) {
    // Least-squares slope of the server's RSS over N: what one more channel adds to the Node process.
    const xs = steps.map((s) => s.channels);
    const ys = steps.map((s) => s.serverRss);
    const mx = mean(xs);
    const my = mean(ys);
    const slope = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0) / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
    rows.push({
      name: 'memory: server RSS growth per channel',
      value: mib(slope),
      note: `least-squares slope over ${steps.length} steps; server RSS ${steps.map((s) => `${s.channels}: ${mib(s.serverRss)}`).join(', ')}`,
    });
  }
  return rows;
}
