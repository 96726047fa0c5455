import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Capacity } from '../../capacity/capacity.js';
import { QUALITY_NAMES } from '../../config/choices.js';
import { defineRoute } from '../openapi/route-table.js';

/**
 * `GET /api/capacity` (the cores, what is committed and in use, every channel's estimate and the
 * measured figures) and `GET /api/capacity/estimate` (a proposed change against the cores: what
 * the control room shows before saving a channel, and the same numbers a refusal gives).
 */
export interface CapacityRoutesContext {
  capacity: Pick<Capacity, 'snapshot' | 'estimate'>;
}

const bool = z.enum(['true', 'false']);

export const capacityEstimateQuery = z
  .object({
    channel: z.string().regex(/^\d{1,4}$/, 'a channel number').optional().describe('the channel changed (absent with always_on: a new channel)'),
    always_on: bool.optional().describe('the channel would be always on (true) or not (false)'),
    quality: z.enum(QUALITY_NAMES).optional().describe('the quality it would air at'),
    enabled: bool.optional().describe('the channel would be on the air (true) or switched off (false)'),
  })
  .strict();

const runSchema = z.looseObject({ profile: z.string(), cpuSecondsPerMinute: z.number(), measured: z.boolean(), liveShare: z.number(), cores: z.number() });
export const capacitySchema = z.looseObject({
  cores: z.number().describe('the machine\'s cores (capacity.cores, else the CPUs this process may use)'),
  headroom: z.number(),
  usableCores: z.number().describe('cores × headroom: what the station may commit'),
  committedCores: z.number().describe('the estimate of the always-on channels and those on the air now'),
  inUseCores: z.number().describe('measured now: the renderers and packagers of the running channels'),
  channels: z.array(z.looseObject({
    number: z.number().int(),
    committed: z.boolean(),
    alwaysOn: z.boolean(),
    estimateCores: z.number(),
    inUseCores: z.number().nullable(),
    airsAt: z.string().nullable().describe('the picture size it airs at now (null: not running)'),
    degraded: z.enum(['graphics', 'lower-quality', 'slate']).nullable(),
    runs: z.array(runSchema).describe('its own run, or every rung of its ladder'),
  })),
  measured: z.array(z.looseObject({ profile: z.string(), cpuSecondsPerMinute: z.number(), samples: z.number() })).describe('CPU seconds per output minute this server measured, per profile'),
});
export const capacityEstimateSchema = z.looseObject({
  cores: z.number(),
  usableCores: z.number(),
  committedCores: z.number(),
  wouldNeedCores: z.number(),
  inUseCores: z.number(),
  fits: z.boolean(),
  refused: z.boolean().describe('saving would be refused with 409 unless forced (force=true)'),
  message: z.string(),
});

export function registerCapacityRoutes(app: FastifyInstance, context: CapacityRoutesContext): void {
  defineRoute(app, {
    method: 'get', path: '/api/capacity', operationId: 'capacity', tag: 'Monitor', summary: 'The cores, what is committed and in use, and what each channel costs',
    responses: { 200: { description: 'capacity', schema: capacitySchema } },
  }, async () => context.capacity.snapshot());

  defineRoute(app, {
    method: 'get', path: '/api/capacity/estimate', operationId: 'capacityEstimate', tag: 'Monitor', summary: 'What a proposed channel change would need, against the cores',
    description: 'The same estimate a channel create or change is checked with (README "Capacity"): `refused` says it would be answered 409 unless sent with `?force=true`.',
    query: capacityEstimateQuery, errors: [400], responses: { 200: { description: 'the estimate', schema: capacityEstimateSchema } },
  }, async (request) => {
    const q = request.query;
    return context.capacity.estimate({
      ...(q.channel !== undefined ? { channel: Number(q.channel) } : {}),
      ...(q.always_on !== undefined ? { alwaysOn: q.always_on === 'true' } : {}),
      ...(q.enabled !== undefined ? { enabled: q.enabled === 'true' } : {}),
      ...(q.quality ? { quality: q.quality } : {}),
    });
  });
}
