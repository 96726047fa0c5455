import { describe, expect, it } from 'vitest';
import { resolveOutputProfile } from '../../../src/config/quality.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildAiringRenderArgs, buildPackagerArgs, type AiringRenderSpec, type PackagerSpec } from '../../../src/ffmpeg/airing-command.js';
import { buildProbeArgs } from '../../../src/ffmpeg/ffprobe-args.js';

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

function packager(overrides: Partial<PackagerSpec> = {}): string[] {
  return buildPackagerArgs({
    playlistPath: '/data/channels/1/hls/encoder.m3u8',
    segmentPathPattern: '/data/channels/1/hls/r1-%d.ts',
    grid: { segmentDuration: 10, initialSegments: 6 },
    playlistSize: 6,
    deleteThreshold: 7,
    ...overrides,
  });
}

function renderer(overrides: Partial<AiringRenderSpec> = {}): string[] {
  return buildAiringRenderArgs({
    source: { path: '/media/show.mkv', startSeconds: 0, facts: { hasAudio: true, interlaced: false } },
    durationSeconds: 30,
    clockSeconds: 0,
    runSeconds: 0,
    grid: { segmentDuration: 10, initialSegments: 6 },
    profile: profileFor({ streaming: { quality: 'low' } }),
    loudnessTarget: -23,
    ...overrides,
  });
}

describe('the packager: live HLS with the seed parameters', () => {
  it('writes live HLS with the configured segment duration, list size, delete threshold and epoch numbering', () => {
    const args = packager({ grid: { segmentDuration: 4, initialSegments: 0 }, playlistSize: 9, deleteThreshold: 2 });
    expect(args[args.lastIndexOf('-f') + 1]).toBe('hls');
    expect(valueOf(args, '-hls_time')).toBe('4');
    expect(valueOf(args, '-hls_list_size')).toBe('9');
    expect(valueOf(args, '-hls_delete_threshold')).toBe('2');
    expect(valueOf(args, '-hls_start_number_source')).toBe('epoch');
    expect(valueOf(args, '-hls_segment_filename')).toBe('/data/channels/1/hls/r1-%d.ts');
    expect(args).not.toContain('-hls_init_time');
    expect(args[args.length - 1]).toBe('/data/channels/1/hls/encoder.m3u8');
  });

  it('defaults to the seed parameters: 10 s segments, 6 listed, one-second first segments for a quick cold start', () => {
    const config = configSchema.parse({});
    expect(config.streaming.segment_duration).toBe(10);
    expect(config.streaming.playlist_size).toBe(6);
    const args = packager();
    expect(valueOf(args, '-hls_time')).toBe('10');
    expect(valueOf(args, '-hls_list_size')).toBe('6');
    expect(valueOf(args, '-hls_init_time')).toBe('1');
  });

  it('reads the renderers from stdin at the wall clock pace and copies, keeping their timestamps', () => {
    const args = packager();
    expect(args).toContain('-re');
    expect(args).toContain('-copyts');
    expect(valueOf(args, '-i')).toBe('pipe:0');
    expect(valueOf(args, '-c')).toBe('copy');
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
