import { isIP } from 'node:net';
import { ConfigError, loadConfig } from '../config/load.js';
import type { RetrovueConfig } from '../config/schema.js';
import { adminTokenPath, readAdminToken } from '../server/access/admin-token.js';
import type { ApiAlert as AlertView, ApiAlertList } from '../server/openapi/api-schemas.js';

/**
 * `retrovue alert`: talks to the running server (it is the server that breaks into the
 * channels). The address comes from --server, else --host/--port (the flags `serve` was started
 * with), else RETROVUE_SERVER, else the config's streaming.host/port (the same file as `serve`).
 */
export interface AlertFlags {
  config?: string;
  server?: string;
  host?: string;
  port?: string;
  token?: string;
  data?: string;
  type?: string;
  priority?: string;
  channels?: string;
  duration?: string;
  list?: boolean;
  cancel?: string;
  json?: boolean;
}

class AlertCommandError extends Error {}

/** The config as `serve` would load it from the same --config, --host, --port and --data. */
const configOf = (flags: AlertFlags): RetrovueConfig => loadConfig({ config: flags.config, host: flags.host, port: flags.port, data: flags.data });

function serverUrl(flags: AlertFlags): string {
  const byFlags = flags.host !== undefined || flags.port !== undefined;
  if (flags.server && byFlags) throw new AlertCommandError('give the server either as --server URL or as --host/--port, not both');
  // A flag typed now beats an environment variable set long ago.
  const explicit = flags.server ?? (byFlags ? undefined : process.env.RETROVUE_SERVER);
  if (explicit) return explicit.replace(/\/+$/, '');
  const config = configOf(flags);
  // A server listening on every address is reached on loopback (which alerts require anyway).
  const host = ['0.0.0.0', '::', ''].includes(config.streaming.host) ? '127.0.0.1' : config.streaming.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.streaming.port}`;
}

/** The credential sent with writes, or why the data folder's token was kept back. */
interface Credential {
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
function credentialFor(flags: AlertFlags, base: string): Credential {
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

async function call(base: string, method: string, path: string, body?: unknown, credential: Credential = {}): Promise<unknown> {
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
    throw new AlertCommandError(`no Retrovue server answers at ${base} (${cause}); start it with \`retrovue serve\`, or say where it runs: --port/--host as given to \`serve\`, --server URL or RETROVUE_SERVER`);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new AlertCommandError(`${base} answered with a redirect (${response.status}) to ${response.headers.get('location') ?? 'nowhere'}; give the server's own address with --server`);
  }
  const payload = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) {
    const said = payload.message ?? response.statusText;
    if (response.status === 401 && !credential.token) {
      // Refused for want of a token: say which server wants one and how to give it.
      const why = credential.withheld ?? 'no token was given, and none is in the data folder';
      throw new AlertCommandError(`the server at ${base} needs a token: pass --token or set RETROVUE_TOKEN (\`retrovue token\` on that server prints it). It said: ${said}; ${why}`);
    }
    const hint = response.status === 401 ? ' (the token sent was refused: `retrovue token` on the server prints its current one)' : '';
    throw new AlertCommandError(`the server refused (${response.status}): ${said}${hint}`);
  }
  return payload;
}

const time = (ms: number): string => new Date(ms).toLocaleTimeString();

function describe(alert: AlertView): string {
  const where = alert.onAirChannels.length > 0 ? `on the air on channel ${alert.onAirChannels.join(', ')}` : alert.state.replace('_', ' ');
  return `#${alert.id} [${alert.type}, priority ${alert.priority}] ${where}; channels ${alert.channels.join(', ')}; ${time(alert.issuedAtMs)}–${time(alert.cancelledAtMs ?? alert.endsAtMs)}: ${alert.message}`;
}

/** Parses `1,2` or `all`. */
function channelsOf(text: string | undefined): number[] | 'all' {
  if (!text) throw new AlertCommandError('--channels is required: a list such as 1,2 or all');
  if (text.trim() === 'all') return 'all';
  const numbers = text.split(',').map((part) => Number(part.trim()));
  if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new AlertCommandError(`--channels: "${text}" is not a list of channel numbers such as 1,2 (or all)`);
  return numbers;
}

function numberOf(text: string | undefined, flag: string): number {
  if (text === undefined) throw new AlertCommandError(`${flag} is required`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new AlertCommandError(`${flag}: "${text}" is not a number`);
  return value;
}

export async function runAlertCommand(message: string | undefined, flags: AlertFlags): Promise<number> {
  const print = (value: unknown, text: string) => process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  try {
    const base = serverUrl(flags);
    const credential = credentialFor(flags, base);
    if (flags.list) {
      const list = (await call(base, 'GET', '/api/alerts')) as ApiAlertList;
      const section = (title: string, alerts: AlertView[]) => `${title}:\n${alerts.length ? alerts.map((a) => `  ${describe(a)}`).join('\n') : '  none'}`;
      print(list, [section('On the air', list.active), section('Waiting', list.queued), section('Recent', list.history.slice(0, 10))].join('\n'));
      return 0;
    }
    if (flags.cancel !== undefined) {
      const alert = (await call(base, 'DELETE', `/api/alerts/${encodeURIComponent(flags.cancel)}`, undefined, credential)) as AlertView;
      print(alert, `Alert #${alert.id} ended; its channels are back on their schedules.`);
      return 0;
    }
    if (!message) throw new AlertCommandError('give the alert text: retrovue alert "MESSAGE" --priority N --channels 1,2|all --duration SECONDS (or --list, --cancel ID)');
    const alert = (await call(base, 'POST', '/api/alerts', {
      message,
      type: flags.type ?? 'emergency',
      priority: numberOf(flags.priority, '--priority'),
      channels: channelsOf(flags.channels),
      duration: numberOf(flags.duration, '--duration'),
    }, credential)) as AlertView;
    const reached = alert.onAirChannels.length ? `on the air now on channel ${alert.onAirChannels.join(', ')}` : 'waiting behind a higher-priority alert';
    print(alert, `Alert #${alert.id} sent to channel ${alert.channels.join(', ')}: ${reached}, until ${time(alert.endsAtMs)}. Cancel with: retrovue alert --cancel ${alert.id}`);
    return 0;
  } catch (error) {
    if (error instanceof AlertCommandError || error instanceof ConfigError) {
      process.stderr.write(`retrovue alert: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
