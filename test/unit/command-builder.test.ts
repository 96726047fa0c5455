import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveOutputProfile } from '../../src/config/quality.js';
import { configSchema } from '../../src/config/schema.js';
import {
  buildChannelEncodeArgs,
  buildFfconcat,
  keyframeExpression,
  normaliseVideoFilter,
  type ChannelEncodeSpec,
} from '../../src/ffmpeg/command-builder.js';

const run = promisify(execFile);

/** The value that follows `flag` in an argument list (undefined when the flag is absent). */
function valueOf(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index < 0 ? undefined : args[index + 1];
}

function profileFor(config: unknown) {
  return resolveOutputProfile(configSchema.parse(config));
}

function spec(overrides: Partial<ChannelEncodeSpec> = {}, hls: Partial<ChannelEncodeSpec['hls']> = {}): ChannelEncodeSpec {
  return {
    ffconcatPath: '/data/channels/1/plan.ffconcat',
    startOffsetSeconds: 0,
    outputTimestampOffsetSeconds: 0,
    realtime: true,
    profile: profileFor({ streaming: { quality: 'low' } }),
    hls: {
      playlistPath: '/data/channels/1/hls/encoder.m3u8',
      segmentPathPattern: '/data/channels/1/hls/r1-%d.ts',
      segmentDuration: 10,
      playlistSize: 6,
      deleteThreshold: 3,
      ...hls,
    },
    ...overrides,
  };
}

describe('channel encoder command line', () => {
  it('writes live HLS with the configured segment duration, list size, delete threshold and epoch numbering', () => {
    const args = buildChannelEncodeArgs(spec({}, { segmentDuration: 4, playlistSize: 9, deleteThreshold: 2 }));
    expect(valueOf(args, '-f')).toBe('concat'); // the input
    expect(args[args.lastIndexOf('-f') + 1]).toBe('hls'); // the output
    expect(valueOf(args, '-hls_time')).toBe('4');
    expect(valueOf(args, '-hls_list_size')).toBe('9');
    expect(Number(valueOf(args, '-hls_delete_threshold'))).toBeGreaterThanOrEqual(1);
    expect(valueOf(args, '-hls_delete_threshold')).toBe('2');
    expect(valueOf(args, '-hls_start_number_source')).toBe('epoch');
    expect(valueOf(args, '-hls_segment_filename')).toBe('/data/channels/1/hls/r1-%d.ts');
    expect(args[args.length - 1]).toBe('/data/channels/1/hls/encoder.m3u8');
  });

  it('defaults to the seed parameters: 10 s segments, 6 listed', () => {
    const config = configSchema.parse({});
    const args = buildChannelEncodeArgs(
      spec({ profile: resolveOutputProfile(config) }, { segmentDuration: config.streaming.segment_duration, playlistSize: config.streaming.playlist_size }),
    );
    expect(valueOf(args, '-hls_time')).toBe('10');
    expect(valueOf(args, '-hls_list_size')).toBe('6');
  });

  it('reads in real time for live output, and seeks into the first entry only when joining mid-file', () => {
    const fresh = buildChannelEncodeArgs(spec({ startOffsetSeconds: 0 }));
    expect(fresh).toContain('-re');
    expect(fresh).not.toContain('-ss');
    const joined = buildChannelEncodeArgs(spec({ startOffsetSeconds: 12.3456 }));
    // -ss must come before -i to seek the input, not the output.
    expect(joined.indexOf('-ss')).toBeLessThan(joined.indexOf('-i'));
    expect(valueOf(joined, '-ss')).toBe('12.346');
    expect(buildChannelEncodeArgs(spec({ realtime: false }))).not.toContain('-re');
  });

  it('offsets output timestamps by the channel clock of the run', () => {
    const args = buildChannelEncodeArgs(spec({ outputTimestampOffsetSeconds: 3600.5 }));
    expect(valueOf(args, '-output_ts_offset')).toBe('3600.500');
  });

  it('encodes per the quality preset', () => {
    const cases = [
      ['low', 640, 360, '800k'],
      ['medium', 1280, 720, '2000k'],
      ['high', 1920, 1080, '4000k'],
    ] as const;
    for (const [quality, width, height, bitrate] of cases) {
      const args = buildChannelEncodeArgs(spec({ profile: profileFor({ streaming: { quality } }) }));
      expect(valueOf(args, '-c:v')).toBe('libx264');
      expect(valueOf(args, '-c:a')).toBe('aac');
      expect(valueOf(args, '-b:v')).toBe(bitrate);
      expect(valueOf(args, '-maxrate')).toBe(bitrate);
      expect(valueOf(args, '-vf')).toContain(`scale=${width}:${height}:force_original_aspect_ratio=decrease`);
      expect(valueOf(args, '-vf')).toContain(`pad=${width}:${height}:`);
      expect(valueOf(args, '-ar')).toBe('48000');
      expect(valueOf(args, '-ac')).toBe('2');
    }
  });

  it('lets ffmpeg.video_codec, audio_codec, bitrate and resolution override the preset', () => {
    const profile = profileFor({
      streaming: { quality: 'high' },
      ffmpeg: { video_codec: 'mpeg2video', audio_codec: 'ac3', bitrate: '1500k', resolution: '854x480' },
    });
    const args = buildChannelEncodeArgs(spec({ profile }));
    expect(valueOf(args, '-c:v')).toBe('mpeg2video');
    expect(valueOf(args, '-c:a')).toBe('ac3');
    expect(valueOf(args, '-b:v')).toBe('1500k');
    expect(valueOf(args, '-vf')).toContain('scale=854:480:');
    // x264-only options are not passed to another encoder.
    expect(args).not.toContain('-preset');
    expect(args).not.toContain('-profile:v');
  });

  it('normalises every source to the profile: letterbox/pillarbox, square pixels, fixed rate, yuv420p', () => {
    const filter = normaliseVideoFilter({ width: 640, height: 360, frameRate: 25 });
    expect(filter.split(',')).toEqual([
      'scale=640:360:force_original_aspect_ratio=decrease',
      'pad=640:360:(ow-iw)/2:(oh-ih)/2:color=black',
      'setsar=1',
      'fps=25',
      'format=yuv420p',
    ]);
  });

  it('puts keyframes on the segment grid, with one-second first segments for a quick cold start', () => {
    expect(keyframeExpression(2, 0)).toBe('expr:gte(t,n_forced*2)');
    const expr = keyframeExpression(10, 6);
    expect(expr).toContain('lt(n_forced,6)');
    expect(expr).toContain('6+(n_forced-6)*10');
    const args = buildChannelEncodeArgs(spec({}, { segmentDuration: 10, playlistSize: 6 }));
    expect(valueOf(args, '-hls_init_time')).toBe('1');
    expect(valueOf(args, '-force_key_frames')).toBe(expr);
    const oneSecond = buildChannelEncodeArgs(spec({}, { segmentDuration: 1 }));
    expect(oneSecond).not.toContain('-hls_init_time');
  });
});

