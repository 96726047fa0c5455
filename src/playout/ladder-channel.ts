import type { ChannelCache, LadderSibling } from '../cache/channel-cache.js';
import { sameProfile, type LadderRung, type OutputProfile } from '../config/quality.js';
import type { Logger } from '../logging/logger.js';
import { ChannelRenditions, type Rendition } from './channel-renditions.js';
import type { ChannelSession } from './channel-session.js';
import { RunLockstep } from './run-lockstep.js';

/** What a rung's session needs besides its profile (the caller adds workDir, log, timeline…). */
export interface RungSessionExtras {
  /** The rung's name; absent for the channel's own session. */
  rung?: string;
  lockstep?: RunLockstep;
  segmentUriPrefix?: string;
  cache?: ChannelCache;
}

export interface LadderChannelOptions {
  channelNumber: number;
  /** The channel's configured profile: its `.ts` stream and HDHomeRun lineup keep it. */
  channelProfile: OutputProfile;
  ladder: readonly LadderRung[];
  segmentDurationSeconds: number;
  log: Logger;
  /** A rung's view of the media cache, given its siblings (absent: cache off). */
  cacheFor?: (profile: OutputProfile, siblings: () => readonly LadderSibling[]) => ChannelCache;
  /** The key of the channel's always-on bug variant at a rung's profile (undefined: no such bug). */
  bugVariant: (profile: OutputProfile) => Promise<string | undefined>;
  makeSession: (profile: OutputProfile, extras: RungSessionExtras) => ChannelSession;
}

/**
 * A channel with an adaptive-bitrate ladder: its own session (the configured quality, for
 * `.ts`), which is also the rung of the same profile if there is one, and a session for every
 * other rung, joined in one RunLockstep. The channel's own session, when it is no rung, runs on
 * its own (its playlist is not offered: the master playlist lists the rungs).
 */
export function buildLadderChannel(options: LadderChannelOptions): ChannelSession {
  const lockstep = new RunLockstep(options.log);
  const own = options.ladder.find((rung) => sameProfile(rung.profile, options.channelProfile));
  const caches = new Map<string, ChannelCache>();
  const cacheFor = options.cacheFor;
  if (cacheFor) {
    for (const rung of options.ladder) {
      const siblings = (): LadderSibling[] =>
        options.ladder.filter((other) => other !== rung).map((other) => ({ cache: caches.get(other.name)!, bugVariant: () => options.bugVariant(other.profile) }));
      caches.set(rung.name, cacheFor(rung.profile, siblings));
    }
  }
  const channel = options.makeSession(
    options.channelProfile,
    own ? { lockstep, segmentUriPrefix: own.name, ...(caches.has(own.name) ? { cache: caches.get(own.name)! } : {}) } : {},
  );
  const renditions: Rendition[] = options.ladder.map((rung) => ({
    rung,
    session:
      rung === own
        ? channel
        : options.makeSession(rung.profile, { rung: rung.name, lockstep, segmentUriPrefix: rung.name, ...(caches.has(rung.name) ? { cache: caches.get(rung.name)! } : {}) }),
  }));
  channel.renditions = new ChannelRenditions(channel, renditions, options.segmentDurationSeconds);
  return channel;
}
