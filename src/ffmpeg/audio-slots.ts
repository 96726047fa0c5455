/**
 * A channel's audio language slots (`languages.audio`, issue 22) and which of a file's tracks
 * fills each one.
 *
 * A channel declares its slots once (e.g. ["jpn", "eng"]); every airing, whatever its file holds,
 * comes out with exactly that many audio streams in that order, so players never see tracks
 * appear and vanish at a boundary (and the packager maps stream k of every airing onto the same
 * PID). A slot whose language the file lacks is filled with the file's default track — the
 * programme's own sound, never silence — and says so (`matched: false`), for the status API and
 * logs. A file with no sound at all fills every slot with silence.
 */

/** One audio track of a source file, in the order ffmpeg numbers them (`0:a:k`). */
export interface SourceAudioTrack {
  /** ISO 639-2/B code as tagged (normalised), undefined when untagged or "und". */
  language?: string;
  /** The file marks it as the default track (disposition). */
  default: boolean;
  /** The track's title, when tagged ("Commentary", "Director's commentary", …). */
  title?: string;
}

/** What fills one slot of one airing. */
export interface SlotSource {
  /** The slot's language (the channel's), or undefined for the single default slot. */
  language: string | undefined;
  /** The source's audio track index (`0:a:k`), or undefined: silence (the file has no sound). */
  track: number | undefined;
  /** The track is in the slot's language (false: the file's default track stands in). */
  matched: boolean;
}

/** Commentary tracks are never chosen for a language while a programme track in it exists. */
const COMMENTARY = /commentary|kommentar|commentaire/i;

/**
 * The track that fills each slot. `slots` empty = one slot, the file's default track (what a
 * channel airs with no language settings).
 */
export function mapAudioSlots(slots: readonly string[], tracks: readonly SourceAudioTrack[]): SlotSource[] {
  const fallback = defaultTrack(tracks);
  if (slots.length === 0) return [{ language: undefined, track: fallback, matched: fallback !== undefined }];
  return slots.map((language) => {
    const track = bestTrackIn(language, tracks);
    return track === undefined ? { language, track: fallback, matched: false } : { language, track, matched: true };
  });
}

/** The file's default track: the one flagged default (not a commentary), else the first programme track. */
export function defaultTrack(tracks: readonly SourceAudioTrack[]): number | undefined {
  if (tracks.length === 0) return undefined;
  const programme = tracks.map((t, i) => ({ t, i })).filter(({ t }) => !COMMENTARY.test(t.title ?? ''));
  const pool = programme.length > 0 ? programme : tracks.map((t, i) => ({ t, i }));
  return (pool.find(({ t }) => t.default) ?? pool[0])!.i;
}

function bestTrackIn(language: string, tracks: readonly SourceAudioTrack[]): number | undefined {
  const inLanguage = tracks.map((t, i) => ({ t, i })).filter(({ t }) => t.language === language);
  if (inLanguage.length === 0) return undefined;
  const programme = inLanguage.filter(({ t }) => !COMMENTARY.test(t.title ?? ''));
  const pool = programme.length > 0 ? programme : inLanguage;
  return (pool.find(({ t }) => t.default) ?? pool[0])!.i;
}
