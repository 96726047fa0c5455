/**
 * The one way Retrovue talks to a media server: fetch, bounded in time, bytes and redirects,
 * with every failure turned into a SourceError a user can act on. A media server is a remote
 * party like any other: it may be the wrong address, a login page, a proxy that answers HTML,
 * or a server that sends gigabytes. Secrets travel in headers only, so no URL built here (and
 * no message) ever holds one.
 */
import { SourceError } from './media-server.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Same-origin redirects followed before giving up (a reverse proxy adding a slash is common; a loop is not). */
export const MAX_REDIRECTS = 3;

/** A media server as this module reaches it. */
export interface ServerEndpoint {
  /** The server's base URL, validated by parseServerUrl (no trailing slash). */
  baseUrl: string;
  /** "Plex", "Jellyfin", "Emby": how messages name the kind of server. */
  product: string;
  /** What the secret is called, for messages: "token", "API key". */
  secretName: string;
  /** Headers sent with every request (the secret among them). */
  headers: Record<string, string>;
}

export interface RequestLimits {
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

/**
 * Checks a server address a user typed: http or https only, no credentials, no query or
 * fragment (a token pasted into the URL would be logged and shown; it belongs in the secret
 * field). Returns it without a trailing slash, so `${base}${path}` joins cleanly.
 */
export function parseServerUrl(raw: string, product = 'the media server'): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SourceError('invalid_url', `"${clip(raw, 80)}" is not a URL: give ${product}'s address, e.g. http://192.168.1.10:32400`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceError('invalid_url', `${product}'s address must start with http:// or https:// (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new SourceError('invalid_url', `${product}'s address must not hold a user name or password; give the token or API key in its own field`);
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new SourceError('invalid_url', `${product}'s address must not have a query or fragment (${url.origin}${url.pathname} …); give the token or API key in its own field`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** GETs `path` (plus query) from the server and parses its JSON, bounded. */
export async function getJson(endpoint: ServerEndpoint, path: string, query: Record<string, string | number | undefined> = {}, limits: RequestLimits = {}): Promise<unknown> {
  const { response, body } = await getBounded(endpoint, path, query, { accept: 'application/json', ...limits });
  return parseJsonBody(endpoint, path, response.headers.get('content-type') ?? '', body);
}

/** GETs an image (a poster) from the server, at most `maxBytes`; anything but an image is refused. */
export async function getImage(endpoint: ServerEndpoint, path: string, maxBytes: number, limits: RequestLimits = {}): Promise<{ contentType: string; body: Buffer }> {
  const { response, body } = await getBounded(endpoint, path, {}, { accept: 'image/*', ...limits, maxResponseBytes: maxBytes });
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!contentType.startsWith('image/')) {
    throw new SourceError('bad_response', `${endpoint.product} at ${endpoint.baseUrl} answered ${path} with ${contentType || 'no content type'}, not an image`);
  }
  return { contentType, body };
}

/** Joins the base URL, a server path and a query into the URL to fetch. */
export function serverUrl(baseUrl: string, path: string, query: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.append(key, String(value));
  const qs = search.toString();
  return `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}${qs ? (path.includes('?') ? '&' : '?') + qs : ''}`;
}

interface GetOptions extends RequestLimits {
  accept: string;
}

async function getBounded(endpoint: ServerEndpoint, path: string, query: Record<string, string | number | undefined>, options: GetOptions): Promise<{ response: Response; body: Buffer }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const where = `${endpoint.product} at ${endpoint.baseUrl}`;
  const origin = new URL(endpoint.baseUrl).origin;
  let url = serverUrl(endpoint.baseUrl, path, query);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, { headers: { Accept: options.accept, ...endpoint.headers }, redirect: 'manual', signal });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel().catch(() => undefined);
        const next = new URL(response.headers.get('location')!, url);
        // The secret is in the headers: following a redirect to another origin would hand it over.
        if (next.origin !== origin) {
          throw new SourceError('bad_response', `${where} redirected ${path} to another address (${next.origin}); if the server moved, use that address`);
        }
        if (redirects >= MAX_REDIRECTS) throw new SourceError('bad_response', `${where} redirected ${path} more than ${MAX_REDIRECTS} times`);
        url = next.href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw statusError(endpoint, path, response.status, response.statusText);
      }
      const body = await readCapped(response, maxBytes, () => new SourceError('too_large', `${where} answered ${path} with more than ${formatBytes(maxBytes)}; refused`));
      return { response, body };
    }
  } catch (error) {
    throw asSourceError(error, endpoint, path, timeoutMs, options.signal);
  }
}

