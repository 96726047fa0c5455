import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AlertService } from '../../alerts/alert-service.js';
import type { ChannelTimelines } from '../../channels/channel-timelines.js';
import { ChannelRequestError } from '../../channels/channel-store.js';
import { channelConfigSchema, type RetrovueConfig } from '../../config/schema.js';
import { timelineSpans, type TimelineChange } from '../../schedule/compiled-timeline.js';
import { scheduleSchema } from '../../schedule/model.js';
import type { Airing } from '../../timeline/types.js';
import { annotateChannels, programmeLanguages, subtitleLanguagesOf, type ProgrammeLanguageLookup } from '../../guide/programme-languages.js';
import { CapacityRefusal, type Capacity, type ProposedChange } from '../../capacity/capacity.js';
import { sendError } from '../errors.js';
import {
  channelDeleteResult,
  channelListQuery,
  channelListSchema,
  channelParams,
  channelPatchResult,
  channelSchema,
  nowQuery,
  nowSchema,
  scheduleResult,
  timelineQuery,
  timelineSchema,
} from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

/** Channels CRUD, schedule CRUD, now/next and the timeline window (issue #4). */

/** POST /api/channels: the config file's channel entry (its schedule validated by the schedule model). */
// A channel's own ladder is config-file only (channels[].ladder).
export const channelCreateBody = channelConfigSchema.omit({ ladder: true }).extend({
  schedule: scheduleSchema.optional(),
  logo: z.string().min(1).max(255).optional().describe('a file name in the server\'s logo folder (server.logo_folder), a PNG, JPEG, GIF or WebP; no paths. Or upload the image: PUT /api/channels/{n}/logo'),
});
/** PATCH /api/channels/{n}: any field; `number` renumbers the channel (it keeps its clock, timeline and graphics). */
export const channelPatchBody = channelCreateBody.partial();

export interface ScheduleRoutesContext {
  /** Each channel's timeline, the stored channels and their edits. */
  timelines: ChannelTimelines;
  /** The guide's history and horizon: the window a viewer may ask about. */
  guide: RetrovueConfig['guide'];
  /** The alert on the air at an instant, said beside the timeline's airing. */
  alerts: Pick<AlertService, 'onAirAt'>;
  /** Each channel's languages and each file's subtitle tracks: a programme airing's `subtitles` in the timeline (absent: not said). */
  languages?: ProgrammeLanguageLookup;
  /** The capacity check (src/capacity): a change that adds committed load over the cores is a 409 unless forced; absent: no check. */
  capacity?: Pick<Capacity, 'admit'>;
}

/** The fields of a channel body that change what it costs. */
const costFields = z.looseObject({ number: z.number().int().optional(), always_on: z.boolean().optional(), quality: channelConfigSchema.shape.quality, enabled: z.boolean().optional() });

/** `?force=true`: save a change the capacity check would refuse (README "Capacity"). */
export const forceQuery = z.object({ force: z.enum(['true', 'false']).optional().describe('true: save even when the capacity check refuses (409) it') }).strict();

