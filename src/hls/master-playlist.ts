/**
 * The master playlist of a channel (RFC 8216 §4.3.4.2): one `EXT-X-STREAM-INF` per rung of an
 * adaptive-bitrate ladder (one without a ladder), lowest bandwidth first, and — for a channel with
 * several audio languages, subtitles or captions — the `EXT-X-MEDIA` renditions its variants
 * point at (§4.3.4.1). Pure functions, unit-tested against a validator written from the RFC.
 */
import { languageName } from '../subtitles/languages.js';
import type { LanguageCode } from '../subtitles/cue.js';
import { languageTag } from './media-language.js';

export interface VariantStream {
  /** URI of the rung's media playlist, relative to the master playlist. */
  uri: string;
  /** Peak bits per second of any segment (BANDWIDTH). */
  bandwidth: number;
  /** Average bits per second (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  width: number;
  height: number;
  frameRate: number;
  /** RFC 6381 codec strings of the rung's streams (e.g. `avc1.64001f`, `mp4a.40.2`); empty = unknown, left out. */
  codecs: string[];
}

/** An ffmpeg bitrate ("800k", "2M", "96000") in bits per second. */
export function bitsPerSecond(bitrate: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(bitrate);
  if (!match) throw new Error(`not a bitrate: "${bitrate}"`);
  const unit = match[2]!.toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

/** Bits per second the MPEG-TS tables add (PAT and PMT every 100 ms, SDT every 500 ms, one packet each). */
const TABLE_BITS_PER_SECOND = (10 + 10 + 2) * 188 * 8;
/** TS and PES headers on video: about one 188-byte packet per 184 bytes of payload, plus a PES header per frame. */
const VIDEO_MUX_FACTOR = 1.06;
/** Audio goes one small AAC frame per PES (src/cache): each frame fills whole packets, about half of it padding at these rates. */
const AUDIO_MUX_FACTOR = 1.6;
/** The renderers' VBV buffer holds this many seconds at the maximum rate (`-bufsize` = 2 × `-maxrate`, src/ffmpeg/airing-command.ts). */
const VBV_BUFFER_SECONDS = 2;

export interface RungRates {
  videoBitrate: string;
  audioBitrate: string;
}

/**
 * BANDWIDTH and AVERAGE-BANDWIDTH of a rung from its encoder settings: the encoder averages
 * `videoBitrate` and never exceeds it by more than its VBV buffer over a segment, so a segment of
 * `segmentSeconds` carries at most (segmentSeconds + buffer) × rate of video; then audio and the
 * muxer's overhead. The short segments of a cold-start ramp may exceed it (a keyframe in half a
 * second); players measure throughput on whole segments anyway.
 */
export function rungBandwidth(rates: RungRates, segmentSeconds: number): { bandwidth: number; averageBandwidth: number } {
  const video = bitsPerSecond(rates.videoBitrate);
  const audio = bitsPerSecond(rates.audioBitrate) * AUDIO_MUX_FACTOR;
  const average = video * VIDEO_MUX_FACTOR + audio + TABLE_BITS_PER_SECOND;
  const peakVideo = (video * (segmentSeconds + VBV_BUFFER_SECONDS)) / segmentSeconds;
  return { bandwidth: Math.ceil(peakVideo * VIDEO_MUX_FACTOR + audio + TABLE_BITS_PER_SECOND), averageBandwidth: Math.ceil(average) };
}

/** One audio slot of the channel, as an alternative audio rendition (TYPE=AUDIO). */
export interface AudioRenditionEntry {
  /** The slot's ISO 639-2 code (`und` allowed: LANGUAGE is then left out). */
  language: LanguageCode;
  /** The slot's audio-only media playlist, relative to the master playlist. */
  uri: string;
  /** Audio channels (CHANNELS); renderers normalise to stereo, so 2 when absent. */
  channels?: number;
  /** NAME instead of the language's readable name. */
  name?: string;
}

/** One subtitle rendition (TYPE=SUBTITLES, WebVTT). */
export interface SubtitleRenditionEntry {
  language: LanguageCode;
  uri: string;
  /** The forced-only track (signs, foreign dialogue): FORCED=YES. */
  forced: boolean;
  /** Shown without the viewer asking; only the first such one of the group is DEFAULT=YES. */
  default?: boolean;
  name?: string;
}

/** A CEA-608 caption channel the video carries (TYPE=CLOSED-CAPTIONS: no URI, INSTREAM-ID). */
export interface CaptionServiceEntry {
  language: LanguageCode;
  instreamId: 'CC1' | 'CC2' | 'CC3' | 'CC4';
  name?: string;
}

/** What the master playlist offers beside the video variants. */
export interface MasterRenditions {
  /** The channel's audio slots in its order (the first is DEFAULT). An AUDIO group is written only for more than one slot: one slot plays from the variant itself. */
  audio?: readonly AudioRenditionEntry[];
  subtitles?: readonly SubtitleRenditionEntry[];
  /** The 608 channels in the video; empty: CLOSED-CAPTIONS=NONE on every variant. */
  captions?: readonly CaptionServiceEntry[];
  /** Readable names for NAME (default: the library's table, src/subtitles/languages.ts). */
  nameOf?: (code: LanguageCode) => string;
}

export const AUDIO_GROUP_ID = 'aud';
export const SUBTITLES_GROUP_ID = 'subs';
export const CAPTIONS_GROUP_ID = 'cc';

/** A quoted-string cannot hold a double quote, CR or LF (RFC 8216 §4.2). */
const quoted = (value: string): string => `"${value.replace(/"/g, "'").replace(/[\r\n]+/g, ' ')}"`;
const yesNo = (value: boolean): string => (value ? 'YES' : 'NO');

interface MediaTag {
  type: 'AUDIO' | 'SUBTITLES' | 'CLOSED-CAPTIONS';
  groupId: string;
  language: LanguageCode;
  name: string;
  isDefault: boolean;
  uri?: string;
  forced?: boolean;
  instreamId?: string;
  channels?: number;
}

/**
 * One group's EXT-X-MEDIA lines with the group rules of RFC 8216 §4.3.4.1.1 applied: NAMEs made
 * unique (" (2)" after a repeated one), at most one DEFAULT=YES (the first asked for), and
 * AUTOSELECT=YES for each member whose LANGUAGE and FORCED differ from an earlier autoselected
 * member's (the RFC's SHOULD: a player picking by language then has one candidate), which keeps
 * AUTOSELECT=YES on the DEFAULT one (its MUST).
 */
function groupLines(tags: readonly MediaTag[]): string[] {
  const names = new Map<string, number>();
  const autoselected = new Set<string>();
  let defaultTaken = false;
  return tags.map((tag) => {
    const tagLanguage = languageTag(tag.language);
    let name = tag.name.trim() || 'Unknown';
    const seen = (names.get(name.toLowerCase()) ?? 0) + 1;
    names.set(name.toLowerCase(), seen);
    if (seen > 1) {
      name = `${name} (${seen})`;
      names.set(name.toLowerCase(), 1);
    }
    const isDefault = tag.isDefault && !defaultTaken;
    defaultTaken ||= isDefault;
    const selectionKey = `${tagLanguage ?? ''}|${tag.forced ? 'forced' : ''}`;
    const autoselect = isDefault || !autoselected.has(selectionKey);
    if (autoselect) autoselected.add(selectionKey);
    const attributes = [`TYPE=${tag.type}`, `GROUP-ID=${quoted(tag.groupId)}`, `NAME=${quoted(name)}`];
    if (tagLanguage) attributes.push(`LANGUAGE=${quoted(tagLanguage)}`);
    attributes.push(`DEFAULT=${yesNo(isDefault)}`, `AUTOSELECT=${yesNo(autoselect)}`);
    if (tag.type === 'SUBTITLES') attributes.push(`FORCED=${yesNo(Boolean(tag.forced))}`);
    if (tag.instreamId) attributes.push(`INSTREAM-ID=${quoted(tag.instreamId)}`);
    if (tag.channels !== undefined) attributes.push(`CHANNELS=${quoted(String(tag.channels))}`);
    if (tag.uri !== undefined) attributes.push(`URI=${quoted(tag.uri)}`);
    return `#EXT-X-MEDIA:${attributes.join(',')}`;
  });
}

/**
 * The subtitle renditions of a channel's subtitle languages under its `subtitle_mode`: `off` offers
 * them, none shown; `on` shows the first language; `forced` offers them, none shown — the forced
 * subtitles (signs, foreign dialogue) of the first language are burned into the picture by the
 * airing's renderer (src/playout/burn-in.ts), so every client shows them, and a soft forced
 * rendition shown by default would draw them a second time over the burned ones (so none is
 * offered, for any language); `burn_in` offers none (the text is in the picture).
 * (`uriFor`'s `forced` stays for the sibling playlists' names; no mode asks for it now.)
 */
export function subtitleRenditionsFor(
  languages: readonly LanguageCode[],
  mode: 'off' | 'on' | 'forced' | 'burn_in',
  uriFor: (language: LanguageCode, forced: boolean) => string,
): SubtitleRenditionEntry[] {
  if (mode === 'burn_in') return [];
  return languages.map((language, i) => ({ language, uri: uriFor(language, false), forced: false, default: mode === 'on' && i === 0 }));
}

/**
 * The master playlist text, variants ordered by bandwidth (players start on the first listed).
 * Without `renditions`, the variants alone (as before languages). With them: the EXT-X-MEDIA
 * groups first, and every variant names the groups it plays with (AUDIO, SUBTITLES, and
 * CLOSED-CAPTIONS — NONE when the video carries no captions, so players do not look for any).
 */
export function renderMasterPlaylist(variants: readonly VariantStream[], renditions?: MasterRenditions): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const groups: string[] = [];
  if (renditions) {
    const nameOf = renditions.nameOf ?? languageName;
    const audio = renditions.audio ?? [];
    if (audio.length > 1) {
      lines.push(
        ...groupLines(
          audio.map((slot, i) => ({ type: 'AUDIO', groupId: AUDIO_GROUP_ID, language: slot.language, name: slot.name ?? nameOf(slot.language), isDefault: i === 0, uri: slot.uri, channels: slot.channels ?? 2 })),
        ),
      );
      groups.push(`AUDIO=${quoted(AUDIO_GROUP_ID)}`);
    }
    const subtitles = renditions.subtitles ?? [];
    if (subtitles.length > 0) {
      lines.push(
        ...groupLines(
          subtitles.map((s) => ({ type: 'SUBTITLES', groupId: SUBTITLES_GROUP_ID, language: s.language, name: s.name ?? nameOf(s.language), isDefault: Boolean(s.default), uri: s.uri, forced: s.forced })),
        ),
      );
      groups.push(`SUBTITLES=${quoted(SUBTITLES_GROUP_ID)}`);
    }
    // One tag per caption channel: INSTREAM-ID names it, and two tags cannot name the same one.
    const captions = [...new Map((renditions.captions ?? []).map((c) => [c.instreamId, c])).values()].sort((a, b) => a.instreamId.localeCompare(b.instreamId));
    if (captions.length > 0) {
      lines.push(
        ...groupLines(captions.map((c) => ({ type: 'CLOSED-CAPTIONS', groupId: CAPTIONS_GROUP_ID, language: c.language, name: c.name ?? nameOf(c.language), isDefault: false, instreamId: c.instreamId }))),
      );
      groups.push(`CLOSED-CAPTIONS=${quoted(CAPTIONS_GROUP_ID)}`);
    } else {
      groups.push('CLOSED-CAPTIONS=NONE');
    }
  }
  for (const v of [...variants].sort((a, b) => a.bandwidth - b.bandwidth)) {
    const attributes = [`BANDWIDTH=${v.bandwidth}`, `AVERAGE-BANDWIDTH=${v.averageBandwidth}`];
    if (v.codecs.length > 0) attributes.push(`CODECS="${v.codecs.join(',')}"`);
    attributes.push(`RESOLUTION=${v.width}x${v.height}`, `FRAME-RATE=${v.frameRate.toFixed(3)}`, ...groups);
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}
