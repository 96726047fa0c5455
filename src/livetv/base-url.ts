import type { FastifyRequest } from 'fastify';

/** A Host header we are willing to echo into URLs, XML and playlists: host name or IP, optional port. */
const SAFE_HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * The address clients should use for this server's URLs (BaseURL, lineup, M3U, logos):
 * `server.public_url` when configured (reverse proxies, NAT), else the address the client
 * itself used: a media server that reached us at http://192.168.1.10:8080 can reach the
 * stream URLs at that same address. A missing or odd Host header falls back to the
 * socket's local address, never to text taken verbatim from the request.
 */
export function baseUrlFor(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const host = request.headers.host;
  if (host && SAFE_HOST.test(host)) return `${request.protocol}://${host}`;
  const address = (request.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const hostPart = address.includes(':') ? `[${address}]` : address;
  return `${request.protocol}://${hostPart}:${request.socket.localPort}`;
}