describe('ffconcat plans', () => {
  it('writes a header, and each entry with its slice and duration', () => {
    const text = buildFfconcat([
      { path: '/media/a.mp4', durationSeconds: 30, inpointSeconds: 12.5 },
      { path: '/media/b.mp4', durationSeconds: 60, outpointSeconds: 45 },
    ]);
    expect(text.split('\n')).toEqual([
      'ffconcat version 1.0',
      "file '/media/a.mp4'",
      'inpoint 12.500',
      'duration 30.000',
      "file '/media/b.mp4'",
      'outpoint 45.000',
      'duration 60.000',
      '',
    ]);
  });

  it('quotes paths with single quotes, spaces and unicode the way ffmpeg reads them back', async () => {
    // Proven with ffmpeg itself: it must open the files the plan names.
    const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-ffconcat-'));
    const names = ["Bob's Burgers - S01E01.mp4", 'Café Ñandú 東京 – 2.mp4'];
    const files = names.map((name) => path.join(dir, name));
    for (const [i, file] of files.entries()) {
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${i ? 'blue' : 'red'}:s=32x32:r=10:d=1`, '-c:v', 'libx264', '-preset', 'ultrafast', file]);
    }
    const text = buildFfconcat(files.map((file) => ({ path: file, durationSeconds: 1 })));
    expect(text).toContain(`file '${dir}/Bob'\\''s Burgers - S01E01.mp4'`);
    const plan = path.join(dir, 'plan.ffconcat');
    writeFileSync(plan, text, 'utf8');
    const { stdout } = await run('ffprobe', ['-v', 'error', '-f', 'concat', '-safe', '0', '-i', plan, '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0']);
    expect(Number(stdout.trim())).toBe(20);
  });
});
