import { createHash } from 'node:crypto';
import type { OutputProfile } from '../config/quality.js';
import { bitsPerSecond, renderMasterPlaylist, rungBandwidth, type MasterRenditions, type VariantStream } from '../hls/master-playlist.js';
import type { ChannelCache } from '../cache/channel-cache.js';
import type { LivePlaylist } from '../hls/live-playlist.js';
import { avcCodecString } from '../streaming/h264-codec.js';
import type { RendererInfo } from './airing-chain.js';

/** AAC-LC, what every renderer and cache fill encodes (`ffmpeg.audio_codec` aac). */
const AAC_LC = 'mp4a.40.2';

/**
 * What the master playlist and the status read of a rung's run (a ChannelSession). Described
 * here rather than imported, so that a session may point at its channel's renditions without
 * the two files importing each other.
 */
interface RenditionRun {
  readonly channelNumber: number;
  readonly playlist: Pick<LivePlaylist, 'segments'>;
  segmentInMemory(fileName: string): Buffer | undefined;
  waitUntilLive(timeoutMs: number): Promise<void>;
  readonly state: string;
  readonly encoderRestarts: number;
  readonly lastError: string | undefined;
  readonly workingAheadSeconds: number | undefined;
  readonly nowRendering: RendererInfo | undefined;
  readonly cacheSummary: ReturnType<ChannelCache['summary']> | undefined;
}

/**
 * A variant of the master playlist: a ladder rung (named by its quality), or, for a channel with
 * languages and no ladder, its own run as the one variant (`main`).
 */
export interface VariantRung {
  name: string;
  profile: OutputProfile;
}

/** The name of a channel's own run when it is the master playlist's one variant (no ladder). */
export const MAIN_VARIANT = 'main';

/** One variant of a channel and the run that plays it. */
export interface Rendition<Run extends RenditionRun = RenditionRun> {
  rung: VariantRung;
  session: Run;
}

/** What the master playlist declares beside the variants (src/playout/language-renditions.ts). */
export interface MasterExtras {
  /** Audio streams in each variant's segments (one per language slot). */
  audioSlots: number;
  renditions: MasterRenditions;
}

/**
 * A channel's adaptive-bitrate ladder (`streaming.ladder`): one run per rung, each with its own
 * profile, chain, segmenter and playlist, started, stopped and restarted together by the channel
 * (src/playout/channel.ts) with the channel's own run (which plays `/channel/N.ts` and is itself
 * the rung whose profile it has, if any). Their runs are kept in lockstep
 * (src/playout/run-lockstep.ts), so every variant lists the same sequence numbers with the same
 * durations, and a player can switch between them at any segment. `/channel/N.m3u8` is then the
 * master playlist rendered here.
 */
export class ChannelRenditions<Run extends RenditionRun = RenditionRun> {
  /** Codec strings read from each rung's first segment (the encoder's real profile and level). */
  private readonly codecs = new Map<string, string>();

  constructor(
    /** The channel's own run (`.ts`), a rung or not. */
    readonly channel: Run,
    readonly renditions: readonly Rendition<Run>[],
    private readonly segmentDurationSeconds: number,
  ) {}

  /** Every run of the channel that is not `session`: the rungs, and the channel's own run when it is no rung. */
  followersOf(session: Run): Run[] {
    const all = new Set([this.channel, ...this.renditions.map((r) => r.session)]);
    all.delete(session);
    return [...all];
  }

  find(name: string): Rendition<Run> | undefined {
    return this.renditions.find((r) => r.rung.name === name);
  }

  /** Resolves once every rung has a segment to offer; rejects after `timeoutMs`. */
  async waitUntilLive(timeoutMs: number): Promise<void> {
    await Promise.all(this.renditions.map((r) => r.session.waitUntilLive(timeoutMs)));
  }

  private codecsOf(rendition: Rendition<Run>): string[] {
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

  /**
   * The master playlist: one variant per rung, its media playlist at `N/<rung>.m3u8`, and the
   * channel's language renditions (EXT-X-MEDIA) when it has any.
   */
  masterPlaylist(extras?: MasterExtras): { text: string; etag: string } {
    const slots = extras?.audioSlots ?? 1;
    const variants: VariantStream[] = this.renditions.map((rendition) => {
      const { profile } = rendition.rung;
      // Every audio slot travels in the variant's segments too: BANDWIDTH counts them all.
      const audioBitrate = String(bitsPerSecond(profile.audioBitrate) * slots);
      return {
        uri: `${this.channel.channelNumber}/${rendition.rung.name}.m3u8`,
        ...rungBandwidth({ videoBitrate: profile.videoBitrate, audioBitrate }, this.segmentDurationSeconds),
        width: profile.width,
        height: profile.height,
        frameRate: profile.frameRate,
        codecs: this.codecsOf(rendition),
      };
    });
    const text = renderMasterPlaylist(variants, extras?.renditions);
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
