import { z } from 'zod';

/**
 * The `/api/library/sources` request and answer shapes, in one place for the routes, the store
 * (which validates what it keeps with the same schemas, so its errors are the API's) and the
 * control room (type-only). Free of Node modules so `web/tsconfig.json` can check it.
 */

export const MAX_LIBRARIES = 200;
export const MAX_PATH_MAPPINGS = 20;
export const MIN_SYNC_INTERVAL_MINUTES = 15;
export const MAX_SYNC_INTERVAL_MINUTES = 7 * 24 * 60;

/** http(s)://host[:port][/base]: no credentials (they belong in the token), no query, no fragment. */
export const serverUrl = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 80)}" is not a URL: give the server's address, e.g. http://192.168.1.10:32400` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must start with http:// or https:// (not ${url.protocol.slice(0, 20)})` });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password: give the token or API key in its own field' });
    else if (url.search || url.hash || text.includes('?') || text.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not carry a query or fragment: the address only, e.g. http://plex:32400' });
  })
  .transform((text) => text.replace(/\/+$/, ''));

const secretText = z.string().trim().min(1).max(512).regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces');
const libraryId = z.string().min(1).max(100);
const pathMapping = z
  .object({
    from: z.string().trim().min(1).max(1000).describe("a folder as the media server sees it, e.g. /data/media or D:\\Media"),
    to: z.string().trim().min(1).max(1000).describe('the same folder on this machine, e.g. /mnt/media (must exist and be readable)'),
  })
  .strict();

const common = {
  libraries: z.array(libraryId).min(1, 'choose at least one library (remove the source to import none)').max(MAX_LIBRARIES).optional().describe("the server's library ids to import; absent: every library of shows and movies"),
  path_mappings: z.array(pathMapping).max(MAX_PATH_MAPPINGS).optional().describe('read files from disk through these folders instead of streaming them from the server'),
  sync_interval_minutes: z.number().int().min(MIN_SYNC_INTERVAL_MINUTES).max(MAX_SYNC_INTERVAL_MINUTES).optional().describe('how often the library is synced (default 360: every 6 hours)'),
};

export const addPlexSourceBody = z.object({ type: z.literal('plex'), url: serverUrl, token: secretText.describe('X-Plex-Token'), ...common }).strict();
export const addJellyfinSourceBody = z
  .object({
    type: z.enum(['jellyfin', 'emby']),
    url: serverUrl,
    api_key: secretText.describe('an API key (Dashboard → API Keys) or a user access token'),
    user: z.string().trim().min(1).max(200).describe('the user whose libraries are imported (name or id)'),
    ...common,
  })
  .strict();
export const addSourceBody = z.discriminatedUnion('type', [addPlexSourceBody, addJellyfinSourceBody]);
export type AddSourceBody = z.output<typeof addSourceBody>;

export const updateSourceBody = z
  .object({
    ...common,
    token: secretText.optional().describe('Plex: a new token'),
    api_key: secretText.optional().describe('Jellyfin/Emby: a new API key'),
    user: z.string().trim().min(1).max(200).optional(),
    url: serverUrl.optional(),
  })
  .strict();
export type UpdateSourceBody = z.output<typeof updateSourceBody>;

export const checkSourceBody = z.union([addPlexSourceBody.pick({ type: true, url: true, token: true }).strict(), addJellyfinSourceBody.pick({ type: true, url: true, api_key: true, user: true }).strict()]);

export const sourceKeyParams = z.object({ key: z.string().regex(/^(plex|jellyfin|emby)-[1-9]\d{0,8}$/, 'must be a source key such as plex-1') }).strict();

const isoTime = z.string();
export const remoteLibrarySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['shows', 'movies', 'other']),
  item_count: z.number().int().nullable(),
});

export const libraryProgressSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable(),
  done: z.number().int(),
  total: z.number().int().nullable().describe('null until the server said how many'),
});

export const syncProgressSchema = z.looseObject({
  state: z.enum(['idle', 'running', 'ok', 'failed']),
  full: z.boolean().describe('a full pass (every item listed, removals found) rather than what changed since the last sync'),
  started_at: isoTime.nullable(),
  finished_at: isoTime.nullable(),
  libraries: z.array(libraryProgressSchema),
  added: z.number().int(),
  updated: z.number().int(),
  re_resolved: z.number().int().describe("items found again after the server changed their ids (by external id, path or episode)"),
  missing: z.number().int().describe('items marked missing by this sync'),
  error: z.string().nullable(),
});

export const sourceSchema = z.looseObject({
  key: z.string(),
  type: z.enum(['plex', 'jellyfin', 'emby']),
  url: z.string(),
  user: z.string().nullable(),
  token: z.enum(['set']).nullable().describe('Plex: whether a token is stored (never the token)'),
  api_key: z.enum(['set']).nullable().describe('Jellyfin/Emby: whether an API key is stored (never the key)'),
  server: z.looseObject({ name: z.string().nullable(), version: z.string().nullable(), id: z.string().nullable() }),
  libraries: z.array(z.string()),
  path_mappings: z.array(z.looseObject({ from: z.string(), to: z.string() })),
  sync_interval_minutes: z.number().int(),
  items: z.looseObject({ ok: z.number().int(), missing: z.number().int() }),
  collections: z.array(z.looseObject({ name: z.string(), items: z.number().int() })).describe('collections and playlists, as schedule content: { "type": "collection", "source": key, "name": name }'),
  last_sync: z.looseObject({ status: z.enum(['ok', 'failed', 'running']).nullable(), started_at: isoTime.nullable(), finished_at: isoTime.nullable(), error: z.string().nullable() }),
  sync: syncProgressSchema,
});
export const sourceListSchema = z.looseObject({ sources: z.array(sourceSchema) });
export const sourceCheckSchema = z.looseObject({
  server: z.looseObject({ name: z.string(), version: z.string(), id: z.string() }),
  libraries: z.array(remoteLibrarySchema),
});
export const sourceAddedSchema = z.looseObject({ source: sourceSchema, server: sourceCheckSchema.shape.server, available_libraries: z.array(remoteLibrarySchema) });
export const sourceRemovedSchema = z.looseObject({ removed: z.string(), items_missing: z.number().int() });

type Documented<T> = T extends readonly (infer Item)[] ? Documented<Item>[] : T extends object ? { [K in keyof T as string extends K ? never : K]: Documented<T[K]> } : T;
export type ApiSource = Documented<z.output<typeof sourceSchema>>;
export type ApiSourceList = Documented<z.output<typeof sourceListSchema>>;
export type ApiSourceCheck = Documented<z.output<typeof sourceCheckSchema>>;
export type ApiSourceAdded = Documented<z.output<typeof sourceAddedSchema>>;
export type ApiSyncProgress = Documented<z.output<typeof syncProgressSchema>>;
export type ApiRemoteLibrary = Documented<z.output<typeof remoteLibrarySchema>>;
