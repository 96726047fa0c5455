import type { OutputProfile } from '../config/quality.js';

/**
 * Typed builders for the ffmpeg command lines Retrovue runs. Pure functions: every
 * argument Retrovue ever passes to ffmpeg is decided here, so it is unit-tested here.
 */

/** Scale into the frame keeping aspect (letterbox/pillarbox), square pixels, constant frame rate. */
export function normaliseVideoFilter(profile: Pick<OutputProfile, 'width' | 'height' | 'frameRate'>): string {
  const { width, height, frameRate } = profile;
  return [
    `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black`,
    'setsar=1',
    `fps=${frameRate}`,
    'format=yuv420p',
  ].join(',');
}

/**
 * Stereo 48 kHz; `async=1` stretches/pads audio to its timestamps so a source whose audio
 * is shorter than its video cannot pull the two out of sync at the next file.
 */
export function normaliseAudioFilter(profile: Pick<OutputProfile, 'audioSampleRate'>): string {
  return `aresample=${profile.audioSampleRate}:async=1:first_pts=0`;
}

/**
 * Keyframes on the segment grid, so every HLS segment starts with one and lasts exactly
 * the target duration. The first `initialSegments` segments are one second long (ffmpeg's
 * `-hls_init_time 1`), so a cold channel publishes its first segment about a second after
 * it starts instead of a whole segment duration later.
 */
export function keyframeExpression(segmentDuration: number, initialSegments: number): string {
  if (segmentDuration === 1 || initialSegments === 0) return `expr:gte(t,n_forced*${segmentDuration})`;
  const n = initialSegments;
  return `expr:if(lt(n_forced,${n}),gte(t,n_forced),gte(t,${n}+(n_forced-${n})*${segmentDuration}))`;
}

export interface HlsOutputSpec {
  /** Playlist ffmpeg writes; Retrovue republishes it (see hls/playlist-publisher.ts). */
  playlistPath: string;
  /** e.g. `/data/channels/1/hls/r3-%d.ts`; %d becomes the epoch-based sequence number. */
  segmentPathPattern: string;
  segmentDuration: number;
  playlistSize: number;
  /** Segments kept on disk after they leave ffmpeg's list (VLC still fetches them). */
  deleteThreshold: number;
}

export interface ChannelEncodeSpec {
  ffconcatPath: string;
  /** Seconds into the first ffconcat entry where playout starts (join in progress). */
  startOffsetSeconds: number;
  /** Added to every output timestamp: the channel's clock at the start of this run. */
  outputTimestampOffsetSeconds: number;
  /** Pace reading at the media's own rate: live output, never faster than the wall clock. */
  realtime: boolean;
  profile: OutputProfile;
  hls: HlsOutputSpec;
}

const seconds = (value: number): string => value.toFixed(3);

/** Video encoder options for the profile; x264 gets a constant bitrate envelope for streaming. */
export function videoEncoderArgs(profile: OutputProfile, keyframes: string): string[] {
  const args = ['-c:v', profile.videoCodec, '-b:v', profile.videoBitrate];
  if (profile.videoCodec === 'libx264') {
    args.push('-preset', profile.preset, '-profile:v', 'high', '-maxrate', profile.videoBitrate);
    args.push('-bufsize', doubleBitrate(profile.videoBitrate), '-sc_threshold', '0');
  }
  args.push('-g', String(profile.frameRate * 60), '-force_key_frames', keyframes);
  return args;
}

function doubleBitrate(bitrate: string): string {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(bitrate);
  if (!match) return bitrate;
  return `${Number(match[1]) * 2}${match[2]}`;
}

export function audioEncoderArgs(profile: OutputProfile): string[] {
  return [
    '-c:a', profile.audioCodec, '-b:a', profile.audioBitrate,
    '-ar', String(profile.audioSampleRate), '-ac', String(profile.audioChannels),
  ];
}

/** The whole command line of a channel encoder: ffconcat plan in, normalised live HLS out. */
export function buildChannelEncodeArgs(spec: ChannelEncodeSpec): string[] {
  const { profile, hls } = spec;
  const initialSegments = hls.segmentDuration > 1 ? hls.playlistSize : 0;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-nostats',
    '-progress', 'pipe:1', '-stats_period', '2',
    ...(spec.realtime ? ['-re'] : []),
    // -ss before -i on the concat demuxer: decode-and-discard to the exact frame.
    ...(spec.startOffsetSeconds > 0 ? ['-ss', seconds(spec.startOffsetSeconds)] : []),
    '-f', 'concat', '-safe', '0', '-i', spec.ffconcatPath,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', normaliseVideoFilter(profile),
    '-af', normaliseAudioFilter(profile),
    ...videoEncoderArgs(profile, keyframeExpression(hls.segmentDuration, initialSegments)),
    ...audioEncoderArgs(profile),
    '-output_ts_offset', seconds(spec.outputTimestampOffsetSeconds),
    '-f', 'hls',
    '-hls_time', String(hls.segmentDuration),
    ...(initialSegments > 0 ? ['-hls_init_time', '1'] : []),
    '-hls_list_size', String(hls.playlistSize),
    '-hls_delete_threshold', String(hls.deleteThreshold),
    '-hls_flags', 'delete_segments+temp_file+independent_segments',
    '-hls_start_number_source', 'epoch',
    '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', hls.segmentPathPattern,
    hls.playlistPath,
  ];
}

/** One entry of an ffconcat plan: a file and the slice of it to play. */
export interface ConcatEntry {
  path: string;
  /** How long this entry lasts on the channel's clock; the demuxer offsets the next entry by it. */
  durationSeconds: number;
  inpointSeconds?: number;
  outpointSeconds?: number;
}

/** Single-quoted ffconcat path: a quote is written as '\'' as in a shell. */
function quoteConcatPath(filePath: string): string {
  return `'${filePath.replace(/'/g, "'\\''")}'`;
}

export function buildFfconcat(entries: ConcatEntry[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const entry of entries) {
    lines.push(`file ${quoteConcatPath(entry.path)}`);
    if (entry.inpointSeconds !== undefined && entry.inpointSeconds > 0) lines.push(`inpoint ${seconds(entry.inpointSeconds)}`);
    if (entry.outpointSeconds !== undefined) lines.push(`outpoint ${seconds(entry.outpointSeconds)}`);
    lines.push(`duration ${seconds(entry.durationSeconds)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** ffprobe of one file as JSON: format, streams and chapters. */
export function buildProbeArgs(filePath: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', filePath];
}
