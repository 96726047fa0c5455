import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { inlineScriptsOf, pagePolicy } from '../access/security-headers.js';
import { sendError } from '../errors.js';

const webDir = fileURLToPath(new URL('../../../web/', import.meta.url));
/** The control room's bundle, built by `npm run build` (scripts/build-web.mjs) into dist/web/. */
const bundleDir = fileURLToPath(new URL('../../web/', import.meta.url));
const require = createRequire(import.meta.url);

/** The page's own static files, by name: a fixed list, so no request path ever reaches the disk. */
const WEB_FILES: Record<string, string> = {
  'guide.js': 'text/javascript; charset=utf-8',
};

/** The web remote (guide + player), the control room, their scripts, and the hls.js build the player uses. */
export function registerWebRoutes(app: FastifyInstance): void {
  app.get('/', async (_request, reply) => {
    const html = await readFile(`${webDir}index.html`, 'utf8');
    // The page boots from one inline script: the policy allows exactly that script, by its hash.
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', pagePolicy(inlineScriptsOf(html)))
      .send(html);
  });
  for (const [name, contentType] of Object.entries(WEB_FILES)) {
    app.get(`/web/${name}`, async (_request, reply) => {
      const body = await readFile(`${webDir}${name}`, 'utf8');
      // no-cache: revalidated on each load, so an upgrade never pairs a new page with an old script.
      return reply.header('content-type', contentType).header('cache-control', 'no-cache').send(body);
    });
  }
  // The control room: channels, schedule editor, library, alerts, monitor (web/control/).
  app.get('/control', async (_request, reply) => {
    const html = await readFile(`${webDir}control.html`, 'utf8');
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  });
  for (const [name, contentType] of Object.entries({ 'control.js': 'text/javascript; charset=utf-8', 'control.js.map': 'application/json' })) {
    app.get(`/web/${name}`, async (_request, reply) => {
      const body = await readFile(`${bundleDir}${name}`, 'utf8').catch(() => undefined);
      if (body === undefined) return sendError(reply, 404, 'not_built', 'the control room is not built: run `npm run build`');
      return reply.header('content-type', contentType).header('cache-control', 'no-cache').send(body);
    });
  }
  app.get('/vendor/hls.min.js', async (_request, reply) => {
    const script = await readFile(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
    return reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(script);
  });
}
