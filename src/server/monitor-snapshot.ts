import { freemem, loadavg, totalmem } from 'node:os';
import type { AppContext } from './app.js';
import { channelStatus } from './routes/api-routes.js';

/** Slower than this share of real time, a live channel is falling behind (viewers will stall). */
export const BEHIND_SPEED = 0.97;
/** This many encoder restarts since the channel started is "restarting repeatedly". */
export const RESTART_WARNING = 3;

type ChannelStatus = ReturnType<typeof channelStatus>;

/** What an operator should look at on a channel, in words (empty when all is well). */
export function channelWarnings(status: ChannelStatus): string[] {
  const warnings: string[] = [];
  const { speed, restarts, lastError } = status.encoder;
  if (status.state === 'live' && speed !== null && speed < BEHIND_SPEED) {
    warnings.push(`encoding at ${speed.toFixed(2)}× real time: falling behind, viewers will stall`);
  }
  if (restarts >= RESTART_WARNING) warnings.push(`encoder restarted ${restarts} times${lastError ? ` (last error: ${lastError})` : ''}`);
  if (status.slatesShown > 0) warnings.push(`${status.slatesShown} slate(s) shown for files that failed`);
  return warnings;
}

/** CPU of this Node process between two snapshots, as a share of one core. */
class ProcessCpu {
  private last = { usage: process.cpuUsage(), atMs: Date.now() };

  percent(): number | null {
    const now = { usage: process.cpuUsage(), atMs: Date.now() };
    const elapsedMs = now.atMs - this.last.atMs;
    const usedMicros = now.usage.user + now.usage.system - this.last.usage.user - this.last.usage.system;
    this.last = now;
    return elapsedMs < 200 ? null : Math.round((usedMicros / 1000 / elapsedMs) * 1000) / 10;
  }
}

export class MonitorSnapshots {
  private readonly cpu = new ProcessCpu();

  constructor(private readonly context: AppContext) {}

  take(logLines = 50) {
    const channels = this.context.channels.all().map((session) => {
      const status = channelStatus(session, this.context);
      return { ...status, warnings: channelWarnings(status) };
    });
    return {
      at: new Date().toISOString(),
      server: {
        cpuPercent: this.cpu.percent(),
        memoryBytes: process.memoryUsage().rss,
        systemMemory: { totalBytes: totalmem(), freeBytes: freemem() },
        loadAverage: loadavg(),
        uptimeSeconds: Math.round((Date.now() - this.context.startedAtMs) / 1000),
      },
      channels,
      log: this.context.logTail?.last(logLines) ?? [],
    };
  }
}
