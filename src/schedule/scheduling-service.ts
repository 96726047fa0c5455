import type { Database } from 'better-sqlite3';
import type { CatalogItem } from '../library/catalog.js';
import { CompiledTimeline } from './compiled-timeline.js';
import { TimelineStore } from './timeline-store.js';
import type { ChannelSchedule } from './model.js';

/** What the compiler needs of a stored channel (the channel store answers; this folder does not import it). */
export interface ScheduledChannel {
  timeZone: string;
  schedule: ChannelSchedule;
}

export interface SchedulingServiceOptions {
  db: Database;
  /** The channel's current time zone and schedule, or undefined when there is no such channel. */
  channel: (channelNumber: number) => ScheduledChannel | undefined;
  /** The playable catalog as it is now (read when a timeline is extended or recompiled). */
  catalog: () => CatalogItem[];
  horizonMs: number;
  historyMs: number;
  now?: () => number;
}

/** Each stored channel's compiled timeline, made on first use and kept (src/channels/channel-timelines.ts picks it). */
export class SchedulingService {
  private readonly timelines = new Map<number, CompiledTimeline>();
  private stopped = false;

  constructor(private readonly options: SchedulingServiceOptions) {}

  /** The channel's timeline, created (and compiled or loaded) on first use. */
  timeline(channelNumber: number): CompiledTimeline | undefined {
    const existing = this.timelines.get(channelNumber);
    if (existing) return existing;
    if (!this.options.channel(channelNumber)) return undefined;
    const timeline = new CompiledTimeline({
      store: new TimelineStore(this.options.db, channelNumber),
      input: () => {
        const channel = this.options.channel(channelNumber);
        if (!channel) throw new Error(`no channel ${channelNumber}`);
        return { channelNumber, timeZone: channel.timeZone, schedule: channel.schedule, catalog: this.options.catalog() };
      },
      horizonMs: this.options.horizonMs,
      historyMs: this.options.historyMs,
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    // After shutdown began, a late reader still gets an answer, but nothing compiles behind it.
    if (this.stopped) timeline.stop();
    this.timelines.set(channelNumber, timeline);
    return timeline;
  }

  /**
   * Drops the in-memory timeline only (its rows moved elsewhere, e.g. to a new channel number).
   * Its background compile stops, or it would go on writing under the old number.
   */
  release(channelNumber: number): void {
    this.timelines.get(channelNumber)?.stop();
    this.timelines.delete(channelNumber);
  }

  /** A deleted channel's timeline is forgotten, so a new channel with the number starts clean. */
  forget(channelNumber: number): void {
    this.release(channelNumber);
    new TimelineStore(this.options.db, channelNumber).clear();
  }

  /** Stops every timeline's background compile (server shutdown: the database closes next). */
  stop(): void {
    this.stopped = true;
    for (const timeline of this.timelines.values()) timeline.stop();
  }
}
