import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { tuneOrRefuse } from './tuner-reply.js';
import type { ChannelSession } from '../../playout/channel-session.js';
import type { AppContext } from '../app.js';

export const HLS_PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
/** HLS segments (RFC 8216 §3.2). */
export const MPEG_TS_TYPE = 'video/mp2t';
/**
 * The continuous `/channel/N.ts` stream answers as a real HDHomeRun does (`video/mpeg`, chunked,
 * no length), for every client: Plex, Jellyfin and Emby expect it, VLC and ffmpeg probe the bytes.
 */
export const TUNER_STREAM_TYPE = 'video/mpeg';

/** How long a cold channel may take to publish its first segment before we give up on the request. */
const COLD_START_TIMEOUT_MS = 20_000;

const CHANNEL_FILE = /^(\d+)\.(m3u8|ts)$/;
const SEGMENT_FILE = /^r\d+-\d+\.ts$/;

function unknownChannel(reply: FastifyReply, what: string, context: AppContext): FastifyReply {
  const known = context.channels.all().map((s) => s.channelNumber);
  return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${what}; channels are ${known.join(', ')}` });
}

async function liveSession(context: AppContext, channelNumber: number, reply: FastifyReply): Promise<ChannelSession | undefined> {
  const session = await context.channels.touch(channelNumber);
  if (!session) return undefined;
  try {
    await session.waitUntilLive(COLD_START_TIMEOUT_MS);
    context.channels.noteActivity(channelNumber);
  } catch (error) {
    void reply.code(503).header('retry-after', '2').send({ error: 'channel_starting', message: (error as Error).message });
    return undefined;
  }
  return session;
}

/**
 * How long a blocking reload is held before the playlist is answered as it is. RFC 8216bis allows
 * three target durations, but players time a playlist request out well before that with long
 * segments (hls.js: 10 s), and a timed-out reload costs a retry and, traced in the bench, a stall.
 * So at most 6 s: the half-second segments of a cold start arrive at once, and in steady state an
 * unanswered wait simply returns the same playlist and the player asks again.
 */
export function blockingReloadHoldMs(segmentDurationSeconds: number): number {
  return Math.min(3 * segmentDurationSeconds, 6) * 1000;
}

/** `_HLS_msn` of a blocking playlist reload, when the request carries a valid one. */
function blockingReloadTarget(query: Record<string, string | undefined>): number | undefined {
  const raw = query._HLS_msn;
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export function registerChannelRoutes(app: FastifyInstance, context: AppContext): void {
  // /channel/1.m3u8 (live HLS) and /channel/1.ts (continuous MPEG-TS).
  app.get<{ Params: { file: string }; Querystring: Record<string, string | undefined> }>('/channel/:file', async (request, reply) => {
    const match = CHANNEL_FILE.exec(request.params.file);
    if (!match) return unknownChannel(reply, `"${request.params.file}" (use /channel/N.m3u8 or /channel/N.ts)`, context);
    const channelNumber = Number(match[1]);
    if (!context.channels.get(channelNumber)) return unknownChannel(reply, String(channelNumber), context);
    // A .ts viewer holds a tuner (hdhr.tuner_count) until it hangs up; HLS is not limited.
    const tuner = match[2] === 'ts' ? tuneOrRefuse(context, channelNumber, reply) : undefined;
    if (match[2] === 'ts' && !tuner) return reply;
    reply.raw.once('close', () => tuner?.release());
    const session = await liveSession(context, channelNumber, reply);
    if (!session) return reply;

    if (match[2] === 'm3u8') {
      // A blocking reload (`?_HLS_msn=N`, advertised by CAN-BLOCK-RELOAD) waits for segment N
      // (see blockingReloadHoldMs); one further ahead than the next two is refused (RFC 8216bis).
      const wanted = blockingReloadTarget(request.query);
      if (wanted !== undefined) {
        const last = session.playlist.lastPublishedSequence ?? -1;
        if (wanted > last + 2) return reply.code(400).send({ error: 'bad_request', field: '_HLS_msn', message: `segment ${wanted} is more than two past the newest (${last})` });
        await session.waitForSequence(wanted, blockingReloadHoldMs(context.config.streaming.segment_duration));
      }
      // Answered from memory (the text is rendered once per change). no-cache lets a proxy in
      // front keep it but ask again every time; the ETag makes that ask a cheap 304.
      const etag = session.playlist.etag;
      reply.header('content-type', HLS_PLAYLIST_TYPE).header('cache-control', 'no-cache').header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(session.playlist.render());
    }
    if (session.state === 'ended') return reply.code(410).send({ error: 'off_air', message: `channel ${channelNumber} has ended` });
    // A viewer who hung up while a cold channel was starting is no viewer: never add it,
    // or it would count (and hold the channel on) forever.
    if (request.raw.destroyed || request.raw.socket.destroyed) return reply;
    // Opens on PAT, PMT and a keyframe a few seconds back, then runs at the stream's own pace.
    const stream = session.fanout.addViewer();
    request.raw.once('close', () => stream.destroy());
    return reply.header('content-type', TUNER_STREAM_TYPE).header('cache-control', 'no-cache, no-store').send(stream);
  });

  // Probes (Plex, Jellyfin) ask HEAD first; answer without starting an encoder.
  app.head<{ Params: { file: string } }>('/channel/:file', async (request, reply) => {
    const match = CHANNEL_FILE.exec(request.params.file);
    if (!match || !context.channels.get(Number(match[1]))) return reply.code(404).send();
    return reply.header('content-type', match[2] === 'm3u8' ? HLS_PLAYLIST_TYPE : TUNER_STREAM_TYPE).send();
  });

  // Segments: immutable once cut, so cacheable by any proxy or CDN in front; served while listed
  // (from memory) or recently listed (from disk).
  app.get<{ Params: { channel: string; segment: string } }>('/channel/:channel/:segment', async (request, reply) => {
    const channelNumber = Number(request.params.channel);
    const session = Number.isInteger(channelNumber) ? context.channels.get(channelNumber) : undefined;
    if (!session) return unknownChannel(reply, request.params.channel, context);
    const { segment } = request.params;
    if (!SEGMENT_FILE.test(segment) || !session.isServableSegment(segment)) {
      return reply.code(404).send({ error: 'segment_not_found', message: `segment ${segment} is not (or no longer) available` });
    }
    await context.channels.touch(channelNumber);
    // A segment's name is unique to its run and position, so the name is a strong validator.
    const etag = `"${segment.slice(0, -3)}"`;
    reply
      .header('content-type', MPEG_TS_TYPE)
      .header('cache-control', 'public, max-age=3600, immutable')
      .header('etag', etag)
      .header('last-modified', new Date(session.segmentPublishedAtMs(segment) ?? Date.now()).toUTCString());
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const inMemory = session.segmentInMemory(segment);
    if (inMemory) return reply.header('content-length', inMemory.length).send(inMemory);
    try {
      const { size } = await stat(session.segmentPath(segment));
      return reply.header('content-length', size).send(createReadStream(session.segmentPath(segment)));
    } catch {
      return reply.code(404).send({ error: 'segment_not_found', message: `segment ${segment} is no longer available` });
    }
  });
}
