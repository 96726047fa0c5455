import type { CacheEntry } from './cache-store.js';
import { variantProfileKey, type MediaCache } from './media-cache.js';

/**
 * One channel's view of the media cache: its profile's entries, and what the channel has aired
 * from the cache versus rendered live (the hit ratio in status and health).
 */
export class ChannelCache {
  /** Seconds of media airings copy-spliced from the cache, and rendered live. */
  cachedSeconds = 0;
  liveSeconds = 0;
  cachedSlices = 0;
  liveSlices = 0;

  constructor(
    private readonly cache: MediaCache,
    readonly profileKey: string,
  ) {}

  /** The file's entry at this channel's profile, or its variant `variant` (a static bug burned in). */
  lookup(mediaPath: string, variant?: string): Promise<CacheEntry | undefined> {
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
