import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioOnlySegment, audioTracksOf } from '../../../src/hls/audio-rendition.js';
import { tempDir } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * Audio-only rendition segments (issue 22) cut from a real MPEG-TS with two audio languages, as
 * ffmpeg's muxer writes it: ffprobe reads exactly one audio stream in the right language, and
 * ffmpeg decodes it without a warning (continuity counters, PCR, tables).
 */
describe('audio-only segments from a real two-language MPEG-TS', () => {
  const dir = tempDir('audio-rendition');
  const source = path.join(dir, 'two-languages.ts');
  let bytes: Buffer;

  beforeAll(async () => {
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=s=160x90:r=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000',
      '-map', '0', '-map', '1', '-map', '2',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=jpn',
      '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-f', 'mpegts', source,
    ]);
    bytes = await readFile(source);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds both audio streams with their languages', () => {
    expect(audioTracksOf(bytes).map((t) => t.language)).toEqual(['eng', 'jpn']);
  });

  for (const [index, language, tone] of [[0, 'eng', 440], [1, 'jpn', 880]] as const) {
    it(`stream ${index}: one ${language} audio stream that decodes cleanly, every packet kept`, async () => {
      const out = path.join(dir, `audio-${index}.ts`);
      await writeFile(out, audioOnlySegment(bytes, index));
      const probe = JSON.parse(
        (await run('ffprobe', ['-v', 'error', '-show_streams', '-show_programs', '-of', 'json', out])).stdout,
      ) as { streams: Array<{ codec_type: string; codec_name: string; tags?: { language?: string } }> };
      expect(probe.streams.map((s) => [s.codec_type, s.codec_name, s.tags?.language])).toEqual([['audio', 'aac', language]]);

      // A warning-level decode: continuity errors, PCR and table problems would all be logged.
      const decoded = await run('ffmpeg', ['-hide_banner', '-v', 'warning', '-i', out, '-f', 'null', '-']);
      expect(decoded.stderr.trim()).toBe('');

      const countPackets = async (file: string, stream: string) =>
        (await run('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts', '-of', 'csv=p=0', file])).stdout.trim().split('\n');
      expect(await countPackets(out, 'a:0')).toEqual(await countPackets(source, `a:${index}`));

      // The right stream: its tone is where the source's stream `index` has it (the loudest frequency band).
      const volume = async (file: string, stream: string) =>
        (await run('ffmpeg', ['-hide_banner', '-i', file, '-map', `0:${stream}`, '-af', `bandpass=f=${tone}:width_type=q:w=8,volumedetect`, '-f', 'null', '-'])).stderr.match(/mean_volume: (-?[\d.]+)/)![1];
      expect(Number(await volume(out, 'a:0'))).toBeCloseTo(Number(await volume(source, `a:${index}`)), 1);
    });
  }
});
