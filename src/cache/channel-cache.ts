import type { CacheEntry } from './cache-store.js';
import { variantProfileKey, type MediaCache } from './media-cache.js';

/**
 * One channel's view of the media cache: its profile's entries, and what the channel has aired
 * from the cache versus rendered live (the hit ratio in status and health).
 */
/**
 * Another rung of the same channel's adaptive-bitrate ladder: its cache, and the key of its
 * always-on bug variant (the bug is drawn at each rung's own size, so each has its own variant).
 */
export interface LadderSibling {
  cache: ChannelCache;
  bugVariant: () => Promise<string | undefined>;
}

export class ChannelCache {
  /** Seconds of media airings copy-spliced from the cache, and rendered live. */
  cachedSeconds = 0;
  liveSeconds = 0;
  cachedSlices = 0;
  liveSlices = 0;

  /**
   * `siblings`: the other rungs of the channel's ladder (none without one). A rung copies a slice
   * only when every rung has it cached: a copied stretch is cut on its file's keyframes, a live one
   * on the run's grid, so rungs that decided differently would cut different segments.
   */
  constructor(
    private readonly cache: MediaCache,
    readonly profileKey: string,
    private readonly siblings: () => readonly LadderSibling[] = () => [],
  ) {}

  /**
   * The file's entry at this channel's profile, or its variant `variant` (a static bug burned
   * in) — with a ladder, only when every other rung has its own entry (or variant) too.
   */
  async lookup(mediaPath: string, variant?: string): Promise<CacheEntry | undefined> {
    const own = await this.lookupOwn(mediaPath, variant);
    if (!own) return undefined;
    for (const sibling of this.siblings()) {
      const siblingVariant = variant === undefined ? undefined : await sibling.bugVariant();
      if (variant !== undefined && siblingVariant === undefined) return undefined;
      if (!(await sibling.cache.lookupOwn(mediaPath, siblingVariant))) return undefined;
    }
    return own;
  }

  /** This profile's entry alone, whatever other rungs have. */
  lookupOwn(mediaPath: string, variant?: string): Promise<CacheEntry | undefined> {
    return this.cache.lookup(mediaPath, variantProfileKey(this.profileKey, variant));
  }

  /** The entry airs: pinned (never evicted) until the returned function is called. */
  beginAiring(entry: CacheEntry): () => void {
    this.cache.markAired(entry.key);
    return this.cache.pin(entry.key);
  }

  record(mode: 'cached' | 'live', seconds: number): void {
    if (mode === 'cached') {
      this.cachedSeconds += seconds;
      this.cachedSlices += 1;
    } else {
      this.liveSeconds += seconds;
      this.liveSlices += 1;
    }
  }

  get hitRatio(): number | undefined {
    const total = this.cachedSeconds + this.liveSeconds;
    return total > 0 ? this.cachedSeconds / total : undefined;
  }

  summary() {
    return { hitRatio: this.hitRatio, cachedSeconds: Math.round(this.cachedSeconds), liveSeconds: Math.round(this.liveSeconds), cachedSlices: this.cachedSlices, liveSlices: this.liveSlices };
  }
}
