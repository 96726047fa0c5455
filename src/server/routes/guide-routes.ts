import type { FastifyInstance } from 'fastify';
import { buildXmltv } from '../../guide/xmltv.js';
import type { AppContext } from '../app.js';

/** `/xmltv.xml`: the guide, from the same published airings the channels play. */
export function registerGuideRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/xmltv.xml', async (request, reply) => {
    const now = Date.now();
    const from = now - context.config.guide.history_hours * 3600_000;
    const to = now + context.config.guide.days * 24 * 3600_000;
    const channels = context.directory.list().map((channel) => ({
      channel,
      // Loop-mode channels have no compiled schedule; their loop timeline is the guide.
      airings: context.scheduling?.timeline(channel.number)?.publishedBetween(from, to) ?? context.channels.get(channel.number)?.timeline.airingsBetween(from, to) ?? [],
    }));
    const baseUrl = `${request.protocol}://${request.host}`;
    return reply.header('content-type', 'application/xml; charset=utf-8').header('cache-control', 'no-cache').send(buildXmltv(channels, baseUrl));
  });
}
