import { z } from 'zod';
import { normaliseLanguage } from '../subtitles/languages.js';

/**
 * A channel's languages (issue 22; README "Languages and subtitles"): which audio languages it
 * airs, in which order; which subtitle languages it offers; how subtitles show by default; and
 * whether captions are carried inside the video (CEA-608, for Plex, Emby and TVs).
 *
 * Server-wide defaults live under the top-level `languages` key; a channel's own `languages`
 * (config file, `PUT /api/channels/{n}`, the control room) overrides key by key.
 */
export const SUBTITLE_MODES = ['off', 'forced', 'on', 'burn_in'] as const;
export type SubtitleMode = (typeof SUBTITLE_MODES)[number];

/** Most languages per list: more audio slots than this is not a TV channel any more. */
const MAX_LANGUAGES = 8;

/**
 * A language as ISO 639 names it — "jpn", "ja", "ger", "deu", "de", any case — kept as the
 * ISO 639-2/B code (what MPEG-TS language descriptors and HLS renditions carry). A name or an
 * unknown code is refused with the fix, not guessed.
 */
const languageCode = z
  .string()
  .max(16)
  .refine((code) => normaliseLanguage(code) !== undefined, {
    error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 16))} is not an ISO 639 language code (e.g. "eng", "jpn", "spa", or "en", "ja", "es")`,
  })
  .transform((code) => normaliseLanguage(code)!);

const languageList = z
  .array(languageCode)
  .max(MAX_LANGUAGES, `at most ${MAX_LANGUAGES} languages`)
  .refine((codes) => new Set(codes).size === codes.length, 'each language may appear only once');

const languagesShape = {
  /** Audio slots, in order: every airing airs one audio stream per entry (empty: the file's default track only). */
  audio: languageList,
  /** Subtitle languages offered (WebVTT renditions in HLS; the first two also as CEA-608 CC1/CC3). */
  subtitles: languageList,
  /**
   * What shows by default: `off` (offered, not shown), `on` (the first language shown),
   * `forced` (only forced subtitles — signs, foreign dialogue — shown), `burn_in` (the first
   * language drawn into the picture, for players that show no subtitles at all).
   */
  subtitle_mode: z.enum(SUBTITLE_MODES),
  /** Captions inside the video (CEA-608 from the subtitle languages, and the source's own). */
  captions: z.boolean(),
};

/** The server-wide defaults (top-level `languages`). */
export const languagesSchema = z
  .object({
    audio: languagesShape.audio.default([]),
    subtitles: languagesShape.subtitles.default([]),
    subtitle_mode: languagesShape.subtitle_mode.default('off'),
    captions: languagesShape.captions.default(true),
  })
  .strict();

/** A channel's own `languages`: only what differs from the server-wide defaults. */
export const languagesOverrideSchema = z.object(languagesShape).partial().strict();

export type LanguagesConfig = z.infer<typeof languagesSchema>;
export type LanguagesOverride = z.infer<typeof languagesOverrideSchema>;

/** A channel's languages, resolved: the defaults with the channel's own keys over them. */
export interface ChannelLanguages {
  audio: readonly string[];
  subtitles: readonly string[];
  subtitleMode: SubtitleMode;
  captions: boolean;
}

export function resolveLanguages(defaults: LanguagesConfig, override: LanguagesOverride | undefined): ChannelLanguages {
  return {
    audio: override?.audio ?? defaults.audio,
    subtitles: override?.subtitles ?? defaults.subtitles,
    subtitleMode: override?.subtitle_mode ?? defaults.subtitle_mode,
    captions: override?.captions ?? defaults.captions,
  };
}
