import type { FastifyInstance } from 'fastify';
import type { ChannelSession } from '../../playout/channel-session.js';
import type { AppContext } from '../app.js';

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

  // `/api/channels/:n/now` (now, offset, next, programme) lives in schedule-routes.ts.
}
