import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { languagesOverrideSchema, SUBTITLE_MODES, type ChannelLanguages } from '../../config/languages.js';
import { ChannelRequestError } from '../../channels/channel-store.js';
import type { ChannelTimelines } from '../../channels/channel-timelines.js';
import { languageName } from '../../subtitles/languages.js';
import { sendError } from '../errors.js';
import { channelParams } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

/**
 * `/api/channels/{n}/languages` (issue 22): a channel's audio and subtitle languages — its own
 * (only what differs from the server-wide `languages`) and what it airs with, each language with
 * its readable name. PUT replaces the channel's own, like PATCH /api/channels/{n} with
 * `languages`: the channel's encoder restarts with them.
 */
export interface LanguageRoutesContext {
  timelines: Pick<ChannelTimelines, 'store' | 'updateChannel'>;
  /** The channel's languages as it airs them (server-wide with its own over them). */
  languagesOf(channelNumber: number): ChannelLanguages;
}

const namedLanguage = z.object({ code: z.string().describe('ISO 639-2/B'), name: z.string().describe('readable name, e.g. "Japanese"') });
export const channelLanguagesSchema = z.object({
  channel: z.number().int(),
  own: languagesOverrideSchema.describe("the channel's own settings (empty: the server-wide ones)"),
  effective: z.object({
    audio: z.array(namedLanguage).describe('audio slots in order (empty: the file\'s own default track)'),
    subtitles: z.array(namedLanguage),
    subtitle_mode: z.enum(SUBTITLE_MODES),
    captions: z.boolean(),
  }),
});

export function registerLanguageRoutes(app: FastifyInstance, context: LanguageRoutesContext): void {
  const answer = (n: number) => {
    const own = context.timelines.store.require(n).languages ?? {};
    const effective = context.languagesOf(n);
    const named = (codes: readonly string[]) => codes.map((code) => ({ code, name: languageName(code) }));
    return { channel: n, own, effective: { audio: named(effective.audio), subtitles: named(effective.subtitles), subtitle_mode: effective.subtitleMode, captions: effective.captions } };
  };
  const refusals = async <Answer>(reply: FastifyReply, run: () => Promise<Answer>): Promise<Answer | FastifyReply> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ChannelRequestError) return sendError(reply, error.status, error.code, error.message, error.field);
      throw error;
    }
  };

  defineRoute(app, {
    method: 'get', path: '/api/channels/{n}/languages', operationId: 'getLanguages', tag: 'Channels', summary: "A channel's audio and subtitle languages, its own and as it airs them, with readable names",
    params: channelParams, errors: [404], responses: { 200: { description: 'the languages', schema: channelLanguagesSchema } },
  }, async (request, reply) => refusals(reply, async () => answer(Number(request.params.n))));

  defineRoute(app, {
    method: 'put', path: '/api/channels/{n}/languages', operationId: 'putLanguages', tag: 'Channels', summary: "Replace a channel's own languages (its encoder restarts with them)",
    description: 'Only what differs from the server-wide `languages`; `{}` puts the channel back on them. Codes in any ISO 639 form ("ja", "jpn"); a name or unknown code is refused naming the field.',
    params: channelParams, body: { schema: languagesOverrideSchema }, errors: [400, 404], responses: { 200: { description: 'the languages', schema: channelLanguagesSchema } },
  }, async (request, reply) =>
    refusals(reply, async () => {
      const n = Number(request.params.n);
      await context.timelines.updateChannel(n, { languages: request.body });
      return answer(n);
    }),
  );
}
