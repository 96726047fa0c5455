import type { Database } from 'better-sqlite3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ChannelTimelines } from '../../channels/channel-timelines.js';
import type { Logger } from '../../logging/logger.js';
import { addUserChapter, chaptersOf, LibraryRequestError, removeChapter, updateChapter } from '../../library/chapters.js';
import { chapterJson, listMedia, mediaDetail, mediaRow } from '../../library/media-queries.js';
import { ScanRunningError, type LibraryScanJob } from '../../library/scan-job.js';
import { fileIdentity, ThumbnailCache, ThumbnailError, thumbnailInstant, ThumbnailsBusyError, UNKNOWN_DURATION_LIMIT_MS } from '../../library/thumbnails.js';
import { queryProblem, sendError, zodProblem } from '../errors.js';
import {
  chapterCreateBody,
  chapterEditResult,
  chapterListSchema,
  chapterParams,
  chapterPatchBody,
  idParams,
  mediaDetailSchema,
  mediaListQuery,
  mediaListSchema,
  scanStatusSchema,
  thumbnailQuery,
} from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

const idParam = z.coerce.number().int().min(1);

function badRequest(reply: FastifyReply, message: string, field?: string) {
  return sendError(reply, 400, 'bad_request', message, field);
}

function sendLibraryError(reply: FastifyReply, error: unknown) {
  if (!(error instanceof LibraryRequestError)) throw error;
  const status = error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400;
  const code = error.code === 'invalid' ? 'bad_request' : error.code;
  return sendError(reply, status, code, error.message, error.field);
}

export interface MediaRoutesContext {
  db: Database;
  /** Thumbnails are made with ffmpeg and kept in this folder (the data folder's thumbnails/). */
  thumbnails: { dir: string; ffmpegPath: string };
  /** Channels airing an edited file recompile from their next unit boundary. */
  timelines: Pick<ChannelTimelines, 'mediaEdited'>;
  log: Logger;
  /** Rescans from the control room (absent in tools that build the app without serve). */
  libraryScan?: LibraryScanJob;
}

