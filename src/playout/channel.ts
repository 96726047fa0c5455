import type { ChannelRenditions } from './channel-renditions.js';
import type { ChannelSession } from './channel-session.js';

/**
 * One channel on the air: its own session (the configured profile: `/channel/N.ts`, the
 * HDHomeRun lineup, and without a ladder `/channel/N.m3u8`) and, with an adaptive-bitrate
 * ladder, its renditions (the HTTP routes and the status find the ladder here, never through a
 * session, so no run knows the others). Everything that starts, stops or changes what a channel airs goes
 * through here, so every run of the channel follows at once; made by ChannelFactory, started
 * and stopped by ChannelManager.
 */
export class Channel {
  /** The channel's own run first, then every rung that is not it. */
  readonly runs: readonly ChannelSession[];

  constructor(
    readonly session: ChannelSession,
    readonly renditions?: ChannelRenditions<ChannelSession>,
  ) {
    this.runs = [session, ...(renditions?.followersOf(session) ?? [])];
  }

  get number(): number {
    return this.session.channelNumber;
  }

  async start(): Promise<void> {
    await Promise.all(this.runs.map((run) => run.start()));
  }

  /** Stops every run; what was published stays servable until it expires. */
  async stop(): Promise<void> {
    await Promise.all(this.runs.map((run) => run.stop()));
  }

  /** Server shutdown, or the channel was deleted or restarted: the rungs close, then the channel's own run. */
  async close(): Promise<void> {
    await Promise.all(this.runs.slice(1).map((run) => run.close()));
    await this.session.close();
  }

  /** What airs from now on changed (an alert): every run restarts from this instant. */
  breakIn(): void {
    for (const run of this.runs) run.breakIn();
  }

  /** The channel's graphics changed: every run renders its next airing with them. */
  graphicsChanged(): void {
    for (const run of this.runs) run.graphicsChanged();
  }
}
