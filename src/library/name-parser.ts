import path from 'node:path';

/** What a file's path says about it, before any tag is read. */
export interface ParsedName {
  title: string;
  show?: string;
  season?: number;
  episode?: number;
  year?: number;
}

const SEASON_FOLDER = /^(?:season|series|saison|staffel|temporada)[ ._-]*(\d{1,3})$|^s(\d{1,3})$/i;
// S01E02, s1e2, S01.E02, S01E02E03 (first episode kept); also 1x02.
const SXXEYY = /\bs(\d{1,3})[ ._-]?e(\d{1,4})(?:[ ._-]?e\d{1,4})*\b/i;
const NXNN = /\b(\d{1,2})x(\d{2,3})\b/i;
// "E05 - Title" or "Episode 5" inside a season folder.
const LONE_EPISODE = /^(?:e|ep|episode)[ ._-]*(\d{1,4})\b/i;
const LEADING_NUMBER = /^(\d{1,3})(?:\s*[-._]\s*|\s+)(?=\D)/;
const YEAR_IN_PARENS = /[([](19\d{2}|20\d{2})[)\]]/;
const YEAR_BARE = /(?:^|[ ._])(19\d{2}|20\d{2})(?=[ ._]|$)/;
// Release-name noise after which nothing is title: resolutions, sources, codecs.
const RELEASE_NOISE = /[ ._-](?:2160p|1080p|1080i|720p|576p|480p|4k|uhd|bluray|blu-ray|bdrip|brrip|web-?dl|webrip|hdtv|dvdrip|xvid|divx|x264|x265|h\.?264|h\.?265|hevc|remux|proper|repack)\b.*$/i;

/** "The.Show.Name" → "The Show Name"; trims separators left at the ends. */
function tidy(text: string): string {
  const spaced = /\s/.test(text) ? text : text.replace(/[._]+/g, ' ');
  return spaced.replace(/\s+/g, ' ').replace(/^[\s\-–—._]+|[\s\-–—._]+$/g, '').trim();
}

function seasonFromFolder(folder: string | undefined): number | undefined {
  const match = folder ? SEASON_FOLDER.exec(folder.trim()) : null;
  if (!match) return undefined;
  return Number(match[1] ?? match[2]);
}

/**
 * Show, season, episode, title and year from the common ways people name files:
 * `Show - S01E02 - Title.mkv`, `Show.S01E02.Title.1080p.mkv`, `Show 1x02 Title.avi`,
 * `Show/Season 1/02 - Title.mp4`, `Movie (1987).mkv`, `Movie.1987.720p.mkv`.
 */
export function parseMediaName(filePath: string): ParsedName {
  const base = path.basename(filePath, path.extname(filePath));
  const folders = path.dirname(filePath).split(/[\\/]/).filter(Boolean);
  const parent = folders[folders.length - 1];
  const folderSeason = seasonFromFolder(parent);
  // In Show/Season 1/…, the show is the folder above the season folder.
  const folderShow = folderSeason !== undefined ? folders[folders.length - 2] : undefined;
  const clean = base.replace(RELEASE_NOISE, '');

  const episodeMatch = SXXEYY.exec(clean) ?? NXNN.exec(clean);
  if (episodeMatch) {
    const before = tidy(clean.slice(0, episodeMatch.index));
    const after = tidy(clean.slice(episodeMatch.index + episodeMatch[0].length));
    const show = before ? stripYear(before) : folderShow ? tidy(folderShow) : undefined;
    return {
      title: after || (show ? `${show} ${episodeMatch[0].toUpperCase()}` : tidy(base)),
      show,
      season: Number(episodeMatch[1]),
      episode: Number(episodeMatch[2]),
    };
  }

  if (folderSeason !== undefined) {
    const lone = LONE_EPISODE.exec(clean) ?? LEADING_NUMBER.exec(clean);
    if (lone) {
      return {
        title: tidy(clean.slice(lone[0].length)) || tidy(base),
        show: folderShow ? tidy(folderShow) : undefined,
        season: folderSeason,
        episode: Number(lone[1]),
      };
    }
  }

  const yearMatch = YEAR_IN_PARENS.exec(clean) ?? YEAR_BARE.exec(clean);
  // A name that is only a year ("1984.mkv") is a title, not a year.
  if (yearMatch && yearMatch.index > 0) {
    const title = tidy(clean.slice(0, yearMatch.index));
    if (title) return { title, year: Number(yearMatch[1]) };
  }
  return { title: tidy(clean) || base };
}

/** "Doctor Who (2005)" as a show name keeps the year out of the name. */
function stripYear(show: string): string {
  return tidy(show.replace(YEAR_IN_PARENS, '')) || show;
}
