import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { SourceError, type MediaServerClient, type ServerInfo, type SourceConnection } from '../../sources/media-server.js';
import { mappingTargetProblem, type PathMapping } from '../../sources/path-mapping.js';
import {
  addSourceBody,
  checkSourceBody,
  sourceAddedSchema,
  sourceCheckSchema,
  sourceKeyParams,
  sourceListSchema,
  sourceRemovedSchema,
  sourceSchema,
  syncProgressSchema,
  updateSourceBody,
  type ApiSource,
} from '../../sources/source-api.js';
import type { SourceSecret } from '../../sources/source-secrets.js';
import type { MediaSource, SourceStore } from '../../sources/source-store.js';
import type { SourceSyncs } from '../../sources/sync-scheduler.js';
import { sendError, zodProblem } from '../errors.js';
import { defineRoute } from '../openapi/route-table.js';

export interface SourceRoutesContext {
  store: SourceStore;
  syncs: SourceSyncs;
  clientFor: (connection: SourceConnection) => MediaServerClient;
  /** Told when a source was removed (its items went missing). */
  libraryChanged?: () => void;
}

/** How a connection check that failed is answered: the client's own words, with a status that says whose fault it is. */
function sendSourceError(reply: FastifyReply, error: unknown, secretField: 'token' | 'api_key'): FastifyReply {
  if (!(error instanceof SourceError)) throw error;
  switch (error.code) {
    case 'invalid_url':
      return sendError(reply, 400, 'bad_request', error.message, 'url');
    case 'unauthorized':
      return sendError(reply, 422, 'source_unauthorized', error.message, secretField);
    case 'forbidden':
      return sendError(reply, 422, 'source_forbidden', error.message, secretField);
    case 'not_found':
      return sendError(reply, 422, 'source_not_found', error.message, secretField === 'api_key' ? 'user' : 'url');
    default:
      // unreachable, timeout, not a media server, too large, bad response, endless pages: the server's side.
      return sendError(reply, 502, `source_${error.code}`, error.message, 'url');
  }
}

function libraryAnswer(info: ServerInfo) {
  return info.libraries.map((library) => ({ id: library.id, name: library.name, kind: library.kind, item_count: library.itemCount ?? null }));
}

function problemOfMappings(mappings: PathMapping[] | undefined): { message: string; field: string } | undefined {
  for (const [index, mapping] of (mappings ?? []).entries()) {
    const problem = mappingTargetProblem(mapping);
    if (problem) return { message: `path_mappings.${index}.to: ${problem}`, field: `path_mappings.${index}.to` };
  }
  return undefined;
}

function problemOfLibraries(wanted: string[] | undefined, info: ServerInfo): { message: string; field: string } | undefined {
  const unknown = (wanted ?? []).filter((id) => !info.libraries.some((library) => library.id === id));
  if (unknown.length === 0) return undefined;
  const offered = info.libraries.map((l) => `${l.id} (${l.name})`).slice(0, 20).join(', ');
  return { message: `libraries: ${unknown.slice(0, 5).map((id) => JSON.stringify(id)).join(', ')} not on ${info.name}; it offers ${offered || 'no libraries'}`, field: 'libraries' };
}

/**
 * `/api/library/sources`: media servers (Plex, Jellyfin, Emby) as library sources. A source is
 * only saved once its connection was checked; its secret is never in an answer (`"token": "set"`).
 * Writes are guarded like every write (server/access/write-guard.ts: the token unless local).
 */
