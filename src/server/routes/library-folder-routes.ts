import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FolderRule } from '../../library/folder-rules.js';
import { addFolderBody, FolderRequestError, markFolderRemoved, type LibraryFolders } from '../../library/library-folders.js';
import { rescanSoon, type LibraryScanJob, type ScanStatus } from '../../library/scan-job.js';
import { sendError } from '../errors.js';
import { libraryFolderAdded, libraryFolderListSchema, libraryFolderQuery, libraryFolderRemoved } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

export interface LibraryFolderRoutesContext {
  folders: LibraryFolders;
  /** The config file's folders (library.paths and library.folders), absolute. */
  configured: () => { roots: string[]; rules: FolderRule[] };
  /** Every folder scanned now (config and control room). */
  scanned: () => string[];
  scanJob: LibraryScanJob;
  db: Database;
}

/**
 * `/api/library/folders`: the media folders, and adding or removing one from the control room
 * (the config file's own are listed, not removable here). Adding starts a rescan, so the new
 * files are in the library a moment later; removing marks the folder's files missing at once.
 */
export function registerLibraryFolderRoutes(app: FastifyInstance, context: LibraryFolderRoutesContext): void {
  const rescan = (): ScanStatus => rescanSoon(context.scanJob);

  defineRoute(app, {
    method: 'get', path: '/api/library/folders', operationId: 'listLibraryFolders', tag: 'Library', summary: "The library's media folders: the config file's and those added here",
    responses: { 200: { description: 'the folders', schema: libraryFolderListSchema } },
  }, async () => {
    const configured = context.configured();
    const kinds = new Map(configured.rules.map((r) => [r.path, r.kind]));
    return {
      folders: [
        ...configured.roots.map((p) => ({ path: p, kind: kinds.get(p) ?? null, source: 'config' as const, exists: existsSync(p) })),
        ...context.folders.list().map((f) => ({ path: f.path, kind: f.kind ?? null, source: 'control_room' as const, exists: existsSync(f.path) })),
      ],
    };
  });

  defineRoute(app, {
    method: 'post', path: '/api/library/folders', operationId: 'addLibraryFolder', tag: 'Library', summary: 'Add a media folder (an absolute path on the server); a rescan starts',
    body: { schema: addFolderBody }, errors: [400, 409], responses: { 201: { description: 'the folder and the rescan it started', schema: libraryFolderAdded } },
  }, async (request, reply) => {
    try {
      const folder = context.folders.add(request.body, context.scanned());
      return reply.code(201).send({ folder: { path: folder.path, kind: folder.kind ?? null, source: 'control_room', exists: true }, scan: rescan() });
    } catch (error) {
      if (error instanceof FolderRequestError) return sendError(reply, error.status, error.status === 409 ? 'conflict' : 'bad_request', error.message, error.field);
      throw error;
    }
  });

  // A repeated `?path=` arrives as an array: the query schema refuses it (it was a 500).
  defineRoute(app, {
    method: 'delete', path: '/api/library/folders', operationId: 'removeLibraryFolder', tag: 'Library', summary: 'Take a folder added here out of the library (its files become missing and stop airing)',
    query: libraryFolderQuery, errors: [400, 404, 409], responses: { 200: { description: 'the folder removed and how many files went missing', schema: libraryFolderRemoved } },
  }, async (request, reply) => {
    const wanted = request.query.path;
    if (!path.isAbsolute(wanted)) return sendError(reply, 400, 'bad_request', 'path: give the folder\'s absolute path as ?path=', 'path');
    const folder = path.resolve(wanted);
    if (context.configured().roots.includes(folder)) return sendError(reply, 409, 'conflict', `${folder} is in the config file: remove it there`, 'path');
    if (!context.folders.list().some((f) => f.path === folder)) return sendError(reply, 404, 'not_found', `${folder} is not one of the library's folders`, 'path');
    if (context.scanned().length <= 1) return sendError(reply, 409, 'conflict', 'the library needs at least one folder: add the new one first', 'path');
    context.folders.remove(folder);
    return { removed: folder, filesMissing: markFolderRemoved(context.db, folder) };
  });
}
