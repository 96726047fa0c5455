import type { ChannelRenditions } from './channel-renditions.js';
import type { ChannelSession } from './channel-session.js';
import type { LanguageRenditions } from './language-renditions.js';

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
    /** The master playlist's variants: the ladder's rungs, or the channel's own run alone when it has languages to declare. */
    readonly renditions?: ChannelRenditions<ChannelSession>,
    /** Audio-language and subtitle renditions (issue 22), derived from the channel's own run. */
    readonly languages?: LanguageRenditions,
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

  /** `/channel/N.m3u8`: the master playlist (variants and language renditions), or undefined when it is the own run's media playlist. */
  masterPlaylist(): { text: string; etag: string } | undefined {
    if (!this.renditions) return undefined;
    const languages = this.languages?.offered ? this.languages : undefined;
    return this.renditions.masterPlaylist(languages ? { audioSlots: languages.audioSlots, renditions: languages.masterRenditions() } : undefined);
  }

  /** What airs from now on changed (an alert): every run restarts from this instant. */
  breakIn(): void {
    for (const run of this.runs) run.breakIn();
  }

  /** The timeline changed from the next airing on (the first run's join): every run reads its next airing again. */
  timelineChanged(): void {
    for (const run of this.runs) run.timelineChanged();
  }

  /** The channel's graphics changed: every run renders its next airing with them. */
  graphicsChanged(): void {
    for (const run of this.runs) run.graphicsChanged();
  }
}
