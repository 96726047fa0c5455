/**
 * Bounded pagination over a media server's lists. A server is trusted for nothing: it may claim
 * a total it never reaches, ignore the start index and answer the same page forever, or invent
 * new items on every page. The walk stops at an empty page or the announced total, refuses to
 * go past `maxPages`, and refuses a full page that only repeats what it already gave.
 *
 * Pages overlap by a few items: an item deleted on the server while the walk is under way
 * shifts every later item one place forward, and with back-to-back pages the item that slid
 * over the page boundary would never be seen (and a full pass would mark it missing). Up to
 * `overlapOf(pageSize)` deletions during one walk lose nothing; the repeats are dropped by id.
 */
import { SourceError } from '../media-server.js';

export const DEFAULT_MAX_PAGES = 2000;

/** How many items each page re-reads of the one before it. */
export function overlapOf(pageSize: number): number {
  return Math.min(8, Math.floor(pageSize / 4));
}

export interface Page<T> {
  items: T[];
  /** The total the server announces (Plex totalSize, Jellyfin TotalRecordCount), when it does. */
  total?: number;
}

export interface PagingOptions {
  pageSize: number;
  maxPages: number;
  /** "Plex at http://… (library 2)": how messages name the list. */
  what: string;
  signal?: AbortSignal;
}

/** Yields each page's new items (those not seen on an earlier page), page by page. */
export async function* pages<T>(fetchPage: (start: number, size: number) => Promise<Page<T>>, idOf: (item: T) => string | undefined, options: PagingOptions): AsyncGenerator<{ items: T[]; total?: number }> {
  const seen = new Set<string>();
  let start = 0;
  for (let page = 1; ; page++) {
    if (options.signal?.aborted) throw new SourceError('timeout', `reading ${options.what} was cancelled`);
    if (page > options.maxPages) {
      throw new SourceError('too_many_pages', `${options.what} kept paginating past ${options.maxPages} pages of ${options.pageSize} (${seen.size} items); stopped`);
    }
    const { items, total } = await fetchPage(start, options.pageSize);
    if (items.length === 0) return;
    const fresh = items.filter((item) => {
      const id = idOf(item);
      if (id === undefined) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const end = start + items.length;
    const lastPage = total !== undefined ? end >= total : items.length < options.pageSize;
    if (fresh.length === 0) {
      // The overlap alone coming back is the end of a list whose total was not announced.
      if (page > 1 && lastPage) return;
      throw new SourceError('too_many_pages', `${options.what} answered page ${page} (from ${start}) with only items it had already sent: it ignores paging; stopped after ${seen.size} items`);
    }
    yield { items: fresh, total };
    if (lastPage) return;
    start = end - (items.length > overlapOf(options.pageSize) ? overlapOf(options.pageSize) : 0);
  }
}

/** Every item of a paged walk, gathered (for short lists: collections, playlists, a show's episodes). */
export async function allPageItems<T>(walk: AsyncIterable<{ items: T[] }>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of walk) all.push(...page.items);
  return all;
}
