import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { z } from 'zod';
import { bounded } from '../../config/message-text.js';
import { sendError, sendQueryError } from '../errors.js';
import type { DocumentedFields } from './api-schemas.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const API_TAGS = ['Channels', 'Schedules', 'Graphics', 'Guide', 'Library', 'Live', 'Alerts', 'Monitor'] as const;
export type ApiTag = (typeof API_TAGS)[number];

/** One success answer: the schema is what the body holds (absent: not JSON, e.g. an event stream or a picture). */
export interface ApiAnswer {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/** What the OpenAPI document says about one route; recorded when the route is registered. */
export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/api/channels/{n}` (registered with Fastify as `/api/channels/:n`). */
  path: string;
  operationId: string;
  tag: ApiTag;
  summary: string;
  description?: string;
  /** The path's parameters: checked with this schema before the handler runs, and handed on as the strings sent. */
  params?: z.ZodObject;
  /** The query string: parsed with this schema before the handler runs, unless `queryReadByHandler`. */
  query?: z.ZodObject;
  /**
   * The body. It is handed on as sent (`unknown`): the store that keeps it validates it with
   * the same schema (the config file and the CLI go through the same check), so its error
   * codes and fields are the API's.
   */
  body?: { schema: z.ZodType; contentType?: string[] };
  responses: Record<number, ApiAnswer>;
  /** Error statuses this operation can answer, beyond 401/403/415 (writes) and 500. */
  errors?: number[];
}

export interface ApiRouteSpec extends ApiOperation {
  /**
   * The handler reads the query itself, and the schema only documents it: the timeline's
   * instants depend on the channel's window (unknown parameters such as cache-busters are
   * ignored there), and a thumbnail's path is checked before its query.
   */
  queryReadByHandler?: boolean;
}

type Input<S> = S extends z.ZodType ? z.input<S> : Record<string, never>;
type Output<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** The request a handler sees: path parameters as sent, the query parsed by its schema. */
export type ApiRequest<S extends ApiRouteSpec> = FastifyRequest<{
  Params: Input<S['params']>;
  Querystring: S['queryReadByHandler'] extends true ? Partial<Record<keyof Input<S['query']>, unknown>> : Output<S['query']>;
  Body: unknown;
}>;

/** Any of the JSON bodies the route documents for success. */
export type ApiResponseBody<S extends ApiRouteSpec> = {
  [Status in keyof S['responses']]: S['responses'][Status] extends { schema: infer Schema extends z.ZodType } ? DocumentedFields<z.input<Schema>> : never;
}[keyof S['responses']];

/** A handler answers a documented body (sent with the first success status) or sends its own reply. */
export type ApiHandler<S extends ApiRouteSpec> = (request: ApiRequest<S>, reply: FastifyReply) => Promise<ApiResponseBody<S> | FastifyReply>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's OpenAPI operation (set by defineRoute, read by ApiOperationRegistry). */
    apiOperation?: ApiOperation;
  }
}

/** `/api/channels/{n}` → `/api/channels/:n`. */
const fastifyPath = (template: string): string => template.replace(/\{(\w+)\}/g, ':$1');

/**
 * Declares one API route once: registers it with Fastify (path parameters checked and the query
 * parsed with their zod schemas, a refusal answered in the one error shape) and records it for
 * the OpenAPI document.
 * Request and answer types are inferred from the same schemas the document is generated from.
 */
export function defineRoute<const S extends ApiRouteSpec>(app: FastifyInstance, spec: S, handler: ApiHandler<S>): void {
  const { queryReadByHandler, ...operation } = spec;
  const querySchema = queryReadByHandler ? undefined : spec.query;
  const route: RouteOptions = {
    method: spec.method.toUpperCase() as RouteOptions['method'],
    url: fastifyPath(spec.path),
    config: { apiOperation: operation },
    handler: async (request, reply) => {
      // A path parameter not spelled as documented (`/api/channels/0x5a`) is refused before any
      // handler reads it with Number() and finds channel 90 under a second name.
      if (spec.params) {
        const parsed = spec.params.safeParse(request.params ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const name = String(issue.path[0] ?? 'path');
          const value = (request.params as Record<string, unknown> | undefined)?.[name];
          return sendError(reply, 400, 'bad_request', `${name} ${JSON.stringify(bounded(String(value), 40))} ${issue.message}`, name);
        }
      }
      if (querySchema) {
        const parsed = querySchema.safeParse(request.query ?? {});
        if (!parsed.success) return sendQueryError(reply, parsed.error);
        request.query = parsed.data;
      }
      return handler(request as ApiRequest<S>, reply);
    },
  };
  app.route(route);
}

/**
 * The operations of every route declared with defineRoute, in registration order — in this
 * app and in plugins registered inside it (Fastify's onRoute hook sees both). Attach it
 * before any route is registered; read it once the app is ready.
 */
export class ApiOperationRegistry {
  private readonly recorded: ApiOperation[] = [];

  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      const operation = route.config?.apiOperation;
      // Fastify's automatic HEAD for a GET (exposeHeadRoutes) carries the GET's config: one operation, not two.
      if (operation && route.method === operation.method.toUpperCase()) this.recorded.push(operation);
    });
  }

  operations(): readonly ApiOperation[] {
    return this.recorded;
  }
}
