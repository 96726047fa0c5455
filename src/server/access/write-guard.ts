import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from '../errors.js';
import type { AdminCredential } from './admin-token.js';

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(ip: string): boolean {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes that stay open: HDHomeRun clients (Plex, Jellyfin) POST `lineup.post` to "scan"
 * the tuner, without any credential; it changes nothing.
 */
const OPEN_WRITES = new Set(['/lineup.post']);

/**
 * Content types an HTML form (or a no-cors fetch) can send without a CORS preflight. A write
 * carrying one is a cross-site "simple" request or a mistake; the API speaks JSON (and raw
 * image types for logo uploads), both of which need a preflight that CORS refuses.
 */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

export interface WriteGuardOptions {
  credential: AdminCredential;
  /** server.read_only_lan: refuse every write that does not come from this machine. */
  readOnlyLan: boolean;
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(.+?)\s*$/i.exec(header); // a password may contain spaces
  return match?.[1];
}

/** True when a browser says the request comes from a page of another site. */
function crossSiteReason(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined; // "null" (sandboxed frame, file://) is never this server
    }
    if (host !== request.host) return `Origin ${origin} is not this server (${request.host})`;
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'the browser marked it cross-site';
  return undefined;
}

/**
 * Every write (POST/PUT/PATCH/DELETE) passes here before its route runs:
 * 1. a browser request from another site is refused, whoever sends it (a page the operator
 *    visits must not drive their station through their own browser, even on loopback);
 * 2. a form-type body is refused (the cross-site "simple" request shape);
 * 3. from any address but loopback, `Authorization: Bearer <admin token or password>` is
 *    required (401 without, 403 when wrong); a wrong credential is refused on loopback too.
 * `request.ip` honours X-Forwarded-For only when `server.trust_proxy` is set.
 */
export function registerWriteGuard(app: FastifyInstance, options: WriteGuardOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!WRITE_METHODS.has(request.method)) return;
    const pathname = request.url.split('?', 1)[0]!;
    if (OPEN_WRITES.has(pathname)) return;

    const crossSite = crossSiteReason(request);
    if (crossSite) return sendError(reply, 403, 'cross_site_refused', `writes are refused from other sites: ${crossSite}`);

    const contentType = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (SIMPLE_CONTENT_TYPES.includes(contentType)) {
      return sendError(reply, 415, 'unsupported_media_type', `${contentType} bodies are refused on writes (a cross-site form could send them); send application/json`);
    }

    const local = isLoopback(request.ip);
    if (!local && options.readOnlyLan) {
      return sendError(reply, 403, 'read_only_lan', `this server is read-only from the network (server.read_only_lan); change it from the Retrovue machine itself (${request.ip} is not loopback)`);
    }
    const presented = bearerOf(request);
    if (presented !== undefined) {
      if (options.credential.accepts(presented)) return;
      return sendError(reply, 403, 'bad_credential', 'the admin token (or password) is wrong; the current token is in the data folder (admin-token), or run `retrovue token` on the server');
    }
    if (local) return;
    reply.header('www-authenticate', 'Bearer realm="Retrovue"');
    return sendError(reply, 401, 'credential_required', `changes from the network need the admin token: send "Authorization: Bearer <token>" (the token is in the data folder's admin-token file, or run \`retrovue token\` on the server; ${request.ip} is not loopback)`);
  });
}
