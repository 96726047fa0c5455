/**
 * Media cache benchmarks (issue 15), measured from outside like playout-bench.ts: the real
 * `retrovue serve` over HTTP, CPU from /proc, over a library filled into the cache with the real
 * `retrovue cache fill`.
 *
 *  - cost: CPU seconds per output minute of one always-on channel whose airings are all cached
 *    (copy-splice + the Node packager: no ffmpeg at all), next to the same channel with
 *    `cache.enabled: false` (live renderers), per quality;
 *  - capacity: how many all-cached always-on channels at `medium` keep wall-clock pace (≥ 0.98
 *    on every channel, from playlist publications as in capacity-bench.ts), each channel in
 *    schedule mode playing a block schedule with breaks: episodes split at their chapter marks,
 *    the breaks filled from commercials and a bumper (a boundary every ~10 s);
 *  - cold tune-in: an idle cached channel, time from the first playlist request to the first
 *    segment fully fetched (a player can start decoding then).
 *
 * Cost and cold tune-in: loop mode over a programme, a commercial and a bumper (a boundary every
 * ~12 s on average). Graphics off throughout (the bare cached picture; a channel with an
 * always-on bug airs from its own variant, filled the same way).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { allChannels as healthChannels, paceOver, parsePlaylistSegments, PublicationWatch, waitForAllLive } from './capacity-bench.js';
import { chaptersFfmetadata } from '../demo/generate-demo-library.js';
import { CLI, descendants, startServer, treeCpu, waitUntil, writeBenchConfig, type BenchResult, type Server } from './playout-bench.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const REAL_TIME_SHARE = 0.98;
/** A 2-minute window's publication pace can read 4 s / 120 s low on a channel that kept pace. */
const PUBLICATION_PACE_FLOOR = 0.95;

type Quality = 'low' | 'medium' | 'high';

export interface CacheBenchOptions {
  /** Qualities whose cached vs live cost is measured. */
  qualities?: Quality[];
  costWindowSeconds?: number;
  warmupSeconds?: number;
  /** Channel counts tried for capacity, in order; the run stops at the first not sustained. */
  capacitySteps?: number[];
  capacityQuality?: Quality;
  capacityWindowSeconds?: number;
  capacityWarmupSeconds?: number;
  coldRuns?: number;
  /** Length of the programme clip (the commercial is 10 s, the bumper 5 s). */
  programmeSeconds?: number;
  /** Which parts run (default all): cost per quality, capacity, cold tune-in. */
  parts?: Array<'cost' | 'capacity' | 'cold'>;
  log?: (line: string) => void;
}

