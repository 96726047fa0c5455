import type { FastifyInstance, FastifyReply } from 'fastify';
import { ChannelRequestError } from '../../channels/channel-store.js';
import type { TimelineChange } from '../../schedule/compiled-timeline.js';
import type { Airing } from '../../timeline/types.js';
import type { AppContext } from '../app.js';
import { sendError as sendApiError, sendQueryError } from '../errors.js';
import { channelListQuery } from '../openapi/api-schemas.js';

/** Channels CRUD, schedule CRUD, now/next and the timeline window (issue #4). */

const iso = (ms: number) => new Date(ms).toISOString();

export function describeAiring(airing: Airing) {
  return {
    title: airing.title,
    kind: airing.kind,
    start: iso(airing.startMs),
    end: iso(airing.endMs),
    durationMs: airing.endMs - airing.startMs,
    mediaPath: airing.mediaPath,
    ...(airing.mediaId !== undefined ? { mediaId: airing.mediaId } : {}),
    inPointMs: airing.inPointMs,
    outPointMs: airing.outPointMs,
    ...(airing.program ? { program: airing.program } : {}),
  };
}

function describeChange(change: TimelineChange) {
  const programme = (p: TimelineChange['added'][number]) => ({ start: iso(p.startMs), end: iso(p.endMs), title: p.title, ...(p.subtitle ? { subtitle: p.subtitle } : {}) });
  return { effectiveFrom: iso(change.effectiveFromMs), removed: change.removed.map(programme), added: change.added.map(programme) };
}

/** A time query parameter: ISO 8601 or epoch milliseconds. */
function parseInstant(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ChannelRequestError(400, 'bad_request', `${name}: "${value}" is not an ISO 8601 time or epoch milliseconds`, name);
  return ms;
}

function sendError(reply: FastifyReply, error: unknown) {
  if (error instanceof ChannelRequestError) return sendApiError(reply, error.status, error.code, error.message, error.field);
  throw error;
}

export function registerScheduleRoutes(app: FastifyInstance, context: AppContext): void {
  const { timelines } = context;
  const store = timelines.store;

  // What is on at an instant (default now) and what is next, from the timeline playout plays.
  app.get<{ Params: { n: string }; Querystring: { at?: string } }>('/api/channels/:n/now', async (request, reply) => {
    try {
      const n = Number(request.params.n);
      const timeline = Number.isInteger(n) ? timelines.timelineFor(n) : undefined;
      if (!timeline) throw new ChannelRequestError(404, 'unknown_channel', `no channel ${request.params.n}`);
      const at = parseInstant(request.query.at, 'at', Date.now());
      const position = timeline.at(at);
      if (!position) return { channel: n, at: iso(at), onAir: false, now: null, next: null };
      const next = timeline.at(position.airing.endMs);
      const programme = timelines.programmeAt(n, at);
      // An emergency alert airs over the timeline without changing it: said here, beside it.
      const alert = context.alerts.onAirAt(n, at);
      return {
        channel: n,
        at: iso(at),
        onAir: true,
        override: alert ? { kind: 'alert', alert: alert.alert, start: iso(alert.startMs), end: iso(alert.endMs) } : null,
        now: { ...describeAiring(position.airing), offsetMs: position.offsetMs },
        next: next ? describeAiring(next.airing) : null,
        programme: programme ? { ...programme.program, start: iso(programme.startMs), end: iso(programme.endMs) } : null,
      };
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get('/api/channels', async (request, reply) => {
    const query = channelListQuery.safeParse(request.query ?? {});
    if (!query.success) return sendQueryError(reply, query.error);
    const { enabled, q, limit, offset } = query.data;
    const needle = q?.toLowerCase();
    const matching = store.all().filter((c) => (enabled === undefined || String(c.enabled) === enabled) && (!needle || c.name.toLowerCase().includes(needle) || c.callSign.toLowerCase().includes(needle)));
    return { channels: matching.slice(offset, offset + limit), total: matching.length, limit, offset };
  });

  app.post('/api/channels', async (request, reply) => {
    try {
      const channel = timelines.createChannel(request.body);
      return reply.code(201).send(channel);
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get<{ Params: { n: string } }>('/api/channels/:n', async (request, reply) => {
    try {
      return store.require(Number(request.params.n));
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.patch<{ Params: { n: string } }>('/api/channels/:n', async (request, reply) => {
    try {
      const { channel, change } = await timelines.updateChannel(Number(request.params.n), request.body);
      return { channel, changes: change ? describeChange(change) : null };
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.delete<{ Params: { n: string } }>('/api/channels/:n', async (request, reply) => {
    try {
      const channel = await timelines.deleteChannel(Number(request.params.n));
      return { deleted: channel.number };
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get<{ Params: { n: string } }>('/api/channels/:n/schedule', async (request, reply) => {
    try {
      return store.require(Number(request.params.n)).schedule;
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.put<{ Params: { n: string } }>('/api/channels/:n/schedule', async (request, reply) => {
    try {
      const { channel, change } = timelines.setSchedule(Number(request.params.n), request.body);
      return { schedule: channel.schedule, changes: describeChange(change) };
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get<{ Params: { n: string }; Querystring: { from?: string; to?: string; limit?: string } }>('/api/channels/:n/timeline', async (request, reply) => {
    try {
      const n = Number(request.params.n);
      store.require(n);
      const from = parseInstant(request.query.from, 'from', Date.now());
      const to = parseInstant(request.query.to, 'to', from + 6 * 3600_000);
      if (to <= from) throw new ChannelRequestError(400, 'bad_request', 'to: must be after from');
      if (to - from > 8 * 24 * 3600_000) throw new ChannelRequestError(400, 'bad_request', 'to: the window may span at most 8 days');
      const limit = Math.min(Math.max(Number(request.query.limit ?? 5000) || 5000, 1), 20_000);
      const airings = timelines.timelineFor(n)?.airingsBetween(from, to, limit) ?? [];
      return { channel: n, from: iso(from), to: iso(to), airings: airings.map(describeAiring) };
    } catch (error) {
      return sendError(reply, error);
    }
  });
}
