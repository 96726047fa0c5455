import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ChannelLanguages } from '../config/languages.js';
import { audioOnlySegment } from '../hls/audio-rendition.js';
import type { LivePlaylist } from '../hls/live-playlist.js';
import { subtitleRenditionsFor, type MasterRenditions, type SubtitleRenditionEntry } from '../hls/master-playlist.js';
import { parseSiblingSegmentName, segmentWallSpan, siblingKey, siblingPlaylist, type SiblingRendition } from '../hls/subtitle-playlist.js';
import { renderWebVttSegment, type RunStreamClock } from '../hls/webvtt-segment.js';
import type { SubtitleTimeline } from '../subtitles/subtitle-timeline.js';
import { MPEGTS_MUXER_OFFSET_SECONDS, runClockSeconds } from './stream-clock.js';

/**
 * A channel's language renditions in HLS (issue 22): beside its video, one audio-only rendition
 * per audio slot and one WebVTT rendition per subtitle language (in `forced` mode the forced
 * subtitles are burned into the picture instead: src/playout/burn-in.ts), each a sibling of the
 * channel's own run's playlist — segment for segment the same sequence numbers, durations and
 * discontinuities (src/hls/subtitle-playlist.ts).
 *
 * Nothing is made ahead: a sibling segment is derived from its video segment when a player asks
 * (audio cut out of the segment's bytes, cues from the channel's subtitle timeline), and lives as
 * long as the video segment does. A channel nobody watches in another language pays nothing.
 *
 * What the run must offer (ChannelSession does).
 */
export interface LanguageRun {
  readonly playlist: Pick<LivePlaylist, 'renderSibling' | 'etag' | 'find'>;
  isServableSegment(fileName: string): boolean;
  segmentInMemory(fileName: string): Buffer | undefined;
  segmentPath(fileName: string): string;
  /** The channel's clock origin (stream-clock.ts). */
  readonly epochMs: number;
}

/** A sibling segment as the routes send it. */
export interface SiblingSegment {
  body: Buffer | string;
  contentType: string;
  etag: string;
}

/** WebVTT segments (RFC 8216 §3.5). */
export const WEBVTT_TYPE = 'text/vtt; charset=utf-8';
const MPEG_TS_TYPE = 'video/mp2t';

/** Audio-only segments kept after cutting (a few players × a few slots × the newest segments). */
const AUDIO_SEGMENTS_KEPT = 32;

/** A sibling playlist's name beside the channel's segments: `aud-1.m3u8`, `sub-eng.m3u8`, `sub-eng-forced.m3u8`. */
const SIBLING_PLAYLIST = /^(aud-\d{1,2}|sub-[a-z]{2,3}(?:-forced)?)\.m3u8$/;

/** The stream clock of a run that started at `runStartMs` (what its segments' PTS say): see stream-clock.ts. */
export function runStreamClock(runStartMs: number, epochMs: number): RunStreamClock {
  // The renderers write the run clock; the renderer's muxer and the packager each add their offset.
  return { runStartMs, streamSecondsAtStart: runClockSeconds(runStartMs, epochMs) + 2 * MPEGTS_MUXER_OFFSET_SECONDS };
}

/**
 * Whether a channel with these languages has renditions to declare in a master playlist: more
 * than one audio slot, or (with the library's cues) subtitles offered or captions in the video.
 */
export function declaresLanguages(languages: ChannelLanguages, withSubtitles: boolean): boolean {
  const soft = withSubtitles && languages.subtitles.length > 0 && (languages.subtitleMode !== 'burn_in' || languages.captions);
  return languages.audio.length > 1 || soft;
}

export class LanguageRenditions {
  private readonly audioSegments = new Map<string, Buffer>();

  constructor(
    private readonly options: {
      channelNumber: number;
      languages: ChannelLanguages;
      /** The channel's own run: its segments carry every audio slot. */
      run: LanguageRun;
      /** The channel's subtitle cues on the wall clock; absent: no subtitle renditions. */
      subtitles?: SubtitleTimeline;
    },
  ) {}

  /** Audio streams every airing carries: one per language slot, or the file's own one. */
  get audioSlots(): number {
    return Math.max(1, this.options.languages.audio.length);
  }

  /** The subtitle renditions offered (language and forced-only), in the master playlist's order. */
  private subtitleRenditions(): SubtitleRenditionEntry[] {
    if (!this.options.subtitles) return [];
    const { subtitles, subtitleMode } = this.options.languages;
    return subtitleRenditionsFor(subtitles, subtitleMode, (language, forced) => this.uri({ kind: 'subtitles', language, forced }));
  }

