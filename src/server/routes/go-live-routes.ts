import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { cameraTakeBody, goLiveBody, GoLiveError, type GoLiveService, type LiveTake } from '../../live/go-live.js';
import { sendError, zodProblem } from '../errors.js';
import { channelParams } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

const takeSchema = z.looseObject({
  channel: z.number().int(),
  source: z.string(),
  title: z.string(),
  started_at: z.string(),
  ends_at: z.string(),
  until_stopped: z.boolean(),
  recording: z.boolean(),
});
const takesSchema = z.looseObject({ takes: z.array(takeSchema) });
const onAirSchema = z.looseObject({ take: takeSchema.nullable() });

function view(take: LiveTake) {
  return { channel: take.channel, source: take.sourceId, title: take.title, started_at: new Date(take.startMs).toISOString(), ends_at: new Date(take.endMs).toISOString(), until_stopped: take.untilStopped, recording: take.record === true };
}

/**
 * `/api/channels/{n}/live`: go live now (issue 25). POST puts a live source on the channel (and
 * any others named) at once, for some minutes or until stopped; DELETE ends it and the channel
 * is back on its timeline; GET says what is on. Writes are guarded like every write
 * (server/access/write-guard.ts). A hardware panel (Stream Deck, Companion) POSTs the same.
 */
/** A body that does not parse: 400 naming the field. */
function badBody(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const problem = zodProblem(error);
  return sendError(reply, 400, 'bad_request', problem.message, problem.field);
}

const STATUS_OF: Record<GoLiveError['code'], number> = { bad_request: 400, not_found: 404, not_live: 409 };

/** What `act` answers, or the service's refusal with its status (400, 404, 409) and field. */
function answer<T>(reply: FastifyReply, act: () => T): T | FastifyReply {
  try {
    return act();
  } catch (error) {
    if (error instanceof GoLiveError) return sendError(reply, STATUS_OF[error.code], error.code, error.message, error.field);
    throw error;
  }
}

export function registerGoLiveRoutes(app: FastifyInstance, goLive: GoLiveService): void {
  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/live', operationId: 'getLiveTake', tag: 'Live', summary: 'The live source the channel is taken to now, if any',
    params: channelParams, responses: { 200: { description: 'the take on the air, or null', schema: onAirSchema } },
  }, async (request) => {
    const take = goLive.onAir(Number(request.params.n), Date.now());
    return { take: take ? view(take) : null };
  });

  defineRoute(app, {
    method: 'post', path: '/api/channels/{n}/live', operationId: 'goLive', tag: 'Live', summary: 'Go live now: the channel (and any others named) airs a live source at once, over its timeline',
    description:
      '`{ "source": "studio", "minutes": 90, "title": "Council meeting", "channels": [2, 3], "record": true, "cameras": ["cam2", "cam3"] }`; without `minutes` it runs until DELETE (at most 12 hours). `record`: the event is recorded as it airs (camera cuts as chapters) into `<data folder>/recordings/`, which is scanned into the library when it ends. `cameras`: the sources a camera cut (…/live/take) may take; absent: any. The timeline runs on underneath: when the take ends each channel is back where its timeline is. While the source is down the channel shows its fallback slate and goes back to the source when it returns. An emergency alert still breaks in.',
    params: channelParams, body: { schema: goLiveBody }, errors: [400, 404], responses: { 201: { description: 'the takes now on the air', schema: takesSchema } },
  }, async (request, reply) => {
    const parsed = goLiveBody.safeParse(request.body ?? {});
    if (!parsed.success) return badBody(reply, parsed.error);
    return answer(reply, () => reply.code(201).send({ takes: goLive.start(Number(request.params.n), parsed.data).map(view) }));
  });

  defineRoute(app, {
    method: 'post', path: '/api/channels/{n}/live/take', operationId: 'takeCamera', tag: 'Live', summary: 'Take a camera: the channel\'s live event (a go-live take or a scheduled live block) cuts to this live source now',
    description: '`{ "camera": "cam2" }`, as a vision mixer\'s cut, from the control room\'s switcher (keys 1–9) or a hardware panel (Stream Deck, Bitfocus Companion). The camera stays on until another is taken or the event ends. 409 when the channel airs no live event now.',
    params: channelParams, body: { schema: cameraTakeBody }, errors: [400, 404, 409], responses: { 200: { description: 'the event, on its new camera', schema: takeSchema } },
  }, async (request, reply) => {
    const parsed = cameraTakeBody.safeParse(request.body ?? {});
    if (!parsed.success) return badBody(reply, parsed.error);
    return answer(reply, () => view(goLive.takeCamera(Number(request.params.n), parsed.data.camera)));
  });

  defineRoute(app, {
    method: 'delete', path: '/api/channels/{n}/live', operationId: 'endLiveTake', tag: 'Live', summary: 'End the channel\'s live take now: back to its timeline',
    params: channelParams, errors: [404], responses: { 200: { description: 'the take, ended', schema: takeSchema } },
  }, async (request, reply) => {
    const stopped = goLive.stop(Number(request.params.n));
    return stopped ? view(stopped) : sendError(reply, 404, 'not_found', `channel ${request.params.n} is not taken to a live source`);
  });
}
