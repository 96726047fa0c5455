/**
 * Boundary accuracy (drift) after an hour of simulated air (issue #5), without a server and
 * faster than real time: the playout engine's own AiringChain plays a LoopTimeline of tiny
 * clips of odd durations and mixed frame rates into a plain file (no packager, so nothing paces
 * it). The file is then read as a viewer's decoder would:
 *  - each renderer's output begins with the MPEG-TS discontinuity indicator
 *    (`-mpegts_flags +initial_discontinuity`), so the first video and audio PES after each
 *    flag are an airing's first frame and first sound, found by our own TS parser;
 *  - ffprobe lists every video and audio packet time, for continuity over the whole hour.
 * For each airing boundary the first frame's PTS (minus the run's first PTS) is compared with
 * the airing's timeline start (minus the run's start). Target: within one frame, and an error
 * that does not grow with time.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { OutputProfile } from '../config/quality.js';
import { channelGrid } from '../hls/segment-grid.js';
import { AiringChain } from '../playout/airing-chain.js';
import { LoopTimeline } from '../timeline/loop-timeline.js';
import type { BenchResult } from './playout-bench.js';

const run = promisify(execFile);

export interface DriftBenchOptions {
  /** Seconds of timeline to play (3600 for the hour; --quick: 300). */
  airSeconds?: number;
  /** Wall-clock budget: past it the run is cut, measured as far as it got, and extrapolated. */
  budgetSeconds?: number;
  log?: (line: string) => void;
}

const FRAME_RATE = 30;
const TICKS = 90_000;
const FRAME_TICKS = TICKS / FRAME_RATE;

/** The channel profile of the run: tiny, so the hour is bounded by renderer start-ups rather than encoding. */
const PROFILE: OutputProfile = {
  width: 160,
  height: 90,
  frameRate: FRAME_RATE,
  videoCodec: 'libx264',
  videoBitrate: '150k',
  audioCodec: 'aac',
  audioBitrate: '64k',
  audioSampleRate: 48000,
  audioChannels: 2,
  preset: 'ultrafast',
};

/** Odd durations, mixed frame rates and sample rates: boundaries fall everywhere between grid points. */
const CLIPS = [
  { name: 'drift-a.mp4', seconds: 7.3, rate: '30', sampleRate: 48000 },
  { name: 'drift-b.mp4', seconds: 11.9, rate: '25', sampleRate: 44100 },
  { name: 'drift-c.mp4', seconds: 4.45, rate: '24000/1001', sampleRate: 48000 },
  { name: 'drift-d.mp4', seconds: 9.07, rate: '30000/1001', sampleRate: 48000 },
];

