import type { QualityName, RetrovueConfig } from './schema.js';

/** What every channel's output is normalised to. */
export interface OutputProfile {
  width: number;
  height: number;
  frameRate: number;
  videoCodec: string;
  videoBitrate: string;
  audioCodec: string;
  audioBitrate: string;
  audioSampleRate: 48000;
  audioChannels: 2;
  preset: string;
}

const PRESETS: Record<QualityName, { width: number; height: number; videoBitrate: string; audioBitrate: string }> = {
  low: { width: 640, height: 360, videoBitrate: '800k', audioBitrate: '96k' },
  medium: { width: 1280, height: 720, videoBitrate: '2000k', audioBitrate: '128k' },
  high: { width: 1920, height: 1080, videoBitrate: '4000k', audioBitrate: '160k' },
};

/** The quality preset, with `ffmpeg.bitrate` / `ffmpeg.resolution` overriding it. */
export function resolveOutputProfile(config: RetrovueConfig, channelQuality?: QualityName): OutputProfile {
  const preset = PRESETS[channelQuality ?? config.streaming.quality];
  let { width, height } = preset;
  if (config.ffmpeg.resolution) {
    [width, height] = config.ffmpeg.resolution.split('x').map(Number) as [number, number];
  }
  return {
    width,
    height,
    frameRate: config.streaming.frame_rate,
    videoCodec: config.ffmpeg.video_codec,
    videoBitrate: config.ffmpeg.bitrate ?? preset.videoBitrate,
    audioCodec: config.ffmpeg.audio_codec,
    audioBitrate: preset.audioBitrate,
    audioSampleRate: 48000,
    audioChannels: 2,
    preset: config.ffmpeg.preset,
  };
}
