import { statfs } from 'node:fs/promises';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CHANNEL_STATES, readHealth, type ChannelReading, type HealthReading } from './health-reading.js';
import type { HlsViewers } from './hls-viewers.js';

/** What a scrape reads; every part is asked afresh at each scrape. */
export interface MetricSources {
  /** The `/api/health` body (channels, cache, and disk and capacity where the server reports them). */
  health: () => Promise<unknown>;
  /** Emergency alerts on the air now. */
  alertsOnAir: () => number;
  /** The data folder, whose disk holds segments, the cache and the database. */
  dataDir: string;
  /** HLS players watching each channel (counted as requests arrive, src/metrics/http-metrics.ts). */
  hlsViewers: Pick<HlsViewers, 'count'>;
}

type Labels = Record<string, string>;
type Samples = Array<[Labels, number]>;

interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/**
 * Retrovue's Prometheus registry. Almost everything is read when Prometheus scrapes — from the
 * health document, the alert service and the data folder's file system — so nothing in playout
 * keeps counters of its own and the numbers are the ones the API and the monitor show. The
 * counters that must be counted as things happen (bytes sent, request durations) are registered
 * by src/metrics/http-metrics.ts into the same registry.
 *
 * Names: `retrovue_` prefix, base units (seconds, bytes, ratios 0–1), `_total` for counters.
 * A channel's counters restart from 0 when its encoder run restarts (Prometheus' rate() and
 * increase() handle such resets).
 */
export class StationMetrics {
  readonly registry = new Registry();
  private latest: { health: HealthReading; disk?: DiskSpace } = { health: { channels: [] } };
  private sources: MetricSources | undefined;

  constructor() {
    // Process CPU, memory, file descriptors, event-loop lag, GC: prom-client's standard set.
    collectDefaultMetrics({ register: this.registry, prefix: 'retrovue_' });
    this.defineChannelMetrics();
    this.defineServerMetrics();
  }

