import { availableParallelism } from 'node:os';
import type { MediaCache } from '../cache/media-cache.js';
import type { ChannelTimelines } from '../channels/channel-timelines.js';
import { resolveOutputProfile, type OutputProfile } from '../config/quality.js';
import type { QualityName, RetrovueConfig } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';
import type { ChannelSession } from '../playout/channel-session.js';
import type { ChannelManager } from '../playout/channel-manager.js';
import type { ChannelOutputs } from '../playout/channel-outputs.js';
import { readProcessStats } from '../playout/process-stats.js';
import { airsFile, liveSourceOf } from '../timeline/airing-kind.js';
import { COPY_CPU_SECONDS_PER_MINUTE, MeasuredRates, profileKey, runCores } from './cost-model.js';

/**
 * What the station can carry: the machine's cores, what each channel costs (cost-model.ts), what
 * is committed, and the one check every change that adds committed load passes (`admit`).
 *
 * Committed load is what runs whether or not anyone watches, plus what is on the air now: the
 * always-on channels and every channel currently running (a ladder counts all its rungs). A
 * channel nobody watches costs nothing until it is tuned, so creating one is never refused;
 * making one always on, raising an always-on channel's quality, or (issue 25) starting a live
 * event is.
 */

/** A change someone proposes: to a channel (its always-on, quality, enabled), or extra load (a live event). */
export interface ProposedChange {
  /** The channel changed or created (absent: extra load only). */
  channel?: number;
  alwaysOn?: boolean;
  quality?: QualityName;
  enabled?: boolean;
  /** Extra cores, for what is no channel (issue 25: a live event's renderer). */
  extraCores?: number;
  /** What the change is, in the refusal's words ("making channel 3 always on"). */
  label?: string;
}

export interface Estimate {
  /** The machine's cores (capacity.cores, else os.availableParallelism()). */
  cores: number;
  /** What the station may commit (cores × capacity.headroom). */
  usableCores: number;
  /** Committed now (estimate), and after the change. */
  committedCores: number;
  wouldNeedCores: number;
  /** Measured now: the channels' renderers and packagers. */
  inUseCores: number;
  fits: boolean;
  /** The change adds load and the total would be over what is usable: refused unless forced. */
  refused: boolean;
  message: string;
}

/** A refusal the HTTP layer answers with 409 (the numbers in the message). */
export class CapacityRefusal extends Error {
  readonly status = 409;
  constructor(readonly estimate: Estimate) {
    super(estimate.message);
  }
}

export interface CapacityOptions {
  config: RetrovueConfig;
  playout: Pick<ChannelManager, 'all' | 'isAlwaysOn'>;
  outputs: Pick<ChannelOutputs, 'profileOf' | 'ladderOf' | 'lowerProfileOf' | 'qualityOf'>;
  timelines: Pick<ChannelTimelines, 'plays' | 'timelineFor' | 'channelNumbers' | 'store'>;
  mediaCache?: Pick<MediaCache, 'lookup' | 'profileKeyOf'>;
  log: Logger;
  now?: () => number;
}

/** One run's measured use over the last sampling interval. */
interface RunUse {
  cores: number;
  liveShare: number;
}

const round = (n: number) => Math.round(n * 100) / 100;
/** How far ahead the estimate looks at a channel's airings to judge its live share. */
const LOOKAHEAD_MS = 3600_000;
/** A stretch this long of a run's cache summary is what its live share is read from. */
const SUMMARY_MIN_SECONDS = 60;

export class Capacity {
  readonly cores: number;
  readonly usableCores: number;
  readonly rates = new MeasuredRates();
  private readonly now: () => number;
  private readonly lastCpu = new Map<number, { cpuSeconds: number }>();
  private lastSampleMs: number | undefined;
  private readonly runUse = new Map<ChannelSession, RunUse>();
  private readonly shareCache = new Map<string, { share: number; atMs: number }>();

  constructor(private readonly options: CapacityOptions) {
    const { capacity } = options.config;
    this.cores = capacity.cores ?? availableParallelism();
    this.usableCores = this.cores * capacity.headroom;
    this.now = options.now ?? Date.now;
  }

