import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CaptionInserter } from '../captions/caption-inserter.js';
import type { CaptionCue } from '../captions/cea608-schedule.js';
import { isVideoStreamId, pesStart, TS_CLOCK_HZ, TS_PACKET_SIZE } from '../streaming/mpegts.js';
import type { BenchResult } from './playout-bench.js';

const run = promisify(execFile);

/**
 * Cost of closed-caption insertion (issue 22: under 1.5 % of a core on a cached channel at
 * medium): the CaptionInserter fed a medium-quality stream (1280x720, 2 Mbit/s video, AAC)
 * from memory, in 64 kB chunks as the packager hands them on, for a few minutes of stream
 * time; CPU seconds of this process per second of stream. Two cases: no cue (every frame
 * passes as it came) and captions all the time (a cue every 3 s, two lines each, so 608 data
 * goes out in most frames: the worst case).
 */
export interface CaptionBenchOptions {
  /** Seconds of stream to push through per case (the clip is looped). */
  streamSeconds?: number;
  log?: (line: string) => void;
}

const CLIP_SECONDS = 20;
const CHUNK_BYTES = 64 * 1024;

async function makeClip(dir: string): Promise<Buffer> {
  const file = path.join(dir, 'medium.ts');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30000/1001:duration=${CLIP_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '60', '-b:v', '2000k', '-maxrate', '2000k', '-bufsize', '4000k', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-shortest', '-f', 'mpegts', file,
  ]);
  return readFileSync(file);
}

function firstVideoPts(data: Buffer): number {
  for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
    const pes = pesStart(data, at);
    if (pes?.ptsSeconds !== undefined && isVideoStreamId(pes.streamId)) return Math.round(pes.ptsSeconds * TS_CLOCK_HZ);
  }
  throw new Error('no video in the bench clip');
}

/** A cue every 3 s for the whole clip, two lines of about 30 characters. */
function continuousCues(firstPts: number): CaptionCue[] {
  const cues: CaptionCue[] = [];
  // The first at 2 s: a 2-line caption takes about 1.7 s of 608 bandwidth to load.
  for (let t = 2; t + 3 <= CLIP_SECONDS; t += 3) {
    cues.push({ startPts: firstPts + t * TS_CLOCK_HZ, endPts: firstPts + (t + 2.8) * TS_CLOCK_HZ, text: `Caption number ${cues.length} of the bench,\nsecond line with a café ♪` });
  }
  return cues;
}

/** Pushes the clip through one fresh inserter (a clip's worth of stream); its counters. */
async function insertOnce(chunks: Buffer[], cues: CaptionCue[]): Promise<{ captioned: number; late: number }> {
  const inserter = new CaptionInserter({ cuesBetween: (from, to) => cues.filter((cue) => cue.endPts > from && cue.startPts < to) });
  let late = 0;
  inserter.on('data', () => undefined);
  const ended = new Promise<void>((resolve, reject) => {
    inserter.once('end', resolve);
    inserter.once('error', reject);
  });
  for (const chunk of chunks) inserter.write([chunk]);
  inserter.end();
  await ended;
  late = inserter.lateCues;
  return { captioned: inserter.captionedFrames, late };
}

export async function runCaptionBench(options: CaptionBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const streamSeconds = options.streamSeconds ?? 300;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-caption-bench-'));
  try {
    const clip = await makeClip(dir);
    const bitrate = (clip.length * 8) / CLIP_SECONDS / 1e6;
    const chunks: Buffer[] = [];
    for (let at = 0; at < clip.length; at += CHUNK_BYTES) chunks.push(clip.subarray(at, Math.min(clip.length, at + CHUNK_BYTES)));
    const firstPts = firstVideoPts(clip);
    const frames = Math.round(CLIP_SECONDS * 29.97);
    const loops = Math.max(1, Math.round(streamSeconds / CLIP_SECONDS));
    const rows: BenchResult[] = [];
    for (const [name, cues] of [
      ['no cue (frames pass as they came)', [] as CaptionCue[]],
      ['captions all the time (a 2-line cue every 3 s)', continuousCues(firstPts)],
    ] as const) {
      await insertOnce(chunks, cues); // warm-up (JIT)
      let captioned = 0;
      let late = 0;
      const cpu = process.cpuUsage();
      for (let i = 0; i < loops; i++) {
        const result = await insertOnce(chunks, cues);
        captioned += result.captioned;
        late += result.late;
      }
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      const percent = (cpuSeconds / (loops * CLIP_SECONDS)) * 100;
      log(`captions: ${name}: ${cpuSeconds.toFixed(3)} CPU s for ${loops * CLIP_SECONDS} s of stream`);
      rows.push({
        name: `caption insertion, ${name}`,
        value: `${percent.toFixed(3)} % of a core`,
        note: `medium, ${bitrate.toFixed(1)} Mbit/s TS; ${((captioned / (loops * frames)) * 100).toFixed(0)} % of frames got an SEI; ${late} cue(s) late; limit 1.5 %`,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
