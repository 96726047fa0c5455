import { existsSync } from 'node:fs';
import path from 'node:path';
import { alertAiring, AlertOverlayTimeline, type AlertSource } from '../alerts/alert-timeline.js';
import { ChannelCache, type LadderSibling } from '../cache/channel-cache.js';
import type { MediaCache } from '../cache/media-cache.js';
import type { ChannelStore } from '../channels/channel-store.js';
import type { ChannelTimelines } from '../channels/channel-timelines.js';
import { sameProfile, type LadderRung, type OutputProfile } from '../config/quality.js';
import type { AlertStyles, RetrovueConfig } from '../config/schema.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import type { GraphicsStore } from '../graphics/graphics-store.js';
import type { GraphicsChannel, GraphicsPlanner, StaticBug } from '../graphics/planner.js';
import { bugShowsDuring } from '../graphics/windows.js';
import type { Logger } from '../logging/logger.js';
import type { SubtitleCueSource } from '../subtitles/cue.js';
import { alertCue, SubtitleTimeline } from '../subtitles/subtitle-timeline.js';
import type { AiringKind, ChannelTimeline } from '../timeline/types.js';
import { Channel } from './channel.js';
import type { ChannelOutputs } from './channel-outputs.js';
import type { CaptionLanguage } from './caption-feed.js';
import { ChannelRenditions, MAIN_VARIANT, type Rendition } from './channel-renditions.js';
import { ChannelSession, type ChannelSessionOptions } from './channel-session.js';
import { declaresLanguages, LanguageRenditions } from './language-renditions.js';
import type { Degraded } from './render-plan.js';
import type { LiveFeeds } from './live-feed.js';
import { LiveTakeTimeline, type LiveTakes } from '../live/go-live.js';
import { RunLockstep } from './run-lockstep.js';

/** How every channel's runs are made: the same for all channels, read from the config once. */
interface PlayoutSettings {
  /** Each channel's generated files go under `<dataDir>/channels/<n>`. */
  dataDir: string;
  segmentDurationSeconds: number;
  playlistSize: number;
  loudnessTarget: number | null;
  workAheadSeconds: number;
  tsBurstSeconds: number;
  packager: 'node' | 'ffmpeg';
  alertStyles: AlertStyles;
}

export function playoutSettings(config: RetrovueConfig): PlayoutSettings {
  return {
    dataDir: config.data_dir,
    segmentDurationSeconds: config.streaming.segment_duration,
    playlistSize: config.streaming.playlist_size,
    loudnessTarget: config.ffmpeg.loudness_target,
    workAheadSeconds: config.streaming.work_ahead ?? config.streaming.segment_duration + 4,
    tsBurstSeconds: config.streaming.ts_burst,
    packager: config.streaming.packager,
    alertStyles: config.alerts.styles,
  };
}

/** A channel's always-on bug as the background fill needs it: its cache variant, and whether it stays on during an airing of a kind. */
type ChannelBug = StaticBug & { showsDuring(kind: AiringKind): boolean };

export interface ChannelFactoryOptions {
  /** Which timeline each channel plays, whether it plays now, and its clock's origin. */
  timelines: Pick<ChannelTimelines, 'plays' | 'timelineFor' | 'epochOf'>;
  /** What each channel airs at (its profile and ladder). */
  outputs: ChannelOutputs;
  /** The stored channels: name, call sign, time zone and logo (graphics and alert cards). */
  directory: Pick<ChannelStore, 'get'>;
  /** Each channel's graphics settings and branding, read afresh for every airing. */
  graphics: Pick<GraphicsStore, 'effective'>;
  planner: Pick<GraphicsPlanner, 'graphicsFor' | 'staticBugFor'>;
  /** Emergency alerts, laid over what a channel airs. */
  alerts: AlertSource;
  /** Absent: the cache is off and every airing is rendered live. */
  mediaCache?: MediaCache;
  /** The library's subtitle cues (src/library/subtitles); absent: no subtitle renditions or captions. */
  subtitleCues?: SubtitleCueSource;
  toolchain: Toolchain;
  settings: PlayoutSettings;
  log: Logger;
  /**
   * Each channel's overload step (src/capacity/overload-actuator.ts); absent: never degraded.
   * Read for every slice (cards dropped, slate) and when a channel is made (`lower-quality`
   * makes it one preset lower: the actuator remakes the channel when that step comes or goes).
   */
  degradation?: { stepOf(channelNumber: number): Degraded | null };
  /** The station's live sources (src/live), for live blocks; absent: a live block airs its fallback. */
  live?: LiveFeeds;
  /** "Go live now" takes (src/live/go-live.ts), laid over a channel's timeline under its alerts; absent: none. */
  takes?: LiveTakes;
}

