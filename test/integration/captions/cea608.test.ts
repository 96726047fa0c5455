import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptionInserter } from '../../../src/captions/caption-inserter.js';
import type { CaptionCue, LateCaption } from '../../../src/captions/cea608-schedule.js';
import { isVideoStreamId, pesStart, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';
import { TsRemuxer } from '../../../src/streaming/ts-remuxer.js';

const run = promisify(execFile);

interface SrtCue {
  startSeconds: number;
  endSeconds: number;
  text: string;
}

function parseSrt(srt: string): SrtCue[] {
  const time = (t: string): number => {
    const [h, m, rest] = t.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(rest!.replace(',', '.'));
  };
  return srt
    .replace(/\r/g, '')
    .split(/\n\n+/)
    .map((block) => block.trim().split('\n'))
    .filter((lines) => lines.length >= 3)
    .map((lines) => {
      const [start, end] = lines[1]!.split(' --> ');
      // ffmpeg's SRT keeps the decoder's font tag and ASS position, and marks the indent of a
      // row centred further in than the others with hard spaces.
      const text = lines
        .slice(2)
        .map((line) => line.replace(/<[^>]*>|\{[^}]*\}/g, '').replace(/\u00a0|\\h/g, ' ').trim())
        .join('\n');
      return { startSeconds: time(start!), endSeconds: time(end!), text };
    });
}

function videoPts(data: Buffer): number[] {
  const pts: number[] = [];
  for (let at = 0; at + TS_PACKET_SIZE <= data.length; at += TS_PACKET_SIZE) {
    const pes = pesStart(data, at);
    if (pes?.ptsSeconds !== undefined && isVideoStreamId(pes.streamId)) pts.push(pes.ptsSeconds);
  }
  return pts;
}

