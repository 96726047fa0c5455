import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { MonitorSnapshots } from '../monitor-snapshot.js';
import type { AppContext } from '../app.js';

const EVENT_EVERY_MS = 2000;

/** `/api/monitor` (one snapshot) and `/api/monitor/events` (the same, live, as Server-Sent Events). */
export function registerMonitorRoutes(app: FastifyInstance, context: AppContext): void {
  const snapshots = new MonitorSnapshots(context);
  const streams = new Set<ServerResponse>();

  app.get('/api/monitor', async () => snapshots.take());

  app.get('/api/monitor/events', (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      // nginx and friends must pass each event on at once.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    const send = () => response.write(`event: snapshot\ndata: ${JSON.stringify(snapshots.take())}\n\n`);
    send();
    const timer = setInterval(send, EVENT_EVERY_MS);
    streams.add(response);
    request.raw.once('close', () => {
      clearInterval(timer);
      streams.delete(response);
    });
  });

  // An open event stream must not hold the server up at shutdown.
  app.addHook('preClose', async () => {
    for (const response of streams) response.end();
  });
}
