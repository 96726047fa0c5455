/**
 * What the guide says about a programme's languages (issue 22): the language it is heard in,
 * the subtitles a viewer can turn on (soft WebVTT renditions, CEA-608 captions in the video) and
 * the subtitles drawn into the picture — decided here, from the channel's `languages` and the
 * file's tracks as the library records them, by the same rules the channel airs them with.
 *
 * The lookups (a database read per file) run on the server's thread before the guide is built:
 * each channel is annotated with plain data (`ChannelGuideLanguages`), structured-clone-able, so
 * the worker that writes the XMLTV (src/guide/xmltv-worker.ts) only reads it. Each distinct file
 * is looked up once per build, however many airings and channels play it.
 */
import type { ChannelLanguages } from '../config/languages.js';
import { mapAudioSlots, type SourceAudioTrack } from '../ffmpeg/audio-slots.js';
import { chooseTextTracks } from '../library/subtitles/choose.js';
import type { SubtitleTrack } from '../subtitles/cue.js';
import type { Airing } from '../timeline/types.js';

/** What the guide reads of a subtitle track (SubtitleCueSource.tracksOf). */
export type GuideSubtitleTrack = Pick<SubtitleTrack, 'origin' | 'streamIndex' | 'sidecarPath' | 'language' | 'forced' | 'default' | 'pictureOnly' | 'problem'>;

/** Where the facts come from: the channel's resolved languages, and each file's tracks (synchronous reads). */
export interface ProgrammeLanguageLookup {
  languagesOf(channelNumber: number): ChannelLanguages;
  subtitleTracksOf(mediaId: number): readonly GuideSubtitleTrack[];
  /** The file's audio tracks in stream order (absent: the programme's language is not said). */
  audioTracksOf?(mediaId: number): readonly SourceAudioTrack[];
}

/** One file's languages as it airs on one channel. */
export interface MediaLanguages {
  /** What a viewer hears by default (what fills the first audio slot), when the file says; ISO 639-2/B. */
  audio?: string;
  /** Subtitle languages a viewer can turn on: soft renditions or CEA-608 captions (XMLTV `teletext`). */
  teletext: string[];
  /** Subtitle languages drawn into the picture (XMLTV `onscreen`). */
  onscreen: string[];
  /**
   * On a channel with audio language slots: what fills each slot, in slot order — the file's
   * track language heard, and whether it stands in for a language the file lacks (the API says
   * so; the HLS rendition's NAME cannot change per airing).
   */
  slots?: Array<{ slot: string; heard?: string; fallback: boolean }>;
}

/** A channel's annotation for the guide worker: plain data only. */
export interface ChannelGuideLanguages {
  /** Per programme file (media id): its languages on this channel. Files without any are left out. */
  media: Record<number, MediaLanguages>;
}

/** The file has subtitles of `language` that can air as text: a full (not forced-only) readable track, or an undetermined stand-in, as the library chooses. */
function hasFullText(tracks: readonly GuideSubtitleTrack[], language: string): boolean {
  return chooseTextTracks(tracks, language).some((track) => !track.forced);
}

/** A full picture track (PGS, VobSub, DVB) in exactly this language: only burn-in can show it. */
function hasFullPicture(tracks: readonly GuideSubtitleTrack[], language: string): boolean {
  return tracks.some((track) => track.pictureOnly && !track.forced && track.problem === null && track.language === language);
}

/**
 * One file's languages on a channel.
 *
 * - `teletext`: the channel's subtitle languages the file has full text subtitles in (the library's
 *   choice, an undetermined track standing in), in the channel's order — offered as renditions in
 *   every mode but `burn_in`; in `burn_in`, only those the video carries as captions (the first
 *   two, when `captions` is on). Forced-only tracks (signs, foreign dialogue) are not counted: a
 *   guide's "subtitled" means the whole programme.
 * - `onscreen`: `burn_in` draws the first subtitle language into the picture (from text or a
 *   picture track); `on` shows the first language by default, and where the file has only a
 *   picture track in it, that can only be drawn into the picture.
 * - `audio`: the language of the track that fills the first audio slot (the slot's language, or
 *   the file's default track standing in), when tagged.
 */
