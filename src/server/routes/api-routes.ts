import type { FastifyInstance } from 'fastify';
import type { DataDiskSummary } from '../../disk/data-disk.js';
import type { Toolchain } from '../../ffmpeg/toolchain.js';
import type { ChannelManager } from '../../playout/channel-manager.js';
import { channelStatus } from '../channel-status.js';
import { sendError } from '../errors.js';
import { channelParams, channelStatusSchema, healthSchema, type StationStatusAnswer } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';
import { pathNumber } from './path-number.js';

export interface HealthRoutesContext {
  /** The channels on the air (playout's ChannelManager). */
  playout: Pick<ChannelManager, 'all' | 'channel' | 'lastActivity'>;
  toolchain: Pick<Toolchain, 'version' | 'ffmpegPath' | 'hwaccels'>;
  /** streaming.mode. */
  mode: string;
  startedAtMs: number;
  /** The media cache's totals and fill queue (src/cache); absent when off. */
  mediaCache?: { summary(): Record<string, unknown> };
  /** The data disk's space and write errors (src/disk); absent in tools that build the app without serve. */
  disk?: { summary(): DataDiskSummary };
  /** The overload ladder (src/capacity): `overload` in the health document; absent in tools without serve. */
  overload?: () => unknown;
  /** The machine's cores and what the channels on the air use now (src/capacity): `capacity` in the health document. */
  capacity?: () => { cores: number; usableCores: number; inUseCores: number };
  /** The first run's demo station coming up (src/demo/demo-preparation.ts); absent when there is none to prepare. */
  station?: () => StationStatusAnswer;
}

/** `/api/health` and one channel's status. */
export function registerApiRoutes(app: FastifyInstance, context: HealthRoutesContext): void {
  defineRoute(app, { method: 'get', path: '/api/health', operationId: 'health', tag: 'Monitor', summary: "ffmpeg, uptime and every channel's status", responses: { 200: { description: 'health', schema: healthSchema } } }, async () => ({
    status: 'ok' as const,
    station: context.station?.() ?? null,
    uptimeSeconds: Math.round((Date.now() - context.startedAtMs) / 1000),
    mode: context.mode,
    ffmpeg: { version: context.toolchain.version, path: context.toolchain.ffmpegPath, hwaccels: context.toolchain.hwaccels },
    cache: context.mediaCache?.summary() ?? null,
    channels: context.playout.all().map((channel) => channelStatus(channel, context.playout)),
    disk: context.disk?.summary() ?? null,
    // Overload (src/capacity): { level, since, steps, reasons }; level 0 when all airs as configured.
    overload: context.overload?.() ?? null,
    capacity: context.capacity?.() ?? null,
  }));

  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/status', operationId: 'channelStatus', tag: 'Monitor', summary: "A channel's state, viewers, on-air airing, encoder speed, CPU, memory, restarts, last error",
    params: channelParams, errors: [404], responses: { 200: { description: 'the status', schema: channelStatusSchema } },
  }, async (request, reply) => {
    const n = pathNumber(request.params.n);
    const channel = n === undefined ? undefined : context.playout.channel(n);
    if (!channel) return sendError(reply, 404, 'unknown_channel', `no channel ${request.params.n}`);
    return channelStatus(channel, context.playout);
  });

  // `/api/channels/:n/now` (now, offset, next, programme) lives in schedule-routes.ts.
}