async function makeDriftMedia(dir: string): Promise<Array<{ file: string; durationMs: number }>> {
  const result: Array<{ file: string; durationMs: number }> = [];
  for (const [i, clip] of CLIPS.entries()) {
    const file = path.join(dir, clip.name);
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=160x90:rate=${clip.rate}:duration=${clip.seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=${330 + 110 * i}:sample_rate=${clip.sampleRate}:duration=${clip.seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file,
    ]);
    // The timeline's durations come from probing, as the library scanner's do.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    result.push({ file, durationMs: Math.round(Number.parseFloat(stdout) * 1000) });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// MPEG-TS: each renderer's first video and audio PTS
// ---------------------------------------------------------------------------------------------

export interface RendererStart {
  videoPts: number;
  audioPts: number | undefined;
}

/** 33-bit PTS from the 5 bytes of a PES header. */
function readPts(b: Buffer, at: number): number {
  return (b[at]! & 0x0e) * 536870912 + b[at + 1]! * 4194304 + (b[at + 2]! & 0xfe) * 16384 + b[at + 3]! * 128 + (b[at + 4]! >> 1);
}

/**
 * Walks a TS file and returns, for every discontinuity-flagged start of the video PID, the PTS
 * of the video PES that follows and of the next audio PES after the audio PID's own flag.
 * Also the first and last video PTS of the file.
 */
export async function scanRendererStarts(file: string): Promise<{ starts: RendererStart[]; firstVideoPts: number; lastVideoPts: number }> {
  let pmtPid: number | undefined;
  let videoPid: number | undefined;
  let audioPid: number | undefined;
  const videoStarts: number[] = [];
  const audioStarts: number[] = [];
  let videoPending = false;
  let audioPending = false;
  let firstVideoPts: number | undefined;
  let lastVideoPts = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 188 * 4096 })) {
    const data = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let at = 0;
    for (; at + 188 <= data.length; at += 188) {
      if (data[at] !== 0x47) throw new Error(`lost TS sync at byte ${at}`);
      const pid = ((data[at + 1]! & 0x1f) << 8) | data[at + 2]!;
      const payloadStart = (data[at + 1]! & 0x40) !== 0;
      const control = (data[at + 3]! >> 4) & 0x3;
      const adaptationLength = control & 0x2 ? data[at + 4]! : 0;
      const discontinuity = (control & 0x2) !== 0 && adaptationLength > 0 && (data[at + 5]! & 0x80) !== 0;
      let offset = at + 4 + (control & 0x2 ? 1 + adaptationLength : 0);
      if (pid === videoPid && discontinuity) videoPending = true;
      if (pid === audioPid && discontinuity) audioPending = true;
      if (!(control & 0x1) || !payloadStart || offset >= at + 188) continue;
      if (pid === 0) {
        offset += 1 + data[offset]!;
        pmtPid = ((data[offset + 10]! & 0x1f) << 8) | data[offset + 11]!;
      } else if (pid === pmtPid && videoPid === undefined) {
        offset += 1 + data[offset]!;
        const sectionLength = ((data[offset + 1]! & 0x0f) << 8) | data[offset + 2]!;
        let entry = offset + 12 + (((data[offset + 10]! & 0x0f) << 8) | data[offset + 11]!);
        const end = Math.min(at + 188, offset + 3 + sectionLength - 4);
        while (entry + 5 <= end) {
          const type = data[entry]!;
          const elementary = ((data[entry + 1]! & 0x1f) << 8) | data[entry + 2]!;
          if ([0x1b, 0x24, 0x02].includes(type)) videoPid = elementary;
          else if ([0x0f, 0x11, 0x03, 0x04, 0x81].includes(type)) audioPid ??= elementary;
          entry += 5 + (((data[entry + 3]! & 0x0f) << 8) | data[entry + 4]!);
        }
        // The first renderer's flags came before we knew the PIDs: its first PES starts the run.
        videoPending = true;
        audioPending = true;
      } else if ((pid === videoPid || pid === audioPid) && data[offset] === 0 && data[offset + 1] === 0 && data[offset + 2] === 1) {
        if (!(data[offset + 7]! & 0x80)) continue; // no PTS
        const pts = readPts(data, offset + 9);
        if (pid === videoPid) {
          firstVideoPts ??= pts;
          lastVideoPts = pts;
          if (videoPending) videoStarts.push(pts);
          videoPending = false;
        } else {
          if (audioPending) audioStarts.push(pts);
          audioPending = false;
        }
      }
    }
    carry = data.subarray(at);
  }
  if (firstVideoPts === undefined) throw new Error(`no video in ${file}`);
  // A renderer's audio may be interleaved before or after its video: they pair by order.
  const starts = videoStarts.map((videoPts, i) => ({ videoPts, audioPts: audioStarts[i] }));
  return { starts, firstVideoPts, lastVideoPts };
}

// ---------------------------------------------------------------------------------------------
// ffprobe: continuity of every packet
// ---------------------------------------------------------------------------------------------

interface Continuity {
  packets: number;
  /** Largest |spacing - expected| between consecutive packets, ms (video: one frame; audio: the previous packet's duration). */
  worstJumpMs: number;
  irregular: number;
}

