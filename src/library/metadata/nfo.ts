import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { create } from 'xmlbuilder2';

/**
 * Kodi/Jellyfin-style .nfo sidecars: `tvshow.nfo` (a show's folder), `<video name>.nfo` with one
 * `<episodedetails>` (or several, for a file holding several episodes) or a `<movie>`, and
 * `movie.nfo`. Every file is someone else's text: it is read at most MAX_NFO_BYTES, a DOCTYPE or
 * entity declaration is refused before any parsing (no XXE, no entity expansion), characters XML
 * forbids are dropped and every field is capped. A file that cannot be used gives a reason, never
 * an exception: the scan goes on without it.
 */

export const MAX_NFO_BYTES = 1024 * 1024;
/** Caps that keep one odd file from filling the guide: a plot is a paragraph, a title a line. */
const MAX_TEXT = 4000;
const MAX_LINE = 300;
const MAX_GENRES = 10;

export type NfoKind = 'tvshow' | 'episode' | 'movie' | 'ids-only';

export interface ExternalIds {
  imdb?: string;
  tmdb?: string;
  tvdb?: string;
}

/** What one .nfo says, normalised; absent fields were not in it (or not usable). */
export interface NfoDetails {
  kind: NfoKind;
  title?: string;
  showTitle?: string;
  season?: number;
  episode?: number;
  /** Plot, else outline. */
  plot?: string;
  genres: string[];
  /** "TV-PG", "PG-13", "GB:15": the certification with "Rated " and a "US:" prefix dropped. */
  rating?: string;
  /** Premiered / aired, "YYYY-MM-DD". */
  airDate?: string;
  year?: number;
  ids: ExternalIds;
}

export type NfoResult = { ok: true; details: NfoDetails } | { ok: false; reason: string };

/** C0 controls other than tab/newline/CR, DEL, C1 controls, lone surrogates' replacement, BOM. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff\ufffe\uffff]/g;

/** Text as the guide may show it: no control characters, whitespace runs folded, capped. */
export function cleanText(raw: string | undefined, max = MAX_TEXT): string | undefined {
  if (raw === undefined) return undefined;
  const text = raw.replace(CONTROL, '').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').replace(/ ?\n ?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

const cleanLine = (raw: string | undefined) => cleanText(raw?.replace(/\s+/g, ' '), MAX_LINE);

/** IMDb, TMDb and TheTVDB ids as they appear in a link (the one-line "URL .nfo" Kodi accepts). */
export function idsFromUrls(text: string): ExternalIds {
  const ids: ExternalIds = {};
  const imdb = /imdb\.[a-z.]+\/title\/(tt\d{5,10})/i.exec(text) ?? /\b(tt\d{5,10})\b/.exec(text);
  if (imdb) ids.imdb = imdb[1]!.toLowerCase();
  const tmdb = /themoviedb\.org\/(?:movie|tv)\/(\d{1,10})/i.exec(text);
  if (tmdb) ids.tmdb = tmdb[1]!;
  const tvdb = /thetvdb\.com\/[^\s]*?(?:[?&]id=|series\/)(\d{1,10})/i.exec(text);
  if (tvdb) ids.tvdb = tvdb[1]!;
  return ids;
}

/** A rating as stored: the first of "US:TV-14 / GB:15", without "Rated " or a US prefix. */
export function normaliseRating(raw: string | undefined): string | undefined {
  const first = cleanLine(raw)?.split(/\s+\/\s+|\s*\|\s*/)[0]?.trim();
  if (!first) return undefined;
  const value = first.replace(/^rated\s+/i, '').replace(/^(?:us|usa)\s*[:/]\s*/i, '').replace(/^rated\s+/i, '').trim();
  return value ? value.slice(0, 20) : undefined;
}

function isoDate(raw: string | undefined): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw?.trim() ?? '');
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1870 && y <= 2200 ? match[0] : undefined;
}