export function registerSourceRoutes(app: FastifyInstance, context: SourceRoutesContext): void {
  const { store, syncs } = context;

  const view = (source: MediaSource): ApiSource => {
    const secret = store.secrets.presence(source.key);
    return {
      key: source.key,
      type: source.type,
      url: source.url,
      user: source.user,
      token: secret.token ? 'set' : null,
      api_key: secret.apiKey ? 'set' : null,
      server: { name: source.serverName, version: source.serverVersion, id: source.serverId },
      libraries: source.libraries,
      path_mappings: source.pathMappings,
      sync_interval_minutes: source.syncIntervalMinutes,
      items: store.itemCounts(source),
      collections: store.collectionsOf(source),
      last_sync: { status: source.lastSyncStatus, started_at: source.lastSyncStartedAt, finished_at: source.lastSyncFinishedAt, error: source.lastSyncError },
      sync: syncs.status(source.key),
    };
  };

  const bodyError = (reply: FastifyReply, error: z.ZodError) => {
    const problem = zodProblem(error);
    return sendError(reply, 400, 'bad_request', problem.message, problem.field);
  };

  defineRoute(app, {
    method: 'get', path: '/api/library/sources', operationId: 'listMediaSources', tag: 'Library', summary: 'The media servers (Plex, Jellyfin, Emby) the library imports from; secrets only as "set"',
    responses: { 200: { description: 'the sources', schema: sourceListSchema } },
  }, async () => ({ sources: store.list().map(view) }));

  defineRoute(app, {
    method: 'post', path: '/api/library/sources/check', operationId: 'checkMediaSource', tag: 'Library', summary: 'Check a media server before adding it: its name, version and libraries (nothing is stored)',
    body: { schema: checkSourceBody }, errors: [400, 422, 502], responses: { 200: { description: 'who the server is and what it offers', schema: sourceCheckSchema } },
  }, async (request, reply) => {
    const parsed = checkSourceBody.safeParse(request.body);
    if (!parsed.success) return bodyError(reply, parsed.error);
    const body = parsed.data;
    const connection: SourceConnection = body.type === 'plex' ? { type: 'plex', url: body.url, token: body.token } : { type: body.type, url: body.url, apiKey: body.api_key, user: body.user };
    try {
      const info = await context.clientFor(connection).check();
      return { server: { name: info.name, version: info.version, id: info.id }, libraries: libraryAnswer(info) };
    } catch (error) {
      return sendSourceError(reply, error, body.type === 'plex' ? 'token' : 'api_key');
    }
  });

  defineRoute(app, {
    method: 'post', path: '/api/library/sources', operationId: 'addMediaSource', tag: 'Library', summary: 'Add a media server: its connection is checked at once, then its chosen libraries sync',
    description: 'Plex: `{ "type": "plex", "url": "http://plex:32400", "token": "…" }`; Jellyfin/Emby: `{ "type": "jellyfin", "url": "…", "api_key": "…", "user": "…" }`. Optional `libraries` (ids; default every library of shows and movies), `path_mappings` (`[{ "from": "/data/media", "to": "/mnt/media" }]`: read files from disk), `sync_interval_minutes` (default 360). Nothing is stored when the check fails.',
    body: { schema: addSourceBody }, errors: [400, 409, 422, 502], responses: { 201: { description: 'the source, its server and its libraries; the first sync has started', schema: sourceAddedSchema } },
  }, async (request, reply) => {
    const parsed = addSourceBody.safeParse(request.body);
    if (!parsed.success) return bodyError(reply, parsed.error);
    const body = parsed.data;
    const mappingProblem = problemOfMappings(body.path_mappings);
    if (mappingProblem) return sendError(reply, 400, 'bad_request', mappingProblem.message, mappingProblem.field);
    const connection: SourceConnection = body.type === 'plex' ? { type: 'plex', url: body.url, token: body.token } : { type: body.type, url: body.url, apiKey: body.api_key, user: body.user };
    let info: ServerInfo;
    try {
      info = await context.clientFor(connection).check();
    } catch (error) {
      return sendSourceError(reply, error, body.type === 'plex' ? 'token' : 'api_key');
    }
    const libraryProblem = problemOfLibraries(body.libraries, info);
    if (libraryProblem) return sendError(reply, 400, 'bad_request', libraryProblem.message, libraryProblem.field);
    // The same server (and user) twice would import every item twice.
    const twin = store.list().find((s) => s.type === body.type && s.serverId === info.id && (body.type === 'plex' || (s.userId ?? s.user) === (info.userId ?? body.user)));
    if (twin) return sendError(reply, 409, 'conflict', `${info.name} is already a source, ${twin.key}: change it with PATCH /api/library/sources/${twin.key}`, 'url');
    const libraries = body.libraries ?? info.libraries.filter((l) => l.kind !== 'other').map((l) => l.id);
    const secret: SourceSecret = body.type === 'plex' ? { token: body.token } : { apiKey: body.api_key };
    const source = store.add(
      { type: body.type, url: body.url, ...(body.type !== 'plex' ? { user: body.user } : {}), info, libraries, pathMappings: body.path_mappings ?? [], syncIntervalMinutes: body.sync_interval_minutes ?? 360 },
      secret,
    );
    if (libraries.length > 0) syncs.start(source.key, { full: true });
    return reply.code(201).send({ source: view(source), server: { name: info.name, version: info.version, id: info.id }, available_libraries: libraryAnswer(info) });
  });

  const notFound = (reply: FastifyReply, key: string) => sendError(reply, 404, 'not_found', `no media server ${key}: GET /api/library/sources lists them`, 'key');

  defineRoute(app, {
    method: 'get', path: '/api/library/sources/{key}', operationId: 'getMediaSource', tag: 'Library', summary: 'One media server: its settings, item counts and sync state',
    params: sourceKeyParams, errors: [404], responses: { 200: { description: 'the source', schema: sourceSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    return found ? view(found) : notFound(reply, request.params.key);
  });

  defineRoute(app, {
    method: 'post', path: '/api/library/sources/{key}/check', operationId: 'recheckMediaSource', tag: 'Library', summary: "Check a source's connection again: its server and libraries now",
    params: sourceKeyParams, errors: [404, 422, 502], responses: { 200: { description: 'who the server is and what it offers', schema: sourceCheckSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    if (!found) return notFound(reply, request.params.key);
    try {
      const info = await context.clientFor(store.connectionOf(found)).check();
      return { server: { name: info.name, version: info.version, id: info.id }, libraries: libraryAnswer(info) };
    } catch (error) {
      return sendSourceError(reply, error, found.type === 'plex' ? 'token' : 'api_key');
    }
  });

  defineRoute(app, {
    method: 'patch', path: '/api/library/sources/{key}', operationId: 'updateMediaSource', tag: 'Library', summary: "Change a source's libraries, path mappings, interval, address, user or secret (checked before saving)",
    params: sourceKeyParams, body: { schema: updateSourceBody }, errors: [400, 404, 422, 502], responses: { 200: { description: 'the source', schema: sourceSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    if (!found) return notFound(reply, request.params.key);
    const parsed = updateSourceBody.safeParse(request.body);
    if (!parsed.success) return bodyError(reply, parsed.error);
    const body = parsed.data;
    const secretField = found.type === 'plex' ? 'token' : 'api_key';
    if (found.type === 'plex' && (body.api_key !== undefined || body.user !== undefined)) return sendError(reply, 400, 'bad_request', 'a Plex source takes a token, not api_key or user', body.api_key !== undefined ? 'api_key' : 'user');
    if (found.type !== 'plex' && body.token !== undefined) return sendError(reply, 400, 'bad_request', `a ${found.type} source takes api_key (and user), not token`, 'token');
    const mappingProblem = problemOfMappings(body.path_mappings);
    if (mappingProblem) return sendError(reply, 400, 'bad_request', mappingProblem.message, mappingProblem.field);
    const secret: SourceSecret | undefined = body.token ? { token: body.token } : body.api_key ? { apiKey: body.api_key } : undefined;
    let info: ServerInfo | undefined;
    // What changes how the server is reached, or what is imported, is checked before it is kept.
    if (body.url !== undefined || body.user !== undefined || secret || body.libraries !== undefined) {
      try {
        info = await context.clientFor(store.connectionOf(found, { ...(body.url ? { url: body.url } : {}), ...(body.user ? { user: body.user } : {}), ...(secret ? { secret } : {}) })).check();
      } catch (error) {
        return sendSourceError(reply, error, secretField);
      }
      const libraryProblem = problemOfLibraries(body.libraries, info);
      if (libraryProblem) return sendError(reply, 400, 'bad_request', libraryProblem.message, libraryProblem.field);
    }
    const updated = store.update(found.key, {
      ...(body.url !== undefined ? { url: body.url } : {}),
      ...(body.user !== undefined ? { user: body.user } : {}),
      ...(info ? { info } : {}),
      ...(body.libraries !== undefined ? { libraries: body.libraries } : {}),
      ...(body.path_mappings !== undefined ? { pathMappings: body.path_mappings } : {}),
      ...(body.sync_interval_minutes !== undefined ? { syncIntervalMinutes: body.sync_interval_minutes } : {}),
      ...(secret ? { secret } : {}),
    });
    // New libraries or mappings change which rows exist and where their files are: a full pass.
    if ((body.libraries !== undefined || body.path_mappings !== undefined || body.url !== undefined || body.user !== undefined) && updated.libraries.length > 0) {
      await syncs.cancel(updated.key);
      syncs.start(updated.key, { full: true });
    }
    return view(store.get(updated.key)!);
  });

  defineRoute(app, {
    method: 'delete', path: '/api/library/sources/{key}', operationId: 'removeMediaSource', tag: 'Library', summary: 'Remove a media server: its items become missing (never deleted: schedules and history keep them) and its secret is forgotten',
    params: sourceKeyParams, errors: [404], responses: { 200: { description: 'the source removed and how many items went missing', schema: sourceRemovedSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    if (!found) return notFound(reply, request.params.key);
    await syncs.cancel(found.key);
    const { itemsMissing } = store.remove(found.key);
    syncs.forget(found.key);
    context.libraryChanged?.();
    return { removed: found.key, items_missing: itemsMissing };
  });

  const syncQuery = z.object({ full: z.enum(['true', 'false']).optional().describe('true: list everything and mark what the server no longer has (default: only what changed, with a full pass daily)') }).strict();

  defineRoute(app, {
    method: 'post', path: '/api/library/sources/{key}/sync', operationId: 'syncMediaSource', tag: 'Library', summary: 'Sync a media server now (or answer the sync already running)',
    params: sourceKeyParams, query: syncQuery, errors: [400, 404, 409], responses: { 202: { description: 'the sync, started', schema: syncProgressSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    if (!found) return notFound(reply, request.params.key);
    if (found.libraries.length === 0) return sendError(reply, 409, 'conflict', `${found.key} has no libraries chosen: PATCH its libraries first`, 'libraries');
    return reply.code(202).send(syncs.start(found.key, { full: request.query.full === 'true' }));
  });

  defineRoute(app, {
    method: 'get', path: '/api/library/sources/{key}/sync', operationId: 'getMediaSourceSync', tag: 'Library', summary: "A source's sync: running (items done of total per library) or the last one's result",
    params: sourceKeyParams, errors: [404], responses: { 200: { description: 'the sync', schema: syncProgressSchema } },
  }, async (request, reply) => {
    const found = store.get(request.params.key);
    return found ? syncs.status(found.key) : notFound(reply, request.params.key);
  });
}
