import type { Database } from 'better-sqlite3';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logging/logger.js';
import { mapWithConcurrency, type FoundFile } from '../file-walker.js';
import { parseMediaName } from '../name-parser.js';
import { readNfoFile, type NfoDetails, type NfoResult } from './nfo.js';
import { checkPosterFile, type PosterCheck } from './posters.js';
import { findSidecars, FolderListings, posterCandidates } from './sidecars.js';

/**
 * The scanner's metadata step: the .nfo sidecars and poster images beside local files become the
 * programme metadata the guide shows (description, show description, rating, genres, air date,
 * poster, external ids), and an .nfo's title, show, season, episode and year replace what the
 * file name said (a curated .nfo is better than a parsed name). Run on every scan for every video
 * found, probed or not: a sidecar changes on its own. Only local rows (source_id IS NULL) are
 * touched; a media server's rows are its sync's. A sidecar is read again only when its size or
 * mtime changed (kept per process); a row is written only when what it should say changed.
 * A broken .nfo or a poster that is not an image is skipped with its reason; the scan goes on.
 */

export interface LocalMetadataSummary {
  /** Videos whose metadata comes from an .nfo now. */
  withNfo: number;
  withPoster: number;
  /** Rows written in this scan (metadata or identity changed). */
  updated: number;
  /** Sidecars that could not be used, with why (at most MAX_PROBLEMS listed). */
  problems: Array<{ path: string; reason: string }>;
}

const MAX_PROBLEMS = 100;

interface MetadataRow {
  id: number;
  path: string;
  kind: string;
  title: string;
  show: string | null;
  season: number | null;
  episode: number | null;
  year: number | null;
  description: string | null;
  show_description: string | null;
  content_rating: string | null;
  genres_json: string;
  air_date: string | null;
  poster_path: string | null;
  external_ids_json: string;
  metadata_source: string | null;
}

type Wanted = Omit<MetadataRow, 'id' | 'path' | 'kind'>;
const COLUMNS: Array<keyof Wanted> = [
  'title', 'show', 'season', 'episode', 'year', 'description', 'show_description', 'content_rating', 'genres_json', 'air_date', 'poster_path', 'external_ids_json', 'metadata_source',
];

/** Reads of sidecars, kept while their size and mtime stay the same (a rescan reads only what changed). */
class SidecarReads<T> {
  private readonly entries = new Map<string, { size: number; mtimeMs: number; value: T }>();
  constructor(private readonly read: (file: string) => Promise<T>, private readonly limit = 200_000) {}

  /** The file's read, and whether it was read just now (so a problem is logged once, not every scan). */
  async get(file: string): Promise<{ value: T; fresh: boolean } | undefined> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const known = this.entries.get(file);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return { value: known.value, fresh: false };
    const value = await this.read(file);
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(file, { size: info.size, mtimeMs: info.mtimeMs, value });
    return { value, fresh: true };
  }
}

const itemNfoReads = new SidecarReads<NfoResult>((file) => readNfoFile(file, 'item'));
const showNfoReads = new SidecarReads<NfoResult>((file) => readNfoFile(file, 'tvshow'));
const posterChecks = new SidecarReads<PosterCheck>(checkPosterFile);

