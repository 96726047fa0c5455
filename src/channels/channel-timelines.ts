import { bounded } from '../config/message-text.js';
import type { RetrovueConfig } from '../config/schema.js';
import { LoopTimeline, type LoopItem } from '../timeline/loop-timeline.js';
import type { Airing, AiringProgram, ChannelTimeline } from '../timeline/types.js';
import type { CompiledTimeline, TimelineChange } from '../schedule/compiled-timeline.js';
import type { SchedulingService } from '../schedule/scheduling-service.js';
import { ChannelRequestError, type ChannelStore, type StoredChannel } from './channel-store.js';

export interface ChannelTimelinesOptions {
  /** `loop` and `concat` play the library back to back; `schedule` plays compiled schedules. */
  mode: RetrovueConfig['streaming']['mode'];
  store: ChannelStore;
  scheduling: SchedulingService;
  /** Loop mode: the library in air order, channels 1..channelCount, stop after `loops` passes. */
  loop: { items: LoopItem[]; channelCount: number; loops?: number };
  /**
   * Stops a channel's running encoder, if any, so its next viewer gets a fresh one (a channel
   * switched off or to another quality). Playout is injected so this module does not import it.
   */
  stopChannel: (channelNumber: number) => Promise<void>;
  /** A channel was switched to always-on (start it now) or back (the idle watch may stop it). */
  alwaysOnChanged?: (channelNumber: number, alwaysOn: boolean) => void;
  now?: () => number;
}

/**
 * The one answer to "what is channel n's timeline": the loop timeline or the compiled schedule,
 * depending on the mode. Playout, the guide and the API all ask here, so they cannot disagree,
 * and reading a timeline never starts an encoder. Edits that change what airs also go through
 * here: they reschedule the compiled future or restart the channel's encoder.
 */
export class ChannelTimelines {
  private readonly loops = new Map<number, LoopTimeline>();
  /** Loop mode: the library in air order (replaced by a rescan that changed it). */
  private loopItems: LoopItem[];
  private readonly now: () => number;
  /** `--loops N` counts its N passes from this server start. */
  private readonly startedAtMs: number;

  constructor(private readonly options: ChannelTimelinesOptions) {
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.loopItems = options.loop.items;
  }

  get store(): ChannelStore {
    return this.options.store;
  }

  private get scheduled(): boolean {
    return this.options.mode === 'schedule';
  }

  /** Channels that play at start: every stored channel (schedule) or 1..streaming.channels (loop). */
  channelNumbers(): number[] {
    if (this.scheduled) return this.options.store.list().map((c) => c.number);
    return Array.from({ length: this.options.loop.channelCount }, (_, i) => i + 1);
  }

  /** Whether channel n may run an encoder now (schedule mode: only an enabled stored channel). */
  plays(channelNumber: number): boolean {
    if (!this.scheduled) return this.timelineFor(channelNumber) !== undefined;
    return this.options.store.get(channelNumber)?.enabled === true;
  }

  /** The channel's own quality profile name (schedule mode only; loop channels use streaming.quality). */
  qualityOf(channelNumber: number): StoredChannel['quality'] {
    return this.scheduled ? this.options.store.get(channelNumber)?.quality : undefined;
  }

  /**
   * The channel's own languages, in every mode: what airs is the same file whatever the mode, and
   * a language set in the control room must not be silently ignored on a loop channel.
   */
  languagesOf(channelNumber: number): StoredChannel['languages'] {
    return this.options.store.get(channelNumber)?.languages;
  }

  /** The channel's clock origin (its stored epoch), created on first use. */
  epochOf(channelNumber: number): number {
    return this.options.store.epoch(channelNumber, this.now());
  }

  /** Channel n's timeline, or undefined when there is no such channel in this mode. */
  timelineFor(channelNumber: number): ChannelTimeline | undefined {
    return this.scheduled ? this.compiled(channelNumber) : this.loopTimeline(channelNumber);
  }

