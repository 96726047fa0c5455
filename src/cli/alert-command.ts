import { ConfigError, loadConfig } from '../config/load.js';
import { readAdminToken } from '../server/access/admin-token.js';

/**
 * `retrovue alert`: talks to the running server (it is the server that breaks into the
 * channels). The address comes from --server, else RETROVUE_SERVER, else the config's
 * streaming.host/port (the same file and flags as `serve`).
 */
export interface AlertFlags {
  config?: string;
  server?: string;
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

interface AlertView {
  id: number;
  message: string;
  type: string;
  priority: number;
  channels: number[];
  issuedAtMs: number;
  endsAtMs: number;
  cancelledAtMs?: number;
  state: string;
  onAirChannels: number[];
}

class AlertCommandError extends Error {}

function serverUrl(flags: AlertFlags): string {
  const explicit = flags.server ?? process.env.RETROVUE_SERVER;
  if (explicit) return explicit.replace(/\/+$/, '');
  const config = loadConfig({ config: flags.config });
  // A server listening on every address is reached on loopback (which alerts require anyway).
  const host = ['0.0.0.0', '::', ''].includes(config.streaming.host) ? '127.0.0.1' : config.streaming.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.streaming.port}`;
}

/**
 * The credential for writes: --token, else RETROVUE_TOKEN, else the admin-token file of the
 * data folder (present when this runs on the server's machine). None at all is fine on
 * loopback, which the server lets write without one.
 */
function tokenFor(flags: AlertFlags): string | undefined {
  const explicit = flags.token ?? process.env.RETROVUE_TOKEN;
  if (explicit) return explicit.trim();
  try {
    return readAdminToken(loadConfig({ config: flags.config, data: flags.data }).data_dir);
  } catch {
    return undefined;
  }
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
  let response: Response;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token && method !== 'GET') headers.authorization = `Bearer ${token}`;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new AlertCommandError(`no Retrovue server answers at ${base} (${cause}); start it with \`retrovue serve\`, or give --server URL / RETROVUE_SERVER`);
  }
  const payload = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) {
    const hint = response.status === 401 ? ' (give --token or RETROVUE_TOKEN: `retrovue token` on the server prints it)' : '';
    throw new AlertCommandError(`the server refused (${response.status}): ${payload.message ?? response.statusText}${hint}`);
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
    const token = tokenFor(flags);
    if (flags.list) {
      const list = (await call(base, 'GET', '/api/alerts')) as { active: AlertView[]; queued: AlertView[]; history: AlertView[] };
      const section = (title: string, alerts: AlertView[]) => `${title}:\n${alerts.length ? alerts.map((a) => `  ${describe(a)}`).join('\n') : '  none'}`;
      print(list, [section('On the air', list.active), section('Waiting', list.queued), section('Recent', list.history.slice(0, 10))].join('\n'));
      return 0;
    }
    if (flags.cancel !== undefined) {
      const alert = (await call(base, 'DELETE', `/api/alerts/${encodeURIComponent(flags.cancel)}`, undefined, token)) as AlertView;
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
    }, token)) as AlertView;
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
