import type { FastifyInstance } from 'fastify';
import type { StationMetrics } from '../../metrics/station-metrics.js';
import type { AdminCredential } from '../access/admin-token.js';
import { bearerOf } from '../access/write-guard.js';
import { sendError } from '../errors.js';
import { defineRoute } from '../openapi/route-table.js';

export interface MetricsRoutesContext {
  metrics: StationMetrics;
  /** The admin token (or password) a scraper on the network presents, as the write guard accepts it. */
  credential: AdminCredential;
  /** metrics.public: anyone on the network may scrape without a credential. */
  open: boolean;
}

/**
 * `/metrics` for Prometheus. It names every channel and what each one is doing, so it is open
 * from this machine (like /api/health) and from the network only with the admin token, unless
 * `metrics.public` says otherwise. A wrong credential is refused from anywhere.
 */
export function registerMetricsRoutes(app: FastifyInstance, context: MetricsRoutesContext): void {
  defineRoute(app, {
    method: 'get', path: '/metrics', operationId: 'metrics', tag: 'Monitor', summary: 'Prometheus metrics: channels (state, viewers, speed, work-ahead, restarts, slates, cache, bytes sent), HTTP latency by route, process, disk, cache, alerts',
    description: 'Prometheus text exposition format. Open from this machine; from the network with `Authorization: Bearer <admin token>` (401 without, 403 when wrong), or to anyone with `metrics.public: true`.',
    errors: [401, 403],
    responses: { 200: { description: 'the metrics, in Prometheus text format 0.0.4', contentType: 'text/plain' } },
  }, async (request, reply) => {
    const presented = bearerOf(request);
    if (presented !== undefined && !context.credential.accepts(presented)) {
      return sendError(reply, 403, 'bad_credential', 'the admin token (or password) is wrong; the current token is in the data folder (admin-token), or run `retrovue token` on the server');
    }
    if (presented === undefined && !request.client.local && !context.open) {
      reply.header('www-authenticate', 'Bearer realm="Retrovue"');
      return sendError(reply, 401, 'credential_required', 'metrics from the network need the admin token: in Prometheus, `authorization: { credentials_file: /path/to/admin-token }` (the token is in the data folder\'s admin-token file, or run `retrovue token` on the server); or set metrics.public: true');
    }
    const text = await context.metrics.scrape();
    return reply.header('content-type', context.metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