  /**
   * Measures every run's CPU since the last call (its renderers and an ffmpeg packager: the
   * delta of each process's CPU time) and feeds the per-profile rates. Called by the overload
   * loop every couple of seconds.
   */
  sample(): void {
    const nowMs = this.now();
    const elapsed = this.lastSampleMs === undefined ? 0 : (nowMs - this.lastSampleMs) / 1000;
    this.lastSampleMs = nowMs;
    const seen = new Set<number>();
    this.runUse.clear();
    for (const channel of this.options.playout.all()) {
      for (const run of channel.runs) {
        if (run.state !== 'live' && run.state !== 'starting') continue;
        let cpu = 0;
        for (const pid of new Set([run.encoderPid, run.nowRendering?.pid, run.renderingAhead?.pid])) {
          const stats = readProcessStats(pid);
          if (!stats) continue;
          seen.add(stats.pid);
          const before = this.lastCpu.get(stats.pid);
          this.lastCpu.set(stats.pid, { cpuSeconds: stats.cpuSeconds });
          if (before && stats.cpuSeconds >= before.cpuSeconds) cpu += stats.cpuSeconds - before.cpuSeconds;
        }
        const cores = elapsed > 0 ? cpu / elapsed + COPY_CPU_SECONDS_PER_MINUTE / 60 : COPY_CPU_SECONDS_PER_MINUTE / 60;
        const liveShare = this.measuredLiveShare(run) ?? 1;
        this.runUse.set(run, { cores, liveShare });
        // A run that renders (a renderer in hand) and is live tells what its profile costs.
        if (elapsed > 0 && run.state === 'live' && run.nowRendering?.pid !== undefined && !run.degraded) this.rates.observe(run.profile, cores, liveShare);
      }
    }
    for (const pid of this.lastCpu.keys()) if (!seen.has(pid)) this.lastCpu.delete(pid);
  }

  /** Cores the running channels use now (measured at the last sample). */
  inUseCores(): number {
    let sum = 0;
    for (const use of this.runUse.values()) sum += use.cores;
    return sum;
  }

  /** Channel n's measured use now (null: not running). */
  channelInUse(channelNumber: number): number | null {
    const channel = this.options.playout.all().find((c) => c.number === channelNumber);
    if (!channel) return null;
    const uses = channel.runs.map((run) => this.runUse.get(run)).filter((u): u is RunUse => u !== undefined);
    return uses.length ? uses.reduce((a, u) => a + u.cores, 0) : null;
  }

  private measuredLiveShare(run: ChannelSession): number | undefined {
    const summary = run.cacheSummary;
    if (!summary) return undefined; // no cache: everything is rendered
    const total = summary.cachedSeconds + summary.liveSeconds;
    return total >= SUMMARY_MIN_SECONDS ? summary.liveSeconds / total : undefined;
  }

  /** Channel n's profiles: its own, or every rung of its ladder. */
  private profilesOf(channelNumber: number, quality?: QualityName): OutputProfile[] {
    const ladder = this.options.outputs.ladderOf(channelNumber);
    if (ladder.length > 0) return ladder.map((rung) => rung.profile);
    if (quality) return [{ ...this.options.outputs.profileOf(channelNumber), ...pictureOf(resolveOutputProfile(this.options.config, quality)) }];
    return [this.options.outputs.profileOf(channelNumber)];
  }

  /**
   * The share of channel n's next hour that is rendered live at `profile`: a running run's own
   * figure (its cache summary) when it has one, else the coming airings looked up in the cache
   * (a file not cached at the profile is rendered). No cache: all of it.
   */
  private async liveShareOf(channelNumber: number, profile: OutputProfile): Promise<number> {
    const { mediaCache } = this.options;
    if (!mediaCache) return 1;
    const run = this.options.playout.all().find((c) => c.number === channelNumber)?.runs.find((r) => profileKey(r.profile) === profileKey(profile));
    const measured = run ? this.measuredLiveShare(run) : undefined;
    if (measured !== undefined) return measured;
    const key = `${channelNumber} ${profileKey(profile)}`;
    const cached = this.shareCache.get(key);
    const nowMs = this.now();
    if (cached && nowMs - cached.atMs < 60_000) return cached.share;
    const timeline = this.options.timelines.timelineFor(channelNumber);
    const airings = timeline?.airingsBetween(nowMs, nowMs + LOOKAHEAD_MS, 200) ?? [];
    const profileKeyInCache = mediaCache.profileKeyOf(profile, this.options.config.ffmpeg.loudness_target);
    let live = 0;
    let total = 0;
    for (const airing of airings) {
      const ms = Math.min(airing.endMs, nowMs + LOOKAHEAD_MS) - Math.max(airing.startMs, nowMs);
      if (ms <= 0) continue;
      total += ms;
      // A live event is one real-time decode and encode for as long as it lasts: never cached.
      if (liveSourceOf(airing) !== undefined) {
        live += ms;
        continue;
      }
      if (!airsFile(airing)) continue; // a slate: drawn, at a fraction of a programme's cost
      const entry = await mediaCache.lookup(airing.mediaPath, profileKeyInCache).catch(() => undefined);
      if (!entry) live += ms;
    }
    const share = total > 0 ? live / total : 1;
    this.shareCache.set(key, { share, atMs: nowMs });
    return share;
  }

  /** What channel n costs in cores (at `quality` when given: a proposed change). */
  async channelCost(channelNumber: number, quality?: QualityName) {
    const runs = await Promise.all(
      this.profilesOf(channelNumber, quality).map(async (profile) => {
        const rate = this.rates.rateOf(profile);
        const liveShare = await this.liveShareOf(channelNumber, profile);
        return { profile: `${profile.width}x${profile.height}`, cpuSecondsPerMinute: round(rate.cpuSecondsPerMinute), measured: rate.measured, liveShare: round(liveShare), cores: runCores(rate.cpuSecondsPerMinute, liveShare) };
      }),
    );
    return { cores: runs.reduce((a, r) => a + r.cores, 0), runs };
  }