/** Reads a body up to maxBytes: the Content-Length is checked first, then the stream as it comes. */
async function readCapped(response: Response, maxBytes: number, tooLarge: () => SourceError): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function parseJsonBody(endpoint: ServerEndpoint, path: string, contentType: string, body: Buffer): unknown {
  const where = `${endpoint.product} at ${endpoint.baseUrl}`;
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart().slice(0, 200).toLowerCase();
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html' || start.startsWith('<!doctype html') || start.startsWith('<html')) {
    throw new SourceError('not_a_media_server', `${endpoint.baseUrl} answered with an HTML page, not ${endpoint.product}'s API: is this the ${endpoint.product} address?`);
  }
  if (start.startsWith('<')) {
    throw new SourceError('not_a_media_server', `${endpoint.baseUrl} answered ${path} with XML where ${endpoint.product}'s API answers JSON: is this the ${endpoint.product} address?`);
  }
  if (!start.startsWith('{') && !start.startsWith('[')) {
    if (type && !type.includes('json')) {
      throw new SourceError('not_a_media_server', `${endpoint.baseUrl} answered ${path} with ${type}, not ${endpoint.product}'s API: is this the ${endpoint.product} address?`);
    }
    if (text.trim() === '') throw new SourceError('bad_response', `${where} answered ${path} with an empty body where JSON was expected`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SourceError('bad_response', `${where} answered ${path} with malformed JSON (${(error as Error).message})`);
  }
}

function statusError(endpoint: ServerEndpoint, path: string, status: number, statusText: string): SourceError {
  const where = `${endpoint.product} at ${endpoint.baseUrl}`;
  switch (status) {
    case 401:
      return new SourceError('unauthorized', `${where} refused the ${endpoint.secretName} (401 Unauthorized): check the ${endpoint.secretName}`);
    case 403:
      return new SourceError('forbidden', `${where} accepted the ${endpoint.secretName} but refused ${path} (403 Forbidden): that account lacks the permission`);
    case 404:
      return new SourceError('not_found', `${where} has no ${path} (404 Not Found): is this the ${endpoint.product} address, and does the item still exist?`);
    default:
      return new SourceError('bad_response', `${where} answered ${path} with ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** fetch's and undici's errors, and our own aborts, as the SourceError a user reads. */
function asSourceError(error: unknown, endpoint: ServerEndpoint, path: string, timeoutMs: number, callerSignal: AbortSignal | undefined): SourceError {
  if (error instanceof SourceError) return error;
  const where = `${endpoint.product} at ${endpoint.baseUrl}`;
  const name = (error as { name?: string } | undefined)?.name;
  if (callerSignal?.aborted && name !== 'TimeoutError') {
    return new SourceError('timeout', `the request to ${where} (${path}) was cancelled`);
  }
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new SourceError('timeout', `${where} did not answer ${path} within ${formatSeconds(timeoutMs)}`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  const url = new URL(endpoint.baseUrl);
  const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new SourceError('unreachable', `cannot reach ${where}: connection refused on ${hostPort} (is the server running, and is the port right?)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SourceError('unreachable', `cannot reach ${where}: no host named ${url.hostname} (${hostPort})`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SourceError('unreachable', `cannot reach ${where}: no route to ${hostPort}`);
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return new SourceError('unreachable', `${where} closed the connection on ${hostPort} while answering ${path}`);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return new SourceError('timeout', `${where} did not answer ${path} within ${formatSeconds(timeoutMs)}`);
    default:
      if (code && /CERT|SSL|TLS/.test(code)) {
        return new SourceError('unreachable', `cannot reach ${where}: its TLS certificate was refused (${code})`);
      }
      return new SourceError('unreachable', `cannot reach ${where} on ${hostPort}: ${cause?.message ?? (error as Error | undefined)?.message ?? String(error)}`);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(bytes / 1024)} kB`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Text from a server kept as the server has it (quotes, emoji, right-to-left marks) except C0
 * control characters other than tab and newline, which would break a guide's XML and logs.
 */
export function cleanText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u0008\u000B-\u001F]/g, '').trim();
  return cleaned === '' ? undefined : cleaned;
}

/** Runs `work` over `inputs` with at most `limit` at once, keeping the inputs' order in the results. */
export async function mapBounded<T, R>(inputs: readonly T[], limit: number, work: (input: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}
