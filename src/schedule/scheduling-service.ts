import type { Database } from 'better-sqlite3';
import type { ChannelStore } from '../channels/channel-store.js';
import type { CatalogItem } from '../library/catalog.js';
import { CompiledTimeline } from '../timeline/compiled-timeline.js';
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
    if (!this.options.channels.get(channelNumber)) return undefined;
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

  /** A deleted channel's timeline is forgotten, so a new channel with the number starts clean. */
  forget(channelNumber: number): void {
    this.timelines.delete(channelNumber);
    new TimelineStore(this.options.db, channelNumber).clear();
  }
}