/** A 640x360 programme with film-like noise, a commercial and a bumper, each with tone. */
async function makeLibrary(dir: string, programmeSeconds: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const clips = [
    { name: 'programme.mp4', seconds: programmeSeconds, video: `testsrc=size=640x360:rate=30:duration=${programmeSeconds},noise=alls=12:allf=t`, tone: 440 },
    { name: 'commercial.mp4', seconds: 10, video: 'testsrc2=size=640x360:rate=30:duration=10', tone: 660 },
    { name: 'bumper.mp4', seconds: 5, video: 'testsrc2=size=640x360:rate=30:duration=5,hue=H=t', tone: 880 },
  ];
  for (const clip of clips) {
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', clip.video,
      '-f', 'lavfi', '-i', `sine=frequency=${clip.tone}:sample_rate=48000:duration=${clip.seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path.join(dir, clip.name),
    ]);
  }
}

/**
 * One episode of the scheduled station's show: 90 s, chapter marks at 30 s and 60 s. Two of
 * them do not fit a block, so each block airs one and 30 s of breaks, one at each chapter mark
 * and one after the episode (the compiler spreads spare time over them: 10 s each, a
 * commercial or two bumpers). Shorter episodes would pack two to a block and leave no breaks.
 */
const EPISODE_SECONDS = 90;
const EPISODE_CHAPTERS = [0, 30, 60];
/** The scheduled station's blocks: an episode and its breaks every two minutes, all day. */
const BLOCK_MINUTES = 2;

/**
 * The capacity station's library: a show of three 90 s episodes with chapter marks (the fill
 * puts a keyframe on each, so breaks start clean), three commercials and a bumper; each file
 * with its own picture and tone.
 */
export async function makeScheduledLibrary(dir: string): Promise<void> {
  const showDir = path.join(dir, 'Bench Show', 'Season 1');
  mkdirSync(showDir, { recursive: true });
  mkdirSync(path.join(dir, 'commercials'), { recursive: true });
  mkdirSync(path.join(dir, 'bumpers'), { recursive: true });
  const metadata = path.join(dir, 'chapters.ffmetadata');
  writeFileSync(metadata, chaptersFfmetadata(EPISODE_CHAPTERS.map((startSeconds, i) => ({ title: `Act ${i + 1}`, startSeconds })), EPISODE_SECONDS));
  const clip = (file: string, video: string, seconds: number, tone: number, chapters: boolean) =>
    run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${video}=size=640x360:rate=30:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=${tone}:sample_rate=48000:duration=${seconds}`,
      ...(chapters ? ['-f', 'ffmetadata', '-i', metadata, '-map', '0:v', '-map', '1:a', '-map_chapters', '2'] : []),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
    ]);
  for (const episode of [1, 2, 3]) await clip(path.join(showDir, `Bench Show - S01E0${episode} - Part ${episode}.mp4`), 'testsrc', EPISODE_SECONDS, 300 + episode * 100, true);
  for (const ad of [1, 2, 3]) await clip(path.join(dir, 'commercials', `Ad ${ad}.mp4`), 'testsrc2', 10, 900 + ad * 50, false);
  await clip(path.join(dir, 'bumpers', 'Bumper.mp4'), 'smptebars', 5, 1200, false);
}

/** `n` channels in schedule mode, each airing the show in two-minute blocks around the clock. */
export function scheduledStation(n: number): Record<string, unknown> {
  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const blocks = Array.from({ length: (24 * 60) / BLOCK_MINUTES }, (_, i) => ({
    name: `Bench Show ${hhmm(i * BLOCK_MINUTES)}`,
    start: hhmm(i * BLOCK_MINUTES),
    minutes: BLOCK_MINUTES,
    content: { type: 'show', show: 'Bench Show', order: 'sequential' },
  }));
  return { channels: Array.from({ length: n }, (_, i) => ({ number: i + 1, name: `Bench ${i + 1}`, time_zone: 'UTC', schedule: { blocks } })) };
}

/** The cache and graphics settings of every server here. */
const settings = (cached: boolean) => ({ cache: { enabled: cached }, graphics: { enabled: false } });

/** Scans the library and fills the cache at `quality` (the real CLI), in `workDir/data`. */
async function fill(workDir: string, mediaDir: string, quality: Quality): Promise<number> {
  const config = writeBenchConfig(workDir, mediaDir, { quality }, settings(true));
  await run(process.execPath, [CLI, 'scan', '--config', config]);
  const started = Date.now();
  await run(process.execPath, [CLI, 'cache', 'fill', '--config', config], { maxBuffer: 16 * 1024 * 1024 });
  return (Date.now() - started) / 1000;
}

interface ChannelStatus {
  number: number;
  state: string;
  encoder: { restarts: number };
  /** Seconds of stream made ahead of the wall clock: below 0, the channel is behind real time. */
  workingAheadSeconds: number | null;
  cache: { hitRatio: number | null; liveSlices: number; cachedSlices: number } | null;
}

const allChannels = (server: Server) => healthChannels<ChannelStatus>(server);

/** How many processes the server has started that are still alive (ffmpeg renderers or a packager). */
function childCount(server: Server): number {
  return descendants(server.process.pid!).length;
}

interface Cost {
  perOutputMinute: number;
  maxProcesses: number;
  hitRatio: number | null;
}

