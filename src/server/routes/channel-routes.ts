import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pathNumber } from './path-number.js';
import { tuneOrRefuse } from './tuner-reply.js';
import type { TunerPool } from '../../livetv/tuner-pool.js';
import type { Channel } from '../../playout/channel.js';
import type { ChannelManager } from '../../playout/channel-manager.js';
import type { ChannelRenditions } from '../../playout/channel-renditions.js';
import type { ChannelSession } from '../../playout/channel-session.js';
import { LanguageRenditions } from '../../playout/language-renditions.js';

export interface StreamRoutesContext {
  /** The channels on the air (playout's ChannelManager): looked up, started by a viewer, kept on by activity. */
  playout: Pick<ChannelManager, 'all' | 'channel' | 'touch' | 'noteActivity'>;
  /** streaming.segment_duration: how long a blocking playlist reload may be held. */
  segmentDurationSeconds: number;
  /** A .ts viewer holds one of these (hdhr.tuner_count). */
  tuners: TunerPool;
  /** While the first run's demo station is coming up: why its channels are not on the air yet (else undefined). */
  notOnAirYet?: () => string | undefined;
}

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
/** A ladder rung's media playlist beside its channel's master playlist (`/channel/1/low.m3u8`). */
const VARIANT_FILE = /^([a-z]+)\.m3u8$/;

