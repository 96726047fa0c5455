import { z } from 'zod';
import { apiErrorSchema } from '../errors.js';
import { API_TAGS, type ApiOperation } from './route-table.js';

type JsonSchema = Record<string, unknown>;

/**
 * zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect). Requests are described as the client
 * sends them (`io: 'input'`: defaulted fields are optional), responses as the server sends them.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const described = jsonSchema(field as z.ZodType, 'input');
    const { description, ...fieldSchema } = described;
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

const ERROR_TEXT: Record<number, string> = {
  400: 'the request is invalid (`field` names what)',
  401: 'a write from another machine without a credential',
  403: 'a wrong credential, a cross-site request, a read-only LAN, or a Host that is not this server (server.allowed_hosts)',
  404: 'no such channel, file or alert',
  409: 'it exists already',
  413: 'the body is too large',
  415: 'the body is not of an accepted type',
  422: 'the file cannot give what was asked (unplayable, no picture)',
  429: 'too many of these at once (alerts on the air or waiting): try again after the seconds Retry-After says',
  500: 'the server failed',
  503: 'busy: try again after the seconds Retry-After says',
};

export interface OpenApiInfo {
  version: string;
}

/** The OpenAPI 3.1 document of the JSON API, from the registered operations' zod schemas. */
export function buildOpenApiDocument(operations: readonly ApiOperation[], info: OpenApiInfo) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const write = op.method !== 'get';
    const errorStatuses = [...new Set([...(op.errors ?? []), ...(write ? [401, 403, 415] : []), 500])].sort();
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.responses)) {
      responses[status] = {
        description: answer.description,
        content: { [answer.contentType ?? 'application/json']: answer.schema ? { schema: jsonSchema(answer.schema, 'output') } : {} },
      };
    }
    for (const status of errorStatuses) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries((op.body.contentType ?? ['application/json']).map((type) => [type, { schema: type === 'application/json' ? jsonSchema(op.body!.schema, 'input') : { type: 'string', format: 'binary' } }])),
            },
          }
        : {}),
      responses,
      // Reads are open; writes need the admin token from another machine (none on loopback).
      security: write ? [{ adminToken: [] }, {}] : [],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Retrovue API',
      version: info.version,
      description:
        'Run the station: channels, schedules, the library and its chapter markers, emergency alerts, monitoring. ' +
        'Every error is `{ error, message, field? }`. Reads are open; a write from another machine needs ' +
        '`Authorization: Bearer <admin token>` (the token is in the data folder, `retrovue token` prints it); writes are refused ' +
        'from other sites and with form content types.',
    },
    servers: [{ url: '/' }],
    tags: API_TAGS.map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(apiErrorSchema, 'output') },
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token (data folder admin-token) or server.admin_password' } },
    },
  };
}
