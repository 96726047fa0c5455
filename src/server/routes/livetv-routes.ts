import type { FastifyInstance } from 'fastify';
import { baseUrlFor } from '../../livetv/base-url.js';
import {
  deviceXml,
  discoverDocument,
  lineupDocument,
  lineupStatusDocument,
  type TunerDescription,
} from '../../livetv/hdhr-documents.js';
import { HdhrDiscoveryResponder } from '../../livetv/hdhr-discovery-responder.js';
import { localAddressFacing } from '../../livetv/lan-address.js';
import { buildM3u, M3U_FORMATS, type M3uFormat } from '../../livetv/m3u.js';
import { SsdpResponder } from '../../livetv/ssdp-responder.js';
import type { ChannelDirectory } from '../../channels/channel-info.js';
import type { RetrovueConfig } from '../../config/schema.js';
import type { LiveTv } from '../../livetv/live-tv.js';
import type { Logger } from '../../logging/logger.js';
import { pathNumber } from './path-number.js';

const LINEUP_SCAN_ACTIONS = ['start', 'abort'] as const;

export interface LivetvRoutesContext {
  /** hdhr (tuner and discovery), server.public_url, and streaming.port before the port is known. */
  config: Pick<RetrovueConfig, 'hdhr' | 'server' | 'streaming'>;
  liveTv: Pick<LiveTv, 'identity' | 'logos'>;
  directory: Pick<ChannelDirectory, 'list' | 'get'>;
  log: Logger;
}

/** Starts the discovery responders the config asks for once the HTTP port is known. */
function registerDiscovery(app: FastifyInstance, context: LivetvRoutesContext): void {
  const { hdhr, server } = context.config;
  if (!hdhr.ssdp && !hdhr.udp_discovery) return;
  const { identity } = context.liveTv;
  const log = context.log.child({ component: 'discovery' });
  const responders: Array<{ stop(): Promise<void> }> = [];

  app.addHook('onListen', async () => {
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : context.config.streaming.port;
    const baseUrlFacing = (remote: string): string => server.public_url?.replace(/\/+$/, '') ?? `http://${localAddressFacing(remote)}:${httpPort}`;
    const wanted = [
      hdhr.ssdp && {
        name: 'SSDP',
        port: hdhr.ssdp_port,
        responder: new SsdpResponder({ address: hdhr.discovery_address, port: hdhr.ssdp_port, uuid: identity.uuid, locationFor: (remote) => `${baseUrlFacing(remote)}/device.xml`, log }),
      },
      hdhr.udp_discovery && {
        name: 'HDHomeRun discovery',
        port: hdhr.udp_discovery_port,
        responder: new HdhrDiscoveryResponder({
          address: hdhr.discovery_address,
          port: hdhr.udp_discovery_port,
          deviceId: identity.deviceId,
          deviceAuth: identity.deviceAuth,
          tunerCount: hdhr.tuner_count,
          baseUrlFor: baseUrlFacing,
          log,
        }),
      },
    ].filter((entry) => entry !== false);
    for (const { name, port, responder } of wanted) {
      try {
        await responder.start();
        responders.push(responder);
        log.info({ address: hdhr.discovery_address, port }, `${name} responder listening`);
      } catch (error) {
        // Discovery is a convenience: without it Plex still adds the tuner by address.
        log.warn({ err: error, address: hdhr.discovery_address, port }, `${name} responder could not start; add the tuner by address instead`);
      }
    }
  });
  app.addHook('onClose', async () => {
    await Promise.all(responders.map((responder) => responder.stop()));
  });
}

/**
 * Live TV for media servers and IPTV apps: HDHomeRun emulation (discover.json, lineup.json,
 * lineup_status.json, lineup.post, device.xml), the M3U playlist and channel logos.
 */
export function registerLivetvRoutes(app: FastifyInstance, context: LivetvRoutesContext): void {
  registerDiscovery(app, context);

  const tunerFor = (baseUrl: string): TunerDescription => ({
    identity: context.liveTv.identity,
    friendlyName: context.config.hdhr.friendly_name,
    tunerCount: context.config.hdhr.tuner_count,
    baseUrl,
  });

  app.register(async (scope) => {
    // Clients post lineup.post with a form content type and often no body: accept any body and ignore it.
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => done(null, undefined));

    scope.get('/discover.json', async (request) => discoverDocument(tunerFor(baseUrlFor(request, context.config.server.public_url))));

    scope.get('/lineup.json', async (request) => lineupDocument(context.directory.list(), baseUrlFor(request, context.config.server.public_url)));

    scope.get('/lineup_status.json', async () => lineupStatusDocument());

    // Plex posts ?scan=start after adding the tuner. The lineup is always current, so a scan
    // has nothing to do; accepting it (and abort) is what lets the setup wizard continue.
    const lineupPost = async (request: { query: unknown }, reply: import('fastify').FastifyReply) => {
      const scan = (request.query as Record<string, unknown>).scan;
      if (scan !== undefined && !(LINEUP_SCAN_ACTIONS as readonly unknown[]).includes(scan)) {
        return reply.code(400).send({ error: 'bad_request', message: `scan must be one of ${LINEUP_SCAN_ACTIONS.join(', ')} (got ${JSON.stringify(scan)})` });
      }
      return reply.code(200).send('');
    };
    scope.post('/lineup.post', lineupPost);
    scope.get('/lineup.post', lineupPost);

    scope.get('/device.xml', async (request, reply) =>
      reply.header('content-type', 'text/xml; charset=utf-8').send(deviceXml(tunerFor(baseUrlFor(request, context.config.server.public_url)))),
    );

    scope.get<{ Querystring: { format?: string } }>('/channels.m3u', async (request, reply) => {
      const format = request.query.format ?? 'ts';
      if (!(M3U_FORMATS as readonly string[]).includes(format)) {
        return reply.code(400).send({ error: 'bad_request', message: `format must be one of ${M3U_FORMATS.join(', ')} (got "${format}")` });
      }
      const baseUrl = baseUrlFor(request, context.config.server.public_url);
      return reply
        .header('content-type', 'audio/x-mpegurl; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(buildM3u(context.directory.list(), baseUrl, format as M3uFormat));
    });

    // Static `logo` wins over channel-routes' `/channel/:channel/:segment` in Fastify's router.
    scope.get<{ Params: { channel: string } }>('/channel/:channel/logo', async (request, reply) => {
      const channelNumber = pathNumber(request.params.channel);
      const channel = channelNumber === undefined ? undefined : context.directory.get(channelNumber);
      if (!channel) {
        const known = context.directory.list().map((c) => c.number);
        return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.channel}; channels are ${known.join(', ')}` });
      }
      const logo = await context.liveTv.logos.logoFor(channel);
      return reply
        .header('content-type', logo.contentType)
        // A picture and nothing else: not sniffed as anything, and were it opened as a document, no script, no requests.
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        // Short: a logo may be replaced; media servers cache their own copy anyway.
        .header('cache-control', 'public, max-age=300')
        .send(logo.bytes);
    });
  });
}
