import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FOLDER_POSTER_NAMES, POSTER_EXTENSIONS } from './posters.js';

/**
 * Where a video's metadata sidecars are, the way Kodi and Jellyfin lay them out:
 *
 *   Show/tvshow.nfo, Show/poster.jpg, Show/season01-poster.jpg
 *   Show/Season 1/Show S01E01.mkv, Show S01E01.nfo, Show S01E01-thumb.jpg
 *   Movies/Film (1999)/Film (1999).mkv, Film (1999).nfo or movie.nfo, poster.jpg
 *
 * Only files a folder listing shows are ever used (never a path made up from a name and opened
 * blind), names match without regard to case, hidden entries are skipped, and nothing above the
 * library folder the video was found in is looked at.
 */

/** A folder's entries by lower-cased name → full path; listed once per scan. */
export class FolderListings {
  private readonly listings = new Map<string, Promise<Map<string, string>>>();

  list(folder: string): Promise<Map<string, string>> {
    let listing = this.listings.get(folder);
    if (!listing) {
      listing = readdir(folder, { withFileTypes: true }).then(
        (entries) => {
          const files = new Map<string, string>();
          for (const entry of entries) {
            if (entry.name.startsWith('.') || !(entry.isFile() || entry.isSymbolicLink())) continue;
            files.set(entry.name.toLowerCase(), path.join(folder, entry.name));
          }
          return files;
        },
        () => new Map<string, string>(),
      );
      this.listings.set(folder, listing);
    }
    return listing;
  }
}

const SEASON_FOLDER = /^(?:season|series|saison|staffel|temporada)[ ._-]*\d{1,3}$|^s\d{1,3}$|^specials$/i;

function within(folder: string, root: string): boolean {
  return folder === root || folder.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

export interface VideoSidecars {
  /** `<video name>.nfo` beside the video. */
  itemNfo?: string;
  /** `movie.nfo`, only in a folder that holds this one video (else it would name them all). */
  movieNfo?: string;
  /** The nearest `tvshow.nfo`: the video's folder or up to two above, inside the library folder. */
  showNfo?: string;
  /** The show's folder: where tvshow.nfo is, else the folder above a season folder, else the video's. */
  showFolder: string;
  /** The video's folder holds no other video. */
  aloneInFolder: boolean;
}

export async function findSidecars(video: string, root: string, videosInFolder: number, listings: FolderListings): Promise<VideoSidecars> {
  const folder = path.dirname(video);
  const base = path.basename(video, path.extname(video)).toLowerCase();
  const here = await listings.list(folder);
  const aloneInFolder = videosInFolder <= 1;
  const found: VideoSidecars = { showFolder: folder, aloneInFolder };
  const itemNfo = here.get(`${base}.nfo`);
  if (itemNfo) found.itemNfo = itemNfo;
  const movieNfo = aloneInFolder ? here.get('movie.nfo') : undefined;
  if (movieNfo) found.movieNfo = movieNfo;

  const chain = [folder, path.dirname(folder), path.dirname(path.dirname(folder))].filter((f, i, all) => within(f, root) && all.indexOf(f) === i);
  for (const candidate of chain) {
    const showNfo = (await listings.list(candidate)).get('tvshow.nfo');
    if (showNfo) {
      found.showNfo = showNfo;
      found.showFolder = candidate;
      return found;
    }
  }
  const parent = path.dirname(folder);
  if (SEASON_FOLDER.test(path.basename(folder)) && within(parent, root)) found.showFolder = parent;
  return found;
}

/**
 * Poster files to try for a video, best first: the video's own (`<name>-poster`, `<name>`,
 * `<name>-thumb`); for an episode the season's (`season01-poster`, a season folder's
 * `poster.jpg`) then the show's; for anything else its folder's, when the folder is its alone.
 */
export async function posterCandidates(video: string, sidecars: VideoSidecars, episode: { season?: number } | undefined, listings: FolderListings): Promise<string[]> {
  const folder = path.dirname(video);
  const base = path.basename(video, path.extname(video)).toLowerCase();
  const candidates: string[] = [];
  const pick = (listing: Map<string, string>, names: string[]) => {
    for (const name of names) {
      for (const ext of POSTER_EXTENSIONS) {
        const file = listing.get(name + ext);
        if (file && !candidates.includes(file)) candidates.push(file);
      }
    }
  };
  const here = await listings.list(folder);
  pick(here, [`${base}-poster`, base, `${base}-thumb`]);
  if (episode) {
    const show = await listings.list(sidecars.showFolder);
    if (episode.season !== undefined) {
      const season = episode.season === 0 ? 'season-specials' : `season${String(episode.season).padStart(2, '0')}`;
      pick(show, [`${season}-poster`]);
    }
    if (sidecars.showFolder !== folder) pick(here, FOLDER_POSTER_NAMES);
    pick(show, FOLDER_POSTER_NAMES);
  } else if (sidecars.aloneInFolder) {
    pick(here, FOLDER_POSTER_NAMES);
  }
  return candidates;
}