  private compiled(channelNumber: number): CompiledTimeline | undefined {
    return this.options.scheduling.timeline(channelNumber);
  }

  private loopTimeline(channelNumber: number): LoopTimeline | undefined {
    if (!Number.isInteger(channelNumber) || channelNumber < 1 || channelNumber > this.options.loop.channelCount) return undefined;
    let timeline = this.loops.get(channelNumber);
    if (!timeline) {
      const { loops } = this.options.loop;
      if (loops !== undefined) this.options.store.resetEpoch(channelNumber, this.startedAtMs);
      timeline = new LoopTimeline({ items: this.loopItems, epochMs: this.epochOf(channelNumber), loops });
      this.loops.set(channelNumber, timeline);
    }
    return timeline;
  }

  /** The guide's airings: as published (a compiled schedule), or the loop itself. */
  guideAirings(channelNumber: number, fromMs: number, toMs: number): Airing[] {
    if (this.scheduled) return this.compiled(channelNumber)?.publishedBetween(fromMs, toMs) ?? [];
    return this.loopTimeline(channelNumber)?.airingsBetween(fromMs, toMs) ?? [];
  }

  /** The guide programme on air at t (a compiled schedule folds shows and their breaks; loops have none). */
  programmeAt(channelNumber: number, tMs: number): { program: AiringProgram; startMs: number; endMs: number } | undefined {
    return this.scheduled ? this.compiled(channelNumber)?.programmeAt(tMs) : undefined;
  }

  /**
   * Resolves once channel n's timeline is compiled through `untilMs` (as far as its horizon
   * reaches), compiling nothing on the caller's turn: what a viewer's query awaits before it
   * reads. Loops need nothing.
   */
  async whenCompiled(channelNumber: number, untilMs: number): Promise<void> {
    if (this.scheduled) await this.compiled(channelNumber)?.whenCompiled(untilMs);
  }

  /** The instants a viewer may ask a compiled timeline about (its kept history to its horizon); undefined for loops. */
  queryWindow(channelNumber: number, nowMs: number): { fromMs: number; toMs: number } | undefined {
    return this.scheduled ? this.compiled(channelNumber)?.queryWindow(nowMs) : undefined;
  }

  /** Stops the compiled timelines' background compiles (server shutdown). */
  stopCompiling(): void {
    this.options.scheduling.stop();
  }

  /** Validates and stores a new schedule, then recompiles the channel's future; says what changed. */
  async setSchedule(channelNumber: number, schedule: unknown): Promise<{ channel: StoredChannel; change: TimelineChange }> {
    const channel = this.options.store.setSchedule(channelNumber, schedule);
    return { channel, change: await this.reschedule(channelNumber) };
  }

  /**
   * A channel was edited: its future is recompiled when what airs changed (time zone,
   * schedule), and its encoder restarts when how it airs changed (switched off, quality).
   */
  async updateChannel(channelNumber: number, patch: unknown): Promise<{ channel: StoredChannel; change: TimelineChange | null }> {
    // `number` in a patch renumbers the channel; the rest applies under its new number.
    if (patch && typeof patch === 'object' && !Array.isArray(patch) && 'number' in patch) {
      const { number, ...rest } = patch as Record<string, unknown>;
      this.options.store.patched(channelNumber, rest); // the rest is validated before anything moves
      if (typeof number !== 'number') throw new ChannelRequestError(400, 'invalid_channel', `number: must be a whole number from 1 to 9999 (got ${describeValue(number)})`, 'number');
      // The same number (a client sending the whole channel back) is no renumber: nothing restarts.
      if (number !== channelNumber) await this.renumberChannel(channelNumber, number);
      return this.updateChannel(number, rest);
    }
    const before = this.options.store.require(channelNumber);
    const channel = this.options.store.update(channelNumber, patch);
    const affectsAiring = channel.timeZone !== before.timeZone || JSON.stringify(channel.schedule) !== JSON.stringify(before.schedule);
    // A channel switched off, or to another quality or languages, gets a fresh encoder from its next viewer on.
    // New languages change the streams every airing carries (audio slots, captions).
    const languagesChanged = JSON.stringify(channel.languages ?? {}) !== JSON.stringify(before.languages ?? {});
    if (channel.enabled !== before.enabled || channel.quality !== before.quality || languagesChanged) await this.options.stopChannel(channelNumber);
    if (channel.alwaysOn !== before.alwaysOn) this.options.alwaysOnChanged?.(channelNumber, channel.alwaysOn && channel.enabled);
    return { channel, change: affectsAiring ? await this.reschedule(channelNumber) : null };
  }

