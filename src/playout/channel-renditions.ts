import { createHash } from 'node:crypto';
import type { LadderRung } from '../config/quality.js';
import { renderMasterPlaylist, rungBandwidth, type VariantStream } from '../hls/master-playlist.js';
import { avcCodecString } from '../streaming/h264-codec.js';
import type { ChannelSession } from './channel-session.js';

/** AAC-LC, what every renderer and cache fill encodes (`ffmpeg.audio_codec` aac). */
const AAC_LC = 'mp4a.40.2';

/** One rung of a channel's ladder and the session that plays it. */
export interface Rendition {
  rung: LadderRung;
  session: ChannelSession;
}

/**
 * A channel's adaptive-bitrate ladder (`streaming.ladder`): one ChannelSession per rung, each
 * with its own profile, chain, segmenter and playlist, all started, stopped and restarted with
 * the channel's own session (which plays `/channel/N.ts` and is itself the rung whose profile it
 * has, if any). Their runs are kept in lockstep (src/playout/run-lockstep.ts), so every variant
 * lists the same sequence numbers with the same durations, and a player can switch between them
 * at any segment. `/channel/N.m3u8` is then the master playlist rendered here.
 */
export class ChannelRenditions {
  /** Codec strings read from each rung's first segment (the encoder's real profile and level). */
  private readonly codecs = new Map<string, string>();

  constructor(
    readonly channel: ChannelSession,
    readonly renditions: readonly Rendition[],
    private readonly segmentDurationSeconds: number,
  ) {}

  /** Every session that is not `session` (the channel's own one starts and stops the others). */
  followersOf(session: ChannelSession): ChannelSession[] {
    const all = new Set([this.channel, ...this.renditions.map((r) => r.session)]);
    all.delete(session);
    return [...all];
  }

  find(name: string): Rendition | undefined {
    return this.renditions.find((r) => r.rung.name === name);
  }

  /** Resolves once every rung has a segment to offer; rejects after `timeoutMs`. */
  async waitUntilLive(timeoutMs: number): Promise<void> {
    await Promise.all(this.renditions.map((r) => r.session.waitUntilLive(timeoutMs)));
  }

  private codecsOf(rendition: Rendition): string[] {
    const name = rendition.rung.name;
    if (!this.codecs.has(name)) {
      const first = rendition.session.playlist.segments[0];
      const data = first ? rendition.session.segmentInMemory(first.fileName) : undefined;
      const video = data ? avcCodecString(data) : undefined;
      if (video) this.codecs.set(name, video);
    }
    const video = this.codecs.get(name);
    return video ? [video, AAC_LC] : [];
  }

  /** The master playlist: one variant per rung, its media playlist at `N/<rung>.m3u8`. */
  masterPlaylist(): { text: string; etag: string } {
    const variants: VariantStream[] = this.renditions.map((rendition) => {
      const { profile } = rendition.rung;
      return {
        uri: `${this.channel.channelNumber}/${rendition.rung.name}.m3u8`,
        ...rungBandwidth(profile, this.segmentDurationSeconds),
        width: profile.width,
        height: profile.height,
        frameRate: profile.frameRate,
        codecs: this.codecsOf(rendition),
      };
    });
    const text = renderMasterPlaylist(variants);
    return { text, etag: `"${createHash('sha1').update(text).digest('base64url').slice(0, 16)}"` };
  }

  /** Each rung as the status API shows it. */
  status() {
    return this.renditions.map(({ rung, session }) => ({
      name: rung.name,
      resolution: `${rung.profile.width}x${rung.profile.height}`,
      videoBitrate: rung.profile.videoBitrate,
      // The channel's own run (its `.ts` stream) doubles as this rung.
      channelRun: session === this.channel,
      state: session.state,
      restarts: session.encoderRestarts,
      lastError: session.lastError ?? null,
      workingAheadSeconds: session.workingAheadSeconds === undefined ? null : Number(session.workingAheadSeconds.toFixed(2)),
      rendering: session.nowRendering ? { title: session.nowRendering.slice.airing.title, cached: session.nowRendering.cached === true, pid: session.nowRendering.pid ?? null } : null,
      cache: session.cacheSummary ?? null,
      playlist: { mediaSequence: session.playlist.segments[0]?.sequence ?? null, segments: session.playlist.segments.length },
    }));
  }
}
