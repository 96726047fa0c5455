/**
 * Bounded pagination over a media server's lists. A server is trusted for nothing: it may claim
 * a total it never reaches, ignore the start index and answer the same page forever, or invent
 * new items on every page. The walk stops at an empty page or the announced total, refuses to
 * go past `maxPages`, and refuses a page that only repeats what it already gave.
 */
import { SourceError } from '../media-server.js';

export const DEFAULT_MAX_PAGES = 2000;

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
    if (fresh.length === 0) {
      throw new SourceError('too_many_pages', `${options.what} answered page ${page} (from ${start}) with only items it had already sent: it ignores paging; stopped after ${seen.size} items`);
    }
    start += items.length;
    yield { items: fresh, total };
    if (total !== undefined ? start >= total : items.length < options.pageSize) return;
  }
}
