import { describe, expect, it } from 'vitest';
import { resolveOutputProfile } from '../../../src/config/quality.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildAiringRenderArgs, buildPackagerArgs, type AiringRenderSpec } from '../../../src/ffmpeg/airing-command.js';
import { buildProbeArgs } from '../../../src/ffmpeg/ffprobe-args.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';

/**
 * The seed's encoding contract (issue #2), as the playout engine's command lines carry it:
 * HLS parameters on the packager, the quality profile on every airing renderer.
 */

/** The value that follows `flag` in an argument list (undefined when the flag is absent). */
function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index < 0 ? undefined : args[index + 1];
}

function profileFor(config: unknown) {
  return resolveOutputProfile(configSchema.parse(config));
}

function renderer(overrides: Partial<AiringRenderSpec> = {}): string[] {
  return buildAiringRenderArgs({
    source: { path: '/media/show.mkv', startSeconds: 0, facts: { hasAudio: true, interlaced: false } },
    durationSeconds: 30,
    clockSeconds: 0,
    runSeconds: 0,
    grid: channelGrid(10),
    profile: profileFor({ streaming: { quality: 'low' } }),
    loudnessTarget: -23,
    ...overrides,
  });
}

describe('the packager: one continuous remuxed MPEG-TS (Node cuts HLS and paces it)', () => {
  it('is exactly this command line (golden: a change to it is a visible diff)', () => {
    expect(buildPackagerArgs()).toMatchInlineSnapshot(`
      [
        "-hide_banner",
        "-loglevel",
        "level+warning",
        "-nostats",
        "-progress",
        "pipe:3",
        "-stats_period",
        "2",
        "-copyts",
        "-probesize",
        "1000000",
        "-analyzeduration",
        "1000000",
        "-f",
        "mpegts",
        "-i",
        "pipe:0",
        "-map",
        "0:v:0",
        "-map",
        "0:a",
        "-c",
        "copy",
        "-flush_packets",
        "1",
        "-f",
        "mpegts",
        "pipe:1",
      ]
    `);
  });

  it('keeps the renderers\' timestamps, copies, writes MPEG-TS to stdout and progress to fd 3, not paced by ffmpeg', () => {
    const args = buildPackagerArgs();
    expect(args).not.toContain('-re'); // Node paces it: work_ahead (PackagerOutput)
    expect(args).toContain('-copyts');
    expect(valueOf(args, '-i')).toBe('pipe:0');
    expect(valueOf(args, '-c')).toBe('copy');
    expect(valueOf(args, '-progress')).toBe('pipe:3');
    expect(args.slice(-3)).toEqual(['-f', 'mpegts', 'pipe:1']);
  });

  it('defaults to the seed parameters: 10 s segments, 6 listed', () => {
    const config = configSchema.parse({});
    expect(config.streaming.segment_duration).toBe(10);
    expect(config.streaming.playlist_size).toBe(6);
    expect(config.streaming.ts_burst).toBe(3);
  });
});

describe('airing renderers: every airing encoded to the channel profile', () => {
  it('encodes per the quality preset', () => {
    const cases = [
      ['low', 640, 360, '800k'],
      ['medium', 1280, 720, '2000k'],
      ['high', 1920, 1080, '4000k'],
    ] as const;
    for (const [quality, width, height, bitrate] of cases) {
      const args = renderer({ profile: profileFor({ streaming: { quality } }) });
      expect(valueOf(args, '-c:v')).toBe('libx264');
      expect(valueOf(args, '-c:a')).toBe('aac');
      expect(valueOf(args, '-b:v')).toBe(bitrate);
      expect(valueOf(args, '-maxrate')).toBe(bitrate);
      expect(valueOf(args, '-filter_complex')).toContain(`scale=${width}:${height}:force_original_aspect_ratio=decrease`);
      expect(valueOf(args, '-filter_complex')).toContain(`pad=${width}:${height}:`);
      expect(valueOf(args, '-ar')).toBe('48000');
      expect(valueOf(args, '-ac')).toBe('2');
    }
  });

  it('lets ffmpeg.video_codec, audio_codec, bitrate and resolution override the preset', () => {
    const profile = profileFor({
      streaming: { quality: 'high' },
      ffmpeg: { video_codec: 'mpeg2video', audio_codec: 'ac3', bitrate: '1500k', resolution: '854x480' },
    });
    const args = renderer({ profile });
    expect(valueOf(args, '-c:v')).toBe('mpeg2video');
    expect(valueOf(args, '-c:a')).toBe('ac3');
    expect(valueOf(args, '-b:v')).toBe('1500k');
    expect(valueOf(args, '-filter_complex')).toContain('scale=854:480:');
    // x264-only options are not passed to another encoder.
    expect(args).not.toContain('-preset');
    expect(args).not.toContain('-profile:v');
  });

  it('seeks into the file (before -i) only when joining mid-airing, and places output on the channel clock', () => {
    expect(renderer()).not.toContain('-ss');
    const joined = renderer({ source: { path: '/media/show.mkv', startSeconds: 12.3456, facts: { hasAudio: true, interlaced: false } }, clockSeconds: 3600.5 });
    expect(joined.indexOf('-ss')).toBeLessThan(joined.indexOf('-i'));
    expect(valueOf(joined, '-ss')).toBe('12.346');
    expect(Number(valueOf(joined, '-output_ts_offset'))).toBe(3600.5);
  });

  it('probes a file as JSON with format, streams and chapters', () => {
    expect(buildProbeArgs('/m/a.mkv')).toEqual(['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', '/m/a.mkv']);
  });
});
