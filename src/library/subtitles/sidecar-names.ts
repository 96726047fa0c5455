import path from 'node:path';
import { languageFromWord } from '../../subtitles/languages.js';
import { formatOf, type SubtitleFormat } from './read-file.js';

/**
 * Subtitle files beside a video, as media servers name them: the video's own name, then
 * dot-separated words in any order saying the language and flags, then the extension —
 * `Film.srt`, `Film.en.srt`, `Film.eng.forced.srt`, `Film.forced.en.srt`, `Film.English.sdh.srt`,
 * `Film.pt-BR.default.ass`. Pure: names in, facts out.
 */

export interface SidecarName {
  /** ISO 639-2/B, or null when the name says no language ('und'). */
  language: string | null;
  forced: boolean;
  default: boolean;
  /** For the deaf and hard of hearing (SDH, CC, HI): sounds described as well as speech. */
  hearingImpaired: boolean;
  /** The words that are neither language nor flag ("Commentary"), or null. */
  title: string | null;
  format: SubtitleFormat;
}

const HEARING_IMPAIRED = new Set(['sdh', 'cc', 'hoh']);

/**
 * What a subtitle file's name says, given the base name it was matched to (the video's name
 * without extension); undefined when it is not a subtitle file of that video.
 */
export function parseSidecarName(videoBase: string, subtitleFile: string): SidecarName | undefined {
  const format = formatOf(subtitleFile);
  if (!format) return undefined;
  const name = path.basename(subtitleFile);
  const stem = name.slice(0, name.length - path.extname(name).length);
  if (stem.toLowerCase() !== videoBase.toLowerCase() && !stem.toLowerCase().startsWith(`${videoBase.toLowerCase()}.`)) return undefined;
  const words = stem.slice(videoBase.length).split('.').filter((word) => word.length > 0);
  const facts: SidecarName = { language: null, forced: false, default: false, hearingImpaired: false, title: null, format };
  const rest: string[] = [];
  let hi = false;
  for (const word of words) {
    const lower = word.toLowerCase();
    if (lower === 'forced' || lower === 'foreign') facts.forced = true;
    else if (lower === 'default') facts.default = true;
    else if (HEARING_IMPAIRED.has(lower)) facts.hearingImpaired = true;
    // "hi" is Hindi's ISO 639-1 code and the common "hearing impaired" mark: decided below.
    else if (lower === 'hi') hi = true;
    else {
      const language = facts.language === null ? languageFromWord(word) : undefined;
      if (language) facts.language = language;
      else rest.push(word);
    }
  }
  // `Film.en.hi.srt` is English for the hard of hearing; a lone `Film.hi.srt` is Hindi.
  if (hi) {
    if (facts.language === null) facts.language = 'hin';
    else facts.hearingImpaired = true;
  }
  if (facts.language === 'und') facts.language = null;
  facts.title = rest.length > 0 ? rest.join(' ') : null;
  return facts;
}

export interface MatchedSidecar {
  path: string;
  name: SidecarName;
}

/**
 * Each subtitle file matched to the videos of its folder whose name it extends. The longest
 * match wins (`Film.Part2.en.srt` belongs to `Film.Part2.mkv`, not to `Film.mkv`); a sidecar
 * matching no video is left out. Case is ignored, as on the file systems many libraries live on.
 */
export function matchSidecars(videos: string[], subtitles: string[]): Map<string, MatchedSidecar[]> {
  const byFolder = new Map<string, Array<{ video: string; base: string; lower: string }>>();
  for (const video of videos) {
    const folder = path.dirname(video);
    const list = byFolder.get(folder) ?? [];
    const base = path.basename(video, path.extname(video));
    list.push({ video, base, lower: base.toLowerCase() });
    byFolder.set(folder, list);
  }
  const matched = new Map<string, MatchedSidecar[]>();
  for (const subtitle of subtitles) {
    const candidates = byFolder.get(path.dirname(subtitle)) ?? [];
    const stem = path.basename(subtitle, path.extname(subtitle)).toLowerCase();
    let best: Array<{ video: string; name: SidecarName }> = [];
    let bestLength = -1;
    for (const { video, base, lower } of candidates) {
      // A cheap test first: a folder of 2 000 episodes and their subtitles is 4 million pairs.
      if (base.length < bestLength || (stem !== lower && !stem.startsWith(`${lower}.`))) continue;
      const name = parseSidecarName(base, subtitle);
      if (!name) continue;
      if (base.length > bestLength) best = [];
      bestLength = base.length;
      best.push({ video, name });
    }
    for (const { video, name } of best) matched.set(video, [...(matched.get(video) ?? []), { path: subtitle, name }]);
  }
  for (const list of matched.values()) list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return matched;
}
