import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import type { ApiSource, ApiSourceAdded, ApiSourceList, ApiSyncProgress } from '../sources/source-api.js';
import { call, credentialFor, ServerCallError, serverUrl, type ServerFlags } from './server-api.js';

/**
 * `retrovue sources`: the media servers (Plex, Jellyfin, Emby) the running server imports from
 * — list, add, sync, remove — over its API. The token or API key of `add` is read from the
 * environment (RETROVUE_SOURCE_SECRET) or the first line of stdin, never from a flag: a flag
 * stays in the shell's history and in every `ps` listing.
 */
export interface SourcesFlags extends ServerFlags {
  json?: boolean;
  user?: string;
  library?: string[];
  map?: string[];
  interval?: string;
  full?: boolean;
  wait?: boolean;
}

function sourceLine(source: ApiSource): string {
  const last = source.sync.state === 'running'
    ? `syncing ${source.sync.libraries.map((l) => `${l.name ?? l.id} ${l.done}/${l.total ?? '?'}`).join(', ')}`
    : source.last_sync.status === 'failed'
      ? `last sync FAILED: ${source.last_sync.error ?? ''}`
      : source.last_sync.finished_at
        ? `synced ${source.last_sync.finished_at.slice(0, 16).replace('T', ' ')} UTC`
        : 'not synced yet';
  return `${source.key.padEnd(12)} ${(source.server.name ?? '?').padEnd(20)} ${source.url}  ${source.items.ok} items${source.items.missing ? ` (${source.items.missing} missing)` : ''}; ${last}`;
}

function syncLine(key: string, sync: ApiSyncProgress): string {
  if (sync.state === 'failed') return `${key}: sync failed: ${sync.error ?? ''} (nothing already imported was changed)`;
  if (sync.state === 'running') return `${key}: syncing ${sync.libraries.map((l) => `${l.name ?? l.id} ${l.done}/${l.total ?? '?'}`).join(', ')}`;
  return `${key}: ${sync.full ? 'full sync' : 'sync'} done: ${sync.added} added, ${sync.updated} updated, ${sync.re_resolved} found again after id changes, ${sync.missing} missing`;
}

/** The secret for `add`: RETROVUE_SOURCE_SECRET, else the first line of stdin (piped, or typed and ended with Enter). */
function secretOf(): string {
  const fromEnv = process.env.RETROVUE_SOURCE_SECRET?.trim();
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('token or API key (then Enter): ');
  let text = '';
  try {
    text = readFileSync(0, 'utf8');
  } catch {
    // No stdin at all.
  }
  const secret = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (!secret) throw new ServerCallError('give the token or API key in RETROVUE_SOURCE_SECRET or on stdin (never as a flag: it would stay in the shell history)');
  return secret;
}

function mappingsOf(maps: string[] | undefined): Array<{ from: string; to: string }> | undefined {
  if (!maps || maps.length === 0) return undefined;
  return maps.map((text) => {
    const at = text.indexOf('=');
    if (at <= 0 || at === text.length - 1) throw new ServerCallError(`--map "${text}": give it as SERVER_FOLDER=LOCAL_FOLDER, e.g. /data/media=/mnt/media`);
    return { from: text.slice(0, at), to: text.slice(at + 1) };
  });
}

async function waitForSync(base: string, key: string): Promise<ApiSyncProgress> {
  let lastText = '';
  for (;;) {
    const sync = (await call(base, 'GET', `/api/library/sources/${encodeURIComponent(key)}/sync`)) as ApiSyncProgress;
    const text = syncLine(key, sync);
    if (sync.state !== 'running') return sync;
    if (text !== lastText && process.stderr.isTTY) process.stderr.write(`\r${text.slice(0, (process.stderr.columns ?? 80) - 1)}`);
    lastText = text;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function runSourcesCommand(action: string | undefined, args: string[], flags: SourcesFlags): Promise<number> {
  const print = (value: unknown, text: string) => process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  try {
    const base = serverUrl(flags);
    const credential = credentialFor(flags, base);
    switch (action ?? 'list') {
      case 'list': {
        const list = (await call(base, 'GET', '/api/library/sources')) as ApiSourceList;
        print(list, list.sources.length ? list.sources.map(sourceLine).join('\n') : 'No media servers yet: retrovue sources add plex http://plex:32400 (the token on stdin)');
        return 0;
      }
      case 'add': {
        const [type, url] = args;
        if (!type || !url || !['plex', 'jellyfin', 'emby'].includes(type)) throw new ServerCallError('usage: retrovue sources add plex|jellyfin|emby URL [--user NAME] [--library ID]... [--map FROM=TO]... [--interval MINUTES]; the token or API key on stdin or in RETROVUE_SOURCE_SECRET');
        if (type !== 'plex' && !flags.user) throw new ServerCallError(`a ${type} source needs --user: the user whose libraries are imported`);
        const secret = secretOf();
        const mappings = mappingsOf(flags.map);
        const body = {
          type,
          url,
          ...(type === 'plex' ? { token: secret } : { api_key: secret, user: flags.user }),
          ...(flags.library?.length ? { libraries: flags.library } : {}),
          ...(mappings ? { path_mappings: mappings } : {}),
          ...(flags.interval !== undefined ? { sync_interval_minutes: Number(flags.interval) } : {}),
        };
        const added = (await call(base, 'POST', '/api/library/sources', body, credential)) as ApiSourceAdded;
        const chosen = added.available_libraries.filter((l) => added.source.libraries.includes(l.id)).map((l) => l.name);
        print(added, `${added.source.key}: ${added.server.name} (version ${added.server.version}); importing ${chosen.join(', ') || 'no libraries'}${added.source.libraries.length ? '; the first sync has started (retrovue sources sync ' + added.source.key + ' --wait to follow it)' : ''}`);
        return 0;
      }
      case 'sync': {
        const [key] = args;
        if (!key) throw new ServerCallError('usage: retrovue sources sync KEY [--full] [--wait]');
        const started = (await call(base, 'POST', `/api/library/sources/${encodeURIComponent(key)}/sync${flags.full ? '?full=true' : ''}`, undefined, credential)) as ApiSyncProgress;
        const sync = flags.wait ? await waitForSync(base, key) : started;
        if (flags.wait && process.stderr.isTTY) process.stderr.write('\n');
        print(sync, flags.wait ? syncLine(key, sync) : `${key}: sync started; follow it with retrovue sources sync ${key} --wait or retrovue sources list`);
        return sync.state === 'failed' ? 1 : 0;
      }
      case 'remove': {
        const [key] = args;
        if (!key) throw new ServerCallError('usage: retrovue sources remove KEY');
        const removed = (await call(base, 'DELETE', `/api/library/sources/${encodeURIComponent(key)}`, undefined, credential)) as { removed: string; items_missing: number };
        print(removed, `${removed.removed} removed: ${removed.items_missing} item(s) no longer air (kept as missing; nothing deleted)`);
        return 0;
      }
      default:
        throw new ServerCallError(`unknown action "${action}": list, add, sync or remove`);
    }
  } catch (error) {
    if (error instanceof ServerCallError || error instanceof ConfigError) {
      process.stderr.write(`retrovue sources: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
