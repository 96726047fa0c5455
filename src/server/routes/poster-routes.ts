import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../logging/logger.js';
import { checkPosterFile, MAX_POSTER_BYTES, posterType, readPosterFile, type RemotePosterFetcher } from '../../library/metadata/posters.js';
import { sendError } from '../errors.js';
import { idParams } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

export interface PosterRoutesContext {
  db: Database;
  /** Media-server posters are kept in the data folder's posters/, fetched once each. */
  dataDir: string;
  /** Fetches a media-server item's poster (wired by serve with the sources); absent: those posters are not served. */
  fetchRemote?: RemotePosterFetcher;
  log?: Pick<Logger, 'warn'>;
}

interface PosterRow {
  poster_path: string | null;
  poster_remote: string | null;
}

/** An image is a picture and nothing else: not sniffed as anything, no script were it opened as a page. */
function sendImage(request: FastifyRequest, reply: FastifyReply, contentType: string, etag: string, body: () => Promise<Buffer>) {
  reply
    .header('etag', etag)
    // An hour: a poster rarely changes, and a rescan that changes it changes its ETag.
    .header('cache-control', 'public, max-age=3600')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox");
  const presented = request.headers['if-none-match'];
  if (presented && presented.split(/\s*,\s*/).some((tag) => tag === etag || tag === `W/${etag}` || tag === '*')) return reply.code(304).send();
  return body().then((bytes) => reply.header('content-type', contentType).send(bytes));
}

/**
 * `GET /media/{id}/poster`: a library item's poster, open to any guide client like the channel
 * logos (an XMLTV `<icon>` points here). Only a file the library found (media_files.poster_path,
 * checked again: at most 10 MiB, JPEG/PNG/WebP by its bytes) or the media server's image for
 * the row (fetched through the injected fetcher, kept in <data dir>/posters/<id>) is ever sent;
 * nothing in the request names a path.
 */
export function registerPosterRoutes(app: FastifyInstance, context: PosterRoutesContext): void {
  const posterDir = path.join(context.dataDir, 'posters');
  const select = context.db.prepare('SELECT poster_path, poster_remote FROM media_files WHERE id = ?');
  // Requests for one poster while it is being fetched wait on the same fetch.
  const fetching = new Map<number, Promise<{ contentType: string; body: Buffer }>>();

  /** The media server's poster for a row: the kept copy while the server's path is the same, else fetched and kept. */
  const remotePoster = (id: number, serverPath: string, fetchRemote: RemotePosterFetcher) => {
    const kept = path.join(posterDir, String(id));
    const source = createHash('sha256').update(serverPath).digest('hex');
    const fetchOnce = async () => {
      const cached = await Promise.all([readFile(kept).catch(() => undefined), readFile(`${kept}.source`, 'utf8').catch(() => undefined)]);
      const [bytes, keptSource] = cached;
      const keptType = bytes ? posterType(bytes) : undefined;
      if (bytes && keptType && keptSource === source) return { contentType: keptType, body: bytes };
      const fetched = await fetchRemote(id, serverPath);
      if (fetched.body.length > MAX_POSTER_BYTES) throw new Error(`the poster is larger than ${MAX_POSTER_BYTES} bytes`);
      // The type is the bytes', never the server's claim.
      const contentType = posterType(fetched.body);
      if (!contentType) throw new Error('the media server answered something that is not a JPEG, PNG or WebP image');
      await mkdir(posterDir, { recursive: true });
      await writeFile(`${kept}.part`, fetched.body);
      await rename(`${kept}.part`, kept);
      await writeFile(`${kept}.source`, source);
      return { contentType, body: fetched.body };
    };
    let pending = fetching.get(id);
    if (!pending) {
      pending = fetchOnce().finally(() => fetching.delete(id));
      fetching.set(id, pending);
    }
    return pending;
  };

  defineRoute(app, {
    method: 'get', path: '/media/{id}/poster', operationId: 'poster', tag: 'Library',
    summary: 'A library item\'s poster (JPEG, PNG or WebP), from its .nfo folder or its media server; the guide\'s <icon>',
    description: 'Open like the channel logos (guide clients fetch it without a credential). Answers with an ETag; `If-None-Match` gives 304.',
    params: idParams, errors: [400, 404, 502], responses: { 200: { description: 'the picture', contentType: 'image/jpeg' }, 304: { description: 'not modified' } },
  }, async (request, reply) => {
    const id = Number(request.params.id);
    if (!Number.isSafeInteger(id) || id < 1) return sendError(reply, 400, 'bad_request', `id "${request.params.id}" must be a positive whole number`, 'id');
    const row = select.get(id) as PosterRow | undefined;
    if (!row) return sendError(reply, 404, 'not_found', `no media file with id ${id}`);
    if (row.poster_path) {
      const check = await checkPosterFile(row.poster_path);
      if (!check.ok) return sendError(reply, 404, 'not_found', `media ${id}'s poster cannot be served: it is ${check.reason} (rescan the library after fixing it)`);
      const file = row.poster_path;
      // The file's identity (path, size, mtime): a replaced poster gets a new ETag without being hashed on every request.
      const etag = `"${createHash('sha256').update(`${file}|${check.sizeBytes}|${check.mtimeMs}`).digest('hex').slice(0, 16)}"`;
      return sendImage(request, reply, check.contentType, etag, async () => (await readPosterFile(file)).body);
    }
    if (row.poster_remote) {
      if (!context.fetchRemote) return sendError(reply, 404, 'not_found', `media ${id}'s poster is on its media server, which this server cannot reach for posters`);
      let poster;
      try {
        poster = await remotePoster(id, row.poster_remote, context.fetchRemote);
      } catch (error) {
        // The fetcher's words stay in the log (it never puts a secret in them); the viewer gets a plain reason.
        context.log?.warn({ mediaId: id, err: (error as Error).message }, 'media-server poster could not be fetched');
        return sendError(reply, 502, 'bad_gateway', `media ${id}'s poster could not be fetched from its media server`);
      }
      const etag = `"${createHash('sha256').update(poster.body).digest('hex').slice(0, 16)}"`;
      return sendImage(request, reply, poster.contentType, etag, async () => poster.body);
    }
    return sendError(reply, 404, 'not_found', `media ${id} has no poster (add poster.jpg or <name>-poster.jpg beside it and rescan)`);
  });
}
