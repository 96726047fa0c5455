/**
 * The media playlists of a channel's alternative renditions — WebVTT subtitles per language and
 * audio-only segments per audio slot — and the names of their segments. Each is a sibling of the
 * channel's video playlist (LivePlaylist.renderSibling): segment for segment the same sequence
 * numbers, durations and discontinuities, so a player lines the renditions up with the video
 * (RFC 8216 §6.2.4: renditions of a variant carry matching segments and discontinuities).
 *
 * A sibling segment is named after its video segment, so it is derived from it on request
 * (cues from the subtitle timeline, audio cut from the video segment's bytes) and lives exactly
 * as long as it: `r3-1700000000.ts` → `r3-1700000000.sub-eng.vtt`, `….sub-eng-forced.vtt`,
 * `….aud-1.ts`.
 */
import type { LanguageCode } from '../subtitles/cue.js';
import type { LivePlaylist, PublishedSegment } from './live-playlist.js';

export type SiblingRendition = { kind: 'subtitles'; language: LanguageCode; forced: boolean } | { kind: 'audio'; slot: number };

/** Most audio slots a channel may declare (names and routes accept `aud-0` … `aud-15`). */
export const MAX_AUDIO_SLOTS = 16;

const LANGUAGE = /^[a-z]{2,3}$/;
/** `<video segment stem>.sub-<lang>[-forced].vtt` or `<stem>.aud-<slot>.ts`; the stem is what ChannelSession names segments. */
const SIBLING_FILE = /^(r\d+-\d+)\.(?:sub-([a-z]{2,3})(-forced)?\.vtt|aud-(\d{1,2})\.ts)$/;

/** The rendition's key in the playlist's sibling cache and in its segment names (`sub-eng`, `sub-eng-forced`, `aud-1`). */
export function siblingKey(rendition: SiblingRendition): string {
  if (rendition.kind === 'audio') {
    if (!Number.isInteger(rendition.slot) || rendition.slot < 0 || rendition.slot >= MAX_AUDIO_SLOTS) throw new Error(`not an audio slot: ${rendition.slot}`);
    return `aud-${rendition.slot}`;
  }
  if (!LANGUAGE.test(rendition.language)) throw new Error(`not a language code: "${rendition.language}"`);
  return `sub-${rendition.language}${rendition.forced ? '-forced' : ''}`;
}

/** The sibling segment's file name for a video segment's (`r3-17.ts` → `r3-17.sub-eng.vtt`). */
export function siblingSegmentName(videoFileName: string, rendition: SiblingRendition): string {
  const stem = videoFileName.replace(/\.ts$/, '');
  return `${stem}.${siblingKey(rendition)}.${rendition.kind === 'audio' ? 'ts' : 'vtt'}`;
}

/**
 * A requested sibling segment name back to its video segment and rendition, or undefined when
 * the name is not one (routes answer 404 then, without touching the file system).
 */
export function parseSiblingSegmentName(name: string): { videoFileName: string; rendition: SiblingRendition } | undefined {
  const match = SIBLING_FILE.exec(name);
  if (!match) return undefined;
  const videoFileName = `${match[1]}.ts`;
  if (match[2] !== undefined) return { videoFileName, rendition: { kind: 'subtitles', language: match[2], forced: match[3] !== undefined } };
  const slot = Number(match[4]);
  if (slot >= MAX_AUDIO_SLOTS || String(slot) !== match[4]) return undefined;
  return { videoFileName, rendition: { kind: 'audio', slot } };
}

/**
 * A sibling rendition's media playlist. `uriPrefix` is prepended to each segment name (the
 * segments' path relative to where this playlist is served, e.g. '' beside it or `1/`).
 */
export function siblingPlaylist(playlist: Pick<LivePlaylist, 'renderSibling'>, rendition: SiblingRendition, uriPrefix = ''): string {
  return playlist.renderSibling(siblingKey(rendition), (segment: PublishedSegment) => `${uriPrefix}${siblingSegmentName(segment.fileName, rendition)}`);
}

/** The WebVTT media playlist of one subtitle language (forced: the forced-only rendition). */
export function subtitlePlaylist(playlist: Pick<LivePlaylist, 'renderSibling'>, language: LanguageCode, forced: boolean, uriPrefix = ''): string {
  return siblingPlaylist(playlist, { kind: 'subtitles', language, forced }, uriPrefix);
}

/** The audio-only media playlist of audio slot `slot` (its segments cut by src/hls/audio-rendition.ts). */
export function audioRenditionPlaylist(playlist: Pick<LivePlaylist, 'renderSibling'>, slot: number, uriPrefix = ''): string {
  return siblingPlaylist(playlist, { kind: 'audio', slot }, uriPrefix);
}

/** The wall-clock span a published segment shows: what its WebVTT sibling holds the cues of. */
export function segmentWallSpan(segment: Pick<PublishedSegment, 'airedAtMs' | 'durationSeconds'>): { startMs: number; endMs: number } {
  return { startMs: segment.airedAtMs, endMs: segment.airedAtMs + Math.round(segment.durationSeconds * 1000) };
}
