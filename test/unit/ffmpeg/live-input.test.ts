import { describe, expect, it } from 'vitest';
import { buildAiringRenderArgs, type AiringRenderSpec } from '../../../src/ffmpeg/airing-command.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';

/**
 * A live block's renderer (issue 25): the source's MPEG-TS on stdin, never sought, never paced by
 * -re, normalised by the same graph as a file; a source without sound gets the silent track.
 */
const profile = {
  width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k',
  audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast',
};
const live = (hasAudio: boolean): AiringRenderSpec => ({
  source: { path: '', live: true, startSeconds: 12, facts: { hasAudio, interlaced: true } },
  durationSeconds: 60, clockSeconds: 100, runSeconds: 40, grid: channelGrid(2), profile, loudnessTarget: null,
});

describe('a live source as the renderer input', () => {
  it('reads MPEG-TS from stdin with no seek and no -re, and normalises it like a file', () => {
    const args = buildAiringRenderArgs(live(true));
    const input = args.indexOf('-i');
    expect(args.slice(input - 8, input + 2)).toEqual(['-fflags', '+genpts+discardcorrupt+nobuffer', '-probesize', '500000', '-analyzeduration', '1000000', '-f', 'mpegts', '-i', 'pipe:0']);
    expect(args).not.toContain('-ss');
    expect(args).not.toContain('-re');
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('scale=320:180:force_original_aspect_ratio=decrease');
    expect(graph).toContain('fps=30');
    expect(graph).toContain('[0:a:0]aresample=48000:async=1');
    expect(args.at(-1)).toBe('pipe:1');
  });

  it('a source without sound gets the channel\'s silent track', () => {
    const args = buildAiringRenderArgs(live(false));
    expect(args).toContain('anullsrc=r=48000:cl=stereo');
    expect(args[args.indexOf('-filter_complex') + 1]).not.toContain('[0:a');
  });
});
