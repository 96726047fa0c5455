import type { FastifyInstance, FastifyReply } from 'fastify';
import { alertRequestSchema } from '../../alerts/alert.js';
import { AlertLimitError, AlertRequestError, type AlertService, type AlertView } from '../../alerts/alert-service.js';
import { sendError } from '../errors.js';
import { alertListQuery, alertListSchema, alertSchema, idParams } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';
import { pathNumber } from './path-number.js';

export interface AlertRoutesContext {
  alerts: AlertService;
  /** alerts.max_duration: the longest alert a request may ask for (documented in the body schema). */
  maxAlertSeconds: number;
}

/** Emergency alerts: POST to send, GET to list or read one, DELETE to end one early. */
export function registerAlertRoutes(app: FastifyInstance, { alerts, maxAlertSeconds }: AlertRoutesContext): void {
  defineRoute(app, {
    method: 'get', path: '/api/alerts', operationId: 'listAlerts', tag: 'Alerts', summary: 'Alerts on the air and waiting, and one page of the history',
    query: alertListQuery, errors: [400], responses: { 200: { description: 'the alerts', schema: alertListSchema } },
  }, async (request) => alerts.list(request.query));

  defineRoute(app, {
    method: 'post', path: '/api/alerts', operationId: 'sendAlert', tag: 'Alerts', summary: 'Break into programming with an alert',
    description: 'A higher priority pre-empts a lower one on shared channels; the lower one waits.',
    body: { schema: alertRequestSchema(maxAlertSeconds) }, errors: [400, 429], responses: { 201: { description: 'the alert and where it is on the air', schema: alertSchema } },
  }, async (request, reply) => {
    try {
      return reply.code(201).send(alerts.create(request.body));
    } catch (error) {
      if (error instanceof AlertRequestError) return sendError(reply, 400, 'bad_request', error.message, error.field);
      if (error instanceof AlertLimitError) return sendError(reply.header('retry-after', String(error.retryAfterSeconds)), 429, 'too_many_alerts', error.message);
      throw error;
    }
  });

  /** Answers the alert `find` returns for `{id}` (read or cancelled), or 404. */
  const alertById =
    (find: (id: number) => AlertView | undefined) =>
    async (request: { params: { id: string } }, reply: FastifyReply): Promise<AlertView | FastifyReply> => {
      const id = pathNumber(request.params.id);
      return (id === undefined ? undefined : find(id)) ?? sendError(reply, 404, 'not_found', `no alert ${request.params.id}`);
    };

  defineRoute(app, {
    method: 'get', path: '/api/alerts/{id}', operationId: 'getAlert', tag: 'Alerts', summary: 'One alert',
    params: idParams, errors: [404], responses: { 200: { description: 'the alert', schema: alertSchema } },
  }, alertById((id) => alerts.get(id)));

  defineRoute(app, {
    method: 'delete', path: '/api/alerts/{id}', operationId: 'cancelAlert', tag: 'Alerts', summary: 'End an alert early',
    params: idParams, errors: [404], responses: { 200: { description: 'the cancelled alert', schema: alertSchema } },
  }, alertById((id) => alerts.cancel(id)));
}