async function measureCost(workDir: string, mediaDir: string, quality: Quality, cached: boolean, windowSeconds: number, warmupSeconds: number): Promise<Cost> {
  const server = await startServer(workDir, mediaDir, { quality, idle_timeout: 0 }, settings(cached));
  try {
    await waitUntil('the channel to be live', async () => (await allChannels(server))[0]?.state === 'live', 60_000);
    await sleep(warmupSeconds * 1000);
    const root = server.process.pid!;
    const before = treeCpu(root);
    let maxProcesses = 0;
    const end = Date.now() + windowSeconds * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(1000, end - Date.now()));
      maxProcesses = Math.max(maxProcesses, childCount(server));
    }
    const after = treeCpu(root);
    const channel = (await allChannels(server))[0]!;
    return { perOutputMinute: (after.total - before.total) / (windowSeconds / 60), maxProcesses, hitRatio: channel.cache?.hitRatio ?? null };
  } finally {
    await server.stop();
  }
}

/**
 * The same server with its channel never tuned (idle): what the server costs before any
 * channel runs. Subtracted from a channel's figure, it leaves what the channel itself costs.
 */
async function measureIdleServer(workDir: string, mediaDir: string, quality: Quality, windowSeconds: number, warmupSeconds: number): Promise<number> {
  const server = await startServer(workDir, mediaDir, { quality, idle_timeout: 2 }, settings(true));
  try {
    await sleep(warmupSeconds * 1000);
    const before = treeCpu(server.process.pid!);
    await sleep(windowSeconds * 1000);
    const after = treeCpu(server.process.pid!);
    return (after.total - before.total) / (windowSeconds / 60);
  } finally {
    await server.stop();
  }
}

interface Step {
  channels: number;
  sustained: boolean;
  worstPace: number;
  /** Seconds of stream made per wall second over the window, from the channel's own stream clock. */
  worstClockPace: number;
  /** The lowest work-ahead any channel reported in the window (seconds; < 0: behind real time). */
  minAhead: number;
  cpuPerChannelMinute: number;
  maxProcesses: number;
  /** The lowest share of airing seconds copied from the cache on any channel (1 = nothing rendered live). */
  worstHitRatio: number;
  why: string[];
}

async function capacityStep(workDir: string, mediaDir: string, quality: Quality, n: number, windowSeconds: number, warmupSeconds: number): Promise<Step> {
  const server = await startServer(workDir, mediaDir, { quality, idle_timeout: 0, mode: 'schedule' }, { ...settings(true), ...scheduledStation(n), guide: { days: 0.1 } });
  const numbers = Array.from({ length: n }, (_, i) => i + 1);
  const watch = new PublicationWatch(server, numbers);
  try {
    await waitForAllLive(server, n);
    watch.start();
    await sleep(warmupSeconds * 1000);
    const opening = await allChannels(server);
    const restartsBefore = new Map(opening.map((c) => [c.number, c.encoder.restarts]));
    const aheadAtOpen = new Map(opening.map((c) => [c.number, c.workingAheadSeconds ?? 0]));
    const root = server.process.pid!;
    const before = treeCpu(root);
    const openMs = Date.now();
    const closeMs = openMs + windowSeconds * 1000;
    let maxProcesses = 0;
    const minAhead = new Map<number, number>();
    while (Date.now() < closeMs) {
      await sleep(Math.min(2000, closeMs - Date.now()));
      maxProcesses = Math.max(maxProcesses, childCount(server));
      for (const channel of await allChannels(server)) {
        minAhead.set(channel.number, Math.min(minAhead.get(channel.number) ?? Infinity, channel.workingAheadSeconds ?? -Infinity));
      }
    }
    const after = treeCpu(root);
    await sleep(500);
    await watch.stop();
    const why: string[] = [];
    let worstPace = Infinity;
    let worstClockPace = Infinity;
    const closing = await allChannels(server);
    const closedAtMs = Date.now();
    for (const channel of closing) {
      const pace = paceOver(watch.published.get(channel.number) ?? [], openMs, closeMs).pace ?? 0;
      worstPace = Math.min(worstPace, pace);
      // The stream clock is where the channel's stream is (wall clock + work-ahead): its advance
      // over the wall time between the two readings is the pace, to the millisecond.
      const wall = (closedAtMs - openMs) / 1000;
      const clockPace = (wall + (channel.workingAheadSeconds ?? -Infinity) - (aheadAtOpen.get(channel.number) ?? 0)) / wall;
      worstClockPace = Math.min(worstClockPace, clockPace);
      if (clockPace < REAL_TIME_SHARE) why.push(`channel ${channel.number}: clock pace ${clockPace.toFixed(3)}`);
      // Seen from outside: segment publications jitter by up to two keyframe intervals (a copied
      // segment is published when the keyframe after its end arrives), ±4 s per window end, so
      // this bound is looser than the clock's.
      if (pace < PUBLICATION_PACE_FLOOR) why.push(`channel ${channel.number}: publication pace ${pace.toFixed(3)}`);
      // The channel's own clock: it never fell behind the wall clock in the window.
      if ((minAhead.get(channel.number) ?? -Infinity) < 0) why.push(`channel ${channel.number}: ${minAhead.get(channel.number)!.toFixed(2)} s behind real time`);
      if (channel.encoder.restarts > (restartsBefore.get(channel.number) ?? 0)) why.push(`channel ${channel.number}: restarted`);
      if (channel.state !== 'live') why.push(`channel ${channel.number}: ${channel.state}`);
    }
    const worstHitRatio = Math.min(...closing.map((c) => c.cache?.hitRatio ?? 0));
    return { channels: n, sustained: why.length === 0, worstPace, worstClockPace, minAhead: Math.min(...minAhead.values()), cpuPerChannelMinute: (after.total - before.total) / n / (windowSeconds / 60), maxProcesses, worstHitRatio, why };
  } finally {
    await watch.stop();
    await server.stop();
  }
}

