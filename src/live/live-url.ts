import { randomBytes } from 'node:crypto';

/** A live source's id: short, URL-safe, stable (schedules will name it). */
export const LIVE_ID_PATTERN = /^[a-z0-9-]{1,32}$/;
export const MAX_LIVE_URL_CHARS = 1024;
export const MAX_LIVE_NAME_CHARS = 100;

export type PullProtocol = 'srt' | 'rtsp' | 'rtmp' | 'hls' | 'udp';
export type PushProtocol = 'srt' | 'rtmp';

/**
 * Where a source's stream comes from. Pull: Retrovue reads what an admin configured. Push:
 * Retrovue listens on a port of its own and an encoder (OBS, a hardware box, ffmpeg) publishes
 * to it with the source's secret key.
 */
export type LiveEndpoint =
  | { kind: 'pull'; protocol: PullProtocol; url: string }
  | { kind: 'push'; protocol: 'srt'; host: string; port: number }
  | { kind: 'push'; protocol: 'rtmp'; host: string; port: number; app: string };

export type ParsedLiveUrl = { ok: true; endpoint: LiveEndpoint } | { ok: false; message: string };

const LISTEN_HOSTS = new Set(['0.0.0.0', '127.0.0.1', '[::]', '::', 'localhost']);
const RTMP_APP = /^[A-Za-z0-9_-]{1,32}$/;

function fail(message: string): ParsedLiveUrl {
  return { ok: false, message };
}

function portOf(url: URL, fallback?: number): number | undefined {
  if (url.port === '') return fallback;
  const port = Number(url.port);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Checks a source URL an admin gives and says what kind of source it is. Only schemes ffmpeg
 * reads live are accepted; a push source's secret is Retrovue's (generated, rotatable), so a URL
 * that carries one of its own is refused, as is an HLS URL with a user or password in it (it
 * would be shown in every answer and log line).
 */
export function parseLiveUrl(raw: string): ParsedLiveUrl {
  if (raw.length === 0) return fail('url is empty');
  if (raw.length > MAX_LIVE_URL_CHARS) return fail(`url is longer than ${MAX_LIVE_URL_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return fail('url contains spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('url is not a URL (e.g. srt://0.0.0.0:9000?mode=listener or rtmp://0.0.0.0:1935/live)');
  }
  const scheme = url.protocol.slice(0, -1);
  switch (scheme) {
    case 'srt': {
      if (!url.hostname) return fail('an srt url needs a host and port');
      const port = portOf(url);
      if (port === undefined) return fail('an srt url needs a port from 1 to 65535');
      if (url.username || url.password) return fail('an srt url takes no user or password');
      for (const key of ['passphrase', 'streamid', 'pbkeylen']) {
        if (url.searchParams.has(key)) return fail(`srt ${key} is Retrovue's: a push source gets its own key (POST /api/live/sources/{id}/rotate-key changes it)`);
      }
      const mode = url.searchParams.get('mode') ?? 'caller';
      if (mode === 'listener') {
        if (!LISTEN_HOSTS.has(url.hostname)) return fail('an srt listener listens on 0.0.0.0 (every interface) or 127.0.0.1');
        if (port < 1024) return fail('a listening port must be 1024 or above');
        return { ok: true, endpoint: { kind: 'push', protocol: 'srt', host: url.hostname, port } };
      }
      if (mode !== 'caller') return fail('srt mode must be caller (Retrovue pulls) or listener (an encoder pushes)');
      return { ok: true, endpoint: { kind: 'pull', protocol: 'srt', url: raw } };
    }
    case 'rtmp': {
      if (!url.hostname) return fail('an rtmp url needs a host');
      const port = portOf(url, 1935);
      if (port === undefined) return fail('an rtmp port must be from 1 to 65535');
      if (url.username || url.password) return fail('an rtmp url takes no user or password');
      if (url.search || url.hash) return fail('an rtmp url takes no query or fragment');
      if (url.hostname === '0.0.0.0' || url.hostname === '[::]') {
        // Retrovue listens: the URL names the application; the stream name is the source's key.
        const segments = url.pathname.split('/').filter(Boolean);
        const app = segments[0] ?? 'live';
        if (segments.length > 1) return fail('an rtmp push url names only the application (rtmp://0.0.0.0:1935/live): the stream key is generated');
        if (!RTMP_APP.test(app)) return fail('the rtmp application name is letters, digits, _ and - (at most 32)');
        if (port < 1024) return fail('a listening port must be 1024 or above');
        return { ok: true, endpoint: { kind: 'push', protocol: 'rtmp', host: url.hostname, port, app } };
      }
      if (url.pathname.split('/').filter(Boolean).length < 2) return fail('an rtmp pull url names the application and the stream: rtmp://host/app/stream');
      return { ok: true, endpoint: { kind: 'pull', protocol: 'rtmp', url: raw } };
    }
    case 'rtsp':
    case 'rtsps': {
      // IP cameras take their user and password in the URL; it is an admin's, kept like a secret.
      if (!url.hostname) return fail('an rtsp url needs a host');
      if (portOf(url, 554) === undefined) return fail('an rtsp port must be from 1 to 65535');
      return { ok: true, endpoint: { kind: 'pull', protocol: 'rtsp', url: raw } };
    }
    case 'http':
    case 'https': {
      if (!url.hostname) return fail('an HLS url needs a host');
      if (url.username || url.password) return fail('an HLS url must not carry a user or password (it would be shown and logged)');
      if (!url.pathname.toLowerCase().endsWith('.m3u8')) return fail('an http(s) source is an HLS playlist: its path ends in .m3u8');
      if (portOf(url, scheme === 'https' ? 443 : 80) === undefined) return fail('the port must be from 1 to 65535');
      return { ok: true, endpoint: { kind: 'pull', protocol: 'hls', url: raw } };
    }
    case 'udp': {
      if (!url.hostname) return fail('a udp url needs a host (a multicast group or 0.0.0.0)');
      if (portOf(url) === undefined) return fail('a udp url needs a port from 1 to 65535');
      if (url.username || url.password) return fail('a udp url takes no user or password');
      return { ok: true, endpoint: { kind: 'pull', protocol: 'udp', url: raw } };
    }
    default:
      return fail(`url scheme ${JSON.stringify(scheme.slice(0, 16))} is not a live source: use srt://, rtmp://, rtsp://, http(s)://….m3u8 or udp://`);
  }
}

/** A push source's secret: 144 random bits, URL- and SRT-passphrase-safe (24 characters). */
export function generateLiveKey(): string {
  return randomBytes(18).toString('base64url');
}

/** The URL shown in answers: a camera's password (rtsp://user:pass@cam) as ***. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.password) return raw;
    url.password = '***';
    return url.toString();
  } catch {
    return raw;
  }
}

/** The password an rtsp URL carries, if any (registered with the log redactor). */
export function urlPassword(raw: string): string | undefined {
  try {
    const password = new URL(raw).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Where an encoder publishes a push source (what the POST and rotate answers show, once). */
export function publishUrl(endpoint: LiveEndpoint, key: string, advertisedHost = '<this-server>'): string | undefined {
  if (endpoint.kind !== 'push') return undefined;
  if (endpoint.protocol === 'rtmp') return `rtmp://${advertisedHost}:${endpoint.port}/${endpoint.app}/${key}`;
  // libsrt itself refuses a caller whose passphrase differs (and encrypts the stream with it).
  return `srt://${advertisedHost}:${endpoint.port}?mode=caller&passphrase=${key}`;
}
