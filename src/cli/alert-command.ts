import { ConfigError } from '../config/load.js';
import type { ApiAlert as AlertView, ApiAlertList } from '../server/openapi/api-schemas.js';
import { call, credentialFor, ServerCallError, serverUrl, type ServerFlags } from './server-api.js';

/**
 * `retrovue alert`: talks to the running server (it is the server that breaks into the
 * channels). The address comes from --server, else --host/--port (the flags `serve` was started
 * with), else RETROVUE_SERVER, else the config's streaming.host/port (the same file as `serve`).
 */
export interface AlertFlags extends ServerFlags {
  type?: string;
  priority?: string;
  channels?: string;
  duration?: string;
  list?: boolean;
  cancel?: string;
  json?: boolean;
}

const time = (ms: number): string => new Date(ms).toLocaleTimeString();

function describe(alert: AlertView): string {
  const where = alert.onAirChannels.length > 0 ? `on the air on channel ${alert.onAirChannels.join(', ')}` : alert.state.replace('_', ' ');
  return `#${alert.id} [${alert.type}, priority ${alert.priority}] ${where}; channels ${alert.channels.join(', ')}; ${time(alert.issuedAtMs)}–${time(alert.cancelledAtMs ?? alert.endsAtMs)}: ${alert.message}`;
}

/** Parses `1,2` or `all`. */
function channelsOf(text: string | undefined): number[] | 'all' {
  if (!text) throw new ServerCallError('--channels is required: a list such as 1,2 or all');
  if (text.trim() === 'all') return 'all';
  const numbers = text.split(',').map((part) => Number(part.trim()));
  if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new ServerCallError(`--channels: "${text}" is not a list of channel numbers such as 1,2 (or all)`);
  return numbers;
}

function numberOf(text: string | undefined, flag: string): number {
  if (text === undefined) throw new ServerCallError(`${flag} is required`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ServerCallError(`${flag}: "${text}" is not a number`);
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
    if (!message) throw new ServerCallError('give the alert text: retrovue alert "MESSAGE" --priority N --channels 1,2|all --duration SECONDS (or --list, --cancel ID)');
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
    if (error instanceof ServerCallError || error instanceof ConfigError) {
      process.stderr.write(`retrovue alert: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