/** Idle cached channel -> playlist with a segment -> that segment fetched whole: milliseconds. */
async function coldTuneIns(workDir: string, mediaDir: string, quality: Quality, runs: number, log: (line: string) => void): Promise<{ playlist: number[]; segment: number[] }> {
  const server = await startServer(workDir, mediaDir, { quality, idle_timeout: 2 }, settings(true));
  const playlist: number[] = [];
  const segment: number[] = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      await waitUntil('the channel to go idle', async () => (await allChannels(server))[0]?.state === 'stopped', 30_000);
      // Tune in at a random point of the loop, not always on a boundary.
      await sleep(Math.random() * 2000);
      const started = performance.now();
      let first: string | undefined;
      while (!first) {
        first = parsePlaylistSegments(await (await fetch(`${server.baseUrl}/channel/1.m3u8`)).text())[0]?.uri;
        if (!first) await sleep(20);
      }
      playlist.push(performance.now() - started);
      const bytes = (await (await fetch(`${server.baseUrl}/channel/${first}`)).arrayBuffer()).byteLength;
      segment.push(performance.now() - started);
      log(`  cold tune-in ${i + 1}/${runs}: playlist ${playlist[i]!.toFixed(0)} ms, first segment (${bytes} bytes) ${segment[i]!.toFixed(0)} ms`);
    }
  } finally {
    await server.stop();
  }
  return { playlist, segment };
}