async function packetContinuity(file: string, stream: 'v' | 'a'): Promise<Continuity> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts,duration', '-of', 'csv=p=0', file], {
    maxBuffer: 512 * 1024 * 1024,
  });
  let previous: { pts: number; duration: number } | undefined;
  let worst = 0;
  let irregular = 0;
  let packets = 0;
  for (const line of stdout.split('\n')) {
    const [ptsText, durationText] = line.split(',');
    const pts = Number(ptsText);
    if (!line || !Number.isFinite(pts)) continue;
    const duration = Number(durationText) || 0;
    packets += 1;
    if (previous) {
      const expected = stream === 'v' ? FRAME_TICKS : previous.duration;
      const jump = Math.abs(pts - previous.pts - expected);
      worst = Math.max(worst, jump);
      if (jump > 2) irregular += 1; // a couple of ticks of rounding in the 90 kHz time base
    }
    previous = { pts, duration };
  }
  return { packets, worstJumpMs: (worst / TICKS) * 1000, irregular };
}

// ---------------------------------------------------------------------------------------------

const ms = (ticks: number) => (ticks / TICKS) * 1000;

interface Boundary {
  atSeconds: number;
  /** First frame's run-relative PTS minus the airing's run-relative timeline start. */
  errorMs: number;
  /** The same against the frame-grid point at or after the start (where the engine puts it). */
  gridErrorMs: number;
  /** First audio PTS minus first video PTS of the airing. */
  avMs: number | undefined;
}

interface Simulation {
  cut: boolean;
  plannedSeconds: number;
  airedSeconds: number;
  wallSeconds: number;
  airings: number;
  slates: number;
  fileMiB: number;
  boundaries: Boundary[];
  video: Continuity;
  audio: Continuity;
}

/**
 * Plays `airSeconds` of the loop timeline through an AiringChain into `output` as fast as the
 * CPU allows, starting at channel-clock `runClockSeconds`, and measures the file.
 */