  /** A new channel; an always-on one starts at once. */
  createChannel(input: unknown): StoredChannel {
    const channel = this.options.store.create(input);
    if (channel.alwaysOn && this.plays(channel.number)) this.options.alwaysOnChanged?.(channel.number, true);
    return channel;
  }

  /**
   * Channel `from` becomes channel `to`: it keeps its clock and compiled timeline (it airs
   * exactly what it would have), its encoder under the old number stops, and the new number
   * starts from its first viewer. Alerts already sent keep the channel numbers they named.
   */
  async renumberChannel(from: number, to: number): Promise<StoredChannel> {
    const channel = this.options.store.renumber(from, to);
    this.options.scheduling.release(from);
    this.options.scheduling.release(to);
    await this.options.stopChannel(from);
    await this.options.stopChannel(to);
    if (channel.alwaysOn && this.plays(to)) this.options.alwaysOnChanged?.(to, true);
    return channel;
  }

  /** A channel was deleted: its timeline is forgotten and its encoder stops; the number is free again. */
  async deleteChannel(channelNumber: number): Promise<StoredChannel> {
    const channel = this.options.store.remove(channelNumber);
    this.options.scheduling.forget(channel.number);
    await this.options.stopChannel(channel.number);
    return channel;
  }

  /**
   * The library was rescanned. Schedules read the catalog whenever they compile, so they need
   * nothing. Loops (loop and concat modes) play a list fixed when they were made: when the
   * playable files changed (or what they air as: show, season, episode), the loops play the new
   * list as a restart would (each channel's place recomputed from its stored epoch; running
   * encoders restart). Returns the channels restarted.
   */
  async libraryChanged(items: LoopItem[]): Promise<number[]> {
    if (this.scheduled) return [];
    const key = (list: LoopItem[]) => JSON.stringify(list.map((item) => [item.mediaPath, item.durationMs, item.title, item.kind, item.program]));
    if (key(items) === key(this.loopItems)) return [];
    this.loopItems = items;
    const made = [...this.loops.keys()];
    this.loops.clear();
    await Promise.all(made.map((n) => this.options.stopChannel(n)));
    return made;
  }

  /**
   * A library file's chapter marks changed: every channel whose compiled future airs it is
   * recompiled from its next unit boundary (as a schedule edit is), so the breaks move there;
   * what is already published up to that boundary stays. Returns each channel and that boundary.
   */
  mediaEdited(mediaId: number): Array<{ channel: number; effectiveFromMs: number }> {
    if (!this.scheduled) return [];
    const nowMs = this.now();
    const changed: Array<{ channel: number; effectiveFromMs: number }> = [];
    for (const { number } of this.options.store.list()) {
      const timeline = this.compiled(number);
      if (!timeline?.airsMediaFrom(mediaId, nowMs)) continue;
      changed.push({ channel: number, effectiveFromMs: timeline.reschedule().effectiveFromMs });
    }
    return changed;
  }

  private async reschedule(channelNumber: number): Promise<TimelineChange> {
    const timeline = this.scheduled ? this.compiled(channelNumber) : undefined;
    return timeline ? timeline.reschedule().change : { effectiveFromMs: this.now(), removed: [], added: [] };
  }
}

/** A value a client sent, for an error message: short, whatever it is (never the whole of a hostile one). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(typeof value === 'string' ? bounded(value, 40) : value) ?? String(value);
}