export async function runCacheBench(workDir: string, options: CacheBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const qualities = options.qualities ?? ['low', 'medium', 'high'];
  // Two passes of the loop (programme + 15 s): a window that is not a whole number of passes
  // weighs the programme and the commercials differently from one run to the next (±15 %).
  const windowSeconds = options.costWindowSeconds ?? 2 * ((options.programmeSeconds ?? 30) + 15);
  // A fresh server spends its first seconds compiling hot code (measured: an idle server costs
  // 0.15 CPU s a minute 5 s after start, 0.01 from 12 s on); a channel runs for days, so its
  // cost is measured once that is over.
  const warmupSeconds = options.warmupSeconds ?? 20;
  const capacityQuality = options.capacityQuality ?? 'medium';
  const parts = new Set(options.parts ?? ['cost', 'capacity', 'cold']);
  const mediaDir = path.join(workDir, 'cache-media');
  const rows: BenchResult[] = [];
  const dirs = new Map<Quality, string>();
  const loopQualities = new Set([...(parts.has('cost') ? qualities : []), ...(parts.has('cold') ? [capacityQuality] : [])]);
  if (loopQualities.size > 0) {
    log('cache bench: generating media');
    await makeLibrary(mediaDir, options.programmeSeconds ?? 30);
  }
  for (const quality of loopQualities) {
    const dir = path.join(workDir, `cache-${quality}`);
    mkdirSync(dir, { recursive: true });
    const seconds = await fill(dir, mediaDir, quality);
    dirs.set(quality, dir);
    log(`  filled the cache at ${quality} in ${seconds.toFixed(1)} s`);
    rows.push({ name: `fill, ${quality}: the library (${(options.programmeSeconds ?? 30) + 15} s of media)`, value: `${seconds.toFixed(1)} s wall`, note: 'retrovue cache fill, once per profile' });
  }

  const costQualities = parts.has('cost') ? qualities : [];
  const idleServerCost = costQualities[0] ? await measureIdleServer(dirs.get(costQualities[0])!, mediaDir, costQualities[0], windowSeconds, warmupSeconds) : 0;
  if (costQualities[0]) {
    log(`  the server alone (channel idle): ${idleServerCost.toFixed(3)} CPU s / min`);
    rows.push({ name: 'cost: the server alone, its channel idle', value: `${idleServerCost.toFixed(3)} CPU s / min`, note: `${((idleServerCost / 60) * 100).toFixed(2)} % of a core; subtracted below for what a channel adds` });
  }
  for (const quality of costQualities) {
    log(`cache bench: cost at ${quality}, cached then live (${warmupSeconds} s warm-up, ${windowSeconds} s window)`);
    const cached = await measureCost(dirs.get(quality)!, mediaDir, quality, true, windowSeconds, warmupSeconds);
    const live = await measureCost(dirs.get(quality)!, mediaDir, quality, false, windowSeconds, warmupSeconds);
    log(`  ${quality}: cached ${cached.perOutputMinute.toFixed(2)}, live ${live.perOutputMinute.toFixed(2)} CPU s / output min`);
    rows.push(
      {
        name: `cost, ${quality}: all-cached channel (server + every process it started)`,
        value: `${cached.perOutputMinute.toFixed(2)} CPU s / output min`,
        note: `${((cached.perOutputMinute / 60) * 100).toFixed(2)} % of a core; what the channel adds to the idle server: ${(((cached.perOutputMinute - idleServerCost) / 60) * 100).toFixed(2)} % (target ≤ 1 %); hit ratio ${cached.hitRatio?.toFixed(3) ?? '?'}; up to ${cached.maxProcesses} child process(es)`,
      },
      {
        name: `cost, ${quality}: same channel live (cache off)`,
        value: `${live.perOutputMinute.toFixed(2)} CPU s / output min`,
        note: `cached is ${(live.perOutputMinute / Math.max(cached.perOutputMinute, 0.001)).toFixed(0)}x cheaper; up to ${live.maxProcesses} ffmpeg processes live`,
      },
    );
  }

  if (parts.has('capacity')) rows.push(...(await capacityRows(workDir, capacityQuality, options, log)));
  if (parts.has('cold')) rows.push(...(await coldRows(dirs.get(capacityQuality)!, mediaDir, capacityQuality, options.coldRuns ?? 5, log)));
  return rows;
}

