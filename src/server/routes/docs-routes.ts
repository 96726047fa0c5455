import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import type { ApiOperationRegistry } from '../openapi/route-table.js';

const require = createRequire(import.meta.url);
const packageVersion = (require('../../../package.json') as { version: string }).version;

/** Swagger UI's files, served from the npm package (nothing from a CDN): name → content type. */
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Retrovue API reference</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <style>body { margin: 0 } .topbar { display: none }</style>
</head>
<body>
  <div id="reference"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

// "Try it out" sends the token the Authorize button holds; on this machine none is needed.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#reference', deepLinking: true, persistAuthorization: false, tryItOutEnabled: false });\n`;

/** `/api/openapi.json` (generated from the registered routes' zod schemas) and `/api/docs` (Swagger UI). */
export function registerDocsRoutes(app: FastifyInstance, registry: ApiOperationRegistry): void {
  // Written on first request: routes registered after this one (serve adds the graphics and
  // library-folder routes to the built app) are in it, and nothing can be added once listening.
  let documentText: string | undefined;
  app.get('/api/openapi.json', async (_request, reply) => {
    documentText ??= JSON.stringify(buildOpenApiDocument(registry.operations(), { version: packageVersion }));
    return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(documentText);
  });
  app.get('/api/docs', async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(DOCS_PAGE));
  app.get('/api/docs/init.js', async (_request, reply) => reply.header('content-type', 'text/javascript; charset=utf-8').send(INIT_SCRIPT));
  for (const [name, contentType] of Object.entries(SWAGGER_FILES)) {
    app.get(`/api/docs/${name}`, async (_request, reply) => {
      const body = await readFile(require.resolve(`swagger-ui-dist/${name}`));
      return reply.header('content-type', contentType).header('cache-control', 'public, max-age=86400').send(body);
    });
  }
}
