import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ChannelRequestError, type ChannelStore } from '../../channels/channel-store.js';
import { LOGO_EXTENSIONS } from '../../channels/logo-files.js';
import { sniffImage } from '../../library/image-type.js';
import { sendError } from '../errors.js';
import { channelParams, channelSchema, logoBodySchema } from '../openapi/api-schemas.js';
import { defineRoute } from '../openapi/route-table.js';

export const MAX_LOGO_BYTES = 1024 * 1024;

/**
 * PUT/DELETE `/api/channels/{n}/logo`: the image is the raw body (an image content type, so a
 * cross-site form cannot send one), at most 1 MiB, checked by its bytes, kept in the data
 * folder's `logos/` and served at `/channel/{n}/logo`. SVG is refused: it can carry script.
 */
export function registerLogoRoutes(app: FastifyInstance, store: Pick<ChannelStore, 'get' | 'require' | 'setLogo'>, dataDir: string): void {
  const logoDir = path.join(dataDir, 'logos');
  const removeUploads = async (n: number) => Promise.all(LOGO_EXTENSIONS.map((ext) => rm(path.join(logoDir, `channel-${n}${ext}`), { force: true })));

  void app.register(async (scope) => {
    scope.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: MAX_LOGO_BYTES }, (_request, body, done) => done(null, body));

    defineRoute(scope, {
      method: 'put', path: '/api/channels/{n}/logo', operationId: 'uploadLogo', tag: 'Channels', summary: 'Upload the channel logo (PNG, JPEG, GIF or WebP, at most 1 MiB, as the raw body)',
      params: channelParams, body: { schema: logoBodySchema, contentType: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] }, errors: [400, 404, 413, 415], responses: { 200: { description: 'the channel, with its logo', schema: channelSchema } },
    }, async (request, reply) => {
      const n = Number(request.params.n);
      if (!Number.isInteger(n) || !store.get(n)) return sendError(reply, 404, 'unknown_channel', `no channel ${request.params.n}`);
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) return sendError(reply, 400, 'bad_request', 'send the image file as the body, with its image content type (image/png, image/jpeg, image/gif or image/webp)', 'body');
      const image = sniffImage(body);
      if (!image) return sendError(reply, 415, 'unsupported_media_type', 'the file is not a PNG, JPEG, GIF or WebP image', 'body');
      await mkdir(logoDir, { recursive: true });
      await removeUploads(n);
      const file = path.resolve(logoDir, `channel-${n}${image.ext}`);
      await writeFile(file, body);
      return store.setLogo(n, file);
    });

    defineRoute(scope, {
      method: 'delete', path: '/api/channels/{n}/logo', operationId: 'deleteLogo', tag: 'Channels', summary: 'Remove the uploaded logo (the call-sign card is shown again)',
      params: channelParams, errors: [404], responses: { 200: { description: 'the channel', schema: channelSchema } },
    }, async (request, reply) => {
      try {
        const n = Number(request.params.n);
        const channel = store.require(n);
        // Only our own uploads are deleted; a logo the config points at stays on disk.
        if (channel.logoPath?.startsWith(path.resolve(logoDir))) await removeUploads(n);
        return store.setLogo(n, undefined);
      } catch (error) {
        if (error instanceof ChannelRequestError) return sendError(reply, error.status, error.code, error.message);
        throw error;
      }
    });
  });
}
