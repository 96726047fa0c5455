import type { Logger } from '../logging/logger.js';
import type { Channel } from './channel.js';

/** How long a starting channel is spared by the idle watch (the HTTP cold-start wait is 20 s). */
const COLD_START_GRACE_MS = 30_000;

export interface ChannelManagerOptions {
  /** Seconds without viewers before a channel stops; 0 = channels are always on. */
  idleTimeoutSeconds: number;
  /**
   * An HLS player reloads the playlist about once per target duration and is still watching in
   * between: a channel is never idle sooner than this after the last request (default 0).
   */
  playlistReloadGraceSeconds?: number;
  /** Whether a channel runs whether or not anyone watches (its stored `always_on`), asked afresh each time. */
  isChannelAlwaysOn?: (channelNumber: number) => boolean;
  /**
   * Makes a channel that has no runs yet (at start, created over the API, or restarted after an
   * edit), or says there is no such channel (src/playout/channel-factory.ts). Which timeline it
   * plays and at what profile are the factory's business: the manager only starts and stops channels.
   */
  factory?: { channelFor(channelNumber: number): Channel | undefined };
  log: Logger;
  now?: () => number;
}

/**
 * Starts channels when the first viewer asks and stops them when nobody has watched for
 * `idleTimeoutSeconds`. A viewer is anyone holding the .ts stream open, or anyone who
 * fetched the channel's playlist or a segment recently (HLS players poll).
 */
export class ChannelManager {
  private readonly channels = new Map<number, Channel>();
  private readonly lastActivityMs = new Map<number, number>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ChannelManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  add(channel: Channel): void {
    this.channels.set(channel.number, channel);
  }

  /** Channel n, made now if it has no runs yet; undefined when there is no such channel. */
  channel(channelNumber: number): Channel | undefined {
    const existing = this.channels.get(channelNumber);
    if (existing || !Number.isInteger(channelNumber)) return existing;
    const created = this.options.factory?.channelFor(channelNumber);
    if (created) this.add(created);
    return created;
  }

  /** A channel was deleted: its encoders stop and its number is free again. */
  async remove(channelNumber: number): Promise<void> {
    const channel = this.channels.get(channelNumber);
    if (!channel) return;
    this.channels.delete(channelNumber);
    this.lastActivityMs.delete(channelNumber);
    await channel.close();
  }

  /** Every channel, by channel number. */
  all(): Channel[] {
    return [...this.channels.values()].sort((a, b) => a.number - b.number);
  }

  get alwaysOn(): boolean {
    return this.options.idleTimeoutSeconds === 0;
  }

  isAlwaysOn(channelNumber: number): boolean {
    return this.alwaysOn || (this.options.isChannelAlwaysOn?.(channelNumber) ?? false);
  }

  /** A channel was switched to always-on (started now) or back (the idle watch may stop it from now on). */
  async alwaysOnChanged(channelNumber: number, alwaysOn: boolean): Promise<void> {
    this.lastActivityMs.set(channelNumber, this.now());
    if (alwaysOn) await this.channel(channelNumber)?.start();
  }

  /** Starts every channel that runs without viewers. */
  async startAlwaysOn(): Promise<void> {
    await Promise.all(this.all().filter((c) => this.isAlwaysOn(c.number)).map((c) => c.start()));
  }

  /** Someone is watching: start the channel if needed and reset its idle clock. */
  async touch(channelNumber: number): Promise<Channel | undefined> {
    const channel = this.channel(channelNumber);
    if (!channel) return undefined;
    this.lastActivityMs.set(channelNumber, this.now());
    await channel.start();
    return channel;
  }

  /** Someone was served just now (idle time counts from the end of a cold start, not its beginning). */
  noteActivity(channelNumber: number): void {
    if (this.channels.has(channelNumber)) this.lastActivityMs.set(channelNumber, this.now());
  }

  lastActivity(channelNumber: number): number | undefined {
    return this.lastActivityMs.get(channelNumber);
  }

  /** Begins the idle watch (nothing to watch when channels are always on). */
  watchIdle(): void {
    if (this.alwaysOn) return;
    this.idleTimer = setInterval(() => void this.stopIdleChannels(), 1000);
  }

  private async stopIdleChannels(): Promise<void> {
    const limitMs = Math.max(this.options.idleTimeoutSeconds, this.options.playlistReloadGraceSeconds ?? 0) * 1000;
    for (const channel of this.channels.values()) {
      // The channel's own run speaks for all of them: they start and stop together.
      const session = channel.session;
      if (session.state !== 'live' && session.state !== 'starting') continue;
      if (this.isAlwaysOn(session.channelNumber)) continue;
      // A cold start can take longer than a short idle_timeout: the viewer who asked is still
      // waiting for the first segment, so the idle clock starts once the channel is live.
      if (session.state === 'starting' && this.now() - (session.startedAtMs ?? 0) < COLD_START_GRACE_MS) continue;
      if (session.fanout.viewerCount > 0) {
        this.lastActivityMs.set(session.channelNumber, this.now());
        continue;
      }
      const last = this.lastActivityMs.get(session.channelNumber) ?? 0;
      if (this.now() - last >= limitMs) {
        this.options.log.info({ channel: session.channelNumber }, 'no viewers: stopping channel');
        await channel.stop();
      }
    }
  }

  async closeAll(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    await Promise.all(this.all().map((channel) => channel.close()));
  }
}
