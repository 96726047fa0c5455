import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { addUserChapter, chaptersOf, LibraryRequestError, removeChapter } from '../../library/chapters.js';
import { chapterJson, listMedia, mediaDetail, mediaRow } from '../../library/media-queries.js';
import type { AppContext } from '../app.js';
import { sendError, zodProblem } from '../errors.js';
import { mediaListQuery } from '../openapi/api-schemas.js';

const idParam = z.coerce.number().int().min(1);

function badRequest(reply: FastifyReply, message: string, field?: string) {
  return sendError(reply, 400, 'bad_request', message, field);
}

function sendLibraryError(reply: FastifyReply, error: unknown) {
  if (!(error instanceof LibraryRequestError)) throw error;
  const status = error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400;
  const code = error.code === 'invalid' ? 'bad_request' : error.code;
  return sendError(reply, status, code, error.message);
}

/** `/api/media…`: the library as scanned, and its chapter markers (break points), editable. */
export function registerMediaRoutes(app: FastifyInstance, context: AppContext): void {
  const { db } = context;

  app.get('/api/media', async (request, reply) => {
    const query = mediaListQuery.safeParse(request.query);
    if (!query.success) {
      const problem = zodProblem(query.error);
      return badRequest(reply, problem.message.replace(/unknown key\(s\)/g, 'unknown parameter(s)'), problem.field);
    }
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
      return reply.code(201).send(chapterJson(marker));
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
      return chapterJson(removeChapter(db, id, chapterId.data));
    } catch (error) {
      return sendLibraryError(reply, error);
    }
  });
}