/** What a session needs besides its profile: the channel's own, or one rung of its ladder. */
interface SessionPlace {
  workDir: string;
  log: Logger;
  lockstep?: RunLockstep;
  segmentUriPrefix?: string;
  cache?: ChannelCache;
  captions?: readonly CaptionLanguage[];
  burnIn?: ChannelSessionOptions['burnIn'];
}

/**
 * Makes channels: for channel n, the session that plays its timeline at its profile (and, with a
 * ladder, one per rung), every setting decided here once. Made for the channels that play at
 * start, and later for a channel created or restarted over the API, from its first viewer on
 * (ChannelManager).
 */
export class ChannelFactory {
  constructor(private readonly options: ChannelFactoryOptions) {}

  /** Channel n with its runs, or undefined when channel n does not play (no such channel, or switched off). */
  channelFor(channelNumber: number): Channel | undefined {
    const { timelines, outputs, settings } = this.options;
    const timeline = timelines.plays(channelNumber) ? timelines.timelineFor(channelNumber) : undefined;
    if (!timeline) return undefined;
    const lower = this.options.degradation?.stepOf(channelNumber) === 'lower-quality' ? outputs.lowerProfileOf(channelNumber) : undefined;
    const profile = lower ?? outputs.profileOf(channelNumber);
    const channelDir = path.join(settings.dataDir, 'channels', String(channelNumber));
    const log = this.options.log.child({ channel: channelNumber });
    const ladder = outputs.ladderOf(channelNumber);
    const subtitles = this.subtitleTimeline(channelNumber, timeline, log);
    const captions = this.captionsOf(channelNumber, subtitles);
    const burnIn = this.burnInOf(channelNumber);
    const withLanguages = (channel: Channel) =>
      new Channel(channel.session, channel.renditions, new LanguageRenditions({ channelNumber, languages: outputs.languagesOf(channelNumber), run: channel.session, ...(subtitles ? { subtitles } : {}) }));
    if (ladder.length > 0) return withLanguages(this.ladderChannel(channelNumber, timeline, profile, ladder, channelDir, log, captions, burnIn));
    if (!declaresLanguages(outputs.languagesOf(channelNumber), subtitles !== undefined)) return new Channel(this.session(channelNumber, timeline, profile, { workDir: channelDir, log, captions, burnIn }));
    // Languages to declare and no ladder: `/channel/N.m3u8` is a master playlist whose one
    // variant is the channel's own run, served as `N/main.m3u8` with its segments under `N/main/`.
    const session = this.session(channelNumber, timeline, profile, { workDir: channelDir, log, segmentUriPrefix: MAIN_VARIANT, captions, burnIn });
    return withLanguages(new Channel(session, new ChannelRenditions(session, [{ rung: { name: MAIN_VARIANT, profile }, session }], settings.segmentDurationSeconds)));
  }

  /**
   * The channel's closed captions (CEA-608 from its subtitle cues): CC1 for its first subtitle
   * language, CC3 for its second, alerts on CC1 when it offers no subtitles; none when
   * `captions` is off.
   */
  private captionsOf(channelNumber: number, subtitles: SubtitleTimeline | undefined): CaptionLanguage[] {
    const languages = this.options.outputs.languagesOf(channelNumber);
    if (!languages.captions) return [];
    if (!subtitles) {
      // No subtitle languages: CC1 still carries emergency alerts, for viewers who cannot hear them.
      const alertCues = async (fromMs: number, toMs: number) =>
        this.options.alerts.spansFor(channelNumber, fromMs, toMs).flatMap((span) => alertCue(alertAiring(span)) ?? []);
      return [{ channel: 1, cuesBetween: alertCues }];
    }
    return languages.subtitles.slice(0, 2).map((language, i) => ({ channel: i === 0 ? 1 : 3, cuesBetween: (fromMs: number, toMs: number) => subtitles.cuesBetween(fromMs, toMs, language, 'on') }));
  }