/** `/api/media…`: the library as scanned, and its chapter markers (break points), editable. */
export function registerMediaRoutes(app: FastifyInstance, context: MediaRoutesContext): void {
  const { db } = context;
  const thumbnails = new ThumbnailCache(context.thumbnails);
  /** A chapter edit reaches the compiled schedules: channels airing the file recompile from their next unit boundary. */
  const chaptersChanged = (mediaId: number) => {
    const changed = context.timelines.mediaEdited(mediaId);
    if (changed.length > 0) context.log.info({ mediaId, channels: changed.map((c) => c.channel) }, 'chapter marks changed: rescheduled from the next unit boundary');
    return { rescheduled: changed.map((c) => ({ channel: c.channel, effectiveFrom: new Date(c.effectiveFromMs).toISOString() })) };
  };

  defineRoute(app, {
    method: 'get', path: '/api/media', operationId: 'listMedia', tag: 'Library', summary: 'The library, filtered and paged',
    query: mediaListQuery, errors: [400], responses: { 200: { description: 'one page of files and how many match', schema: mediaListSchema } },
  }, async (request) => listMedia(db, request.query));

  /** Parses :id, answering 400 (not a positive integer) or 404 (no such file) itself. */
  const mediaId = (raw: string, reply: FastifyReply): number | undefined => {
    const id = idParam.safeParse(raw);
    if (!id.success) {
      void badRequest(reply, `media id "${raw}" must be a positive whole number`, 'id');
      return undefined;
    }
    if (!mediaRow(db, id.data)) {
      void sendError(reply, 404, 'not_found', `no media file with id ${id.data}`);
      return undefined;
    }
    return id.data;
  };
  /** A handler for one existing file: `{id}` is parsed first, and a bad or unknown one answered. */
  const forMediaFile =
    <Request extends { params: { id: string } }, Answer>(handler: (id: number, request: Request, reply: FastifyReply) => Promise<Answer>) =>
    async (request: Request, reply: FastifyReply): Promise<Answer | FastifyReply> => {
      const id = mediaId(request.params.id, reply);
      return id === undefined ? reply : handler(id, request, reply);
    };

  defineRoute(app, { method: 'get', path: '/api/media/{id}', operationId: 'getMedia', tag: 'Library', summary: 'One file: facts, streams, chapters', params: idParams, errors: [400, 404], responses: { 200: { description: 'the file', schema: mediaDetailSchema } } }, forMediaFile(async (id, _request, reply) => {
    // forMediaFile found the row; a rescan may remove it in between.
    return mediaDetail(db, id) ?? sendError(reply, 404, 'not_found', `no media file with id ${id}`);
  }));

  defineRoute(app, { method: 'get', path: '/api/media/{id}/chapters', operationId: 'listChapters', tag: 'Library', summary: "A file's chapter markers (break points)", params: idParams, errors: [400, 404], responses: { 200: { description: 'the chapters', schema: chapterListSchema } } }, forMediaFile(async (id) => ({ mediaId: id, chapters: chaptersOf(db, id).map(chapterJson) })));

  defineRoute(app, {
    method: 'post', path: '/api/media/{id}/chapters', operationId: 'addChapter', tag: 'Library', summary: 'Add a chapter marker (kept across rescans)',
    description: 'Channels airing the file recompile from their next unit boundary, so their breaks are there from then on.',
    params: idParams, body: { schema: chapterCreateBody }, errors: [400, 404, 409], responses: { 201: { description: 'the new marker, and the channels rescheduled for it', schema: chapterEditResult } },
  }, forMediaFile(async (id, request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return badRequest(reply, 'body must be a JSON object like {"title": "Act 2", "timestampMs": 420000}');
    }
    const unknownKeys = Object.keys(body).filter((key) => key !== 'title' && key !== 'timestampMs');
    if (unknownKeys.length > 0) return badRequest(reply, `unknown field(s) ${unknownKeys.join(', ')}: expected title and timestampMs`);
    try {
      const marker = addUserChapter(db, id, body as { title?: unknown; timestampMs?: unknown });
      return reply.code(201).send({ ...chapterJson(marker), ...chaptersChanged(id) });
    } catch (error) {
      return sendLibraryError(reply, error);
    }
  }));

  defineRoute(app, {
    method: 'delete', path: '/api/media/{id}/chapters/{chapterId}', operationId: 'removeChapter', tag: 'Library', summary: 'Remove a chapter marker (an imported one stays removed after rescans)',
    params: chapterParams, errors: [400, 404], responses: { 200: { description: 'the removed marker, and the channels rescheduled for it', schema: chapterEditResult } },
  }, forMediaFile(async (id, request, reply) => {
    const chapterId = idParam.safeParse(request.params.chapterId);
    if (!chapterId.success) return badRequest(reply, `chapter id "${request.params.chapterId}" must be a positive whole number`);
    try {
      const removed = chapterJson(removeChapter(db, id, chapterId.data));
      return { ...removed, ...chaptersChanged(id) };
    } catch (error) {
      return sendLibraryError(reply, error);
    }
  }));

  defineRoute(app, {
    method: 'patch', path: '/api/media/{id}/chapters/{chapterId}', operationId: 'updateChapter', tag: 'Library', summary: 'Move and/or rename a chapter marker; it keeps its id (kept across rescans)',
    description: 'Channels airing the file recompile from their next unit boundary, so their breaks move there. An imported marker becomes a user marker; its original instant stays suppressed on rescans.',
    params: chapterParams, body: { schema: chapterPatchBody }, errors: [400, 404, 409], responses: { 200: { description: 'the marker, moved, and the channels rescheduled for it', schema: chapterEditResult } },
  }, forMediaFile(async (id, request, reply) => {
    const chapterId = idParam.safeParse(request.params.chapterId);
    if (!chapterId.success) return badRequest(reply, `chapter id "${request.params.chapterId}" must be a positive whole number`, 'chapterId');
    const body = chapterPatchBody.safeParse(request.body);
    if (!body.success) {
      const problem = zodProblem(body.error);
      return badRequest(reply, problem.message.replace(/unknown key\(s\)/g, 'unknown field(s)'), problem.field);
    }
    try {
      const marker = updateChapter(db, id, chapterId.data, body.data);
      return { ...chapterJson(marker), ...chaptersChanged(id) };
    } catch (error) {
      return sendLibraryError(reply, error);
    }
  }));

  defineRoute(app, {
    method: 'get', path: '/api/media/{id}/thumbnail', operationId: 'thumbnail', tag: 'Library', summary: 'A small JPEG (160 px wide) of the instant `at` of the file',
    description:
      'Pictures exist at the file\'s chapter marks and on a grid of whole seconds (coarser for files over 2 000 s, so a file has at most about 2 000): `at` is moved to the nearest. ' +
      'Made with ffmpeg on first request (two at a time, 16 more queued: a full queue answers 503 with Retry-After) and cached in the data folder, at most 128 per file and 4 096 in all, least recently used deleted first; answered with Cache-Control and an ETag.',
    params: idParams, query: thumbnailQuery, queryReadByHandler: true, errors: [400, 404, 422, 503], responses: { 200: { description: 'the picture', contentType: 'image/jpeg' } },
  }, forMediaFile(async (id, request, reply) => {
    const query = thumbnailQuery.safeParse(request.query);
    if (!query.success) {
      const problem = queryProblem(query.error);
      return badRequest(reply, `${problem.message} (give at=MILLISECONDS, e.g. ?at=90000)`, problem.field ?? 'at');
    }
    const askedMs = Number(query.data.at);
    const row = mediaRow(db, id)!;
    const limitMs = row.duration_ms ?? UNKNOWN_DURATION_LIMIT_MS;
    if (askedMs > limitMs) return badRequest(reply, `at: ${askedMs} is not inside the file (0 to ${limitMs} ms)`, 'at');
    if (row.status === 'missing') return sendError(reply, 404, 'not_found', `media file ${id} is missing: ${row.status_reason ?? 'not found at last scan'}`);
    if (row.status === 'unplayable') return sendError(reply, 422, 'unplayable', `media file ${id} cannot be played: ${row.status_reason ?? 'unplayable'}`);
    if (!row.video_codec) return sendError(reply, 422, 'no_picture', `media file ${id} has no video stream`);
    // Pictures exist only on the file's grid and at its chapter marks: any other instant gets the nearest.
    const atMs = thumbnailInstant(askedMs, row.duration_ms, chaptersOf(db, id).map((chapter) => chapter.timestampMs));
    const source = { mediaId: id, path: row.path, sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms };
    const etag = `"${id}-${fileIdentity(source)}-${atMs}"`;
    reply.header('cache-control', 'public, max-age=3600').header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    try {
      const jpeg = await thumbnails.get(source, atMs);
      return reply.type('image/jpeg').send(jpeg);
    } catch (error) {
      reply.removeHeader('cache-control').removeHeader('etag');
      if (error instanceof ThumbnailsBusyError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return sendError(reply, 503, 'busy', error.message);
      }
      if (!(error instanceof ThumbnailError)) throw error;
      return error.code === 'missing' ? sendError(reply, 404, 'not_found', error.message) : sendError(reply, 422, 'no_picture', error.message);
    }
  }));

  // ---- rescans from the control room
  const scanJob = context.libraryScan;
  if (scanJob) {
    defineRoute(app, {
      method: 'get', path: '/api/library/scan', operationId: 'scanStatus', tag: 'Library', summary: "The library rescan's progress, or the last one's summary",
      responses: { 200: { description: 'the scan', schema: scanStatusSchema } },
    }, async () => scanJob.status());
    defineRoute(app, {
      method: 'post', path: '/api/library/scan', operationId: 'startScan', tag: 'Library', summary: 'Rescan the library folders (follow it with GET)',
      description: 'Unchanged files are not probed. New files air in schedules compiled after the scan, as after a restart.',
      errors: [409], responses: { 202: { description: 'the scan, started', schema: scanStatusSchema } },
    }, async (_request, reply) => {
      try {
        return reply.code(202).send(scanJob.start());
      } catch (error) {
        if (error instanceof ScanRunningError) return sendError(reply, 409, 'conflict', error.message);
        throw error;
      }
    });
  }
}
