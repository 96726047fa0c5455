import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { isOpenPath } from '../cors.js';
import { sendError } from '../errors.js';
import type { AdminCredential } from './admin-token.js';
import { clientOf, type ClientAddress, type ProxyTrust } from './client-address.js';
import type { HostAllowList } from './host-allow-list.js';

export { isLoopback } from './client-address.js';

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
  /** server.trust_proxy: whose X-Forwarded-For is believed. */
  proxies: ProxyTrust;
  /** The names this server answers as (DNS-rebinding protection). */
  hosts: HostAllowList;
  log: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, as far as trusted proxies vouch for it (set by the write guard). */
    client: ClientAddress;
  }
}

/** What a proxy on this machine that cannot be attributed is told, once per kind. */
const LOCAL_PROXY_WARNINGS: Record<NonNullable<ClientAddress['untrustedLocalProxy']>, string> = {
  not_trusted:
    'a proxy on this machine forwards requests (X-Forwarded-For from loopback) but server.trust_proxy does not name it: its clients are treated as the network (writes need the token). Set server.trust_proxy to its address, e.g. ["127.0.0.1"]',
  no_x_forwarded_for:
    'a request from a trusted proxy (server.trust_proxy) came without X-Forwarded-For: its client cannot be told apart from the proxy and is treated as the network (writes need the token). Have the proxy send it (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`); tools on this machine that talk to Retrovue directly send the token (the retrovue CLI does)',
};

/** The credential in `Authorization: Bearer …`, if any (also read by the /metrics route). */
export function bearerOf(request: FastifyRequest): string | undefined {
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
 * Every request passes here before its route runs. Its client is worked out once (the
 * rightmost hop that `server.trust_proxy` does not vouch for). Then:
 * 0. anything but the open documents (streams, guide, M3U, tuner) is refused under a `Host`
 *    that is not one of this server's names (DNS rebinding);
 * and every write (POST/PUT/PATCH/DELETE):
 * 1. a browser request from another site is refused, whoever sends it (a page the operator
 *    visits must not drive their station through their own browser, even on loopback);
 * 2. a form-type body is refused (the cross-site "simple" request shape);
 * 3. unless it truly comes from this machine, `Authorization: Bearer <admin token or password>`
 *    is required (401 without, 403 when wrong); a wrong credential is refused on loopback too.
 */
export function registerWriteGuard(app: FastifyInstance, options: WriteGuardOptions): void {
  app.decorateRequest('client', null as unknown as ClientAddress);
  const warned = new Set<string>();
  app.addHook('onRequest', async (request, reply) => {
    const client = clientOf(request, options.proxies);
    request.client = client;
    if (client.untrustedLocalProxy && !warned.has(client.untrustedLocalProxy)) {
      warned.add(client.untrustedLocalProxy);
      options.log.warn({ url: request.url }, LOCAL_PROXY_WARNINGS[client.untrustedLocalProxy]);
    }

    const pathname = request.url.split('?', 1)[0]!;
    const open = isOpenPath(pathname) || OPEN_WRITES.has(pathname);
    if (!open && !options.hosts.allows(request.headers.host)) {
      return sendError(
        reply,
        403,
        'unknown_host',
        // The accepted names are not listed: a rebinding page can read this answer.
        `this server does not answer as "${String(request.headers.host ?? '').slice(0, 100)}" (DNS-rebinding protection): use its address, localhost or its host name, or add the name to server.allowed_hosts`,
      );
    }

    if (!WRITE_METHODS.has(request.method)) return;
    if (OPEN_WRITES.has(pathname)) return;

    const crossSite = crossSiteReason(request);
    if (crossSite) return sendError(reply, 403, 'cross_site_refused', `writes are refused from other sites: ${crossSite}`);

    const contentType = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (SIMPLE_CONTENT_TYPES.includes(contentType)) {
      return sendError(reply, 415, 'unsupported_media_type', `${contentType} bodies are refused on writes (a cross-site form could send them); send application/json`);
    }

    const local = client.local;
    const who = local ? '' : ` (${describe(client)})`;
    if (!local && options.readOnlyLan) {
      return sendError(reply, 403, 'read_only_lan', `this server is read-only from the network (server.read_only_lan); change it from the Retrovue machine itself${who}`);
    }
    const presented = bearerOf(request);
    if (presented !== undefined) {
      if (options.credential.accepts(presented)) return;
      return sendError(reply, 403, 'bad_credential', 'the admin token (or password) is wrong; the current token is in the data folder (admin-token), or run `retrovue token` on the server');
    }
    if (local) return;
    reply.header('www-authenticate', 'Bearer realm="Retrovue"');
    return sendError(reply, 401, 'credential_required', `changes from the network need the admin token: send "Authorization: Bearer <token>" (the token is in the data folder's admin-token file, or run \`retrovue token\` on the server)${who}`);
  });
}

function describe(client: ClientAddress): string {
  if (client.untrustedLocalProxy === 'not_trusted') return 'forwarded by a proxy on this machine for a client it does not vouch for; see server.trust_proxy';
  if (client.untrustedLocalProxy) return `${client.address} is a trusted proxy and sent no X-Forwarded-For, so the client is unknown`;
  return `${client.address} is not this machine`;
}
