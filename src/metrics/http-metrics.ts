import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { HlsViewers } from './hls-viewers.js';

/** The label every request that matched no route gets: a hostile URL must never become a series of its own. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route a request is counted under: the pattern it was registered with (`/channel/:n/:segment`),
 * never its URL. `/channel/:file` serves both the playlist and the `.ts` stream, which behave
 * nothing alike, so it is split by its (checked) suffix into `/channel/:n.m3u8` and `/channel/:n.ts`.
 */
export function routeLabel(pattern: string | undefined, url: string): string {
  if (!pattern) return UNMATCHED_ROUTE;
  if (pattern === '/channel/:file') {
    const pathname = url.split('?', 1)[0]!;
    if (/^\/channel\/\d+\.m3u8$/.test(pathname)) return '/channel/:n.m3u8';
    if (/^\/channel\/\d+\.ts$/.test(pathname)) return '/channel/:n.ts';
    return '/channel/:file';
  }
  // Fastify's `*` wildcard and every other pattern are already bounded (one per registered route).
  return pattern.replace(/\/:channel(?=\/|$)/, '/:n');
}

/** Which channel a stream request is for (`/channel/3.ts`, `/channel/3/r1-5.ts`, `/channel/3/low/…`), if any. */
export function streamChannelOf(url: string): number | undefined {
  const match = /^\/channel\/(\d{1,6})(?:\.(?:m3u8|ts)|\/[^?]*)(?:\?|$)/.exec(url);
  return match ? Number(match[1]) : undefined;
}

/** Does this request mean "an HLS player is watching"? Playlists and segments do; the `.ts` stream is counted by its own fan-out. */
function isHlsRequest(url: string): boolean {
  const pathname = url.split('?', 1)[0]!;
  return !/^\/channel\/\d+\.ts$/.test(pathname);
}

export interface HttpMetricsOptions {
  registry: Registry;
  /** Is `n` a channel of this station? Bytes and viewers are only counted for real channels (bounded labels). */
  isChannel: (n: number) => boolean;
  /** streaming.segment_duration: an HLS player reloads at least this often while watching. */
  segmentDurationSeconds: number;
}

/** Time to the answer's headers: histogram buckets from a cached playlist (ms) to a cold channel start (up to 20 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

const startedAt = new WeakMap<FastifyRequest, bigint>();

/**
 * What must be counted as it happens (the rest of /metrics is read at scrape time): how long
 * each request took to be answered, by route; the bytes each channel sends; who is watching
 * each channel over HLS. Returns the HLS viewer table the scrape reads.
 */
export function registerHttpMetrics(app: FastifyInstance, options: HttpMetricsOptions): HlsViewers {
  const registers = [options.registry];
  const duration = new Histogram({
    name: 'retrovue_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer starting (headers sent), by route pattern, method and status. For /channel/:n.ts and playlists this includes waiting for a cold channel to start.',
    labelNames: ['route', 'method', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const sent = new Counter({
    name: 'retrovue_channel_sent_bytes_total',
    help: "Bytes of a channel's playlists, segments and .ts stream handed to viewers' connections (rate() of it is the channel's outgoing bandwidth).",
    labelNames: ['channel'],
    registers,
  });
  const viewers = new HlsViewers(Math.max(30, options.segmentDurationSeconds * 3) * 1000);

  app.addHook('onRequest', async (request, reply) => {
    startedAt.set(request, process.hrtime.bigint());
    if (request.method !== 'GET') return;
    const channel = streamChannelOf(request.url);
    if (channel === undefined || !options.isChannel(channel)) return;
    if (isHlsRequest(request.url)) viewers.note(channel, `${request.ip} ${String(request.headers['user-agent'] ?? '').slice(0, 200)}`);
    countBodyBytes(reply.raw, (bytes) => sent.inc({ channel: String(channel) }, bytes));
  });

  app.addHook('onSend', async (request, reply) => {
    const start = startedAt.get(request);
    if (start === undefined) return;
    startedAt.delete(request);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    duration.observe({ route: routeLabel(request.routeOptions.url, request.url), method: request.method, status: String(reply.statusCode) }, seconds);
  });
  return viewers;
}

/**
 * Counts the body bytes a response hands to its socket, whether Fastify sends them at once
 * (a segment from memory, a playlist: `end(body)`) or a stream is piped into it over hours
 * (`/channel/n.ts`: many `write`s). Wrapping the response's own two methods counts exactly
 * what was sent, while it is sent, without putting anything between the `.ts` fan-out and the
 * socket (its slow-viewer detection watches that socket's buffer).
 */
function countBodyBytes(response: ServerResponse, count: (bytes: number) => void): void {
  const sizeOf = (chunk: unknown, encoding?: unknown): number => {
    if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    if (chunk instanceof Uint8Array) return chunk.byteLength;
    return 0;
  };
  const write = response.write;
  const end = response.end;
  response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const bytes = sizeOf(chunk, rest[0]);
    if (bytes > 0) count(bytes);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  response.end = function (this: ServerResponse, ...args: unknown[]) {
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const bytes = sizeOf(chunk, args[1]);
    if (bytes > 0) count(bytes);
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
}
