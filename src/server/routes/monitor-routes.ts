import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import { MonitorEventStreams, MonitorSnapshots, type MonitorSources } from '../monitor-snapshot.js';
import { monitorSnapshotSchema } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

/** `/api/monitor` (one snapshot) and `/api/monitor/events` (the same, live, as Server-Sent Events). */
export function registerMonitorRoutes(app: FastifyInstance, sources: MonitorSources): void {
  const snapshots = new MonitorSnapshots(sources);
  const events = new MonitorEventStreams(() => snapshots.take());

  defineRoute(app, {
    method: 'get', path: '/api/monitor', operationId: 'monitorSnapshot', tag: 'Monitor', summary: 'Server CPU and memory, every channel with warnings, the log tail',
    responses: { 200: { description: 'a snapshot', schema: monitorSnapshotSchema } },
  }, async () => snapshots.take());

  defineRoute(app, {
    method: 'get', path: '/api/monitor/events', operationId: 'monitorEvents', tag: 'Monitor', summary: 'The monitor snapshot as Server-Sent Events, one `snapshot` event every 2 s',
    description: 'At most 32 streams at once (8 per client address): 503 beyond. A client that does not read is dropped.', errors: [503],
    responses: { 200: { description: 'an endless event stream; each event\'s data is a monitor snapshot (see monitorSnapshot)', contentType: 'text/event-stream' } },
  }, async (request, reply) => {
    const refusal = events.refusal(request.ip);
    if (refusal) {
      // Closed after the answer: a refused client that does not read must not keep a socket.
      return sendError(reply.header('retry-after', '10').header('connection', 'close'), 503, 'too_many_streams', refusal);
    }
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      // nginx and friends must pass each event on at once.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    events.add(response, request.ip);
    return reply;
  });

  // An open event stream must not hold the server up at shutdown.
  app.addHook('preClose', async () => events.closeAll());
}