/** What a channel create or change proposes that the capacity check weighs; undefined when it touches nothing that costs. */
function proposedLoad(n: number | undefined, sent: unknown, creating: boolean): ProposedChange | undefined {
  // The store validates the body and names a bad field (400); here only what costs is read.
  const parsed = costFields.safeParse(sent);
  if (!parsed.success) return undefined;
  const body = parsed.data;
  n ??= body.number;
  if (n === undefined) return undefined;
  if (!creating && body.always_on === undefined && body.quality === undefined && body.enabled === undefined) return undefined;
  if (creating && body.always_on !== true) return undefined; // nobody watches it yet: it costs nothing until tuned
  const what = creating ? `creating channel ${n} always on` : body.always_on === true ? `making channel ${n} always on` : `changing channel ${n}`;
  return {
    channel: n,
    ...(body.always_on !== undefined ? { alwaysOn: body.always_on } : {}),
    ...(body.quality !== undefined ? { quality: body.quality } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    label: what,
  };
}

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

/** Epoch milliseconds as digits (up to year 33658), or an ISO 8601 date or date-time. */
const EPOCH_MS = /^\d{1,15}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A query value shown in an error message: quoted, control characters escaped, cut short. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * A time query parameter: ISO 8601 or epoch milliseconds, inside the window a viewer may ask
 * about (the guide's history to the compiled horizon). Anything else is a 400 naming the
 * parameter: an instant past the horizon is never compiled on a viewer's behalf.
 */
function parseInstant(value: unknown, name: string, window: { fromMs: number; toMs: number }): number {
  if (Array.isArray(value)) throw new ChannelRequestError(400, 'bad_request', `${name}: give it once`, name);
  const text = String(value);
  const ms = EPOCH_MS.test(text) ? Number(text) : ISO_8601.test(text) ? Date.parse(text.replace(' ', 'T').replace(',', '.')) : NaN;
  if (!Number.isFinite(ms)) throw new ChannelRequestError(400, 'bad_request', `${name}: ${shown(text)} is not an ISO 8601 time or epoch milliseconds`, name);
  if (ms < window.fromMs || ms > window.toMs) {
    throw new ChannelRequestError(400, 'bad_request', `${name}: must be between ${iso(window.fromMs)} and ${iso(window.toMs)} (the guide's history and horizon); got ${iso(ms)}`, name);
  }
  return ms;
}

/** A whole-number query parameter in [min, max]. */
function parseCount(value: unknown, name: string, min: number, max: number): number {
  const text = Array.isArray(value) ? '' : String(value);
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new ChannelRequestError(400, 'bad_request', `${name}: must be a whole number from ${min} to ${max}; got ${shown(text)}`, name);
  return n;
}

const given = (value: unknown): boolean => value !== undefined && value !== '';

/**
 * A handler whose refusals — a ChannelRequestError: an unknown channel, a bad edit, a time
 * outside the window — are answered in the one error shape; anything else is a 500.
 */
function refusalsAnswered<Request, Answer>(handler: (request: Request, reply: FastifyReply) => Promise<Answer>) {
  return async (request: Request, reply: FastifyReply): Promise<Answer | FastifyReply> => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (error instanceof ChannelRequestError) return sendError(reply, error.status, error.code, error.message, error.field);
      throw error;
    }
  };
}

/** Answers 409 with the numbers when the capacity check refuses the change; true when it did. */
async function refusedForCapacity(capacity: Pick<Capacity, 'admit'>, load: ProposedChange, force: boolean, reply: FastifyReply): Promise<boolean> {
  try {
    await capacity.admit(load, force);
    return false;
  } catch (error) {
    if (!(error instanceof CapacityRefusal)) throw error;
    await sendError(reply, 409, 'over_capacity', error.message);
    return true;
  }
}

