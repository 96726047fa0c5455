import type { Channel } from '../playout/channel.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import { CpuMeter, readProcessStats } from '../playout/process-stats.js';
import type { WriteErrorSummary } from '../disk/write-errors.js';

/** When each channel last had a viewer (the channel manager keeps it). */
export type ChannelActivity = Pick<ChannelManager, 'lastActivity'>;

const cpuMeter = new CpuMeter();

/**
 * Everything an operator asks about a running channel: state, viewers, what airs and how far
 * in, the encoder processes with their speed, CPU and memory, restarts and the last error.
 */
export function channelStatus(channel: Channel, activity: ChannelActivity) {
  // The channel's own run answers for the channel; the ladder's rungs add their processes and status.
  const { session, renditions } = channel;
  const progress = session.encoderProgress;
  const lastActivity = activity.lastActivity(session.channelNumber);
  const rendering = session.nowRendering;
  // With a ladder the channel is every rung's run: its CPU and memory are theirs together.
  const processes = channel.runs
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
          // A live block (issue 25): its source, and whether the renderer airing now is on it or on the fallback.
          live: position.airing.live ? { source: position.airing.live.sourceId, on: rendering?.live?.sourceId === position.airing.live.sourceId ? rendering.live.on : null } : null,
        }
      : null,
    rendering: rendering
      ? { title: rendering.slice.airing.title, slate: rendering.slate, reason: rendering.reason ?? null, cached: rendering.cached === true, live: rendering.live ?? null }
      : null,
    slatesShown: session.slatesShown,
    // Overload (src/capacity): null, or the step this channel is on (graphics, lower-quality, slate).
    degraded: session.degraded,
    // Seconds of stream made ahead of real time (streaming.work_ahead): HLS is published this far ahead.
    workingAheadSeconds: session.workingAheadSeconds === undefined ? null : Number(session.workingAheadSeconds.toFixed(2)),
    // Media cache: seconds of media copy-spliced vs rendered live this run (null: cache off).
    cache: session.cacheSummary ?? null,
    // Adaptive bitrate (streaming.ladder): every rung's run, its cache hits and its playlist.
    ladder: renditions?.status() ?? null,
    viewers: { ts: session.fanout.viewerCount, lastActivity: lastActivity ? new Date(lastActivity).toISOString() : null },
    playlist: { mediaSequence: session.playlist.segments[0]?.sequence ?? null, segments: session.playlist.segments.length },
    // Failed writes of the channel's segments and scratch files (a full or failing data disk; src/disk), every rung's together.
    writeErrors: channelWriteErrors(channel),
  };
}

/** Write errors of every run of the channel (its own and its ladder's rungs): count, newest, and whether they fail now. */
function channelWriteErrors(channel: Channel): WriteErrorSummary & { failing: boolean } {
  let count = 0;
  let last: WriteErrorSummary['last'] = null;
  let failing = false;
  for (const run of channel.runs) {
    const summary = run.writeErrors.summary();
    count += summary.count;
    if (summary.last && (!last || summary.last.at > last.at)) last = summary.last;
    // Writes fail now (cleared by the next segment written whole).
    if (run.writeErrors.active) failing = true;
  }
  return { count, last, failing };
}

export type ChannelStatus = ReturnType<typeof channelStatus>;
