import path from 'node:path';
import { Capacity } from '../capacity/capacity.js';
import { ChannelDegradation, OverloadWatch } from '../capacity/overload-actuator.js';
import { entriesAiringSoon } from '../cache/fill-wiring.js';
import type { FillQueue } from '../cache/fill-queue.js';
import type { MediaCache } from '../cache/media-cache.js';
import { CacheSpaceFloor } from '../cache/space-floor.js';
import type { ChannelTimelines } from '../channels/channel-timelines.js';
import type { RetrovueConfig } from '../config/schema.js';
import { DataDisk, diskSpace } from '../disk/data-disk.js';
import type { Catalog } from '../library/catalog.js';
import type { Logger } from '../logging/logger.js';
import { snapshotWarnings, WebhookNotifier } from '../notify/webhook-notifier.js';
import type { ChannelFactory } from '../playout/channel-factory.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import type { ChannelOutputs } from '../playout/channel-outputs.js';
import { MonitorSnapshots } from '../server/monitor-snapshot.js';

/** How often the monitor's warnings are looked at for paging (a warning must be seen twice). */
const PAGE_CHECK_MS = 2000;

export interface StationWatchParts {
  config: RetrovueConfig;
  manager: ChannelManager;
  timelines: ChannelTimelines;
  outputs: ChannelOutputs;
  /** Which channels burn their bug in (the cache keys of what airs soon depend on it). */
  factory: ChannelFactory;
  catalog: Catalog;
  mediaCache: MediaCache | undefined;
  /** The channels' overload steps, which the channel factory reads for every slice. */
  degradation: ChannelDegradation;
  log: Logger;
}

/**
 * What watches the station while it runs, so an operator hears of trouble before viewers do
 * (issue 23), wired in one place for `serve`: what the machine can carry and the overload
 * ladder (src/capacity), the data disk's free space and write errors (src/disk), the media
 * cache's free-space floor, and paging `notify.webhook` (src/notify). Made after playout (it
 * reads the channels), started once the server listens, stopped before the channels close.
 */
export class StationWatch {
  readonly capacity: Capacity;
  readonly overload: OverloadWatch;
  readonly disk: DataDisk;
  /** Absent without a media cache. */
  readonly cacheFloor: CacheSpaceFloor | undefined;
  private notifier: WebhookNotifier | undefined;
  private pageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly parts: StationWatchParts) {
    const { config, manager, timelines, outputs, factory, catalog, mediaCache, degradation, log } = parts;
    this.capacity = new Capacity({ config, playout: manager, outputs, timelines, ...(mediaCache ? { mediaCache } : {}), log: log.child({ component: 'capacity' }) });
    this.overload = new OverloadWatch({
      capacity: this.capacity,
      playout: manager,
      outputs,
      degradation,
      overloadAfterMs: config.capacity.overload_after * 1000,
      recoverAfterMs: config.capacity.recover_after * 1000,
      // As the idle watch: a player reloads about once a target duration and is still watching.
      hlsViewerWindowMs: 2 * config.streaming.segment_duration * 1000 + 5000,
      log: log.child({ component: 'capacity' }),
    });
    this.disk = new DataDisk({
      dataDir: config.data_dir,
      minFreeBytes: config.cache.min_free_gb * 1e9,
      channelErrors: () => manager.all().flatMap((channel) => channel.runs.map((run) => ({ channel: run.channelNumber, errors: run.writeErrors }))),
      log: log.child({ component: 'disk' }),
    });
    if (mediaCache) {
      const cache = mediaCache;
      this.cacheFloor = new CacheSpaceFloor({
        cache,
        dir: config.data_dir,
        minFreeBytes: config.cache.min_free_gb * 1e9,
        space: diskSpace,
        // Never what airs in the next minutes on any channel.
        protectedKeys: () => entriesAiringSoon({ cache, timelines, outputs, bugs: factory, playable: () => catalog.playable(), fillAheadHours: 0, loudnessTarget: config.ffmpeg.loudness_target }, Date.now()),
        log: log.child({ component: 'cache' }),
      });
    }
  }

  /** Server-wide warnings besides the disk's own: the cache fill paused below `cache.min_free_gb`. */
  serverWarnings(): string[] {
    return this.cacheFloor?.paused ? [this.cacheFloor.paused] : [];
  }

  /** What the cache fill needs: room made before it writes, and its write errors reported as the data disk's. */
  fillHooks(): { makeRoom: () => Promise<boolean>; onWriteError: (error: unknown) => void; onWriteOk: () => void } {
    const cacheDir = path.join(this.parts.config.data_dir, 'cache');
    return {
      makeRoom: async () => (this.cacheFloor ? this.cacheFloor.makeRoom() : true),
      onWriteError: (error) => this.disk.report('media cache', cacheDir, error),
      onWriteOk: () => this.disk.ok('media cache'),
    };
  }

  /** The media cache's part of `/api/health`: its totals, the fill queue and the floor. */
  cacheHealth(cache: MediaCache, fillQueue: FillQueue | undefined): Record<string, unknown> {
    const floor = this.cacheFloor;
    return {
      ...cache.stats(),
      fillQueue: fillQueue?.summary() ?? null,
      ...(floor ? { floor: { minFreeBytes: this.parts.config.cache.min_free_gb * 1e9, paused: floor.paused, evicted: floor.evicted } } : {}),
    };
  }

  start(): void {
    this.overload.start();
    this.disk.start();
    this.cacheFloor?.start();
    const { config, manager, log } = this.parts;
    if (!config.notify.webhook) return;
    // Paging: the monitor's warnings as the control room sees them, to notify.webhook.
    const pager = new WebhookNotifier({ url: config.notify.webhook, token: config.notify.token, station: config.hdhr.friendly_name, log: log.child({ component: 'notify' }) });
    const snapshots = new MonitorSnapshots({ playout: manager, startedAtMs: Date.now(), disk: this.disk, serverWarnings: () => this.serverWarnings() });
    this.pageTimer = setInterval(() => pager.observe(snapshotWarnings(snapshots.take(0))), PAGE_CHECK_MS);
    this.notifier = pager;
  }

  stop(): void {
    clearInterval(this.pageTimer);
    this.notifier?.stop();
    this.cacheFloor?.stop();
    this.disk.stop();
    this.overload.stop();
  }
}
