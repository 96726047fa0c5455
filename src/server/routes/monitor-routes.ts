import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import { MonitorEventStreams, MonitorSnapshots } from '../monitor-snapshot.js';
import type { AppContext } from '../app.js';

/** `/api/monitor` (one snapshot) and `/api/monitor/events` (the same, live, as Server-Sent Events). */
export function registerMonitorRoutes(app: FastifyInstance, context: AppContext): void {
  const snapshots = new MonitorSnapshots(context);
  const events = new MonitorEventStreams(() => snapshots.take());

  app.get('/api/monitor', async () => snapshots.take());

  app.get('/api/monitor/events', (request, reply) => {
    const refusal = events.refusal(request.ip);
    if (refusal) {
      // Closed after the answer: a refused client that does not read must not keep a socket.
      void sendError(reply.header('retry-after', '10').header('connection', 'close'), 503, 'too_many_streams', refusal);
      return;
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
  });

  // An open event stream must not hold the server up at shutdown.
  app.addHook('preClose', async () => events.closeAll());
}