export function registerScheduleRoutes(app: FastifyInstance, context: ScheduleRoutesContext): void {
  const { timelines } = context;
  const store = timelines.store;
  // The timelines compile ahead in the background; that stops with the server, before the database closes.
  app.addHook('onClose', async () => timelines.stopCompiling());

  /** The instants a viewer may ask channel n about: the compiled timeline's, or for loops the guide's. */
  const windowOf = (n: number, nowMs: number) => {
    const spans = timelineSpans(context.guide);
    return timelines.queryWindow(n, nowMs) ?? { fromMs: nowMs - spans.historyMs, toMs: nowMs + spans.horizonMs };
  };

  // What is on at an instant (default now) and what is next, from the timeline playout plays.
  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/now', operationId: 'nowNext', tag: 'Guide', summary: 'What airs now (or at `at`) and next',
    params: channelParams, query: nowQuery, queryReadByHandler: true, errors: [400, 404], responses: { 200: { description: 'now and next', schema: nowSchema } },
  }, refusalsAnswered(async (request) => {
    const n = Number(request.params.n);
    const timeline = Number.isInteger(n) ? timelines.timelineFor(n) : undefined;
    if (!timeline) throw new ChannelRequestError(404, 'unknown_channel', `no channel ${request.params.n}`);
    const nowMs = Date.now();
    const at = given(request.query.at) ? parseInstant(request.query.at, 'at', windowOf(n, nowMs)) : nowMs;
    // The background compile reaches `at` soon after a start or an edit; wait for it, never compile here.
    await timelines.whenCompiled(n, at + 1);
    const position = timeline.at(at);
    if (!position) return { channel: n, at: iso(at), onAir: false, now: null, next: null };
    await timelines.whenCompiled(n, position.airing.endMs + 1);
    const next = timeline.at(position.airing.endMs);
    const programme = timelines.programmeAt(n, at);
    // An emergency alert airs over the timeline without changing it: said here, beside it.
    const alert = context.alerts.onAirAt(n, at);
    return {
      channel: n,
      at: iso(at),
      onAir: true,
      override: alert ? { kind: 'alert' as const, alert: alert.alert, start: iso(alert.startMs), end: iso(alert.endMs) } : null,
      now: { ...describeAiring(position.airing), offsetMs: position.offsetMs },
      next: next ? describeAiring(next.airing) : null,
      programme: programme ? { ...programme.program, start: iso(programme.startMs), end: iso(programme.endMs) } : null,
    };
  }));

  defineRoute(app, {
    method: 'get', path: '/api/channels', operationId: 'listChannels', tag: 'Channels', summary: 'Channels by number, enabled or not; filtered and paged',
    query: channelListQuery, errors: [400], responses: { 200: { description: 'one page of channels and how many match', schema: channelListSchema } },
  }, async (request) => {
    const { enabled, q, limit, offset } = request.query;
    const needle = q?.toLowerCase();
    const matching = store.all().filter((c) => (enabled === undefined || String(c.enabled) === enabled) && (!needle || c.name.toLowerCase().includes(needle) || c.callSign.toLowerCase().includes(needle)));
    return { channels: matching.slice(offset, offset + limit), total: matching.length, limit, offset };
  });

  defineRoute(app, {
    method: 'post', path: '/api/channels', operationId: 'createChannel', tag: 'Channels', summary: 'Create a channel',
    description: 'An always-on channel is checked against the cores first (README "Capacity"): over them it is a 409 with the numbers, unless `?force=true`.',
    query: forceQuery, body: { schema: channelCreateBody }, errors: [400, 409], responses: { 201: { description: 'the new channel', schema: channelSchema } },
  }, refusalsAnswered(async (request, reply) => {
    const load = proposedLoad(undefined, request.body, true);
    if (load && context.capacity && (await refusedForCapacity(context.capacity, load, request.query.force === 'true', reply))) return reply;
    const channel = timelines.createChannel(request.body);
    return reply.code(201).send(channel);
  }));

  defineRoute(app, { method: 'get', path: '/api/channels/{n}', operationId: 'getChannel', tag: 'Channels', summary: 'One channel', params: channelParams, errors: [404], responses: { 200: { description: 'the channel', schema: channelSchema } } }, refusalsAnswered(async (request) => store.require(Number(request.params.n))));

  defineRoute(app, {
    method: 'patch', path: '/api/channels/{n}', operationId: 'updateChannel', tag: 'Channels', summary: 'Change a channel (name, call sign, quality, time zone, enabled, schedule…)',
    description: 'A change of time zone or schedule reschedules the future from the next unit boundary and says what changed in the guide.',
    params: channelParams, query: forceQuery, body: { schema: channelPatchBody }, errors: [400, 404, 409], responses: { 200: { description: 'the channel and what changed in the guide', schema: channelPatchResult } },
  }, refusalsAnswered(async (request, reply) => {
    const n = Number(request.params.n);
    store.require(n);
    // Made always on, a quality raised, switched back on: checked against the cores (409 unless ?force=true).
    const load = proposedLoad(n, request.body, false);
    if (load && context.capacity && (await refusedForCapacity(context.capacity, load, request.query.force === 'true', reply))) return reply;
    const { channel, change } = await timelines.updateChannel(n, request.body);
    return { channel, changes: change ? describeChange(change) : null };
  }));

  defineRoute(app, {
    method: 'delete', path: '/api/channels/{n}', operationId: 'deleteChannel', tag: 'Channels', summary: 'Delete a channel',
    params: channelParams, errors: [404], responses: { 200: { description: 'which channel was deleted', schema: channelDeleteResult } },
  }, refusalsAnswered(async (request) => {
    const channel = await timelines.deleteChannel(Number(request.params.n));
    return { deleted: channel.number };
  }));

  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/schedule', operationId: 'getSchedule', tag: 'Schedules', summary: "A channel's weekly schedule (blocks)",
    params: channelParams, errors: [404], responses: { 200: { description: 'the schedule', schema: scheduleSchema } },
  }, refusalsAnswered(async (request) => store.require(Number(request.params.n)).schedule));

  defineRoute(app, {
    method: 'put', path: '/api/channels/{n}/schedule', operationId: 'putSchedule', tag: 'Schedules', summary: "Replace a channel's schedule",
    description: 'Blocks may not overlap (the answer names the conflict). The future is recompiled from the next unit boundary; the answer lists the programmes removed and added.',
    params: channelParams, body: { schema: scheduleSchema }, errors: [400, 404], responses: { 200: { description: 'the stored schedule and what changed in the guide', schema: scheduleResult } },
  }, refusalsAnswered(async (request) => {
    const { channel, change } = await timelines.setSchedule(Number(request.params.n), request.body);
    return { schedule: channel.schedule, changes: describeChange(change) };
  }));

  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/timeline', operationId: 'timeline', tag: 'Guide', summary: 'The airings between two instants',
    params: channelParams, query: timelineQuery, queryReadByHandler: true, errors: [400, 404], responses: { 200: { description: 'the airings', schema: timelineSchema } },
  }, refusalsAnswered(async (request) => {
    const n = Number(request.params.n);
    store.require(n);
    const nowMs = Date.now();
    const window = windowOf(n, nowMs);
    const { query } = request;
    const from = given(query.from) ? parseInstant(query.from, 'from', window) : nowMs;
    // Without `to`, six hours, as far as the horizon reaches.
    const to = given(query.to) ? parseInstant(query.to, 'to', window) : Math.max(Math.min(from + 6 * 3600_000, window.toMs), from + 1);
    if (to <= from) throw new ChannelRequestError(400, 'bad_request', 'to: must be after from', 'to');
    if (to - from > 8 * 24 * 3600_000) throw new ChannelRequestError(400, 'bad_request', 'to: the window may span at most 8 days', 'to');
    const limit = given(query.limit) ? parseCount(query.limit, 'limit', 1, 20_000) : 5000;
    await timelines.whenCompiled(n, to);
    const airings = timelines.timelineFor(n)?.airingsBetween(from, to, limit) ?? [];
    // The subtitle languages a viewer sees or can turn on, per programme airing (the web guide's "CC" badge).
    const annotation = context.languages ? (await annotateChannels(context.languages, [{ number: n, airings }])).get(n) : undefined;
    const subtitlesOf = (airing: Airing): string[] => subtitleLanguagesOf(programmeLanguages([airing], annotation));
    return {
      channel: n,
      from: iso(from),
      to: iso(to),
      airings: airings.map((airing) => {
        const subtitles = annotation ? subtitlesOf(airing) : [];
        // Each audio slot's track on this airing (a slot the file lacks says it is a stand-in).
        const slots = airing.kind === 'program' && airing.mediaId !== undefined ? annotation?.media[airing.mediaId]?.slots : undefined;
        return { ...describeAiring(airing), ...(subtitles.length > 0 ? { subtitles } : {}), ...(slots ? { audio: slots } : {}) };
      }),
    };
  }));
}
