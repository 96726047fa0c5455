import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildAiringRenderArgs } from '../../../src/ffmpeg/airing-command.js';
import { buildOverlayFilter } from '../../../src/graphics/filter-graph.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { makeClips } from '../../helpers/media.js';
import { tempDir } from '../../helpers/server.js';

const run = promisify(execFile);
const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};

/** Runs ffmpeg to its end or kills it after `limitMs`; resolves with its exit code (null when killed). */
function runFor(args: string[], limitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('ffmpeg', args.map((a) => (a === 'pipe:3' ? '/dev/null' : a)), { stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('an airing renderer with station graphics always ends (real ffmpeg)', () => {
  it('a slice that starts past the file\'s last picture (a join in an airing\'s last frames) ends at once instead of running forever', async () => {
    const dir = tempDir('renderer-ends');
    const [clip] = await makeClips(dir, [{ name: 'a.mp4', seconds: 3, size: '160x90', rate: 25 }]);
    const bug = path.join(dir, 'bug.png');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=64x64:d=1', '-frames:v', '1', bug]);
    const filter = buildOverlayFilter({
      frame: profile, fadeSeconds: 0, branding: { primary: '0x14213d', accent: '0xfca311', text: '0xffffff' }, fontFile: undefined,
      bug: { image: bug, corner: 'bottom-right', marginPercent: 3, sizePercent: 10, opacity: 0.8, windows: 'always' }, cards: [],
    })!;
    const argsFrom = (startSeconds: number, durationSeconds: number) =>
      buildAiringRenderArgs({
        source: { path: clip!, startSeconds, facts: { hasAudio: true, interlaced: false } },
        durationSeconds, clockSeconds: 10, runSeconds: 0, grid: channelGrid(2), profile, loudnessTarget: -23, graphics: { filter },
      });
    // The last 10 ms: the seek lands after the last picture, so the overlay gets no frame at all.
    expect(await runFor(argsFrom(2.99, 0.01), 15_000)).toBe(0);
    // And the same graphics on a whole second still render and end.
    expect(await runFor(argsFrom(1, 1), 15_000)).toBe(0);
  }, 60_000);
});