/** Capacity steps over the scheduled station (its own library, filled at `quality`). */
async function capacityRows(workDir: string, capacityQuality: Quality, options: CacheBenchOptions, log: (line: string) => void): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const mediaDir = path.join(workDir, 'cache-scheduled-media');
  const dir = path.join(workDir, `cache-scheduled-${capacityQuality}`);
  mkdirSync(dir, { recursive: true });
  log('cache bench: generating the scheduled station\'s library');
  await makeScheduledLibrary(mediaDir);
  const fillSeconds = await fill(dir, mediaDir, capacityQuality);
  log(`  filled the scheduled station's library at ${capacityQuality} in ${fillSeconds.toFixed(1)} s`);
  const steps = options.capacitySteps ?? [10, 25, 50, 64];
  const capacityWindow = options.capacityWindowSeconds ?? 600;
  const capacityWarmup = options.capacityWarmupSeconds ?? 15;
  const measured: Step[] = [];
  for (const n of steps) {
    log(`cache bench: ${n} all-cached scheduled channels at ${capacityQuality}, ${capacityWarmup} s warm-up + ${capacityWindow} s window`);
    const step = await capacityStep(dir, mediaDir, capacityQuality, n, capacityWindow, capacityWarmup);
    measured.push(step);
    log(`  ${n}: ${step.sustained ? 'sustained' : 'NOT sustained'}; worst clock pace ${step.worstClockPace.toFixed(3)}, publication pace ${step.worstPace.toFixed(3)}; least work-ahead ${step.minAhead.toFixed(1)} s; ${step.cpuPerChannelMinute.toFixed(2)} CPU s per channel-minute; ${step.maxProcesses} child processes${step.why.length ? `; ${step.why.slice(0, 5).join('; ')}` : ''}`);
    if (!step.sustained) break;
  }
  const best = measured.filter((s) => s.sustained).at(-1)?.channels ?? 0;
  rows.push({
    name: `capacity: all-cached always-on scheduled channels (breaks at chapter marks) at ${capacityQuality} in real time`,
    value: `${best}${measured.at(-1)?.sustained ? '+' : ''}`,
    note: `${BLOCK_MINUTES}-minute blocks: a ${EPISODE_SECONDS} s episode split at ${EPISODE_CHAPTERS.length - 1} chapter marks, breaks of commercials and a bumper; stream-clock pace ≥ ${REAL_TIME_SHARE}, never behind the wall clock, publication pace ≥ ${PUBLICATION_PACE_FLOOR}, on every channel, over a ${capacityWindow} s window after ${capacityWarmup} s; steps tried ${measured.map((s) => s.channels).join(', ')}`,
  });
  for (const step of measured) {
    rows.push({
      name: `capacity, ${step.channels} cached channels: ${step.sustained ? 'sustained' : 'not sustained'}`,
      value: `pace ${step.worstClockPace.toFixed(3)}`,
      note: `worst channel: stream-clock pace ${step.worstClockPace.toFixed(3)}, publication pace ${step.worstPace.toFixed(3)}; least work-ahead of any channel ${step.minAhead.toFixed(1)} s; ${step.cpuPerChannelMinute.toFixed(2)} CPU s per channel per minute (server + children); ${step.maxProcesses} child processes; lowest hit ratio ${step.worstHitRatio.toFixed(3)}${step.why.length ? `; ${step.why.slice(0, 3).join('; ')}` : ''}`,
    });
  }

  return rows;
}

async function coldRows(dir: string, mediaDir: string, capacityQuality: Quality, runs: number, log: (line: string) => void): Promise<BenchResult[]> {
  log(`cache bench: cold tune-in of a cached channel at ${capacityQuality}`);
  const cold = await coldTuneIns(dir, mediaDir, capacityQuality, runs, log);
  return [
    {
      name: `cold tune-in, cached, ${capacityQuality}: idle -> first segment fetched`,
      value: `${median(cold.segment).toFixed(0)} ms`,
      note: `median of ${cold.segment.length}; min ${Math.min(...cold.segment).toFixed(0)}, max ${Math.max(...cold.segment).toFixed(0)} ms; target ≤ 500 ms`,
    },
    {
      name: `cold tune-in, cached, ${capacityQuality}: idle -> playlist with a segment`,
      value: `${median(cold.playlist).toFixed(0)} ms`,
      note: `median of ${cold.playlist.length}; min ${Math.min(...cold.playlist).toFixed(0)}, max ${Math.max(...cold.playlist).toFixed(0)} ms`,
    },
  ];
}
