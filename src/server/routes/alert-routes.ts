import type { FastifyInstance } from 'fastify';
import { AlertLimitError, AlertRequestError, type AlertService } from '../../alerts/alert-service.js';
import { sendError, sendQueryError } from '../errors.js';
import { alertListQuery } from '../openapi/api-schemas.js';

/** Emergency alerts: POST to send, GET to list or read one, DELETE to end one early. */
export function registerAlertRoutes(app: FastifyInstance, alerts: AlertService): void {
  app.post('/api/alerts', async (request, reply) => {
    try {
      return reply.code(201).send(alerts.create(request.body));
    } catch (error) {
      if (error instanceof AlertRequestError) return sendError(reply, 400, 'bad_request', error.message, error.field);
      if (error instanceof AlertLimitError) return sendError(reply.header('retry-after', String(error.retryAfterSeconds)), 429, 'too_many_alerts', error.message);
      throw error;
    }
  });

  app.get('/api/alerts', async (request, reply) => {
    const query = alertListQuery.safeParse(request.query ?? {});
    if (!query.success) return sendQueryError(reply, query.error);
    return alerts.list(query.data);
  });

  const idOf = (raw: string): number | undefined => (/^\d+$/.test(raw) ? Number(raw) : undefined);

  app.get<{ Params: { id: string } }>('/api/alerts/:id', async (request, reply) => {
    const id = idOf(request.params.id);
    const alert = id === undefined ? undefined : alerts.get(id);
    if (!alert) return sendError(reply, 404, 'not_found', `no alert ${request.params.id}`);
    return alert;
  });

  app.delete<{ Params: { id: string } }>('/api/alerts/:id', async (request, reply) => {
    const id = idOf(request.params.id);
    const alert = id === undefined ? undefined : alerts.cancel(id);
    if (!alert) return sendError(reply, 404, 'not_found', `no alert ${request.params.id}`);
    return alert;
  });
}
