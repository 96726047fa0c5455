import type { OutputProfile } from '../config/quality.js';
import type { CatalogItem } from '../library/catalog.js';
import type { Logger } from '../logging/logger.js';
import type { AiringKind, ChannelTimeline } from '../timeline/types.js';
import { FillQueue, type FillQueueOptions, type UpcomingAiring } from './fill-queue.js';
import { fillJobsForAirings } from './library-jobs.js';
import { entryProfileKey, type MediaCache } from './media-cache.js';

/**
 * A channel's always-on bug as the fill needs it: the cache variant that has it burned in, and
 * whether it shows during an airing of a kind (the graphics rule, src/graphics/windows.ts
 * `bugShowsDuring`, bound by playout's ChannelFactory: the cache does not decide it).
 */
export interface FillBug {
  key: string;
  filter: string;
  showsDuring(kind: AiringKind): boolean;
}

/**
 * What the background fill reads, each asked afresh every pass. Structural, so the cache stays
 * below the folders that answer (channels: ChannelTimelines; playout: ChannelOutputs,
 * ChannelFactory, ChannelManager).
 */
export interface FillSources {
  timelines: { channelNumbers(): number[]; plays(channelNumber: number): boolean; timelineFor(channelNumber: number): ChannelTimeline | undefined };
  /** Every profile channel n airs at: its own, and every rung of its ladder. */
  outputs: { profilesOf(channelNumber: number): OutputProfile[] };
  /** Channel n's always-on bug at a profile, if it has one. */
  bugs: { staticBugOf(channelNumber: number, profile: OutputProfile): Promise<FillBug | undefined> };
  /** The library's playable files (the jobs' durations and chapters). */
  playable: () => CatalogItem[];
  /** Every channel's own run, as the pacing sees it. */
  runs: () => Iterable<{ state: string; workingAheadSeconds?: number | undefined }>;
}

export interface FillWiringOptions extends FillSources {
  cache: MediaCache;
  /** `cache.fill_ahead_hours`. */
  fillAheadHours: number;
  /** `ffmpeg.loudness_target`: part of every entry's profile key. */
  loudnessTarget: number | null;
  log: Logger;
}

/** Airings listed per channel per pass (far more than a fill horizon holds). */
const MAX_AIRINGS_PER_CHANNEL = 5000;
/** A live run with less stream than this ahead of the wall clock is behind: the fill waits. */
const BEHIND_SECONDS = 0.5;

/**
 * What every channel airs in the next `fillAheadHours`, as fill jobs at each profile it airs at.
 * A channel with an always-on bug airs what shows the bug from a variant with it burned in, and
 * the breaks that hide it from the bare copy: each airing's file is filled as it airs.
 */
export async function upcomingFills(options: Omit<FillWiringOptions, 'cache' | 'log' | 'runs'>, nowMs: number): Promise<UpcomingAiring[]> {
  const { timelines, outputs, bugs } = options;
  const itemsByPath = new Map(options.playable().map((item) => [item.path, item]));
  const perChannel = await Promise.all(
    timelines.channelNumbers().map(async (n) => {
      const timeline = timelines.plays(n) ? timelines.timelineFor(n) : undefined;
      if (!timeline) return [];
      const airings = timeline.airingsBetween(nowMs, nowMs + options.fillAheadHours * 3600_000, MAX_AIRINGS_PER_CHANNEL);
      const perProfile = await Promise.all(
        outputs.profilesOf(n).map(async (profile) => {
          const jobs = fillJobsForAirings(airings, itemsByPath, profile, options.loudnessTarget);
          const bug = await bugs.staticBugOf(n, profile);
          if (!bug) return jobs;
          const variant = { key: bug.key, filter: bug.filter };
          return jobs.map((job) => (bug.showsDuring(job.kind) ? { ...job, variant } : job));
        }),
      );
      return perProfile.flat();
    }),
  );
  return perChannel.flat();
}

/** Minutes ahead in which what airs on any channel is never evicted to make room. */
const AIRS_SOON_MINUTES = 15;

/**
 * The keys of the cache entries airing now or within AIRS_SOON_MINUTES on any channel, at every
 * profile (and bug variant) it airs at: the free-space floor never evicts them.
 */
export async function entriesAiringSoon(options: Omit<FillWiringOptions, 'log' | 'runs'>, nowMs: number): Promise<Set<string>> {
  const jobs = await upcomingFills({ ...options, fillAheadHours: AIRS_SOON_MINUTES / 60 }, nowMs);
  const keys = new Set<string>();
  for (const job of jobs) for (const entry of options.cache.store.forSource(job.path, entryProfileKey(job))) keys.add(entry.key);
  return keys;
}

/**
 * The background fill (src/cache/fill-queue.ts) wired to the station: what every channel airs
 * soon, at each channel's own profiles; it waits while a live channel is behind real time (its
 * packager has nothing ahead of the wall clock).
 */
export function stationFillQueue(options: FillWiringOptions, disk?: Pick<FillQueueOptions, 'makeRoom' | 'onWriteError' | 'onWriteOk'>): FillQueue {
  return new FillQueue({
    ...disk,
    cache: options.cache,
    log: options.log.child({ component: 'cache-fill' }),
    upcoming: () => upcomingFills(options, Date.now()),
    mayRun: () => [...options.runs()].every((run) => run.state !== 'live' || (run.workingAheadSeconds ?? 1) >= BEHIND_SECONDS),
  });
}
