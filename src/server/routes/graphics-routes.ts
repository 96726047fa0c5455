import type { FastifyInstance } from 'fastify';
import { GraphicsConfigError } from '../../config/graphics-settings.js';
import type { GraphicsStore } from '../../graphics/graphics-store.js';

export interface GraphicsRoutesContext {
  store: GraphicsStore;
  /** Whether channel n exists. */
  hasChannel(n: number): boolean;
  /** Channel n's graphics changed (playout re-renders its next airing with them). */
  changed?(n: number): void;
}

/**
 * `GET/PUT /api/channels/{n}/graphics`: a channel's graphics override and the effective
 * settings (defaults ← server-wide ← channel). A PUT replaces the override; a bad value is a
 * 400 naming the field and nothing changes. A change airs from the channel's next airing.
 */
export function registerGraphicsRoutes(app: FastifyInstance, context: GraphicsRoutesContext): void {
  const channelOr404 = (raw: string): number | undefined => {
    const n = Number(raw);
    return Number.isInteger(n) && context.hasChannel(n) ? n : undefined;
  };
  const describe = (n: number) => ({ channel: n, graphics: context.store.override(n), effective: context.store.effective(n) });

  app.get<{ Params: { n: string } }>('/api/channels/:n/graphics', async (request, reply) => {
    const n = channelOr404(request.params.n);
    if (n === undefined) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    return describe(n);
  });

  app.put<{ Params: { n: string } }>('/api/channels/:n/graphics', async (request, reply) => {
    const n = channelOr404(request.params.n);
    if (n === undefined) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    try {
      context.store.set(n, request.body ?? {});
      context.changed?.(n);
    } catch (error) {
      if (error instanceof GraphicsConfigError) return reply.code(400).send({ error: 'invalid_graphics', message: error.message, ...(error.field ? { field: error.field } : {}) });
      throw error;
    }
    return describe(n);
  });
}
