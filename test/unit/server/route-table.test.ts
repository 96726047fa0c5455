import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from '../../../src/server/openapi/openapi-document.js';
import { ApiOperationRegistry, defineRoute } from '../../../src/server/openapi/route-table.js';

const thingParams = z.object({ id: z.string().regex(/^\d+$/).describe('numeric id') });
const thingQuery = z.object({ limit: z.coerce.number().int().min(1).max(10).default(5) }).strict();
const thingSchema = z.looseObject({ id: z.number().int(), limit: z.number().int() });

function appWithThings() {
  const app = Fastify();
  const registry = new ApiOperationRegistry(app);
  defineRoute(app, {
    method: 'get', path: '/api/things/{id}', operationId: 'getThing', tag: 'Library', summary: 'One thing',
    params: thingParams, query: thingQuery, errors: [400], responses: { 200: { description: 'the thing', schema: thingSchema } },
  }, async (request) => ({ id: Number(request.params.id), limit: request.query.limit }));
  // Routes inside a plugin (as the logo routes are, for their own body parser) are recorded too.
  void app.register(async (scope) => {
    defineRoute(scope, {
      method: 'delete', path: '/api/things/{id}', operationId: 'deleteThing', tag: 'Library', summary: 'Remove a thing',
      params: thingParams, errors: [404], responses: { 200: { description: 'the removed thing', schema: thingSchema } },
    }, async (request) => ({ id: Number(request.params.id), limit: 0 }));
  });
  return { app, registry };
}

describe('the route table: a route declared once is registered, validated and documented', () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => close?.());

  it('registers the OpenAPI path as a Fastify path and hands the handler the parsed query', async () => {
    const { app } = appWithThings();
    close = () => app.close();
    const response = await app.inject({ url: '/api/things/7?limit=3' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 7, limit: 3 });
    expect((await app.inject({ url: '/api/things/7' })).json()).toEqual({ id: 7, limit: 5 });
  });

  it('refuses a query its schema refuses with a 400 in the one error shape, naming the parameter', async () => {
    const { app } = appWithThings();
    close = () => app.close();
    const tooMany = await app.inject({ url: '/api/things/7?limit=99' });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ error: 'bad_request', field: 'limit' });
    const unknown = await app.inject({ url: '/api/things/7?colour=red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/unknown parameter\(s\) colour/);
  });

  it('records every declared route, plugins included, and the OpenAPI document is made from the records', async () => {
    const { app, registry } = appWithThings();
    close = () => app.close();
    await app.ready();
    expect(registry.operations().map((op) => op.operationId)).toEqual(['getThing', 'deleteThing']);
    const document = buildOpenApiDocument(registry.operations(), { version: '0.0.0' });
    const path = document.paths['/api/things/{id}']!;
    expect(Object.keys(path)).toEqual(['get', 'delete']);
    expect(path.get).toMatchObject({
      operationId: 'getThing',
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'numeric id' },
        { name: 'limit', in: 'query', required: false },
      ],
    });
    // A write is documented with the admin token and the refusals every write can answer.
    expect(Object.keys((path.delete as { responses: object }).responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404', '500']));
  });
});
