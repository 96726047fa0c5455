import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAiringRenderArgs } from '../../../src/ffmpeg/airing-command.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { readStreamFor } from '../../helpers/hls.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';
import { pgsStream, srt } from '../../helpers/subtitle-media.js';

const run = promisify(execFile);

/**
 * Burned-in subtitles (issue 22), seen in the decoded picture of `/channel/1.ts`: a flat dark
 * clip with a sidecar `.en.srt` whose one cue lasts nearly the whole clip. A channel in
 * `burn_in` shows bright (white) pixels in the middle of the picture, above the lower third's
 * band, where the flat picture has none; the same channel in `on` mode (soft subtitles only: the
 * file has a text track) has none — burn-in only when asked. And the renderer's picture-subtitle
 * graph runs on a real PGS stream (the hand-made one of the library's tests).
 */
const W = 320;
const H = 180;
let media: string;
const servers: RunningServer[] = [];

/** Grey frames (Y only) of the capture, two a second. */
async function lumaFrames(file: string): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vf', 'fps=2,format=gray', '-f', 'rawvideo', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const frames: Buffer[] = [];
  for (let at = 0; at + W * H <= stdout.length; at += W * H) frames.push(stdout.subarray(at, at + W * H));
  return frames;
}

/** Bright pixels in the subtitle area: the middle half of the width, from 45 % of the height down to the lower third's top. */
function brightInSubtitleArea(frame: Buffer): number {
  let count = 0;
  for (let y = Math.round(H * 0.45); y < Math.round(H * 0.75); y += 1) {
    for (let x = Math.round(W * 0.25); x < Math.round(W * 0.75); x += 1) if (frame[y * W + x]! > 180) count += 1;
  }
  return count;
}

/** Bright-pixel counts of each decoded frame of a few seconds of `/channel/1.ts` on a server with `subtitle_mode`. */
async function channelWith(mode: 'burn_in' | 'on'): Promise<number[]> {
  const config = { ...testConfig({ media: [media], dataDir: tempDir(`burn-in-${mode}`) }), languages: { subtitles: ['eng'], subtitle_mode: mode, captions: false } };
  const server = await startServer(config);
  servers.push(server);
  const { data } = await readStreamFor(`${server.baseUrl}/channel/1.ts`, 5000);
  const file = path.join(tempDir('burn-in-capture'), `${mode}.ts`);
  await writeFile(file, data);
  return (await lumaFrames(file)).map(brightInSubtitleArea);
}

beforeAll(async () => {
  media = tempDir('burn-in-media');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=0x203050:size=${W}x${H}:rate=25:duration=6`,
    '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '6',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', path.join(media, 'Flat.mkv'),
  ]);
  await writeFile(path.join(media, 'Flat.en.srt'), srt(['00:00:00,200', '00:00:05,800', 'BURNED IN SUBTITLE'], ['00:00:05,800', '00:00:05,900', 'x']));
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('subtitles burned into the picture', () => {
  it('burn_in draws the cue in the middle of the picture above the lower third; on mode draws nothing', async () => {
    const [burned, soft] = await Promise.all([channelWith('burn_in'), channelWith('on')]);
    expect(burned.length).toBeGreaterThanOrEqual(4);
    expect(soft.length).toBeGreaterThanOrEqual(4);
    // The cue covers 5.6 s of each 6 s loop: most frames show it, in white.
    expect(burned.filter((n) => n > 40).length).toBeGreaterThanOrEqual(Math.floor(burned.length / 2));
    expect(Math.max(...soft)).toBe(0);
  }, 40_000);

  it('a picture subtitle stream (PGS) is overlaid by the renderer without breaking it', async () => {
    const dir = tempDir('burn-in-pgs');
    const sup = path.join(dir, 'p.sup');
    await writeFile(sup, pgsStream());
    const file = path.join(dir, 'pgs.mkv');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=4', '-f', 'lavfi', '-i', 'sine=duration=4', '-i', sup,
      '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-c:s', 'copy', file,
    ]);
    const profile = { width: W, height: H, frameRate: 25, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast' };
    const out = path.join(dir, 'out.ts');
    const args = buildAiringRenderArgs({
      // Seeked into the file, as a joined airing is: the subtitle stream must not hold the picture back.
      source: { path: file, startSeconds: 0.5, facts: { hasAudio: true, interlaced: false } },
      burnIn: { kind: 'picture', streamIndex: 2 },
      durationSeconds: 3,
      clockSeconds: 0,
      runSeconds: 0,
      grid: channelGrid(2),
      profile,
      loudnessTarget: null,
    });
    args.splice(args.indexOf('-progress'), 2);
    args.splice(args.indexOf('pipe:1'), 1, out);
    await run('ffmpeg', args);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', out]);
    // (ffprobe names the stream once in its program and once on its own.)
    expect(Number(stdout.trim().split('\n')[0])).toBe(75);
  }, 30_000);
});