export function mediaLanguagesOnChannel(
  languages: ChannelLanguages,
  subtitleTracks: readonly GuideSubtitleTrack[],
  audioTracks?: readonly SourceAudioTrack[],
): MediaLanguages {
  const withText = languages.subtitles.filter((language) => hasFullText(subtitleTracks, language));
  const captioned = languages.captions ? languages.subtitles.slice(0, 2) : [];
  const teletext = languages.subtitleMode === 'burn_in' ? withText.filter((language) => captioned.includes(language)) : withText;
  const first = languages.subtitles[0];
  const onscreen: string[] = [];
  if (first !== undefined) {
    const picture = hasFullPicture(subtitleTracks, first);
    if (languages.subtitleMode === 'burn_in' && (withText.includes(first) || picture)) onscreen.push(first);
    else if (languages.subtitleMode === 'on' && !withText.includes(first) && picture) onscreen.push(first);
  }
  const result: MediaLanguages = { teletext, onscreen };
  if (audioTracks && audioTracks.length > 0) {
    const slot = mapAudioSlots(languages.audio, audioTracks)[0];
    const heard = slot?.track === undefined ? undefined : slot.matched && slot.language ? slot.language : audioTracks[slot.track]?.language;
    if (heard && heard !== 'und') result.audio = heard;
  }
  // A file with no sound at all fills every slot with silence: a stand-in too, with nothing heard.
  if (audioTracks && languages.audio.length > 0) {
    result.slots = mapAudioSlots(languages.audio, audioTracks).map((filled) => {
      const language = filled.track === undefined ? undefined : filled.matched ? filled.language : audioTracks[filled.track]?.language;
      return { slot: filled.language!, ...(language && language !== 'und' ? { heard: language } : {}), fallback: !filled.matched };
    });
  }
  return result;
}

/** Only a programme airing plays its file's subtitles (breaks, filler, bumpers and slates carry none). */
export function programmeMediaIds(airings: readonly Pick<Airing, 'kind' | 'mediaId'>[]): number[] {
  const ids = new Set<number>();
  for (const airing of airings) if (airing.kind === 'program' && airing.mediaId !== undefined) ids.add(airing.mediaId);
  return [...ids];
}

/**
 * A programme's languages (its airings folded: the show and its breaks): subtitle languages of
 * any of its files, in the order first seen; the language heard, from its first file that says.
 * Undefined when nothing is known.
 */
export function programmeLanguages(airings: readonly Pick<Airing, 'kind' | 'mediaId'>[], annotation: ChannelGuideLanguages | undefined): MediaLanguages | undefined {
  if (!annotation) return undefined;
  let found: MediaLanguages | undefined;
  for (const id of programmeMediaIds(airings)) {
    const media = annotation.media[id];
    if (!media) continue;
    if (!found) {
      found = { teletext: [...media.teletext], onscreen: [...media.onscreen], ...(media.audio ? { audio: media.audio } : {}) };
      continue;
    }
    for (const language of media.teletext) if (!found.teletext.includes(language)) found.teletext.push(language);
    for (const language of media.onscreen) if (!found.onscreen.includes(language)) found.onscreen.push(language);
    if (!found.audio && media.audio) found.audio = media.audio;
  }
  return found;
}

/** The subtitle languages a viewer sees or can turn on (the web guide's "CC" badge), in order. */
export function subtitleLanguagesOf(media: MediaLanguages | undefined): string[] {
  if (!media) return [];
  return [...new Set([...media.onscreen, ...media.teletext])];
}

/** Files looked up between two turns of the event loop: a guide of thousands of files never holds it long. */
const LOOKUPS_PER_TURN = 200;

/**
 * Each channel's annotation for the airings given: every distinct programme file looked up once
 * (tracks shared across channels), the event loop let go every LOOKUPS_PER_TURN files. A lookup
 * that throws (a database closing under a shutdown) leaves that file unannotated: the guide
 * loses a badge, never its programmes.
 */
export async function annotateChannels(
  lookup: ProgrammeLanguageLookup,
  channels: ReadonlyArray<{ number: number; airings: readonly Pick<Airing, 'kind' | 'mediaId'>[] }>,
): Promise<Map<number, ChannelGuideLanguages>> {
  const tracks = new Map<number, { subtitles: readonly GuideSubtitleTrack[]; audio?: readonly SourceAudioTrack[] } | null>();
  const result = new Map<number, ChannelGuideLanguages>();
  let sinceYield = 0;
  for (const channel of channels) {
    let languages: ChannelLanguages;
    try {
      languages = lookup.languagesOf(channel.number);
    } catch {
      continue;
    }
    const annotation: ChannelGuideLanguages = { media: {} };
    for (const id of programmeMediaIds(channel.airings)) {
      if (!tracks.has(id)) {
        if (++sinceYield >= LOOKUPS_PER_TURN) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        try {
          tracks.set(id, { subtitles: lookup.subtitleTracksOf(id), ...(lookup.audioTracksOf ? { audio: lookup.audioTracksOf(id) } : {}) });
        } catch {
          tracks.set(id, null);
        }
      }
      const facts = tracks.get(id);
      if (!facts) continue;
      const media = mediaLanguagesOnChannel(languages, facts.subtitles, facts.audio);
      if (media.teletext.length > 0 || media.onscreen.length > 0 || media.audio || media.slots) annotation.media[id] = media;
    }
    result.set(channel.number, annotation);
  }
  return result;
}