  /**
   * What the channel's renderers may burn into programmes (src/playout/burn-in.ts): its subtitle
   * mode and first subtitle language; none when it offers no subtitles, its mode is `off`, or the
   * library's cues are not at hand.
   */
  private burnInOf(channelNumber: number): SessionPlace['burnIn'] {
    const cues = this.options.subtitleCues;
    const { subtitles, subtitleMode } = this.options.outputs.languagesOf(channelNumber);
    const language = subtitles[0];
    if (!cues || !language || subtitleMode === 'off') return undefined;
    return { mode: subtitleMode, language, cues };
  }

  /**
   * The channel's subtitle cues on the wall clock (src/subtitles/subtitle-timeline.ts), shared by
   * its WebVTT renditions and its captions; undefined when it offers no subtitle language.
   */
  private subtitleTimeline(channelNumber: number, timeline: ChannelTimeline, log: Logger): SubtitleTimeline | undefined {
    const cues = this.options.subtitleCues;
    if (!cues || this.options.outputs.languagesOf(channelNumber).subtitles.length === 0) return undefined;
    return new SubtitleTimeline({
      timeline,
      cues,
      // An alert's message is captioned over its span, in place of the programme's cues.
      alerts: (fromMs, toMs) => this.options.alerts.spansFor(channelNumber, fromMs, toMs).map(alertAiring),
      onError: (error, mediaId) => log.warn({ err: error, mediaId }, 'subtitles: could not read the cues of a file; its airings show none for now'),
    });
  }

  /**
   * A channel with an adaptive-bitrate ladder: its own session (its profile, for `.ts`), which is
   * also the rung of the same profile if there is one, and a session for every other rung, joined
   * in one RunLockstep. The channel's own session, when it is no rung, runs on its own (its
   * playlist is not offered: the master playlist lists the rungs). With the cache on, each rung's
   * view of it knows its siblings': a rung copies an airing only when every rung has it cached,
   * or the rungs would cut different segments.
   */
  private ladderChannel(
    channelNumber: number,
    timeline: ChannelTimeline,
    profile: OutputProfile,
    ladder: readonly LadderRung[],
    channelDir: string,
    log: Logger,
    captions: readonly CaptionLanguage[],
    burnIn: SessionPlace['burnIn'],
  ): Channel {
    const { mediaCache, settings } = this.options;
    const lockstep = new RunLockstep(log);
    const own = ladder.find((rung) => sameProfile(rung.profile, profile));
    const caches = new Map<string, ChannelCache>();
    if (mediaCache) {
      for (const rung of ladder) {
        const siblings = (): LadderSibling[] =>
          ladder.filter((other) => other !== rung).map((other) => ({ cache: caches.get(other.name)!, bugVariant: async () => (await this.staticBugOf(channelNumber, other.profile))?.key }));
        caches.set(rung.name, new ChannelCache(mediaCache, mediaCache.profileKeyOf(rung.profile, settings.loudnessTarget), siblings));
      }
    }
    // Every rung burns the same subtitles, each at its own frame size (its own cue files).
    const rungCache = (rung: LadderRung) => ({ captions, burnIn, ...(caches.has(rung.name) ? { cache: caches.get(rung.name)! } : {}) });
    const channelSession = this.session(channelNumber, timeline, profile, {
      workDir: channelDir,
      log,
      captions,
      burnIn,
      ...(own ? { lockstep, segmentUriPrefix: own.name, ...rungCache(own) } : {}),
    });
    const renditions: Rendition<ChannelSession>[] = ladder.map((rung) => ({
      rung,
      session:
        rung === own
          ? channelSession
          : this.session(channelNumber, timeline, rung.profile, {
              workDir: path.join(channelDir, 'rungs', rung.name),
              log: this.options.log.child({ channel: channelNumber, rung: rung.name }),
              lockstep,
              segmentUriPrefix: rung.name,
              ...rungCache(rung),
            }),
    }));
    return new Channel(channelSession, new ChannelRenditions(channelSession, renditions, settings.segmentDurationSeconds));
  }

