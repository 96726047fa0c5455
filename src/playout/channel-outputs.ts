import { resolveLanguages, type ChannelLanguages, type LanguagesOverride } from '../config/languages.js';
import { channelProfiles, resolveLadder, resolveOutputProfile, type LadderRung, type OutputProfile } from '../config/quality.js';
import type { QualityName, RetrovueConfig } from '../config/schema.js';

/**
 * The one answer to "what does channel n air at": its own profile (its `.ts` stream, the
 * HDHomeRun lineup, its graphics and their preview) and its adaptive-bitrate ladder. Which
 * quality a channel has depends on the mode, and the owner of that is the owner of "which
 * timeline" (ChannelTimelines.qualityOf: a stored channel's own quality in schedule mode,
 * `streaming.quality` in loop mode); everything that needs a channel's size asks here, so the
 * encoder, the cache fill, the bug and the preview cannot disagree.
 */
export class ChannelOutputs {
  constructor(
    private readonly config: RetrovueConfig,
    private readonly timelines: { qualityOf(channelNumber: number): QualityName | undefined; languagesOf?(channelNumber: number): LanguagesOverride | undefined },
  ) {}

  /**
   * The channel's languages: the server-wide `languages` with the channel's own over them (a
   * stored channel's, else its config-file entry's).
   */
  languagesOf(channelNumber: number): ChannelLanguages {
    const own = this.timelines.languagesOf?.(channelNumber) ?? this.config.channels?.find((c) => c.number === channelNumber)?.languages;
    return resolveLanguages(this.config.languages, own);
  }

  /** The channel's own profile (with its audio language slots). */
  profileOf(channelNumber: number): OutputProfile {
    return this.withLanguages(channelNumber, resolveOutputProfile(this.config, this.timelines.qualityOf(channelNumber)));
  }

  /**
   * One preset below the channel's own (high → medium → low), what it airs at while overload
   * degrades it to `lower-quality` (src/capacity); undefined when nothing is cheaper: already
   * low, a ladder (its rungs must stay in lockstep), or `ffmpeg.resolution` pins every preset's size.
   */
  lowerProfileOf(channelNumber: number): OutputProfile | undefined {
    const quality = this.qualityOf(channelNumber);
    const lower = quality === 'high' ? 'medium' : quality === 'medium' ? 'low' : undefined;
    if (!lower || this.ladderOf(channelNumber).length > 0) return undefined;
    const profile = this.withLanguages(channelNumber, resolveOutputProfile(this.config, lower));
    const own = this.profileOf(channelNumber);
    // Only a smaller picture saves the renderers real work (a lower bitrate alone hardly does).
    return profile.width * profile.height < own.width * own.height ? profile : undefined;
  }

  /** The channel's quality preset (its own, else `streaming.quality`). */
  qualityOf(channelNumber: number): QualityName {
    return this.timelines.qualityOf(channelNumber) ?? this.config.streaming.quality;
  }

  /** The channel's ladder (empty: none): its `channels[].ladder`, else `streaming.ladder`; every rung carries the channel's audio slots. */
  ladderOf(channelNumber: number): LadderRung[] {
    return resolveLadder(this.config, channelNumber).map((rung) => ({ ...rung, profile: this.withLanguages(channelNumber, rung.profile) }));
  }

  private withLanguages(channelNumber: number, profile: OutputProfile): OutputProfile {
    const audio = this.languagesOf(channelNumber).audio;
    return audio.length > 0 ? { ...profile, audioLanguages: audio } : profile;
  }

  /** Every distinct profile the channel airs at: its own, then its rungs' (what the cache fills). */
  profilesOf(channelNumber: number): OutputProfile[] {
    return channelProfiles(this.profileOf(channelNumber), this.ladderOf(channelNumber));
  }
}
