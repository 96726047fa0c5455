import { DEFAULT_MAX_PAGES } from './paging.js';

/** Limits every media-server client honours; the defaults suit a 10 000-episode library on a LAN. */
export interface ClientOptions {
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Per response body (default 10 MB). */
  maxResponseBytes?: number;
  /** Per listing (default 2000). */
  maxPages?: number;
  /** Items per page (default 200); tests make it small to see paging. */
  pageSize?: number;
  /** Per-item detail requests (chapters, markers, segments) in flight at once (default 4). */
  detailConcurrency?: number;
}

export const DEFAULT_PAGE_SIZE = 200;
export const DEFAULT_DETAIL_CONCURRENCY = 4;

/** The options with every default filled in, as both clients use them. */
export function resolveClientOptions(options: ClientOptions) {
  return {
    /** What each request and its body may take (bounded-http's limits). */
    limits: { timeoutMs: options.timeoutMs, maxResponseBytes: options.maxResponseBytes },
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
    concurrency: options.detailConcurrency ?? DEFAULT_DETAIL_CONCURRENCY,
  };
}
