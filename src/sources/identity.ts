/**
 * Identity that survives a media server changing its ids. Plex renumbers every item after a
 * database rebuild, Jellyfin gives a new id to an upgraded file; Retrovue's row (its
 * media_files.id, which schedules, published timelines and history name) must stay. An incoming
 * item is matched to a row of the same source by, in turn:
 *   1. its remote id, unless the row is plainly another item (ids are reused after a rebuild:
 *      Plex's ratingKey 1234 may now be a different episode);
 *   2. an external id (IMDb, TMDb, TVDB), for an episode together with show, season and episode
 *      (some servers give episodes their show's ids);
 *   3. its path on the server;
 *   4. show, season, episode and title.
 * Each row is claimed once per sync, so two items never land on one row.
 */

/** What identity looks at in an incoming item (its facts as remote-facts.ts cleaned them). */
export interface IncomingIdentity {
  remote_id: string;
  remote_path: string | null;
  external_ids_json: string;
  kind: string;
  show: string | null;
  season: number | null;
  episode: number | null;
  title: string;
}

/** A row of the source already in the library: the same facts, its id, and a remote id it may lack. */
export interface KnownRow extends Omit<IncomingIdentity, 'remote_id'> {
  id: number;
  remote_id: string | null;
}

export type ResolvedBy = 'remote_id' | 'external_id' | 'path' | 'episode';

type ExternalIds = Partial<Record<'imdb' | 'tmdb' | 'tvdb', string>>;

const PROVIDERS = ['imdb', 'tmdb', 'tvdb'] as const;

function idsOf(json: string): ExternalIds {
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const ids: ExternalIds = {};
    for (const provider of PROVIDERS) {
      const value = (parsed as Record<string, unknown>)[provider];
      if (typeof value === 'string' && value !== '') ids[provider] = value;
    }
    return ids;
  } catch {
    return {};
  }
}

const fold = (text: string | null): string => (text ?? '').normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

function episodePart(row: { kind: string; show: string | null; season: number | null; episode: number | null }): string {
  return row.kind === 'episode' ? `|${fold(row.show)}|${row.season ?? ''}|${row.episode ?? ''}` : `|${row.kind}`;
}

function externalKeys(row: IncomingIdentity | KnownRow): string[] {
  const ids = idsOf(row.external_ids_json);
  return PROVIDERS.filter((p) => ids[p]).map((p) => `${p}:${ids[p]}${episodePart(row)}`);
}

function episodeKey(row: IncomingIdentity | KnownRow): string | undefined {
  if (row.kind !== 'episode' || !row.show || row.season === null || row.episode === null) return undefined;
  return `${fold(row.show)}|${row.season}|${row.episode}|${fold(row.title)}`;
}

const pathKey = (remotePath: string | null): string | undefined => (remotePath ? remotePath.replace(/\\/g, '/') : undefined);

/** True when the row is plainly not the incoming item, whatever its remote id says. */
export function plainlyDifferent(row: KnownRow, item: IncomingIdentity): boolean {
  if (row.kind !== item.kind) return true;
  const a = idsOf(row.external_ids_json);
  const b = idsOf(item.external_ids_json);
  if (PROVIDERS.some((p) => a[p] && b[p] && a[p] !== b[p])) return true;
  if (row.kind === 'episode' && (fold(row.show) !== fold(item.show) || row.season !== item.season || row.episode !== item.episode)) return true;
  if (row.kind === 'movie' && !PROVIDERS.some((p) => a[p] && a[p] === b[p]) && fold(row.title) !== fold(item.title) && pathKey(row.remote_path) !== pathKey(item.remote_path)) return true;
  return false;
}

export class IdentityIndex {
  private readonly byRemoteId = new Map<string, KnownRow[]>();
  private readonly byExternal = new Map<string, KnownRow[]>();
  private readonly byPath = new Map<string, KnownRow[]>();
  private readonly byEpisode = new Map<string, KnownRow[]>();
  private readonly claimed = new Set<number>();

  constructor(rows: Iterable<KnownRow>) {
    for (const row of rows) this.add(row);
  }

  add(row: KnownRow): void {
    const put = (map: Map<string, KnownRow[]>, key: string | undefined) => {
      if (key === undefined) return;
      const list = map.get(key);
      if (list) list.push(row);
      else map.set(key, [row]);
    };
    if (row.remote_id) put(this.byRemoteId, row.remote_id);
    for (const key of externalKeys(row)) put(this.byExternal, key);
    put(this.byPath, pathKey(row.remote_path));
    put(this.byEpisode, episodeKey(row));
  }

  /** The row this item is, and how it was found; the row is claimed for this sync. */
  resolve(item: IncomingIdentity): { id: number; by: ResolvedBy } | undefined {
    const free = (list: KnownRow[] | undefined, check?: (row: KnownRow) => boolean) => list?.find((row) => !this.claimed.has(row.id) && (!check || check(row)));
    const found =
      tag(free(this.byRemoteId.get(item.remote_id), (row) => !plainlyDifferent(row, item)), 'remote_id') ??
      firstOf(externalKeys(item).map((key) => free(this.byExternal.get(key))), 'external_id') ??
      tag(free(this.byPath.get(pathKey(item.remote_path) ?? ''), (row) => !plainlyDifferent(row, item)), 'path') ??
      tag(free(this.byEpisode.get(episodeKey(item) ?? '')), 'episode');
    if (found) this.claimed.add(found.id);
    return found;
  }

  /** Marks a row as this sync's (a row just created for a new item). */
  claim(id: number): void {
    this.claimed.add(id);
  }

  isClaimed(id: number): boolean {
    return this.claimed.has(id);
  }
}

function tag(row: KnownRow | undefined, by: ResolvedBy): { id: number; by: ResolvedBy } | undefined {
  return row ? { id: row.id, by } : undefined;
}

function firstOf(rows: Array<KnownRow | undefined>, by: ResolvedBy): { id: number; by: ResolvedBy } | undefined {
  return tag(rows.find((row) => row !== undefined), by);
}
