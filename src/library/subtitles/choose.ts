import type { SubtitleTrack } from '../../subtitles/cue.js';
import { normaliseLanguage, UNDETERMINED } from '../../subtitles/languages.js';

/**
 * Which of a file's subtitle tracks a channel gets, decided in one pure place.
 *
 * - Only text tracks without a problem have cues; pictures (PGS, VobSub, DVB) are burn-in only.
 * - A full track before a forced one (forced tracks hold only signs and foreign dialogue),
 *   unless forced subtitles are asked for: then only forced tracks.
 * - A file beside the video before the video's own streams: the user put it there on purpose
 *   (often because the embedded one is wrong or out of sync), and it reads without ffmpeg.
 * - Then the track flagged default, then plain before SDH (captions for the hard of hearing
 *   describe sounds too; a hearing viewer asked for subtitles), then stream or file order.
 * - A track in the language asked for first; a track whose language is unknown ('und': a lone
 *   `Film.srt`) stands in after them — most such files are in the household's own language, and
 *   a viewer who turns subtitles on expects the file's subtitles. Callers that never want a
 *   stand-in can check the language of `tracksOf`.
 */

type Rankable = Pick<SubtitleTrack, 'origin' | 'streamIndex' | 'sidecarPath' | 'language' | 'forced' | 'default' | 'pictureOnly' | 'problem'> & { hearingImpaired?: boolean };

/** Whether the track can give cues: text, and nothing known wrong with it. */
export function isReadableTrack(track: Rankable): boolean {
  return !track.pictureOnly && track.problem === null;
}

function compareTracks(a: Rankable, b: Rankable): number {
  const flag = (x: boolean) => (x ? 1 : 0);
  return (
    flag(!isReadableTrack(a)) - flag(!isReadableTrack(b)) ||
    flag(a.forced) - flag(b.forced) ||
    flag(a.origin === 'embedded') - flag(b.origin === 'embedded') ||
    flag(!a.default) - flag(!b.default) ||
    flag(a.hearingImpaired === true) - flag(b.hearingImpaired === true) ||
    (a.streamIndex ?? 0) - (b.streamIndex ?? 0) ||
    (a.sidecarPath ?? '').localeCompare(b.sidecarPath ?? '')
  );
}

/** The file's tracks best first, whatever the language (usable text tracks, full ones, before the rest). */
export function rankTracks<T extends Rankable>(tracks: readonly T[]): T[] {
  return [...tracks].sort(compareTracks);
}

/**
 * The text tracks to try for `language`, best first (the next is tried when one cannot be read);
 * empty when the file has none. `forced`: forced tracks only.
 */
export function chooseTextTracks<T extends Rankable>(tracks: readonly T[], language: string, options: { forced?: boolean } = {}): T[] {
  const wanted = normaliseLanguage(language) ?? language.trim().toLowerCase();
  const usable = tracks.filter((track) => isReadableTrack(track) && (!options.forced || track.forced));
  const exact = rankTracks(usable.filter((track) => track.language === wanted));
  const standIns = wanted === UNDETERMINED ? [] : rankTracks(usable.filter((track) => track.language === UNDETERMINED));
  return [...exact, ...standIns];
}
