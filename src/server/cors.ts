import type { FastifyInstance } from 'fastify';

/**
 * What any web page may read, from any origin: the streams (playlists, segments, `.ts`),
 * the guide, the M3U, logos and the tuner documents. Web players on other origins (a smart-TV
 * app, the hls.js demo page, a Chromecast receiver) need `Access-Control-Allow-Origin` to
 * load them. Nothing that changes the station is opened: writes never get CORS headers, so a
 * page on another origin cannot read their answers, and its preflight is refused.
 */
const OPEN_PATHS: RegExp[] = [
  /^\/channel\/[^/]+$/, // /channel/1.m3u8, /channel/1.ts
  /^\/channel\/\d+\/[^/]+$/, // segments, logos and a ladder's variant playlists (/channel/1/low.m3u8)
  /^\/channel\/\d+\/[a-z]+\/[^/]+$/, // a ladder rung's segments (/channel/1/low/r1-5.ts)
  /^\/channels\.m3u$/,
  /^\/xmltv\.xml$/,
  /^\/(discover|lineup|lineup_status)\.json$/,
  /^\/device\.xml$/,
  /^\/api\/channels\/\d+\/(now|timeline)$/,
  /^\/media\/\d+\/poster$/, // programme posters, the guide's <icon>
];
const READ_METHODS = new Set(['GET', 'HEAD']);

export function isOpenPath(url: string): boolean {
  const pathname = url.split('?', 1)[0]!;
  return OPEN_PATHS.some((pattern) => pattern.test(pathname));
}

export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isOpenPath(request.url)) return;
    if (request.method === 'OPTIONS') {
      const wanted = request.headers['access-control-request-method'];
      if (typeof wanted === 'string' && !READ_METHODS.has(wanted.toUpperCase())) {
        return reply.code(403).send({ error: 'cors_refused', message: `${wanted} is not allowed from other origins on ${request.url}` });
      }
      return reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
        // Players send Range (segments) and If-None-Match (playlists); echo what was asked.
        .header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? 'Range, If-None-Match')
        .header('access-control-max-age', '86400')
        .send();
    }
    if (READ_METHODS.has(request.method)) {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'Content-Length, ETag, Last-Modified');
    }
  });
}
