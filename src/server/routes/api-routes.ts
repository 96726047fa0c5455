import type { FastifyInstance } from 'fastify';
import type { ChannelSession } from '../../playout/channel-session.js';
import type { Airing } from '../../timeline/types.js';
import type { AppContext } from '../app.js';

function describeAiring(airing: Airing) {
  return {
    title: airing.title,
    kind: airing.kind,
    start: new Date(airing.startMs).toISOString(),
    end: new Date(airing.endMs).toISOString(),
    durationMs: airing.endMs - airing.startMs,
  };
}

function channelHealth(session: ChannelSession, context: AppContext) {
  const progress = session.encoderProgress;
  const lastActivity = context.channels.lastActivity(session.channelNumber);
  return {
    number: session.channelNumber,
    state: session.state,
    encoder: {
      pid: session.encoderPid ?? null,
      restarts: session.encoderRestarts,
      speed: progress?.speed ?? null,
    },
    viewers: { ts: session.fanout.viewerCount, lastActivity: lastActivity ? new Date(lastActivity).toISOString() : null },
    playlist: { mediaSequence: session.playlist.segments[0]?.sequence ?? null, segments: session.playlist.segments.length },
  };
}

export function registerApiRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/api/health', async () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - context.startedAtMs) / 1000),
    mode: context.config.streaming.mode,
    ffmpeg: { version: context.toolchain.version, path: context.toolchain.ffmpegPath, hwaccels: context.toolchain.hwaccels },
    channels: context.channels.all().map((session) => channelHealth(session, context)),
  }));

  // What is on now and next, straight from the timeline (the same function playout uses).
  app.get<{ Params: { n: string } }>('/api/channels/:n/now', async (request, reply) => {
    const session = context.channels.get(Number(request.params.n));
    if (!session) return reply.code(404).send({ error: 'unknown_channel', message: `no channel ${request.params.n}` });
    const now = Date.now();
    const position = session.timeline.at(now);
    if (!position) return { channel: session.channelNumber, onAir: false, now: null, next: null };
    const next = session.timeline.at(position.airing.endMs);
    return {
      channel: session.channelNumber,
      onAir: true,
      now: { ...describeAiring(position.airing), offsetMs: position.offsetMs },
      next: next ? describeAiring(next.airing) : null,
    };
  });
}
