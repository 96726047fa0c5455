import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { MEDIA_KINDS } from '../../config/schema.js';
import { addUserChapter, chaptersOf, LibraryRequestError, removeChapter } from '../../library/chapters.js';
import { chapterJson, listMedia, mediaDetail, mediaRow } from '../../library/media-queries.js';
import type { AppContext } from '../app.js';

const listQuery = z
  .object({
    kind: z.enum(MEDIA_KINDS).optional(),
    show: z.string().min(1).optional(),
    status: z.enum(['ok', 'missing', 'unplayable']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

const idParam = z.coerce.number().int().min(1);

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error: 'bad_request', message });
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const what = issue.code === 'unrecognized_keys' ? `unknown parameter(s) ${issue.keys.join(', ')}` : issue.message;
      return where ? `${where}: ${what}` : what;
    })
    .join('; ');
}

function sendLibraryError(reply: FastifyReply, error: unknown) {
  if (!(error instanceof LibraryRequestError)) throw error;
  const status = error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400;
  const code = error.code === 'invalid' ? 'bad_request' : error.code;
  return reply.code(status).send({ error: code, message: error.message });
}

/** `/api/media…`: the library as scanned, and its chapter markers (break points), editable. */
export function registerMediaRoutes(app: FastifyInstance, context: AppContext): void {
  const { db } = context;

  app.get('/api/media', async (request, reply) => {
    const query = listQuery.safeParse(request.query);
    if (!query.success) return badRequest(reply, issuesText(query.error));
    return listMedia(db, query.data);
  });

  /** Parses :id, answering 400 (not a positive integer) or 404 (no such file) itself. */
  const mediaId = (raw: string, reply: FastifyReply): number | undefined => {
    const id = idParam.safeParse(raw);
    if (!id.success) {
      void badRequest(reply, `media id "${raw}" must be a positive whole number`);
      return undefined;
    }
    if (!mediaRow(db, id.data)) {
      void reply.code(404).send({ error: 'not_found', message: `no media file with id ${id.data}` });
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
