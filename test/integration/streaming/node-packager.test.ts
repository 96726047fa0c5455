import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackagerArgs } from '../../../src/ffmpeg/airing-command.js';
import { packetPid, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';
import { TsRemuxer } from '../../../src/streaming/ts-remuxer.js';
import { decodeErrors, saveTo } from '../../helpers/hls.js';
import { tempDir } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * The Node packager against the ffmpeg packager it replaces, on the same input: three real
 * renderer-shaped outputs (x264 without B-frames, AAC, channel-clock timestamps via
 * -output_ts_offset, +initial_discontinuity), one after another as the chain writes them.
 * Every packet (stream, PTS, DTS, size, keyframe flag) must come out the same.
 */
describe('the Node packager remuxes as ffmpeg\'s did (real ffmpeg)', () => {
  let work: string;
  let input: Buffer;
  let viaNode: string;
  let viaFfmpeg: string;

  beforeAll(async () => {
    work = tempDir('node-packager');
    const parts: Buffer[] = [];
    // Three "airings" of 1.6 s (48 frames, 75 AAC frames) back to back on the channel clock from
    // 10 s. Each part's sound is one AAC frame short: its encoder's priming frame comes 1024
    // samples early, so the parts' sound tiles exactly, as a live renderer's does.
    for (const [i, source] of ['testsrc2', 'smptebars', 'rgbtestsrc'].entries()) {
      const file = path.join(work, `part${i}.ts`);
      await run('ffmpeg', ['-v', 'error', '-y',
        '-f', 'lavfi', '-i', `${source}=s=160x90:r=30:d=1.6`, '-f', 'lavfi', '-i', `sine=f=${440 + 220 * i}:r=48000:d=2,atrim=end_sample=${75 * 1024 - 1024}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '30', '-c:a', 'aac', '-ac', '2',
        '-output_ts_offset', String(10 + 1.6 * i), '-mpegts_flags', '+initial_discontinuity', '-f', 'mpegts', file]);
      parts.push(await readFile(file));
    }
    input = Buffer.concat(parts);

    const remuxer = new TsRemuxer({ offsetSeconds: 1.4 });
    const out: Buffer[] = [];
    remuxer.on('data', (parts: Buffer[]) => out.push(...parts));
    const ended = new Promise((resolve) => remuxer.on('end', resolve));
    // In pipe-sized pieces that do not respect packet boundaries.
    // (Copies: the remuxer rewrites the chain's buffers in place, and `input` is checked below.)
    for (let at = 0; at < input.length; at += 65_000) remuxer.write(Buffer.from(input.subarray(at, at + 65_000)));
    remuxer.end();
    await ended;
    viaNode = await saveTo(path.join(work, 'node.ts'), Buffer.concat(out));

    const inputFile = await saveTo(path.join(work, 'input.ts'), input);
    viaFfmpeg = path.join(work, 'ffmpeg.ts');
    const args = buildPackagerArgs().filter((a, i, all) => a !== '-progress' && all[i - 1] !== '-progress' && a !== '-stats_period' && all[i - 1] !== '-stats_period');
    args[args.indexOf('pipe:0')] = inputFile;
    args[args.length - 1] = viaFfmpeg;
    await run('ffmpeg', ['-y', ...args]);
  }, 60_000);

  /** Each stream's packets in order (ffmpeg re-interleaves the streams by DTS; Node keeps the input's order). */
  async function packets(file: string): Promise<{ video: string[]; audio: string[] }> {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts,dts,size,flags', '-of', 'csv=p=0', file], { maxBuffer: 16 * 1024 * 1024 });
    const lines = stdout.split('\n').map((line) => line.replace(/,+$/, '')).filter((line) => line.length > 0);
    return { video: lines.filter((l) => l.startsWith('video')), audio: lines.filter((l) => l.startsWith('audio')) };
  }

  it('gives every packet the timestamps, size and flags the ffmpeg packager gave it', async () => {
    const [node, ffmpeg] = await Promise.all([packets(viaNode), packets(viaFfmpeg)]);
    expect(node.video).toHaveLength(144);
    expect(node.audio).toHaveLength(3 * 75);
    expect(node).toEqual(ffmpeg);
  });

  it('is one stream: decodable, PIDs of the first part only, continuity counters never jump', async () => {
    expect(await decodeErrors(viaNode)).toBe('');
    const data = await readFile(viaNode);
    const counters = new Map<number, number>();
    let jumps = 0;
    for (let at = 0; at < data.length; at += TS_PACKET_SIZE) {
      const pid = packetPid(data, at);
      const cc = data[at + 3]! & 0x0f;
      const hasPayload = (data[at + 3]! & 0x10) !== 0;
      const previous = counters.get(pid);
      if (previous !== undefined && cc !== (hasPayload ? (previous + 1) & 0x0f : previous)) jumps += 1;
      counters.set(pid, cc);
      if ((data[at + 3]! & 0x20) !== 0 && data[at + 4]! > 0) expect(data[at + 5]! & 0x80).toBe(0);
    }
    expect(jumps).toBe(0);
    expect([...counters.keys()].sort((a, b) => a - b)).toEqual([0, 0x11, 0x100, 0x101, 0x1000]);
    // The input had three sets of counters restarting (a jump at each join); the output none.
    let inputJumps = 0;
    const inputCounters = new Map<number, number>();
    for (let at = 0; at < input.length; at += TS_PACKET_SIZE) {
      const pid = packetPid(input, at);
      const cc = input[at + 3]! & 0x0f;
      const previous = inputCounters.get(pid);
      if (previous !== undefined && (input[at + 3]! & 0x10) && cc !== ((previous + 1) & 0x0f)) inputJumps += 1;
      inputCounters.set(pid, cc);
    }
    expect(inputJumps).toBeGreaterThanOrEqual(2);
  });
});