  /**
   * The channel's always-on bug as a cache variant at `profile` (default the channel's; a ladder
   * rung's bug is drawn at its size: a variant of its own), and when it shows (the graphics rule, bound to the channel's settings).
   */
  async staticBugOf(channelNumber: number, profile?: OutputProfile): Promise<ChannelBug | undefined> {
    const channel = this.graphicsChannel(channelNumber);
    if (!channel) return undefined;
    const bug = await this.options.planner.staticBugFor(channel, profile ?? this.options.outputs.profileOf(channelNumber));
    const showDuring = channel.settings.bug.show_during;
    return bug ? { ...bug, showsDuring: (kind) => bugShowsDuring(kind, showDuring) } : undefined;
  }

  /** A session playing `timeline` at `profile`: the channel's own, or one rung of its ladder (its own workDir, log, cache view, lockstep and segment URIs). */
  private session(channelNumber: number, timeline: ChannelTimeline, profile: OutputProfile, place: SessionPlace): ChannelSession {
    const { settings, mediaCache, graphics, planner } = this.options;
    const cache = place.cache ?? (mediaCache ? new ChannelCache(mediaCache, mediaCache.profileKeyOf(profile, settings.loudnessTarget)) : undefined);
    return new ChannelSession({
      channelNumber,
      // Playout airs the timeline with a live take (go live now) and then any emergency alert
      // laid over it (an alert breaks into a take too); the guide reads the timeline.
      timeline: new AlertOverlayTimeline(this.options.takes ? new LiveTakeTimeline(timeline, channelNumber, this.options.takes) : timeline, channelNumber, this.options.alerts),
      epochMs: this.options.timelines.epochOf(channelNumber),
      toolchain: this.options.toolchain,
      profile,
      segmentDurationSeconds: settings.segmentDurationSeconds,
      playlistSize: settings.playlistSize,
      loudnessTarget: settings.loudnessTarget,
      workAheadSeconds: settings.workAheadSeconds,
      tsBurstSeconds: settings.tsBurstSeconds,
      packager: settings.packager,
      timeZone: this.options.directory.get(channelNumber)?.timeZone,
      alertStyles: settings.alertStyles,
      // Slates wear the channel's branding too (a font that is missing falls back to the built-in one).
      slateStyle: () => {
        const { branding } = graphics.effective(channelNumber);
        return { background: branding.primary, accent: branding.accent, text: branding.text, ...(branding.font && existsSync(branding.font) ? { fontFile: branding.font } : {}) };
      },
      workDir: place.workDir,
      log: place.log,
      ...(cache ? { cache } : {}),
      ...(place.lockstep ? { lockstep: place.lockstep } : {}),
      ...(place.segmentUriPrefix ? { segmentUriPrefix: place.segmentUriPrefix } : {}),
      ...(place.captions?.length ? { captions: place.captions } : {}),
      ...(place.burnIn ? { burnIn: place.burnIn } : {}),
      ...(this.options.degradation ? { degraded: () => this.options.degradation?.stepOf(channelNumber) ?? null } : {}),
      ...(this.options.live ? { live: this.options.live } : {}),
      // Read afresh for every airing: a graphics or branding change airs from the next one.
      graphics: (slice) =>
        planner.graphicsFor(this.graphicsChannel(channelNumber), { timeline, airing: slice.airing, slice: { fromMs: slice.fromMs, toMs: slice.toMs }, frame: profile }),
    });
  }

  /** The channel as its graphics are drawn (undefined: no such stored channel). */
  private graphicsChannel(channelNumber: number): GraphicsChannel | undefined {
    const channel = this.options.directory.get(channelNumber);
    if (!channel) return undefined;
    const settings = this.options.graphics.effective(channelNumber);
    return { number: channelNumber, name: channel.name, callSign: channel.callSign, timeZone: channel.timeZone, logoPath: channel.logoPath, settings };
  }
}
