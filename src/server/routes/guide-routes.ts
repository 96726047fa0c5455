import type { FastifyInstance } from 'fastify';
import { buildXmltv } from '../../guide/xmltv.js';
import type { AppContext } from '../app.js';

/** How far beyond the guide window a programme that straddles its edge may reach (a long movie). */
const PROGRAMME_REACH_MS = 6 * 3600_000;

/** `/xmltv.xml`: the guide, from the same published airings the channels play. */
export function registerGuideRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/xmltv.xml', async (request, reply) => {
    const now = Date.now();
    const from = now - context.config.guide.history_hours * 3600_000;
    const to = now + context.config.guide.days * 24 * 3600_000;
    // Read past both edges so a programme straddling one is folded whole (breaks included).
    const [readFrom, readTo] = [from - PROGRAMME_REACH_MS, to + PROGRAMME_REACH_MS];
    const listed = context.directory.list();
    // Soon after a start or an edit the background compile may still be on its way to the horizon.
    await Promise.all(listed.map((channel) => context.timelines.whenCompiled(channel.number, readTo)));
    const channels = listed.map((channel) => ({
      channel,
      airings: context.timelines.guideAirings(channel.number, readFrom, readTo),
    }));
    const baseUrl = `${request.protocol}://${request.host}`;
    return reply.header('content-type', 'application/xml; charset=utf-8').header('cache-control', 'no-cache').send(buildXmltv(channels, baseUrl, { fromMs: from, toMs: to }));
  });
}
