import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import path from 'node:path';
import { addUserChapter, chaptersOf, LibraryRequestError, removeChapter, updateChapter } from '../../library/chapters.js';
import { chapterJson, listMedia, mediaDetail, mediaRow } from '../../library/media-queries.js';
import { ScanRunningError } from '../../library/scan-job.js';
import { fileIdentity, ThumbnailCache, ThumbnailError, thumbnailInstant, ThumbnailsBusyError, UNKNOWN_DURATION_LIMIT_MS } from '../../library/thumbnails.js';
import type { AppContext } from '../app.js';
import { queryProblem, sendError, sendQueryError, zodProblem } from '../errors.js';
import { chapterPatchBody, mediaListQuery, thumbnailQuery } from '../openapi/api-schemas.js';

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

/** `/api/media…`: the library as scanned, and its chapter markers (break points), editable. */
export function registerMediaRoutes(app: FastifyInstance, context: AppContext): void {
  const { db } = context;
  const thumbnails = new ThumbnailCache({ dir: path.join(context.config.data_dir, 'thumbnails'), ffmpegPath: context.toolchain.ffmpegPath });
  /** A chapter edit reaches the compiled schedules: channels airing the file recompile from their next unit boundary. */
  const chaptersChanged = (mediaId: number) => {
    const changed = context.timelines.mediaEdited(mediaId);
    if (changed.length > 0) context.log.info({ mediaId, channels: changed.map((c) => c.channel) }, 'chapter marks changed: rescheduled from the next unit boundary');
    return { rescheduled: changed.map((c) => ({ channel: c.channel, effectiveFrom: new Date(c.effectiveFromMs).toISOString() })) };
  };

  app.get('/api/media', async (request, reply) => {
    const query = mediaListQuery.safeParse(request.query);
    if (!query.success) return sendQueryError(reply, query.error);
    return listMedia(db, query.data);
  });

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

  app.get<{ Params: { id: string } }>('/api/media/:id', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
    return mediaDetail(db, id);
  });

  app.get<{ Params: { id: string } }>('/api/media/:id/chapters', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
    return { mediaId: id, chapters: chaptersOf(db, id).map(chapterJson) };
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/api/media/:id/chapters', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
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
  });

  app.delete<{ Params: { id: string; chapterId: string } }>('/api/media/:id/chapters/:chapterId', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
    const chapterId = idParam.safeParse(request.params.chapterId);
    if (!chapterId.success) return badRequest(reply, `chapter id "${request.params.chapterId}" must be a positive whole number`);
    try {
      const removed = chapterJson(removeChapter(db, id, chapterId.data));
      return { ...removed, ...chaptersChanged(id) };
    } catch (error) {
      return sendLibraryError(reply, error);
    }
  });

  app.patch<{ Params: { id: string; chapterId: string }; Body: unknown }>('/api/media/:id/chapters/:chapterId', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
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
  });

  app.get<{ Params: { id: string }; Querystring: unknown }>('/api/media/:id/thumbnail', async (request, reply) => {
    const id = mediaId(request.params.id, reply);
    if (id === undefined) return reply;
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
  });

  // ---- rescans from the control room
  const scanJob = context.libraryScan;
  if (scanJob) {
    app.get('/api/library/scan', async () => scanJob.status());
    app.post('/api/library/scan', async (_request, reply) => {
      try {
        return reply.code(202).send(scanJob.start());
      } catch (error) {
        if (error instanceof ScanRunningError) return sendError(reply, 409, 'conflict', error.message);
        throw error;
      }
    });
  }
}
