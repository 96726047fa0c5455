import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GraphicsConfigError, graphicsOverrideSchema, type GraphicsSettings } from '../../config/graphics-settings.js';
import type { GraphicsStore } from '../../graphics/graphics-store.js';
import { PREVIEW_CARDS, type PreviewCard } from '../../graphics/preview.js';
import { channelParams, graphicsResultSchema } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';
import { pathNumber } from './path-number.js';

/** POST /api/channels/{n}/graphics/preview: draft settings (the stored ones when absent) and the card to show. */
export const graphicsPreviewBody = z.object({
  graphics: graphicsOverrideSchema.optional(),
  card: z.enum(PREVIEW_CARDS).default('lower_third'),
});

export interface GraphicsRoutesContext {
  store: GraphicsStore;
  /** Whether channel n exists. */
  hasChannel(n: number): boolean;
  /** Channel n's graphics changed (playout re-renders its next airing with them). */
  changed?(n: number): void;
  /** One PNG frame of channel n's graphics with `settings` (unsaved ones included), showing `card`. */
  preview?(n: number, settings: GraphicsSettings, card: PreviewCard): Promise<Buffer>;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `GET/PUT /api/channels/{n}/graphics`: a channel's graphics override and the effective
 * settings (defaults ← server-wide ← channel). A PUT replaces the override; a bad value is a
 * 400 naming the field and nothing changes. A change airs from the channel's next airing.
 */
export function registerGraphicsRoutes(app: FastifyInstance, context: GraphicsRoutesContext): void {
  const channelOr404 = (raw: string): number | undefined => {
    const n = pathNumber(raw);
    return n !== undefined && context.hasChannel(n) ? n : undefined;
  };
  const describe = (n: number) => ({ channel: n, graphics: context.store.override(n), effective: context.store.effective(n) });

  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/graphics', operationId: 'getGraphics', tag: 'Graphics', summary: "A channel's graphics override and the effective settings (defaults ← server-wide ← channel)",
    params: channelParams, errors: [404], responses: { 200: { description: 'the graphics', schema: graphicsResultSchema } },
  }, async (request, reply) => {
    const n = channelOr404(request.params.n);
    if (n === undefined) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    return describe(n);
  });

  defineRoute(app, {
    method: 'put', path: '/api/channels/{n}/graphics', operationId: 'putGraphics', tag: 'Graphics', summary: "Replace a channel's graphics override (airs from the next airing)",
    params: channelParams, body: { schema: graphicsOverrideSchema }, errors: [400, 404], responses: { 200: { description: 'the graphics', schema: graphicsResultSchema } },
  }, async (request, reply) => {
    const n = channelOr404(request.params.n);
    if (n === undefined) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    // JSON `null` is no override object (it used to clear the channel's override as `{}` would).
    if (request.body !== undefined && !isJsonObject(request.body)) return reply.code(400).send({ error: 'invalid_graphics', message: 'the body must be a JSON object (the graphics override)' });
    try {
      context.store.set(n, request.body ?? {});
      context.changed?.(n);
    } catch (error) {
      if (error instanceof GraphicsConfigError) return reply.code(400).send({ error: 'invalid_graphics', message: error.message, ...(error.field ? { field: error.field } : {}) });
      throw error;
    }
    return describe(n);
  });

  // A preview changes nothing, but it runs ffmpeg: like every POST it needs the token off-loopback.
  defineRoute(app, {
    method: 'post', path: '/api/channels/{n}/graphics/preview', operationId: 'previewGraphics', tag: 'Graphics', summary: "One PNG frame of the channel's graphics as they would air, with unsaved settings",
    description: 'Draws the bug and one card with the same filter builder the renderers use, over a gradient at the channel\'s output size. Nothing is saved.',
    params: channelParams, body: { schema: graphicsPreviewBody }, errors: [400, 404], responses: { 200: { description: 'the frame', contentType: 'image/png' } },
  }, async (request, reply) => {
    const n = channelOr404(request.params.n);
    if (n === undefined) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    if (!context.preview) return reply.code(404).send({ error: 'not_available', message: 'graphics previews are not available on this server' });
    const body = (request.body === undefined ? {} : request.body) as { graphics?: unknown; card?: unknown };
    if (!isJsonObject(body)) return reply.code(400).send({ error: 'invalid_request', message: 'the body must be a JSON object' });
    // Absent means the default; `null` is not absent (it is no card, and no settings).
    if (body.graphics !== undefined && !isJsonObject(body.graphics)) return reply.code(400).send({ error: 'invalid_graphics', message: 'graphics: must be an object (the unsaved override)', field: 'graphics' });
    const card = body.card === undefined ? 'lower_third' : body.card;
    if (!(PREVIEW_CARDS as readonly unknown[]).includes(card)) {
      return reply.code(400).send({ error: 'invalid_request', message: `card: must be one of ${PREVIEW_CARDS.join(', ')}`, field: 'card' });
    }
    let settings: GraphicsSettings;
    try {
      settings = body.graphics === undefined ? context.store.effective(n) : context.store.effectiveWith(body.graphics);
    } catch (error) {
      if (error instanceof GraphicsConfigError) return reply.code(400).send({ error: 'invalid_graphics', message: error.message, ...(error.field ? { field: error.field } : {}) });
      throw error;
    }
    const png = await context.preview(n, settings, card as PreviewCard);
    return reply.header('content-type', 'image/png').header('cache-control', 'no-store').send(png);
  });
}