function unknownChannel(reply: FastifyReply, what: string, context: StreamRoutesContext): FastifyReply {
  // A demo channel before its sign-on files exist is not unknown: it is coming, say when to ask again.
  const preparing = context.notOnAirYet?.();
  if (preparing) return reply.code(503).header('retry-after', '5').send({ error: 'station_preparing', message: preparing });
  const known = context.playout.all().map((channel) => channel.number);
  return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${what}; channels are ${known.join(', ')}` });
}

/** Channel n, started and with its own run live (its first segment published); undefined when it answered 503. */
async function liveChannel(context: StreamRoutesContext, channelNumber: number, reply: FastifyReply): Promise<Channel | undefined> {
  const channel = await context.playout.touch(channelNumber);
  if (!channel) return undefined;
  try {
    await channel.session.waitUntilLive(COLD_START_TIMEOUT_MS);
    context.playout.noteActivity(channelNumber);
  } catch (error) {
    void reply.code(503).header('retry-after', '2').send({ error: 'channel_starting', message: (error as Error).message });
    return undefined;
  }
  return channel;
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

/**
 * A live media playlist from memory (rendered once per change), with blocking reload: a
 * `?_HLS_msn=N` request waits for segment N (see blockingReloadHoldMs); one further ahead than
 * the next two is refused (RFC 8216bis). no-cache lets a proxy in front keep it but ask again
 * every time; the ETag makes that ask a cheap 304.
 */
async function sendMediaPlaylist(session: ChannelSession, request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply, context: StreamRoutesContext): Promise<FastifyReply> {
  const wanted = blockingReloadTarget(request.query);
  if (wanted !== undefined) {
    const last = session.playlist.lastPublishedSequence ?? -1;
    if (wanted > last + 2) return reply.code(400).send({ error: 'bad_request', field: '_HLS_msn', message: `segment ${wanted} is more than two past the newest (${last})` });
    await session.waitForSequence(wanted, blockingReloadHoldMs(context.segmentDurationSeconds));
  }
  return sendPlaylistText(request, reply, session.playlist.etag, () => session.playlist.render());
}

function sendPlaylistText(request: FastifyRequest, reply: FastifyReply, etag: string, text: () => string): FastifyReply {
  reply.header('content-type', HLS_PLAYLIST_TYPE).header('cache-control', 'no-cache').header('etag', etag);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.send(text());
}

/**
 * With an adaptive-bitrate ladder, every rung must have a segment before the master playlist is
 * answered: a player may pick any variant at once, and the CODECS come from the rungs' segments.
 */
async function liveRenditions(channel: Channel, reply: FastifyReply, context: StreamRoutesContext): Promise<ChannelRenditions | undefined> {
  const renditions = channel.renditions;
  if (!renditions) return undefined;
  try {
    await renditions.waitUntilLive(COLD_START_TIMEOUT_MS);
    context.playout.noteActivity(channel.number);
  } catch (error) {
    void reply.code(503).header('retry-after', '2').send({ error: 'channel_starting', message: (error as Error).message });
    return undefined;
  }
  return renditions;
}

/**
 * A segment: immutable once cut, so cacheable by any proxy or CDN in front; served while listed
 * (from memory) or recently listed (from disk).
 */
async function sendSegment(session: ChannelSession, segment: string, request: FastifyRequest, reply: FastifyReply, context: StreamRoutesContext): Promise<FastifyReply> {
  if (!SEGMENT_FILE.test(segment) || !session.isServableSegment(segment)) {
    return reply.code(404).send({ error: 'segment_not_found', message: `segment ${segment} is not (or no longer) available` });
  }
  await context.playout.touch(session.channelNumber);
  // A segment's name is unique to its run and position, so the name is a strong validator.
  // (Rungs of a ladder have names of their own runs: the URL's rung makes the ETag unique.)
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
}

/**
 * A language rendition's playlist (`/channel/1/aud-1.m3u8`, `/channel/1/sub-eng.m3u8`, with
 * blocking reload like the video's: same sequence numbers) or segment (`r3-17.aud-1.ts`,
 * `r3-17.sub-eng.vtt`), derived from the channel's own run (src/playout/language-renditions.ts).
 */
async function sendSibling(channel: Channel, request: FastifyRequest<{ Params: { segment: string }; Querystring: Record<string, string | undefined> }>, reply: FastifyReply, context: StreamRoutesContext): Promise<FastifyReply> {
  const languages = channel.languages!;
  const name = request.params.segment;
  const notFound = () => reply.code(404).send({ error: 'segment_not_found', message: `channel ${channel.number} has no ${name.endsWith('.m3u8') ? 'rendition' : 'segment'} ${name}` });
  if (name.endsWith('.m3u8')) {
    if (!languages.playlist(name)) return notFound();
    const live = await liveChannel(context, channel.number, reply);
    if (!live) return reply;
    const wanted = blockingReloadTarget(request.query);
    if (wanted !== undefined) {
      const last = live.session.playlist.lastPublishedSequence ?? -1;
      if (wanted > last + 2) return reply.code(400).send({ error: 'bad_request', field: '_HLS_msn', message: `segment ${wanted} is more than two past the newest (${last})` });
      await live.session.waitForSequence(wanted, blockingReloadHoldMs(context.segmentDurationSeconds));
    }
    const playlist = languages.playlist(name)!;
    return sendPlaylistText(request, reply, playlist.etag, () => playlist.text);
  }
  const segment = await languages.segment(name);
  if (!segment) return notFound();
  await context.playout.touch(channel.number);
  reply.header('content-type', segment.contentType).header('cache-control', 'public, max-age=3600').header('etag', segment.etag);
  if (request.headers['if-none-match'] === segment.etag) return reply.code(304).send();
  return reply.send(segment.body);
}

export function registerChannelRoutes(app: FastifyInstance, context: StreamRoutesContext): void {
  // /channel/1.m3u8 (live HLS) and /channel/1.ts (continuous MPEG-TS).
  app.get<{ Params: { file: string }; Querystring: Record<string, string | undefined> }>('/channel/:file', async (request, reply) => {
    const match = CHANNEL_FILE.exec(request.params.file);
    if (!match) return unknownChannel(reply, `"${request.params.file}" (use /channel/N.m3u8 or /channel/N.ts)`, context);
    const channelNumber = Number(match[1]);
    if (!context.playout.channel(channelNumber)) return unknownChannel(reply, String(channelNumber), context);
    // A .ts viewer holds a tuner (hdhr.tuner_count) until it hangs up; HLS is not limited.
    const tuner = match[2] === 'ts' ? tuneOrRefuse(context.tuners, channelNumber, reply) : undefined;
    if (match[2] === 'ts' && !tuner) return reply;
    reply.raw.once('close', () => tuner?.release());
    const channel = await liveChannel(context, channelNumber, reply);
    if (!channel) return reply;
    const session = channel.session;

    if (match[2] === 'm3u8') {
      if (!channel.renditions) return sendMediaPlaylist(session, request, reply, context);
      // A ladder or languages: the master playlist, one variant per rung (or the channel's own
      // run) and its language renditions (src/playout/channel-renditions.ts, language-renditions.ts).
      if (!(await liveRenditions(channel, reply, context))) return reply;
      const master = channel.masterPlaylist()!;
      return sendPlaylistText(request, reply, master.etag, () => master.text);
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
    if (match && context.notOnAirYet?.()) return reply.code(503).header('retry-after', '5').send();
    if (!match || !context.playout.channel(Number(match[1]))) return reply.code(404).send();
    return reply.header('content-type', match[2] === 'm3u8' ? HLS_PLAYLIST_TYPE : TUNER_STREAM_TYPE).send();
  });

  // The channel's segments (`/channel/1/r1-5.ts`), or with a ladder a rung's media playlist (`/channel/1/low.m3u8`).
  app.get<{ Params: { channel: string; segment: string }; Querystring: Record<string, string | undefined> }>('/channel/:channel/:segment', async (request, reply) => {
    const channelNumber = pathNumber(request.params.channel);
    const channel = channelNumber === undefined ? undefined : context.playout.channel(channelNumber);
    if (!channel) return unknownChannel(reply, request.params.channel, context);
    if (channel.languages && LanguageRenditions.isSiblingName(request.params.segment)) return sendSibling(channel, request, reply, context);
    const variant = VARIANT_FILE.exec(request.params.segment);
    if (!variant) return sendSegment(channel.session, request.params.segment, request, reply, context);
    const rendition = channel.renditions?.find(variant[1]!);
    if (!rendition) return reply.code(404).send({ error: 'unknown_variant', message: `channel ${channelNumber} has no variant ${variant[1]}${channel.renditions ? '' : ' (no streaming.ladder)'}` });
    // Any rung's viewer keeps the whole ladder running (they start and stop together).
    await context.playout.touch(channel.number);
    if (!(await liveRenditions(channel, reply, context))) return reply;
    return sendMediaPlaylist(rendition.session, request, reply, context);
  });

  // A ladder rung's segments (`/channel/1/low/r1-5.ts`, relative to its media playlist).
  app.get<{ Params: { channel: string; rung: string; segment: string } }>('/channel/:channel/:rung/:segment', async (request, reply) => {
    const channelNumber = pathNumber(request.params.channel);
    const channel = channelNumber === undefined ? undefined : context.playout.channel(channelNumber);
    if (!channel) return unknownChannel(reply, request.params.channel, context);
    const rendition = channel.renditions?.find(request.params.rung);
    if (!rendition) return reply.code(404).send({ error: 'segment_not_found', message: `channel ${channelNumber} has no variant ${request.params.rung}` });
    return sendSegment(rendition.session, request.params.segment, request, reply, context);
  });
}
