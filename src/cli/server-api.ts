import { isIP } from 'node:net';
import { loadConfig } from '../config/load.js';
import type { RetrovueConfig } from '../config/schema.js';
import { adminTokenPath, readAdminToken } from '../server/access/admin-token.js';

/**
 * How a command talks to the running server (`retrovue alert`, `retrovue sources`): where it
 * is (--server, else --host/--port as given to `serve`, else RETROVUE_SERVER, else the
 * config's streaming.host/port) and with which credential (--token, RETROVUE_TOKEN, or the data
 * folder's admin token sent only to its own server).
 */
export interface ServerFlags {
  config?: string;
  server?: string;
  host?: string;
  port?: string;
  token?: string;
  data?: string;
}

/** A request the command could not make or the server refused, in words for the terminal. */
export class ServerCallError extends Error {}

/** The config as `serve` would load it from the same --config, --host, --port and --data. */
const configOf = (flags: ServerFlags): RetrovueConfig => loadConfig({ config: flags.config, host: flags.host, port: flags.port, data: flags.data });

export function serverUrl(flags: ServerFlags): string {
  const byFlags = flags.host !== undefined || flags.port !== undefined;
  if (flags.server && byFlags) throw new ServerCallError('give the server either as --server URL or as --host/--port, not both');
  // A flag typed now beats an environment variable set long ago.
  const explicit = flags.server ?? (byFlags ? undefined : process.env.RETROVUE_SERVER);
  if (explicit) return explicit.replace(/\/+$/, '');
  const config = configOf(flags);
  // A server listening on every address is reached on loopback (which alerts require anyway).
  const host = ['0.0.0.0', '::', ''].includes(config.streaming.host) ? '127.0.0.1' : config.streaming.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.streaming.port}`;
}

/** The credential sent with writes, or why the data folder's token was kept back. */
export interface Credential {
  token?: string;
  withheld?: string;
}

const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
};

/**
 * Whether `base` is the server the data folder belongs to: loopback (or the configured
 * streaming.host) on the configured port, or the configured server.public_url. Anything else
 * (a typo, a look-alike host, a URL someone pasted) is another server.
 */
function ownServer(base: string, config: RetrovueConfig): { own: boolean; described: string } {
  const { host, port } = config.streaming;
  const publicOrigin = config.server.public_url ? new URL(config.server.public_url).origin : undefined;
  const described = [`http://127.0.0.1:${port}`, ...(publicOrigin ? [publicOrigin] : [])].join(' or ');
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return { own: false, described };
  }
  if (publicOrigin && url.origin === publicOrigin) return { own: true, described };
  const urlPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const ownHost = isLoopbackHost(url.hostname) || (!['0.0.0.0', '::', ''].includes(host) && url.hostname.replace(/^\[|\]$/g, '') === host);
  return { own: url.protocol === 'http:' && urlPort === port && ownHost, described };
}

/**
 * The credential for writes: --token, else RETROVUE_TOKEN (sent wherever the user points it),
 * else the admin-token file of the data folder, sent only to that data folder's own server:
 * it is this machine's master key, and a mistyped or hostile --server must not receive it.
 * None at all is fine on loopback, which the server lets write without one.
 */
export function credentialFor(flags: ServerFlags, base: string): Credential {
  const explicit = flags.token ?? process.env.RETROVUE_TOKEN;
  if (explicit) return { token: explicit.trim() };
  let config: RetrovueConfig;
  let token: string | undefined;
  try {
    // The data folder's own server is judged by the config file (and --port, on loopback: this
    // machine), never by a --host typed now: a mistyped host must not receive the token either.
    config = configOf({ ...flags, host: undefined });
    token = readAdminToken(config.data_dir);
  } catch {
    return {};
  }
  if (!token) return {};
  const { own, described } = ownServer(base, config);
  if (own) return { token };
  return {
    withheld: `the admin token in ${adminTokenPath(config.data_dir)} was not sent: it goes only to its own server (${described}), and ${base} is not that`,
  };
}

export async function call(base: string, method: string, path: string, body?: unknown, credential: Credential = {}): Promise<unknown> {
  let response: Response;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (credential.token && method !== 'GET') headers.authorization = `Bearer ${credential.token}`;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // A redirect is not followed: the token was meant for this address, not wherever it points.
      redirect: 'manual',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ServerCallError(`no Retrovue server answers at ${base} (${cause}); start it with \`retrovue serve\`, or say where it runs: --port/--host as given to \`serve\`, --server URL or RETROVUE_SERVER`);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new ServerCallError(`${base} answered with a redirect (${response.status}) to ${response.headers.get('location') ?? 'nowhere'}; give the server's own address with --server`);
  }
  const payload = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) {
    const said = payload.message ?? response.statusText;
    if (response.status === 401 && !credential.token) {
      // Refused for want of a token: say which server wants one and how to give it.
      const why = credential.withheld ?? 'no token was given, and none is in the data folder';
      throw new ServerCallError(`the server at ${base} needs a token: pass --token or set RETROVUE_TOKEN (\`retrovue token\` on that server prints it). It said: ${said}; ${why}`);
    }
    const hint = response.status === 401 ? ' (the token sent was refused: `retrovue token` on the server prints its current one)' : '';
    throw new ServerCallError(`the server refused (${response.status}): ${said}${hint}`);
  }
  return payload;
}

