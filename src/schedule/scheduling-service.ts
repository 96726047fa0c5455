import type { Database } from 'better-sqlite3';
import { ChannelStore, type StoredChannel } from '../channels/channel-store.js';
import type { CatalogItem } from '../library/catalog.js';
import { CompiledTimeline, type TimelineChange } from '../timeline/compiled-timeline.js';
import { TimelineStore } from '../timeline/timeline-store.js';
import type { SlateMedia } from './compiler.js';

export interface SchedulingServiceOptions {
  db: Database;
  channels: ChannelStore;
  /** The playable catalog as it is now (read when a timeline is extended or recompiled). */
  catalog: () => CatalogItem[];
  slate: SlateMedia;
  horizonMs: number;
  historyMs: number;
  /** false in loop/concat mode: channels play the loop engine, schedules are stored but not compiled. */
  compile?: boolean;
  now?: () => number;
}

/** Channels, their schedules and their compiled timelines, for the API, the guide and playout. */
export class SchedulingService {
  private readonly timelines = new Map<number, CompiledTimeline>();

  constructor(private readonly options: SchedulingServiceOptions) {}

  get channels(): ChannelStore {
    return this.options.channels;
  }

  /** The channel's timeline, created (and compiled or loaded) on first use. */
  timeline(channelNumber: number): CompiledTimeline | undefined {
    const existing = this.timelines.get(channelNumber);
    if (existing) return existing;
    if (this.options.compile === false || !this.options.channels.get(channelNumber)) return undefined;
    const timeline = new CompiledTimeline({
      store: new TimelineStore(this.options.db, channelNumber),
      input: () => {
        const channel = this.options.channels.require(channelNumber);
        return { channelNumber, timeZone: channel.timeZone, schedule: channel.schedule, catalog: this.options.catalog(), slate: this.options.slate };
      },
      horizonMs: this.options.horizonMs,
      historyMs: this.options.historyMs,
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    this.timelines.set(channelNumber, timeline);
    return timeline;
  }

  /** Validates and stores a new schedule, then recompiles the channel's future; says what changed. */
  setSchedule(channelNumber: number, schedule: unknown): { channel: StoredChannel; change: TimelineChange } {
    const channel = this.options.channels.setSchedule(channelNumber, schedule);
    return { channel, change: this.reschedule(channelNumber) };
  }

  /** After a channel edit that affects what airs (time zone, schedule). */
  reschedule(channelNumber: number): TimelineChange {
    const timeline = this.timeline(channelNumber);
    return timeline ? timeline.reschedule() : { effectiveFromMs: (this.options.now ?? Date.now)(), removed: [], added: [] };
  }

  /** A deleted channel's timeline is forgotten, so a new channel with the number starts clean. */
  forget(channelNumber: number): void {
    this.timelines.delete(channelNumber);
    new TimelineStore(this.options.db, channelNumber).clear();
  }
}
