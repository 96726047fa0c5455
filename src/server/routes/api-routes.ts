import type { FastifyInstance } from 'fastify';
import type { ChannelSession } from '../../playout/channel-session.js';
import { CpuMeter, readProcessStats } from '../../playout/process-stats.js';
import type { AppContext } from '../app.js';
import { sendError } from '../errors.js';
import { pathNumber } from './path-number.js';

const cpuMeter = new CpuMeter();

/**
 * Everything an operator asks about a running channel: state, viewers, what airs and how far
 * in, the encoder processes with their speed, CPU and memory, restarts and the last error.
 */
export function channelStatus(session: ChannelSession, context: AppContext) {
  const progress = session.encoderProgress;
  const lastActivity = context.channels.lastActivity(session.channelNumber);
  const rendering = session.nowRendering;
  // With a ladder the channel is every rung's run: its CPU and memory are theirs together.
  const runs = [session, ...(session.renditions?.followersOf(session) ?? [])];
  const processes = runs
    .flatMap((run) => [
      { role: 'packager', stats: readProcessStats(run.encoderPid) },
      { role: 'renderer', stats: readProcessStats(run.nowRendering?.pid) },
      { role: 'next renderer', stats: readProcessStats(run.renderingAhead?.pid) },
    ])
    .filter((p) => p.stats !== null);
  const cpuSeconds = processes.reduce((sum, p) => sum + p.stats!.cpuSeconds, 0);
  const key = `${session.channelNumber}:${processes.map((p) => p.stats!.pid).join(',')}`;
  const position = session.timeline.at(Date.now());
  return {
    number: session.channelNumber,
    state: session.state,
    // The packager joins the renderers' output into one stream; each airing has its own renderer.
    // `node` (streaming.packager, the default) is no process: its pid is null.
    packager: { kind: session.packagerKind, pid: session.encoderPid ?? null },
    renderer: { pid: rendering?.pid ?? null, nextPid: session.renderingAhead?.pid ?? null },
    encoder: {
      // Deprecated (README): encoder.pid is the packager's; kept one release for scripts that read it.
      pid: session.encoderPid ?? null,
      rendererPid: rendering?.pid ?? null,
      nextRendererPid: session.renderingAhead?.pid ?? null,
      restarts: session.encoderRestarts,
      speed: progress?.speed ?? null,
      cpuPercent: processes.length ? cpuMeter.percent(key, cpuSeconds) : null,
      memoryBytes: processes.reduce((sum, p) => sum + p.stats!.rssBytes, 0) || null,
      lastError: session.lastError ?? null,
    },
    onAir: position
      ? {
          title: position.airing.title,
          kind: position.airing.kind,
          offsetMs: position.offsetMs,
          start: new Date(position.airing.startMs).toISOString(),
          end: new Date(position.airing.endMs).toISOString(),
          // The emergency alert on the air instead of the timeline's airing, if any.
          alert: position.airing.alert ?? null,
        }
      : null,
    rendering: rendering
      ? { title: rendering.slice.airing.title, slate: rendering.slate, reason: rendering.reason ?? null, cached: rendering.cached === true }
      : null,
    slatesShown: session.slatesShown,
    // Seconds of stream made ahead of real time (streaming.work_ahead): HLS is published this far ahead.
    workingAheadSeconds: session.workingAheadSeconds === undefined ? null : Number(session.workingAheadSeconds.toFixed(2)),
    // Media cache: seconds of media copy-spliced vs rendered live this run (null: cache off).
    cache: session.cacheSummary ?? null,
    // Adaptive bitrate (streaming.ladder): every rung's run, its cache hits and its playlist.
    ladder: session.renditions?.status() ?? null,
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
    cache: context.mediaCache?.summary() ?? null,
    channels: context.channels.all().map((session) => channelStatus(session, context)),
  }));

  app.get<{ Params: { n: string } }>('/api/channels/:n/status', async (request, reply) => {
    const n = pathNumber(request.params.n);
    const session = n === undefined ? undefined : context.channels.get(n);
    if (!session) return sendError(reply, 404, 'unknown_channel', `no channel ${request.params.n}`);
    return channelStatus(session, context);
  });

  // `/api/channels/:n/now` (now, offset, next, programme) lives in schedule-routes.ts.
}