  /** CEA-608 services the channel's video carries: CC1 for the first subtitle language, CC3 for the second. */
  captionServices(): Array<{ language: string; instreamId: 'CC1' | 'CC3' }> {
    const { captions, subtitles } = this.options.languages;
    if (!captions || !this.options.subtitles) return [];
    return subtitles.slice(0, 2).map((language, i) => ({ language, instreamId: i === 0 ? 'CC1' : 'CC3' }));
  }

  /** Whether the channel needs a master playlist for its languages (see declaresLanguages). */
  get offered(): boolean {
    return declaresLanguages(this.options.languages, this.options.subtitles !== undefined);
  }

  /** The EXT-X-MEDIA renditions for the master playlist. */
  masterRenditions(): MasterRenditions {
    const { audio } = this.options.languages;
    return {
      audio: audio.map((language, slot) => ({ language, uri: this.uri({ kind: 'audio', slot }) })),
      subtitles: this.subtitleRenditions(),
      captions: this.captionServices(),
    };
  }

  /** A rendition's playlist URI relative to the master playlist (`/channel/N.m3u8` → `N/sub-eng.m3u8`). */
  private uri(rendition: SiblingRendition): string {
    return `${this.options.channelNumber}/${siblingKey(rendition)}.m3u8`;
  }

  /** Whether `name` is one of this channel's sibling playlists or segments (the routes' dispatch). */
  static isSiblingName(name: string): boolean {
    return SIBLING_PLAYLIST.test(name) || parseSiblingSegmentName(name) !== undefined;
  }

  /** A sibling playlist (`aud-1.m3u8`, `sub-eng.m3u8`) with its ETag; undefined: not one this channel offers. */
  playlist(name: string): { text: string; etag: string } | undefined {
    const rendition = this.renditionNamed(SIBLING_PLAYLIST.exec(name)?.[1]);
    if (!rendition) return undefined;
    const key = siblingKey(rendition);
    const { playlist } = this.options.run;
    return { text: siblingPlaylist(playlist, rendition), etag: `${playlist.etag.slice(0, -1)}-${key}"` };
  }

  /** A sibling segment (`r3-17.aud-1.ts`, `r3-17.sub-eng.vtt`); undefined: no such segment (any more). */
  async segment(name: string): Promise<SiblingSegment | undefined> {
    const parsed = parseSiblingSegmentName(name);
    if (!parsed || !this.offers(parsed.rendition)) return undefined;
    const { run } = this.options;
    if (!run.isServableSegment(parsed.videoFileName)) return undefined;
    if (parsed.rendition.kind === 'audio') return this.audioSegment(parsed.videoFileName, parsed.rendition.slot, name);
    const published = run.playlist.find(parsed.videoFileName);
    if (!published || !this.options.subtitles) return undefined;
    const span = segmentWallSpan(published);
    const { language, forced } = parsed.rendition;
    const cues = await this.options.subtitles.cuesBetween(span.startMs, span.endMs, language, forced ? 'forced' : 'on');
    const body = renderWebVttSegment(span, runStreamClock(published.runStartMs, run.epochMs), cues);
    // The cues may change (a subtitle file re-read): the ETag is the body's, not the name's.
    return { body, contentType: WEBVTT_TYPE, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
  }

  private async audioSegment(videoFileName: string, slot: number, name: string): Promise<SiblingSegment | undefined> {
    let body = this.audioSegments.get(name);
    if (!body) {
      const { run } = this.options;
      const video = run.segmentInMemory(videoFileName) ?? (await readFile(run.segmentPath(videoFileName)).catch(() => undefined));
      if (!video) return undefined;
      body = audioOnlySegment(video, slot);
      this.audioSegments.set(name, body);
      if (this.audioSegments.size > AUDIO_SEGMENTS_KEPT) this.audioSegments.delete(this.audioSegments.keys().next().value!);
    }
    // Cut from an immutable segment: immutable too, named uniquely.
    return { body, contentType: MPEG_TS_TYPE, etag: `"${name.slice(0, -3)}"` };
  }

  /** The rendition a sibling key names, when the channel offers it. */
  private renditionNamed(key: string | undefined): SiblingRendition | undefined {
    if (!key) return undefined;
    const audio = /^aud-(\d{1,2})$/.exec(key);
    const rendition: SiblingRendition = audio ? { kind: 'audio', slot: Number(audio[1]) } : { kind: 'subtitles', language: key.slice(4).replace(/-forced$/, ''), forced: key.endsWith('-forced') };
    return this.offers(rendition) ? rendition : undefined;
  }

  private offers(rendition: SiblingRendition): boolean {
    if (rendition.kind === 'audio') return this.audioSlots > 1 && rendition.slot < this.audioSlots;
    return this.subtitleRenditions().some((r) => r.language === rendition.language && r.forced === rendition.forced);
  }
}