async function simulate(
  media: Array<{ file: string; durationMs: number }>,
  output: string,
  runClockSeconds: number,
  airSeconds: number,
  budgetSeconds: number,
  log: (line: string) => void,
): Promise<Simulation> {
  const passMs = media.reduce((sum, m) => sum + m.durationMs, 0);
  const loops = Math.max(1, Math.round((airSeconds * 1000) / passMs));
  const epochMs = Date.UTC(2026, 0, 1);
  const timeline = new LoopTimeline({
    items: media.map((m, i) => ({ mediaPath: m.file, durationMs: m.durationMs, title: `clip ${i + 1}`, kind: 'program' as const })),
    epochMs,
    loops,
  });
  const airings = timeline.airingsBetween(epochMs, timeline.endsAtMs!, 1_000_000);
  const sink = createWriteStream(output);
  const sinkClosed = new Promise<void>((resolve, reject) => {
    sink.once('close', resolve);
    sink.once('error', reject);
  });
  const chain = new AiringChain({
    timeline,
    toolchain: { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', version: 'system', encoders: new Set(), hwaccels: [], filters: new Set() },
    profile: PROFILE,
    grid: channelGrid(10),
    loudnessTarget: null,
    runStartMs: epochMs,
    runClockSeconds,
    sink,
    log: pino({ level: 'silent' }),
  });
  const plannedSeconds = (timeline.endsAtMs! - epochMs) / 1000;
  log(`  ${airings.length} airings, ${(plannedSeconds / 60).toFixed(1)} min of air (${loops} passes of ${(passMs / 1000).toFixed(2)} s) from clock ${runClockSeconds} s, budget ${budgetSeconds} s`);
  const started = performance.now();
  let cut = false;
  const budget = setTimeout(() => {
    cut = true;
    chain.stop();
    sink.end();
  }, budgetSeconds * 1000);
  const progress = setInterval(() => {
    const rendering = chain.nowRendering;
    if (rendering) log(`  ${((rendering.slice.fromMs - epochMs) / 60_000).toFixed(1)} min of air after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }, 30_000);
  await chain.run();
  clearTimeout(budget);
  clearInterval(progress);
  if (!cut) sink.end();
  await sinkClosed;
  const wallSeconds = (performance.now() - started) / 1000;

  const scan = await scanRendererStarts(output);
  if (scan.starts.length > airings.length) throw new Error(`found ${scan.starts.length} renderer starts for ${airings.length} airings`);
  // A cut run's last renderer may be partial: only boundaries whose airing was wholly written count.
  const complete = cut ? scan.starts.slice(0, -1) : scan.starts;
  const first = scan.starts[0]!;
  // The run starts on an airing boundary at a clock on the frame grid, so run-relative
  // timeline time and run-relative PTS share their zero.
  const boundaries: Boundary[] = complete.slice(1).map((start, i) => {
    const airing = airings[i + 1]!;
    const expectedSeconds = (airing.startMs - epochMs) / 1000;
    const gridSeconds = Math.ceil((runClockSeconds + expectedSeconds) * FRAME_RATE - 1e-6) / FRAME_RATE - runClockSeconds;
    const measured = ms(start.videoPts - first.videoPts);
    return {
      atSeconds: expectedSeconds,
      errorMs: measured - expectedSeconds * 1000,
      gridErrorMs: measured - gridSeconds * 1000,
      avMs: start.audioPts === undefined ? undefined : ms(start.audioPts - start.videoPts),
    };
  });
  const [video, audio] = await Promise.all([packetContinuity(output, 'v'), packetContinuity(output, 'a')]);
  return {
    cut,
    plannedSeconds,
    airedSeconds: ms(scan.lastVideoPts - scan.firstVideoPts) / 1000 + 1 / FRAME_RATE,
    wallSeconds,
    airings: scan.starts.length,
    slates: chain.slatesShown,
    fileMiB: statSync(output).size / 1024 / 1024,
    boundaries,
    video,
    audio,
  };
}

const maxAbs = (values: number[]) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Least-squares line of the boundary error over air time: an accumulating drift shows as a slope. */
function errorTrend(boundaries: Boundary[]): { perHour: number; at: (seconds: number) => number } {
  const xs = boundaries.map((b) => b.atSeconds / 3600);
  const ys = boundaries.map((b) => b.errorMs);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const perHour = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / (xs.reduce((s, x) => s + (x - mx) ** 2, 0) || 1);
  return { perHour, at: (seconds) => my + perHour * (seconds / 3600 - mx) };
}

/** A run's clock that is on the frame grid but not zero, as after any restart of a channel. */
const STEADY_CLOCK_SECONDS = 1000;
/** ChannelSession's CLOCK_ORIGIN_SECONDS (not exported): where a brand-new channel's clock starts. */
const FRESH_CLOCK_SECONDS = 10;

export async function runDriftBench(workDir: string, options: DriftBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const airSeconds = options.airSeconds ?? 3600;
  const budgetSeconds = options.budgetSeconds ?? 270;
  const dir = path.join(workDir, 'drift');
  mkdirSync(dir, { recursive: true });
  log('drift bench: generating 4 clips (7.3 s @30, 11.9 s @25, 4.45 s @23.976, 9.07 s @29.97; 160x90)');
  const media = await makeDriftMedia(dir);

  log('drift bench: the long run');
  const main = await simulate(media, path.join(dir, 'air.ts'), STEADY_CLOCK_SECONDS, airSeconds, budgetSeconds, log);
  if (main.boundaries.length === 0) throw new Error('no airing boundary was written within the budget');
  // A brand-new channel's first run (its epoch is "now") starts at the session's clock origin,
  // checked apart: at clock 0 the first airing's AAC priming packet was negative and the muxer
  // shifted that renderer 21.33 ms off the grids (fixed in ChannelSession by starting at 10 s).
  log(`drift bench: a fresh channel (clock ${FRESH_CLOCK_SECONDS} s), one minute`);
  const fresh = await simulate(media, path.join(dir, 'fresh.ts'), FRESH_CLOCK_SECONDS, 60, 120, log);

  const { boundaries } = main;
  const last = boundaries.at(-1)!;
  const trend = errorTrend(boundaries);
  const frameMs = 1000 / FRAME_RATE;
  const label = main.cut ? `cut by the ${budgetSeconds} s budget at ${(last.atSeconds / 60).toFixed(1)} of ${(main.plannedSeconds / 60).toFixed(1)} min (extrapolated figures say so); ` : '';
  const extrapolated = main.cut ? `; extrapolated to ${(main.plannedSeconds / 60).toFixed(0)} min along that trend: ${trend.at(main.plannedSeconds).toFixed(2)} ms` : '';
  const avValues = boundaries.map((b) => b.avMs).filter((v): v is number => v !== undefined);
  log(`  ${boundaries.length} boundaries, max error ${maxAbs(boundaries.map((b) => b.errorMs)).toFixed(2)} ms, ${main.wallSeconds.toFixed(0)} s wall`);
  return [
    {
      name: 'drift: air simulated',
      value: `${(main.airedSeconds / 60).toFixed(1)} min`,
      note: `${label}${main.airings} airings (${main.slates} slates) in ${main.wallSeconds.toFixed(0)} s wall (${(main.airedSeconds / main.wallSeconds).toFixed(1)}x real time); ${main.fileMiB.toFixed(0)} MiB of MPEG-TS; run clock from ${STEADY_CLOCK_SECONDS} s`,
    },
    {
      name: 'drift: boundary error, max |first frame - timeline start|',
      value: `${maxAbs(boundaries.map((b) => b.errorMs)).toFixed(2)} ms`,
      note: `over ${boundaries.length} boundaries, range ${Math.min(...boundaries.map((b) => b.errorMs)).toFixed(2)} to ${Math.max(...boundaries.map((b) => b.errorMs)).toFixed(2)} ms; one frame = ${frameMs.toFixed(2)} ms; target within one frame`,
    },
    {
      name: 'drift: boundary error at the last boundary',
      value: `${last.errorMs.toFixed(2)} ms`,
      note: `at ${(last.atSeconds / 60).toFixed(1)} min of air; trend ${trend.perHour >= 0 ? '+' : ''}${trend.perHour.toFixed(3)} ms per hour (least squares over all boundaries)${extrapolated}`,
    },
    {
      name: 'drift: max |first frame - its frame-grid point|',
      value: `${maxAbs(boundaries.map((b) => b.gridErrorMs)).toFixed(3)} ms`,
      note: `the grid point at or after the airing's start; 1 tick of 90 kHz = ${(1000 / TICKS).toFixed(3)} ms`,
    },
    {
      name: 'drift: A/V offset at the last boundary (first audio PTS - first video PTS)',
      value: last.avMs === undefined ? 'n/a' : `${last.avMs.toFixed(2)} ms`,
      note: `range over boundaries ${Math.min(...avValues).toFixed(2)} to ${Math.max(...avValues).toFixed(2)} ms (sound starts on the AAC grid, its priming packet 1024 samples = 21.33 ms before that)`,
    },
    {
      name: 'drift: video continuity (ffprobe, every frame)',
      value: `${main.video.irregular} irregular`,
      note: `${main.video.packets} frames (timeline: ${Math.round(main.airedSeconds * FRAME_RATE)}); worst spacing error ${main.video.worstJumpMs.toFixed(3)} ms`,
    },
    {
      name: 'drift: audio continuity (ffprobe, every AAC packet)',
      value: `${main.audio.irregular} gaps/overlaps`,
      note: `${main.audio.packets} packets; worst ${main.audio.worstJumpMs.toFixed(3)} ms`,
    },
    {
      name: `drift: fresh channel (run clock ${FRESH_CLOCK_SECONDS} s), max boundary error`,
      value: `${maxAbs(fresh.boundaries.map((b) => b.errorMs)).toFixed(2)} ms`,
      note: `${(fresh.airedSeconds / 60).toFixed(1)} min, ${fresh.boundaries.length} boundaries; video irregular ${fresh.video.irregular} (worst ${fresh.video.worstJumpMs.toFixed(2)} ms), audio ${fresh.audio.irregular} (worst ${fresh.audio.worstJumpMs.toFixed(2)} ms)`,
    },
  ];
}