  /** Channel n runs whether or not anyone watches, or is on the air now. */
  private committed(channelNumber: number): boolean {
    const running = this.options.playout.all().find((c) => c.number === channelNumber);
    const onAir = running?.session.state === 'live' || running?.session.state === 'starting';
    return onAir || (this.options.timelines.plays(channelNumber) && this.options.playout.isAlwaysOn(channelNumber));
  }

  /** Every channel's estimate and whether it counts as committed. */
  async channels() {
    return Promise.all(
      this.options.timelines.channelNumbers().map(async (n) => {
        const cost = await this.channelCost(n);
        const running = this.options.playout.all().find((c) => c.number === n);
        return {
          number: n,
          committed: this.committed(n),
          alwaysOn: this.options.playout.isAlwaysOn(n),
          estimateCores: round(cost.cores),
          inUseCores: ((u) => (u === null ? null : round(u)))(this.channelInUse(n)),
          airsAt: running ? `${running.session.profile.width}x${running.session.profile.height}` : null,
          degraded: running?.session.degraded ?? null,
          runs: cost.runs.map((r) => ({ ...r, cores: round(r.cores) })),
        };
      }),
    );
  }

  /**
   * The estimate of a proposed change against the cores: the committed total without the channel
   * as it is, plus it as it would be. Refused when the change adds load and the total would be
   * over the usable cores.
   */
  async estimate(change: ProposedChange): Promise<Estimate> {
    const channels = await this.channels();
    const committedCores = channels.filter((c) => c.committed).reduce((a, c) => a + c.estimateCores, 0);
    let wouldNeed = committedCores + (change.extraCores ?? 0);
    // A new channel proposed without a number yet is costed as "channel 0": no such channel, so
    // the server-wide quality and ladder, nothing cached, nothing committed before.
    const n = change.channel ?? (change.alwaysOn ? 0 : undefined);
    if (n !== undefined) {
      const before = channels.find((c) => c.number === n);
      if (before?.committed) wouldNeed -= before.estimateCores;
      const running = this.options.playout.all().find((c) => c.number === n)?.session.state;
      const stored = this.options.timelines.store.get(n);
      const alwaysOn = change.alwaysOn ?? stored?.alwaysOn ?? false;
      const enabled = change.enabled ?? stored?.enabled ?? true;
      const onAir = running === 'live' || running === 'starting';
      if (enabled && (alwaysOn || onAir)) wouldNeed += (await this.channelCost(n, change.quality)).cores;
    }
    const inUseCores = this.inUseCores();
    const fits = wouldNeed <= this.usableCores;
    const adds = wouldNeed > committedCores + 0.005;
    const refused = !fits && adds;
    const numbers = `this would need ${round(wouldNeed)} cores of ${round(this.usableCores)} usable (${round(this.cores)} cores × capacity.headroom ${this.options.config.capacity.headroom}); ${round(committedCores)} committed now, ${round(inUseCores)} in use`;
    const message = refused ? `${change.label ? `${change.label}: ` : ''}${numbers}. Turn another channel's always_on off, lower its quality, or send force=true to do it anyway` : numbers;
    return { cores: round(this.cores), usableCores: round(this.usableCores), committedCores: round(committedCores), wouldNeedCores: round(wouldNeed), inUseCores: round(inUseCores), fits, refused, message };
  }

  /**
   * The one check before anything adds committed load (a channel made always on, a quality
   * raised, issue 25's live event with `extraCores`): throws CapacityRefusal (409) with the
   * numbers unless it fits or `force`. A forced change is logged with its numbers.
   */
  async admit(change: ProposedChange, force = false): Promise<Estimate> {
    const estimate = await this.estimate(change);
    if (estimate.refused && !force) throw new CapacityRefusal(estimate);
    if (estimate.refused) this.options.log.warn({ change, estimate }, 'capacity: forced past the usable cores');
    return estimate;
  }

  /** GET /api/capacity. */
  async snapshot() {
    const channels = await this.channels();
    return {
      cores: round(this.cores),
      headroom: this.options.config.capacity.headroom,
      usableCores: round(this.usableCores),
      committedCores: round(channels.filter((c) => c.committed).reduce((a, c) => a + c.estimateCores, 0)),
      inUseCores: round(this.inUseCores()),
      channels,
      measured: this.rates.all(),
    };
  }
}

function pictureOf(profile: OutputProfile): Pick<OutputProfile, 'width' | 'height' | 'videoBitrate' | 'audioBitrate'> {
  return { width: profile.width, height: profile.height, videoBitrate: profile.videoBitrate, audioBitrate: profile.audioBitrate };
}
