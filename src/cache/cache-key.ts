import { createHash } from 'node:crypto';
import type { OutputProfile } from '../config/quality.js';
import { MAX_KEYFRAME_INTERVAL_SECONDS } from '../hls/segment-grid.js';

/**
 * What makes two cached renditions interchangeable: the same bytes of source (path, size and
 * mtime: a file edited in place gets a new mtime, a replaced one a new size or mtime) rendered
 * to the same output (every profile field, the loudness target, the keyframe interval).
 *
 * A media server's item (`media-server:…` path, src/ffmpeg/media-input.ts) has no local file:
 * its size and "mtime" are the library row's, the size the server reports and the server's last
 * change to the item, so a file upgraded on the server is cached again like one changed on disk.
 */
export interface FileIdentity {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** Bump when the fill command changes in a way that makes old cache files unlike new ones. */
const FORMAT_VERSION = 2;

/** The output side of the key: one string per (profile, loudness, keyframe grid). */
export function profileKey(profile: OutputProfile, loudnessTarget: number | null, keyframeIntervalSeconds = MAX_KEYFRAME_INTERVAL_SECONDS): string {
  const p = profile;
  return [
    `v${FORMAT_VERSION}`,
    `${p.width}x${p.height}@${p.frameRate}`,
    `${p.videoCodec}:${p.videoBitrate}:${p.preset}`,
    `${p.audioCodec}:${p.audioBitrate}:${p.audioSampleRate}:${p.audioChannels}`,
    `lufs=${loudnessTarget ?? 'off'}`,
    `gop=${keyframeIntervalSeconds}`,
    // A channel with language slots caches the file with those audio streams (a cached airing
    // keeps all its slots); without, the key is what it always was.
    ...(p.audioLanguages?.length ? [`audio=${p.audioLanguages.join('+')}`] : []),
  ].join('|');
}

/** The entry's key: a hash of the file's identity and the profile key (also the cache file's name). */
export function cacheKey(file: FileIdentity, profile: string): string {
  return createHash('sha256').update(`${file.path}\0${file.sizeBytes}\0${Math.round(file.mtimeMs)}\0${profile}`).digest('hex').slice(0, 32);
}

/** Does the entry still describe the file on disk? (A changed file is re-cached, never aired stale.) */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.sizeBytes === b.sizeBytes && Math.round(a.mtimeMs) === Math.round(b.mtimeMs);
}