  /** Where scrapes read from (set once the server's parts exist; a scrape before that answers the process metrics only). */
  attach(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The exposition text of one scrape. */
  async scrape(): Promise<string> {
    if (this.sources) {
      const [health, disk] = await Promise.all([this.sources.health().then(readHealth, () => ({ channels: [] })), diskSpaceOf(this.sources.dataDir)]);
      this.latest = { health, disk };
      // Counters counted at the event (bytes sent, src/metrics/http-metrics.ts) get a 0 series
      // for every channel, so a channel nobody has watched yet is a 0 in a graph, not a gap.
      const sent = this.registry.getSingleMetric('retrovue_channel_sent_bytes_total') as Counter | undefined;
      for (const channel of health.channels) sent?.inc({ channel: channel.channel }, 0);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private channels(): ChannelReading[] {
    return this.latest.health.channels;
  }

  /** A gauge or counter whose samples are read at scrape time by `read`. */
  private scraped(kind: 'gauge' | 'counter', name: string, help: string, labelNames: string[], read: () => Samples): void {
    const registers = [this.registry];
    if (kind === 'gauge') {
      new Gauge({
        name, help, labelNames, registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.set(labels, value);
        },
      });
    } else {
      new Counter({
        name, help, labelNames, registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.inc(labels, Math.max(0, value));
        },
      });
    }
  }

  /** Per channel samples of one field (channels without it give none). */
  private perChannel(field: (channel: ChannelReading) => number | undefined): () => Samples {
    return () => this.channels().flatMap((c) => {
      const value = field(c);
      return value === undefined ? [] : [[{ channel: c.channel }, value] as [Labels, number]];
    });
  }

  private defineChannelMetrics(): void {
    this.scraped('gauge', 'retrovue_channel_state', 'Channel state: 1 for the state the channel is in (stopped = nobody watching, starting, live = on the air, ended = loop mode ran out), 0 for the others.', ['channel', 'state'], () =>
      this.channels().flatMap((c) => {
        const states = (CHANNEL_STATES as readonly string[]).includes(c.state) ? CHANNEL_STATES : [...CHANNEL_STATES, c.state];
        return states.map((state) => [{ channel: c.channel, state }, state === c.state ? 1 : 0] as [Labels, number]);
      }));
    this.scraped('gauge', 'retrovue_channel_viewers', 'Viewers of a channel: protocol="ts" holds /channel/n.ts open; protocol="hls" is a player (address and user agent) that fetched the playlist or a segment in the last few target durations.', ['channel', 'protocol'], () =>
      this.channels().flatMap((c) => [
        [{ channel: c.channel, protocol: 'ts' }, c.tsViewers],
        [{ channel: c.channel, protocol: 'hls' }, this.sources?.hlsViewers.count(Number(c.channel)) ?? 0],
      ] as Samples));
    this.scraped('gauge', 'retrovue_channel_renderer_speed', "Speed of the channel's current renderer as a multiple of real time (ffmpeg's speed=). Below 1 while live means it is falling behind and viewers will stall. Absent while nothing renders (a cached airing, a stopped channel).", ['channel'], this.perChannel((c) => c.rendererSpeed));
    this.scraped('gauge', 'retrovue_channel_work_ahead_seconds', 'Seconds of stream the channel has made ahead of the wall clock (streaming.work_ahead is the target). Near 0 means viewers are about to stall.', ['channel'], this.perChannel((c) => c.workAheadSeconds));
    this.scraped('counter', 'retrovue_channel_restarts_total', "Times the channel's encoder run was restarted after a failure (since the channel last started). Several in a few minutes: see the channel's lastError in /api/channels/n/status.", ['channel'], this.perChannel((c) => c.restarts));
    this.scraped('counter', 'retrovue_channel_slates_total', "\"Technical difficulties\" slates shown instead of a file that could not play (since the channel last started). The log says which file and why.", ['channel'], this.perChannel((c) => c.slatesShown));
    this.scraped('gauge', 'retrovue_channel_cache_hit_ratio', 'Share (0-1) of the seconds aired this run that were copied from the media cache rather than rendered live. Absent with the cache off or before the first airing.', ['channel'], this.perChannel((c) => c.cacheHitRatio));
    this.scraped('counter', 'retrovue_channel_live_rendered_seconds_total', 'Seconds of media rendered live by ffmpeg (not copied from the cache) since the channel last started: what costs CPU. Absent with the cache off (then everything is rendered live).', ['channel'], this.perChannel((c) => c.liveRenderedSeconds));
    this.scraped('counter', 'retrovue_channel_cached_seconds_total', 'Seconds of media copied from the media cache (no encoder) since the channel last started.', ['channel'], this.perChannel((c) => c.cachedSeconds));
    // Reported by the disk-error and capacity parts of the status where present (no series otherwise).
    this.scraped('counter', 'retrovue_channel_write_errors_total', "Segment writes of this channel that failed (disk full, I/O error). A failed segment is never published; see the channel's status for the last error.", ['channel'], this.perChannel((c) => c.writeErrors));
    this.scraped('gauge', 'retrovue_channel_degraded_step', 'Overload step applied to this channel to keep the others on time: 0 none, 1 graphics cards dropped, 2 live spans at a lower rung, 3 slated. Undone when load falls.', ['channel'], this.perChannel((c) => c.degradedStep));
  }

  private defineServerMetrics(): void {
    const one = (value: number | undefined): Samples => (value === undefined ? [] : [[{}, value]]);
    const health = () => this.latest.health;
    this.scraped('gauge', 'retrovue_channels_on_air', 'Channels live now (on the air with a segment published).', [], () => [[{}, this.channels().filter((c) => c.state === 'live').length]]);
    this.scraped('gauge', 'retrovue_data_disk_free_bytes', "Bytes free (for Retrovue's user) on the disk of the data folder: segments, the media cache and the database. When it reaches 0, segments cannot be written.", [], () => one(this.latest.disk?.freeBytes));
    this.scraped('gauge', 'retrovue_data_disk_total_bytes', 'Size in bytes of the disk of the data folder.', [], () => one(this.latest.disk?.totalBytes));
    this.scraped('gauge', 'retrovue_data_disk_low', "1 when the server says the data folder's disk is low (health.disk.low; the cache stops filling and evicts), 0 otherwise.", [], () => {
      const low = health().disk?.low;
      return low === undefined ? [] : [[{}, low ? 1 : 0]];
    });
    this.scraped('counter', 'retrovue_data_write_errors_total', 'Writes to the data folder (segments, cache, database) that failed since the server started (health.disk.writeErrors).', [], () => one(health().disk?.writeErrors));
    this.scraped('gauge', 'retrovue_cache_size_bytes', 'Bytes the media cache holds on disk.', [], () => one(health().cache?.bytes));
    this.scraped('gauge', 'retrovue_cache_budget_bytes', 'The media cache budget in bytes (cache.budget_gb): least recently aired entries are evicted beyond it.', [], () => one(health().cache?.budgetBytes));
    this.scraped('gauge', 'retrovue_cache_entries', 'Files (airings, variants) the media cache holds.', [], () => one(health().cache?.entries));
    this.scraped('gauge', 'retrovue_cache_fill_queue_length', 'Airings waiting to be rendered into the media cache (cache.fill_ahead). Growing for hours: the machine cannot keep up with what the schedules air.', [], () => one(health().cache?.fillQueueLength));
    this.scraped('gauge', 'retrovue_alerts_on_air', 'Emergency alerts on the air now, on any channel.', [], () => [[{}, this.sources?.alertsOnAir() ?? 0]]);
    // Capacity (health.capacity / health.overload), where the server reports it.
    this.scraped('gauge', 'retrovue_capacity_cores_in_use', 'CPU cores the running channels are estimated to need (health.capacity).', [], () => one(health().capacity?.coresNeeded));
    this.scraped('gauge', 'retrovue_capacity_cores', 'CPU cores the capacity estimate counts on (health.capacity).', [], () => one(health().capacity?.cores));
    this.scraped('gauge', 'retrovue_capacity_usable_cores', 'CPU cores channels may be committed to (cores x capacity.headroom): above it, making a channel always on is refused.', [], () => one(health().capacity?.usableCores));
    this.scraped('gauge', 'retrovue_overload_step', 'Overload step the server applies now (0 = none; see retrovue_channel_degraded_step for which channels).', [], () => one(health().capacity?.step));
  }
}

/** Free and total bytes of the file system holding `dir` (undefined if it cannot be read: no series rather than a failed scrape). */
async function diskSpaceOf(dir: string): Promise<DiskSpace | undefined> {
  try {
    const stats = await statfs(dir);
    return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
  } catch {
    return undefined;
  }
}
