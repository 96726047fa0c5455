import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { bounded, someOf } from '../config/message-text.js';

/**
 * The one error shape of every route: a stable machine code, a sentence for people, and the
 * offending field when there is one. Documented in the OpenAPI document from this schema.
 */
export const apiErrorSchema = z
  .object({
    error: z.string().describe('machine-readable code, e.g. bad_request, not_found, credential_required'),
    message: z.string().describe('what went wrong and how to fix it, for people'),
    field: z.string().optional().describe('the request field at fault (dotted path), when there is one'),
  });

export type ApiError = z.infer<typeof apiErrorSchema>;

/** The longest message and field an error carries (src/config/message-text.ts says why). */
const MAX_MESSAGE_CHARS = 2000;
const MAX_FIELD_CHARS = 200;

export function sendError(reply: FastifyReply, status: number, error: string, message: string, field?: string): FastifyReply {
  const answer: ApiError = { error, message: bounded(message, MAX_MESSAGE_CHARS), ...(field ? { field: bounded(field, MAX_FIELD_CHARS) } : {}) };
  return reply.code(status).send(answer);
}

/** A zod failure as one sentence and the first field at fault. */
export function zodProblem(error: z.ZodError): { message: string; field?: string } {
  const message = error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${someOf(issue.keys)}` : issue.message;
      return where ? `${where}: ${what}` : what;
    })
    .slice(0, 10)
    .join('; ');
  const first = error.issues[0]?.path.map(String).join('.');
  return { message, ...(first ? { field: first } : {}) };
}

/** A refused query string, worded for query strings ("unknown parameter(s)", not keys). */
export function queryProblem(error: z.ZodError): { message: string; field?: string } {
  const problem = zodProblem(error);
  return { ...problem, message: problem.message.replace(/unknown key\(s\)/g, 'unknown parameter(s)') };
}

/** A query string the route's zod schema refused: 400, naming the parameter at fault. */
export function sendQueryError(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problem = queryProblem(error);
  return sendError(reply, 400, 'bad_request', problem.message, problem.field);
}

/** The code for a status Fastify itself raised (bad JSON, body too large, unknown content type). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'credential_required';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 429: return 'too_many_requests';
    default: return status >= 500 ? 'internal_error' : 'bad_request';
  }
}
