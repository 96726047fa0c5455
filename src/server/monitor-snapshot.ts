import { freemem, loadavg, totalmem } from 'node:os';
import type { DataDisk } from '../disk/data-disk.js';
import type { LogTail } from '../logging/log-tail.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import { channelStatus, type ChannelStatus } from './channel-status.js';

/** Slower than this share of real time, a live channel is falling behind (viewers will stall). */
export const BEHIND_SPEED = 0.97;
/** This many encoder restarts since the channel started is "restarting repeatedly". */
export const RESTART_WARNING = 3;

/** A channel's overload step (src/capacity), in words. */
const DEGRADED_WORDS: Record<NonNullable<ChannelStatus['degraded']>, string> = {
  graphics: 'graphics cards dropped (the bug stays)',
  'lower-quality': 'airing one preset lower',
  slate: 'slated (always on, nobody watching)',
};

/** What an operator should look at on a channel, in words (empty when all is well). */
export function channelWarnings(status: ChannelStatus): string[] {
  const warnings: string[] = [];
  const { speed, restarts, lastError } = status.encoder;
  if (status.state === 'live' && speed !== null && speed < BEHIND_SPEED) {
    warnings.push(`encoding at ${speed.toFixed(2)}× real time: falling behind, viewers will stall`);
  }
  if (restarts >= RESTART_WARNING) warnings.push(`encoder restarted ${restarts} times${lastError ? ` (last error: ${lastError})` : ''}`);
  if (status.slatesShown > 0) warnings.push(`${status.slatesShown} slate(s) shown for files that failed`);
  if (status.degraded) warnings.push(`degraded by overload: ${DEGRADED_WORDS[status.degraded]}`);
  // A full or failing data disk (src/disk): the channel plays from memory, but nothing reaches the disk.
  if (status.writeErrors.failing && status.writeErrors.last) warnings.push(`segments cannot be written: ${status.writeErrors.last.message}`);
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

/** What a monitor snapshot reads: the running channels, the server's start, the last log lines. */
export interface MonitorSources {
  /** The channels on the air (playout's ChannelManager). */
  playout: Pick<ChannelManager, 'all' | 'lastActivity'>;
  startedAtMs: number;
  /** Absent in tools that build the app without serve. */
  logTail?: Pick<LogTail, 'last'>;
  /** The overload ladder now (src/capacity): level, since, steps; absent in tools without serve. */
  overload?: () => { level: number; since: string | null; steps: unknown[]; reasons: string[] };
  /** The data disk's space and write errors, with its server-wide warnings (src/disk); absent in tools without serve. */
  disk?: Pick<DataDisk, 'summary' | 'warnings'>;
  /** More server-wide warnings (the media cache's fill paused below its floor…); absent in tools without serve. */
  serverWarnings?: () => string[];
}

export class MonitorSnapshots {
  private readonly cpu = new ProcessCpu();

  constructor(private readonly context: MonitorSources) {}

  take(logLines = 50) {
    const channels = this.context.playout.all().map((channel) => {
      const status = channelStatus(channel, this.context.playout);
      return { ...status, warnings: channelWarnings(status) };
    });
    const disk = this.context.disk?.summary();
    const overload = this.context.overload?.();
    const overloadWarning = overload && overload.level > 0 ? [`overloaded (level ${overload.level} since ${overload.since}): ${overload.reasons.join('; ') || 'recovering'}`] : [];
    return {
      at: new Date().toISOString(),
      server: {
        cpuPercent: this.cpu.percent(),
        memoryBytes: process.memoryUsage().rss,
        systemMemory: { totalBytes: totalmem(), freeBytes: freemem() },
        loadAverage: loadavg(),
        uptimeSeconds: Math.round((Date.now() - this.context.startedAtMs) / 1000),
        disk: disk ?? null,
        overload: overload ?? null,
        // What an operator should look at server-wide, in words (empty when all is well).
        warnings: [...(disk ? this.context.disk!.warnings(disk) : []), ...(this.context.serverWarnings?.() ?? []), ...overloadWarning],
      },
      channels,
      log: this.context.logTail?.last(logLines) ?? [],
    };
  }
}

/** The writing side of one event stream: a ServerResponse (or a stand-in in tests). */
export interface EventSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  destroy(): unknown;
  end(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

export interface EventStreamLimits {
  /** How often a snapshot goes out. */
  intervalMs: number;
  /** Streams open at once, all clients together. */
  maxStreams: number;
  /** Streams open at once from one client address (one control room tab holds one). */
  maxPerAddress: number;
  /** A stream holding more unsent bytes than this is dropped at once. */
  maxBufferedBytes: number;
  /** A stream whose client has not taken what was sent after this many intervals is dropped. */
  maxStalledIntervals: number;
}

export const EVENT_STREAM_LIMITS: EventStreamLimits = { intervalMs: 2000, maxStreams: 32, maxPerAddress: 8, maxBufferedBytes: 1 << 20, maxStalledIntervals: 2 };

interface OpenStream {
  address: string;
  /** When a write last found the client behind (unset while it keeps up). */
  stalledSinceMs?: number;
}

/**
 * The monitor's Server-Sent Events: one snapshot per interval, taken and serialised once for
 * every stream. Bounded: at most `maxStreams` open (and `maxPerAddress` from one address), and
 * a client that does not read is skipped while its buffer is full and dropped when it stays
 * full, so an open connection costs at most about one snapshot of memory however it is read.
 */
export class MonitorEventStreams {
  private readonly streams = new Map<EventSink, OpenStream>();
  private readonly perAddress = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** The last event sent, given as is to a stream opening soon after (opening many must not mean as many snapshots). */
  private latest: { event: string; atMs: number } | undefined;

  constructor(
    private readonly take: () => unknown,
    private readonly limits: EventStreamLimits = EVENT_STREAM_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Why a new stream from `address` is refused now, or undefined when it may open. */
  refusal(address: string): string | undefined {
    const { maxStreams, maxPerAddress } = this.limits;
    if (this.streams.size >= maxStreams) return `${maxStreams} monitor event streams are open, the most the server keeps; close another control room, or poll GET /api/monitor`;
    if ((this.perAddress.get(address) ?? 0) >= maxPerAddress) return `${maxPerAddress} monitor event streams are open from ${address}, the most one address may hold; close another control room tab`;
    return undefined;
  }

  /** Takes a stream the caller has opened (its headers sent): the latest snapshot now, then one per interval until it closes. */
  add(sink: EventSink, address: string): void {
    const stream: OpenStream = { address };
    this.streams.set(sink, stream);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    sink.once('close', () => this.remove(sink));
    const fresh = this.latest && this.now() - this.latest.atMs < this.limits.intervalMs / 2 ? this.latest.event : this.snapshotEvent();
    this.deliver(sink, stream, fresh);
    this.timer ??= setInterval(() => this.tick(), this.limits.intervalMs);
  }

  /** Ends every stream (at shutdown: an open stream must not hold the server up). */
  closeAll(): void {
    for (const sink of [...this.streams.keys()]) sink.end();
    this.stop();
  }

  private tick(): void {
    if (this.streams.size === 0) return this.stop();
    const event = this.snapshotEvent();
    for (const [sink, stream] of [...this.streams]) this.deliver(sink, stream, event);
  }

  private snapshotEvent(): string {
    const event = `event: snapshot\ndata: ${JSON.stringify(this.take())}\n\n`;
    this.latest = { event, atMs: this.now() };
    return event;
  }

  private deliver(sink: EventSink, stream: OpenStream, event: string): void {
    if (sink.writableLength > this.limits.maxBufferedBytes) return this.drop(sink);
    if (sink.writableNeedDrain) {
      // Still behind: a newer snapshot replaces the ones it misses, so nothing piles up; one
      // that does not catch up within the grace is a client that stopped reading.
      stream.stalledSinceMs ??= this.now();
      if (this.now() - stream.stalledSinceMs >= this.limits.maxStalledIntervals * this.limits.intervalMs) this.drop(sink);
      return;
    }
    // write() answers false when the chunk filled the buffer; a client that reads empties it
    // ('drain') long before the next interval.
    stream.stalledSinceMs = sink.write(event) ? undefined : this.now();
  }

  private drop(sink: EventSink): void {
    sink.destroy();
    this.remove(sink);
  }

  private remove(sink: EventSink): void {
    const stream = this.streams.get(sink);
    if (!stream) return;
    this.streams.delete(sink);
    const left = (this.perAddress.get(stream.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(stream.address, left);
    else this.perAddress.delete(stream.address);
    if (this.streams.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