export async function syncLocalMetadata(
  db: Database,
  videos: FoundFile[],
  options: { log?: Pick<Logger, 'warn'>; concurrency?: number } = {},
): Promise<LocalMetadataSummary> {
  const rows = new Map<string, MetadataRow>();
  const select = db.prepare(`SELECT id, path, kind, ${COLUMNS.join(', ')} FROM media_files WHERE source_id IS NULL`);
  for (const row of select.iterate() as Iterable<MetadataRow>) rows.set(row.path, row);
  const perFolder = new Map<string, number>();
  for (const video of videos) perFolder.set(path.dirname(video.path), (perFolder.get(path.dirname(video.path)) ?? 0) + 1);

  const summary: LocalMetadataSummary = { withNfo: 0, withPoster: 0, updated: 0, problems: [] };
  const problem = (file: string, reason: string, fresh: boolean, what: string) => {
    if (summary.problems.length < MAX_PROBLEMS) summary.problems.push({ path: file, reason });
    if (fresh) options.log?.warn({ file, problem: reason }, `${what} skipped`);
  };
  const listings = new FolderListings();
  const changes: Array<{ id: number; wanted: Wanted }> = [];

  await mapWithConcurrency(videos, options.concurrency ?? 4, async (video) => {
    const row = rows.get(video.path);
    if (!row) return;
    const sidecars = await findSidecars(video.path, video.root, perFolder.get(path.dirname(video.path)) ?? 1, listings);
    const usable = async (reads: SidecarReads<NfoResult>, file: string | undefined): Promise<NfoDetails | undefined> => {
      if (!file) return undefined;
      const read = await reads.get(file);
      if (!read) return undefined;
      if (read.value.ok) return read.value.details;
      problem(file, read.value.reason, read.fresh, '.nfo file');
      return undefined;
    };
    const item = (await usable(itemNfoReads, sidecars.itemNfo)) ?? (await usable(itemNfoReads, sidecars.movieNfo));
    const named = parseMediaName(video.path);
    const isEpisode = item?.kind === 'episode' || (item?.kind !== 'movie' && (named.show !== undefined || row.kind === 'episode'));
    const show = isEpisode ? await usable(showNfoReads, sidecars.showNfo) : undefined;

    // What the file name (and the probe's tags) said: the row as the probe wrote it, unless an
    // .nfo already replaced it, then the name again (a removed .nfo field falls back to it).
    const base = row.metadata_source === 'nfo'
      ? { title: named.title, show: named.show ?? null, season: named.season ?? null, episode: named.episode ?? null, year: named.year ?? null }
      : { title: row.title, show: row.show, season: row.season, episode: row.episode, year: row.year };
    const season = item?.season ?? base.season ?? undefined;

    let posterPath: string | null = null;
    for (const candidate of await posterCandidates(video.path, sidecars, isEpisode ? { ...(season !== undefined ? { season } : {}) } : undefined, listings)) {
      const check = await posterChecks.get(candidate);
      if (!check) continue;
      if (check.value.ok) {
        posterPath = candidate;
        break;
      }
      problem(candidate, `poster ${check.value.reason}`, check.fresh, 'poster image');
    }

    const fromNfo = item !== undefined || show !== undefined;
    const genres = item?.genres.length ? item.genres : (show?.genres ?? []);
    const wanted: Wanted = {
      title: item?.title ?? base.title,
      show: isEpisode ? (item?.showTitle ?? show?.title ?? base.show) : base.show,
      season: item?.season ?? base.season,
      episode: item?.episode ?? base.episode,
      year: item?.year ?? base.year,
      description: item?.plot ?? null,
      show_description: show?.plot ?? null,
      content_rating: item?.rating ?? show?.rating ?? null,
      genres_json: JSON.stringify(genres),
      air_date: item?.airDate ?? null,
      poster_path: posterPath,
      external_ids_json: JSON.stringify(item?.ids ?? {}),
      metadata_source: fromNfo ? 'nfo' : null,
    };
    if (fromNfo) summary.withNfo += 1;
    if (posterPath) summary.withPoster += 1;
    if (COLUMNS.some((column) => wanted[column] !== row[column])) changes.push({ id: row.id, wanted });
  });

  const update = db.prepare(
    `UPDATE media_files SET ${COLUMNS.map((c) => `${c} = @${c}`).join(', ')}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id AND source_id IS NULL`,
  );
  db.transaction(() => {
    for (const change of changes) summary.updated += update.run({ id: change.id, ...change.wanted }).changes;
  })();
  summary.problems.sort((a, b) => a.path.localeCompare(b.path));
  return summary;
}
