import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { LiveSourceError, type LiveSources, type LiveSourceView } from '../../live/live-sources.js';
import { LiveThumbnailError } from '../../live/live-thumbnail.js';
import { displayUrl, MAX_LIVE_NAME_CHARS, MAX_LIVE_URL_CHARS, publishUrl } from '../../live/live-url.js';
import { sendError, zodProblem } from '../errors.js';
import { defineRoute } from '../openapi/route-table.js';

const idParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a live source id: 1 to 32 of a-z, 0-9 and -') }).strict();

const createBody = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be 1 to 32 of a-z, 0-9 and -'),
    name: z.string().min(1).max(MAX_LIVE_NAME_CHARS),
    url: z.string().min(1).max(MAX_LIVE_URL_CHARS),
  })
  .strict();
const updateBody = z.object({ name: z.string().min(1).max(MAX_LIVE_NAME_CHARS).optional(), url: z.string().min(1).max(MAX_LIVE_URL_CHARS).optional() }).strict();

const videoSchema = z.looseObject({ codec: z.string(), width: z.number().int(), height: z.number().int(), fps: z.number().nullable() });
const audioSchema = z.looseObject({ codec: z.string(), channels: z.number().int().nullable(), sample_rate: z.number().int().nullable() });
const liveSourceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  kind: z.enum(['pull', 'push']),
  protocol: z.string(),
  /** "set" for a push source: the key itself is only in the create and rotate answers. */
  key: z.enum(['set']).nullable(),
  status: z.looseObject({
    state: z.enum(['waiting', 'connected', 'lost']),
    since: z.string(),
    last_error: z.string().nullable(),
    bytes_per_second: z.number().int(),
    video: videoSchema.nullable(),
    audio: audioSchema.nullable(),
    connections: z.number().int(),
    refused_publishers: z.number().int(),
  }),
});
const listSchema = z.looseObject({ sources: z.array(liveSourceSchema) });
const withKeySchema = z.looseObject({
  source: liveSourceSchema,
  key: z.string().nullable(),
  publish_url: z.string().nullable(),
});
const removedSchema = z.looseObject({ removed: z.string() });

export interface LiveSourceRoutesContext {
  live: LiveSources;
}

function view(source: LiveSourceView) {
  const { row, endpoint, status } = source;
  return {
    id: row.id,
    name: row.name,
    url: displayUrl(row.url),
    kind: endpoint.kind,
    protocol: endpoint.protocol,
    key: row.key ? ('set' as const) : null,
    status: {
      state: status.state,
      since: status.since,
      last_error: status.lastError,
      bytes_per_second: status.bytesPerSecond,
      video: status.video,
      audio: status.audio ? { codec: status.audio.codec, channels: status.audio.channels, sample_rate: status.audio.sampleRate } : null,
      connections: status.connections,
      refused_publishers: source.refusedPublishers,
    },
  };
}

/** The answer that shows a key: where to publish, with the host the client reached us by. */
function withKey(source: LiveSourceView, key: string | undefined, host: string) {
  const hostname = host.replace(/:\d+$/, '') || 'this-server';
  return { source: view(source), key: key ?? null, publish_url: key ? (publishUrl(source.endpoint, key, hostname) ?? null) : null };
}

function sendLiveError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof LiveSourceError) return sendError(reply, error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400, error.code, error.message, error.field);
  throw error;
}

/**
 * `/api/live/sources`: live sources (issue 25). Reads are open like the other control-room
 * reads; writes are guarded like every write (server/access/write-guard.ts: the admin token
 * unless from this machine). A push source's key is in the create and rotate-key answers only;
 * every other answer says `"key": "set"`.
 */
