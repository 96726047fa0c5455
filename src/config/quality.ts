import { rungQuality, type LadderRungConfig, type QualityName, type RetrovueConfig } from './schema.js';

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
  /**
   * The channel's audio language slots (ISO 639-2/B, `languages.audio`): one audio stream per
   * slot on every airing (src/ffmpeg/audio-slots.ts). Absent or empty: one stream, the file's
   * default track.
   */
  audioLanguages?: readonly string[];
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

/** One rung of a channel's adaptive-bitrate ladder: its name in URLs and its output profile. */
export interface LadderRung {
  name: QualityName;
  profile: OutputProfile;
}

/**
 * A ladder entry's profile: its quality as a channel of that quality gets it (so `ffmpeg.bitrate`
 * / `ffmpeg.resolution` apply), with the entry's own `resolution` / `bitrate` overriding.
 */
export function resolveRungProfile(config: RetrovueConfig, rung: LadderRungConfig): OutputProfile {
  const profile = resolveOutputProfile(config, rungQuality(rung));
  if (typeof rung === 'string') return profile;
  const [width, height] = rung.resolution ? (rung.resolution.split('x').map(Number) as [number, number]) : [profile.width, profile.height];
  return { ...profile, width, height, videoBitrate: rung.bitrate ?? profile.videoBitrate };
}

/**
 * A channel's ladder as rungs (empty: no ladder), in the order configured: its own
 * `channels[].ladder` from the config file, else `streaming.ladder`.
 */
export function resolveLadder(config: RetrovueConfig, channelNumber?: number): LadderRung[] {
  const entries = config.channels?.find((c) => c.number === channelNumber)?.ladder ?? config.streaming.ladder;
  return entries.map((rung) => ({ name: rungQuality(rung), profile: resolveRungProfile(config, rung) }));
}

/** Every rung of every channel's ladder (what `retrovue cache fill` fills), repeats included. */
export function allLadderRungs(config: RetrovueConfig): LadderRung[] {
  return [...resolveLadder(config), ...(config.channels ?? []).flatMap((c) => resolveLadder(config, c.number))];
}

/** Whether two profiles produce the same stream (a ladder rung equal to the channel's own profile is that channel's run). */
export function sameProfile(a: OutputProfile, b: OutputProfile): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof OutputProfile>);
  return [...keys].every((key) => (key === 'audioLanguages' ? (a[key] ?? []).join() === (b[key] ?? []).join() : a[key] === b[key]));
}

/** Every distinct profile a channel airs at: its own (`.ts`), then its ladder's rungs (what the cache fills). */
export function channelProfiles(channelProfile: OutputProfile, ladder: readonly LadderRung[]): OutputProfile[] {
  const profiles = [channelProfile];
  for (const rung of ladder) if (!profiles.some((p) => sameProfile(p, rung.profile))) profiles.push(rung.profile);
  return profiles;
}