async function countFrames(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/**
 * The inserter fed like the packager feeds it: arrays of whole-packet slices, in chunks; or
 * behind the Node packager itself (`remuxer`), as a channel would run it.
 */
async function insert(input: Buffer, cues: CaptionCue[], onLate: (late: LateCaption) => void, remuxer?: TsRemuxer): Promise<{ out: Buffer; inserter: CaptionInserter }> {
  const inserter = new CaptionInserter({
    cuesBetween: (from, to) => cues.filter((cue) => cue.endPts > from && cue.startPts < to),
    onLate,
  });
  const chunk = 188 * 300;
  const parts: Buffer[] = [];
  for (let at = 0; at < input.length; at += chunk) parts.push(Buffer.from(input.subarray(at, at + chunk)));
  const output: Buffer[] = [];
  inserter.on('data', (part: Buffer[]) => output.push(...part));
  const done = new Promise((resolve) => inserter.on('end', resolve));
  if (remuxer) {
    remuxer.pipe(inserter);
    Readable.from(parts).pipe(remuxer);
  } else Readable.from(parts.map((part) => [part]), { objectMode: true }).pipe(inserter);
  await done;
  return { out: Buffer.concat(output), inserter };
}

/**
 * Each decoded cue within a frame of its source (the issue asks for 200 ms). The SRT's clock
 * starts at the first frame: ffmpeg subtracts the input's start time.
 */
function expectOnTime(decoded: SrtCue[], cues: CaptionCue[], firstPts: number, frameSeconds: number): void {
  decoded.forEach((c, i) => {
    const cue = cues[i]!;
    expect(Math.abs(c.startSeconds - (cue.startPts - firstPts) / 90_000), `start of ${cue.text}`).toBeLessThanOrEqual(frameSeconds + 0.002);
    expect(Math.abs(c.endSeconds - (cue.endPts - firstPts) / 90_000), `end of ${cue.text}`).toBeLessThanOrEqual(frameSeconds + 0.002);
  });
}

describe('CEA-608 captions in the H.264 stream, read back by ffmpeg (issue 22)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'retrovue-cc-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('ffmpeg decodes each cue, in order, within 200 ms of its time; the video is intact', async () => {
    const source = path.join(work, 'in.ts');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=30000/1001:duration=7',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=7',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-shortest', '-f', 'mpegts', source,
    ]);
    const input = readFileSync(source);
    const firstPts = Math.round(videoPts(input)[0]! * 90_000);
    const at = (seconds: number) => firstPts + Math.round(seconds * 90_000);
    const cues: CaptionCue[] = [
      { startPts: at(1.0), endPts: at(2.2), text: 'Hello from Retrovue' },
      { startPts: at(2.6), endPts: at(3.8), text: 'Café au lait, señor' },
      { startPts: at(4.2), endPts: at(5.4), text: 'Two lines of text\nand the second one' },
      { startPts: at(5.5), endPts: at(6.4), text: '♪ Music ♪' },
    ];
    const late: LateCaption[] = [];
    const { out, inserter } = await insert(input, cues, (l) => late.push(l));
    expect(late).toEqual([]);
    expect(inserter.captionedFrames).toBeGreaterThan(20);
    const captioned = path.join(work, 'out.ts');
    writeFileSync(captioned, out);

    const { stderr } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', captioned, '-f', 'null', '-']);
    expect(stderr.trim()).toBe('');
    expect(await countFrames(captioned)).toBe(await countFrames(source));

    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'movie=out.ts[out0+subcc]', '-map', '0:s', '-f', 'srt', 'out.srt'], { cwd: work });
    const decoded = parseSrt(readFileSync(path.join(work, 'out.srt'), 'utf8'));
    expect(decoded.map((c) => c.text)).toEqual(['Hello from Retrovue', 'Café au lait, señor', 'Two lines of text\nand the second one', '♪ Music ♪']);
    expectOnTime(decoded, cues, firstPts, 1 / 29.97);
  });

  it('behind the Node packager (TsRemuxer), on its clock', async () => {
    const input = readFileSync(path.join(work, 'in.ts'));
    // The packager adds its muxer offset (1.4 s) to every timestamp: cues come in that clock.
    const firstPts = Math.round(videoPts(input)[0]! * 90_000) + 1.4 * 90_000;
    const cues: CaptionCue[] = [
      { startPts: firstPts + 1.5 * 90_000, endPts: firstPts + 3 * 90_000, text: 'Through the packager' },
      { startPts: firstPts + 4 * 90_000, endPts: firstPts + 5.5 * 90_000, text: 'Ça marche très bien' },
    ];
    const late: LateCaption[] = [];
    const { out } = await insert(input, cues, (l) => late.push(l), new TsRemuxer({ offsetSeconds: 1.4 }));
    expect(late).toEqual([]);
    writeFileSync(path.join(work, 'remuxed.ts'), out);
    expect(await countFrames(path.join(work, 'remuxed.ts'))).toBe(await countFrames(path.join(work, 'in.ts')));
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'movie=remuxed.ts[out0+subcc]', '-map', '0:s', '-f', 'srt', 'remuxed.srt'], { cwd: work });
    const decoded = parseSrt(readFileSync(path.join(work, 'remuxed.srt'), 'utf8'));
    expect(decoded.map((c) => c.text)).toEqual(['Through the packager', 'Ça marche très bien']);
    expectOnTime(decoded, cues, firstPts, 1 / 29.97);
  });

  it('at 25 fps, a second language on CC3 (field 2) decodes beside CC1', async () => {
    const source = path.join(work, 'in25.ts');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=25:duration=5',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'mpegts', source,
    ]);
    const input = readFileSync(source);
    const firstPts = Math.round(videoPts(input)[0]! * 90_000);
    const at = (seconds: number) => firstPts + Math.round(seconds * 90_000);
    const english: CaptionCue[] = [
      { startPts: at(1.0), endPts: at(2.5), text: 'Good evening' },
      { startPts: at(2.5), endPts: at(4.0), text: 'Back to back' },
    ];
    const french: CaptionCue[] = [
      { startPts: at(1.2), endPts: at(2.4), text: 'Bonsoir à tous', channel: 3 },
      { startPts: at(3.0), endPts: at(4.2), text: 'Déjà vu, garçon', channel: 3 },
    ];
    const late: LateCaption[] = [];
    const { out } = await insert(input, [...english, ...french], (l) => late.push(l));
    expect(late).toEqual([]);
    writeFileSync(path.join(work, 'out25.ts'), out);
    expect(await countFrames(path.join(work, 'out25.ts'))).toBe(await countFrames(source));
    const read = async (field: 'first' | 'second'): Promise<SrtCue[]> => {
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-data_field', field, '-f', 'lavfi', '-i', 'movie=out25.ts[out0+subcc]', '-map', '0:s', '-f', 'srt', `${field}.srt`], { cwd: work });
      return parseSrt(readFileSync(path.join(work, `${field}.srt`), 'utf8'));
    };
    const cc1 = await read('first');
    expect(cc1.map((c) => c.text)).toEqual(['Good evening', 'Back to back']);
    expectOnTime(cc1, english, firstPts, 1 / 25);
    const cc3 = await read('second');
    expect(cc3.map((c) => c.text)).toEqual(['Bonsoir à tous', 'Déjà vu, garçon']);
    expectOnTime(cc3, french, firstPts, 1 / 25);
  });
});