export function registerLiveSourceRoutes(app: FastifyInstance, context: LiveSourceRoutesContext): void {
  const { live } = context;
  const bodyError = (reply: FastifyReply, error: z.ZodError) => {
    const problem = zodProblem(error);
    return sendError(reply, 400, 'bad_request', problem.message, problem.field);
  };
  const notFound = (reply: FastifyReply, id: string) => sendError(reply, 404, 'not_found', `no live source ${id}: GET /api/live/sources lists them`, 'id');

  defineRoute(app, {
    method: 'get', path: '/api/live/sources', operationId: 'listLiveSources', tag: 'Live', summary: 'The live sources and their state (waiting, connected, lost), bitrate and streams; keys only as "set"',
    responses: { 200: { description: 'the sources', schema: listSchema } },
  }, async () => ({ sources: live.list().map(view) }));

  defineRoute(app, {
    method: 'post', path: '/api/live/sources', operationId: 'addLiveSource', tag: 'Live', summary: 'Add a live source: pulled (srt caller, rtsp, rtmp, HLS, udp) or pushed to a port Retrovue listens on (SRT listener, RTMP)',
    description:
      '`{ "id": "studio", "name": "Studio A", "url": "rtmp://0.0.0.0:1935/live" }` (push: the answer holds the generated key and the publish URL, shown only here and after a rotate-key) or `"srt://0.0.0.0:9000?mode=listener"` (push, the key is the SRT passphrase), or a pull URL: `srt://host:port?mode=caller`, `rtsp://`, `rtmp://host/app/stream`, `https://…/index.m3u8`, `udp://`. Two push sources cannot share a port (409).',
    body: { schema: createBody }, errors: [400, 409], responses: { 201: { description: 'the source, and its key when it is a push source', schema: withKeySchema } },
  }, async (request, reply) => {
    const parsed = createBody.safeParse(request.body);
    if (!parsed.success) return bodyError(reply, parsed.error);
    try {
      const { view: created, key } = live.create(parsed.data);
      return reply.code(201).send(withKey(created, key, request.host));
    } catch (error) {
      return sendLiveError(reply, error);
    }
  });

  defineRoute(app, {
    method: 'get', path: '/api/live/sources/{id}', operationId: 'getLiveSource', tag: 'Live', summary: 'One live source: its state, since when, last error, bitrate, video and audio',
    params: idParams, errors: [404], responses: { 200: { description: 'the source', schema: liveSourceSchema } },
  }, async (request, reply) => {
    const found = live.get(request.params.id);
    return found ? view(found) : notFound(reply, request.params.id);
  });

  defineRoute(app, {
    method: 'patch', path: '/api/live/sources/{id}', operationId: 'updateLiveSource', tag: 'Live', summary: "Change a live source's name or URL (a new URL restarts its ingest; a source that becomes a push source gets a key, in this answer)",
    params: idParams, body: { schema: updateBody }, errors: [400, 404, 409], responses: { 200: { description: 'the source (and a new key, if one was made)', schema: withKeySchema } },
  }, async (request, reply) => {
    const parsed = updateBody.safeParse(request.body);
    if (!parsed.success) return bodyError(reply, parsed.error);
    try {
      const { view: updated, key } = await live.update(request.params.id, parsed.data);
      return withKey(updated, key, request.host);
    } catch (error) {
      return sendLiveError(reply, error);
    }
  });

  defineRoute(app, {
    method: 'delete', path: '/api/live/sources/{id}', operationId: 'removeLiveSource', tag: 'Live', summary: 'Remove a live source (its ingest stops, its port closes)',
    params: idParams, errors: [404], responses: { 200: { description: 'removed', schema: removedSchema } },
  }, async (request, reply) => {
    const removed = await live.remove(request.params.id);
    return removed ? { removed: request.params.id } : notFound(reply, request.params.id);
  });

  defineRoute(app, {
    method: 'post', path: '/api/live/sources/{id}/rotate-key', operationId: 'rotateLiveSourceKey', tag: 'Live', summary: "A new secret key for a push source: the old one stops working at once; the new one is shown only in this answer",
    params: idParams, errors: [400, 404], responses: { 200: { description: 'the source, its new key and publish URL', schema: withKeySchema } },
  }, async (request, reply) => {
    try {
      const { view: rotated, key } = await live.rotateKey(request.params.id);
      return withKey(rotated, key, request.host);
    } catch (error) {
      return sendLiveError(reply, error);
    }
  });

  defineRoute(app, {
    method: 'get', path: '/api/live/sources/{id}/thumbnail', operationId: 'liveSourceThumbnail', tag: 'Live', summary: 'A JPEG of the live source now (its size, at most 640 px wide), decoded from its last seconds; made at most every 2 s',
    params: idParams, errors: [404, 422, 503], responses: { 200: { description: 'the picture', contentType: 'image/jpeg' } },
  }, async (request, reply) => {
    try {
      const jpeg = await live.thumbnail(request.params.id);
      return reply.header('cache-control', 'no-store').type('image/jpeg').send(jpeg);
    } catch (error) {
      if (error instanceof LiveThumbnailError) {
        if (error.code === 'busy') return sendError(reply.header('retry-after', '1'), 503, 'busy', error.message);
        return sendError(reply, 422, 'no_picture', error.message);
      }
      return sendLiveError(reply, error);
    }
  });
}