function wholeNumber(raw: string | undefined, max: number): number | undefined {
  const text = raw?.trim() ?? '';
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/**
 * Real .nfo files are a few levels deep and a few hundred elements long (a cast list, stream
 * details); beyond these a file is refused before the parser sees it, so a hostile one cannot
 * make it recurse or churn for seconds.
 */
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;

/** Why the file's tags cannot be used: one closes out of order (xmlbuilder2's parser lets `<a></b>` by), or they pass the depth or count bound. */
function unbalancedTag(xml: string): string | undefined {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const stack: string[] = [];
  let elements = 0;
  for (const match of body.matchAll(/<(\/?)([^\s/>!?]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (!closing && ++elements > MAX_ELEMENTS) return `has more than ${MAX_ELEMENTS} elements`;
    if (selfClosing) continue;
    if (!closing) {
      stack.push(name!);
      if (stack.length > MAX_DEPTH) return `nests elements more than ${MAX_DEPTH} deep`;
      continue;
    }
    const open = stack.pop();
    if (open === name) continue;
    // The wrapper's own end reached with an element still open: the file stops short.
    return name === 'nfo-root' ? `not well-formed XML: <${open}> is never closed (is the file cut short?)` : `not well-formed XML: </${name}> does not close <${open}>`;
  }
  return stack.length > 0 ? `not well-formed XML: <${stack.at(-1)}> is never closed (is the file cut short?)` : undefined;
}

interface XmlElement {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
}

const elementsOf = (node: XmlElement) => Array.from(node.childNodes).filter((child) => child.nodeType === 1);

/** One `<episodedetails>`, `<tvshow>` or `<movie>`: its fields by (lower-cased) name. */
function readElement(element: XmlElement, kind: NfoKind): NfoDetails {
  const fields = new Map<string, XmlElement[]>();
  for (const child of elementsOf(element)) {
    const name = child.nodeName.toLowerCase();
    const list = fields.get(name);
    if (list) list.push(child);
    else fields.set(name, [child]);
  }
  const text = (name: string) => fields.get(name)?.[0]?.textContent ?? undefined;
  const ids: ExternalIds = {};
  for (const uniqueid of fields.get('uniqueid') ?? []) {
    const type = (uniqueid.getAttribute('type') ?? '').toLowerCase();
    const value = cleanLine(uniqueid.textContent ?? undefined);
    if (!value || !/^[\w.-]{1,40}$/.test(value)) continue;
    if ((type === 'imdb' || (type === '' && /^tt\d+$/.test(value))) && !ids.imdb) ids.imdb = value;
    else if ((type === 'tmdb' || type === 'themoviedb') && !ids.tmdb) ids.tmdb = value;
    else if ((type === 'tvdb' || type === 'thetvdb') && !ids.tvdb) ids.tvdb = value;
  }
  // Older files: <id> (IMDb for movies, TheTVDB for shows and episodes), <imdbid>, <tmdbid>, <tvdbid>.
  const legacy = (name: string) => {
    const value = cleanLine(text(name));
    return value && /^[\w.-]{1,40}$/.test(value) ? value : undefined;
  };
  const id = legacy('id');
  if (id && /^tt\d+$/.test(id)) ids.imdb ??= id;
  else if (id && /^\d+$/.test(id) && kind !== 'movie') ids.tvdb ??= id;
  const imdbid = legacy('imdbid') ?? legacy('imdb_id');
  if (imdbid && /^tt\d+$/.test(imdbid)) ids.imdb ??= imdbid;
  const tmdbid = legacy('tmdbid');
  if (tmdbid && /^\d+$/.test(tmdbid)) ids.tmdb ??= tmdbid;
  const tvdbid = legacy('tvdbid');
  if (tvdbid && /^\d+$/.test(tvdbid)) ids.tvdb ??= tvdbid;

  const genres: string[] = [];
  for (const genre of fields.get('genre') ?? []) {
    // Some writers put "Drama / Comedy" in one <genre>.
    for (const part of (genre.textContent ?? '').split(/\s*[/|]\s*/)) {
      const name = cleanText(part, 40);
      if (name && !genres.some((g) => g.toLowerCase() === name.toLowerCase()) && genres.length < MAX_GENRES) genres.push(name);
    }
  }
  const airDate = isoDate(text('aired')) ?? isoDate(text('premiered')) ?? isoDate(text('releasedate'));
  const year = wholeNumber(text('year'), 2200) ?? (airDate ? Number(airDate.slice(0, 4)) : undefined);
  const details: NfoDetails = { kind, genres, ids };
  const title = cleanLine(text('title'));
  if (title) details.title = title;
  const showTitle = cleanLine(text('showtitle'));
  if (showTitle) details.showTitle = showTitle;
  const season = wholeNumber(text('season'), 9999);
  if (season !== undefined) details.season = season;
  const episode = wholeNumber(text('episode'), 99999);
  if (episode !== undefined) details.episode = episode;
  const plot = cleanText(text('plot')) ?? cleanText(text('outline'));
  if (plot) details.plot = plot;
  const rating = normaliseRating(text('mpaa')) ?? normaliseRating(text('certification'));
  if (rating) details.rating = rating;
  if (airDate) details.airDate = airDate;
  if (year !== undefined && year >= 1870) details.year = year;
  return details;
}

/** Several `<episodedetails>` of one file (a double episode): one programme, the first's numbers. */
function mergeEpisodes(parts: NfoDetails[]): NfoDetails {
  const [first] = parts as [NfoDetails, ...NfoDetails[]];
  if (parts.length === 1) return first;
  const titles = parts.map((p) => p.title).filter((t): t is string => !!t);
  const plots = parts.map((p) => p.plot).filter((t): t is string => !!t);
  const merged: NfoDetails = { ...first, genres: [...new Set(parts.flatMap((p) => p.genres))].slice(0, MAX_GENRES) };
  const title = cleanLine(titles.join(' / '));
  if (title) merged.title = title;
  const plot = cleanText(plots.join('\n\n'));
  if (plot) merged.plot = plot;
  return merged;
}

/**
 * Parses the text of an .nfo. `expect` is what the file's name says it should hold: a
 * `tvshow.nfo` must hold a `<tvshow>`, a video's .nfo an `<episodedetails>` or a `<movie>`.
 */
export function parseNfo(raw: string, expect: 'tvshow' | 'item'): NfoResult {
  const text = raw.replace(/^\ufeff/, '');
  if (text.length > MAX_NFO_BYTES) return { ok: false, reason: `larger than ${MAX_NFO_BYTES} bytes` };
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return { ok: false, reason: 'has a DOCTYPE or ENTITY declaration (refused: no entities are expanded)' };
  if (!text.includes('<')) {
    // Kodi accepts an .nfo that is only a link (an IMDb or TMDb page): the ids, nothing else.
    const ids = idsFromUrls(text.slice(0, 4096));
    if (Object.keys(ids).length === 0) return { ok: false, reason: 'neither XML nor a link with an IMDb, TMDb or TheTVDB id' };
    return { ok: true, details: { kind: 'ids-only', genres: [], ids } };
  }
  // Several roots (a multi-episode file) and a link after the XML are both allowed: wrapped in one root.
  const body = text.replace(/<\?xml[^>]*\?>/gi, '').replace(CONTROL, '');
  const wrapped = `<nfo-root>${body}</nfo-root>`;
  const unbalanced = unbalancedTag(wrapped);
  if (unbalanced) return { ok: false, reason: unbalanced };
  let root: XmlElement;
  try {
    root = create(wrapped).root().node as unknown as XmlElement;
  } catch (error) {
    return { ok: false, reason: `not well-formed XML: ${(error as Error).message.split('\n', 1)[0]!.slice(0, 200)}` };
  }
  const elements = elementsOf(root);
  const named = (name: string) => elements.filter((e) => e.nodeName.toLowerCase() === name);
  const trailing = Array.from(root.childNodes)
    .filter((node) => node.nodeType === 3)
    .map((node) => node.textContent ?? '')
    .join(' ');
  const linkIds = idsFromUrls(trailing.slice(0, 4096));
  const withLinkIds = (details: NfoDetails): NfoResult => ({ ok: true, details: { ...details, ids: { ...linkIds, ...details.ids } } });
  if (expect === 'tvshow') {
    const show = named('tvshow')[0];
    if (!show) return { ok: false, reason: 'has no <tvshow> element' };
    return withLinkIds(readElement(show, 'tvshow'));
  }
  const episodes = named('episodedetails');
  if (episodes.length > 0) return withLinkIds(mergeEpisodes(episodes.slice(0, 20).map((e) => readElement(e, 'episode'))));
  const movie = named('movie')[0];
  if (movie) return withLinkIds(readElement(movie, 'movie'));
  if (Object.keys(linkIds).length > 0) return { ok: true, details: { kind: 'ids-only', genres: [], ids: linkIds } };
  return { ok: false, reason: 'has no <episodedetails> or <movie> element' };
}

/** Reads an .nfo (at most MAX_NFO_BYTES, else refused) and parses it; an unreadable file gives its reason. */
export async function readNfoFile(file: string, expect: 'tvshow' | 'item'): Promise<NfoResult> {
  let handle;
  try {
    // Non-blocking: a named pipe planted under a poster's or an .nfo's name must not hold a thread waiting for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not a file' };
    const size = info.size;
    if (size > MAX_NFO_BYTES) return { ok: false, reason: `larger than ${MAX_NFO_BYTES} bytes (${size})` };
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return parseNfo(buffer.subarray(0, bytesRead).toString('utf8'), expect);
  } catch (error) {
    return { ok: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle?.close();
  }
}
