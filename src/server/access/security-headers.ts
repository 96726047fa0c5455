import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries, and the content security policy of the pages.
 *
 * - `X-Content-Type-Options: nosniff` everywhere: a browser never runs a logo, a JSON error or a
 *   segment as something it guessed.
 * - `Referrer-Policy: no-referrer`: a playlist or guide URL with a token-bearing query never leaks.
 * - HTML pages (`/`, `/control`, `/api/docs`): a CSP that allows only this server's own scripts
 *   (and the inline boot script of `/` by its hash), and `frame-ancestors 'none'` with
 *   `X-Frame-Options: DENY` so no other site can frame the control room and click through it.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', pagePolicy([]));
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
}

/**
 * The CSP of one of our pages. hls.js plays through Media Source Extensions (`blob:` media) and
 * may run its demuxer in a `blob:` worker; the graphics preview is a `blob:` image; styles are
 * inline in the pages and set as attributes by the control room.
 */
export function pagePolicy(inlineScripts: string[]): string {
  const hashes = inlineScripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((hash) => ` ${hash}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The inline `<script>` bodies of a page, exactly as the browser hashes them. */
export function inlineScriptsOf(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
}
