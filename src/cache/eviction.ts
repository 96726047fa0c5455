/** What eviction needs to know of an entry. */
export interface EvictionCandidate {
  key: string;
  bytes: number;
  /** Last time a channel aired it (or, never aired, when it was filled). */
  lastUsedMs: number;
}

/**
 * Which entries to delete so the cache fits `budgetBytes`: least recently aired first, never
 * one in `pinned` (airing now, or being filled). May return less than needed when what is left
 * is all pinned: airing beats the budget, and the next fill waits.
 */
export function chooseEvictions(entries: EvictionCandidate[], budgetBytes: number, pinned: ReadonlySet<string>): string[] {
  let used = entries.reduce((sum, e) => sum + e.bytes, 0);
  const victims: string[] = [];
  for (const entry of [...entries].sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.key.localeCompare(b.key))) {
    if (used <= budgetBytes) break;
    if (pinned.has(entry.key)) continue;
    victims.push(entry.key);
    used -= entry.bytes;
  }
  return victims;
}

/**
 * Which entries to delete to free `bytesToFree` on the cache's disk (its `cache.min_free_gb`
 * floor, issue 23): least recently aired first, never one in `pinned` (airing now, being
 * filled, or airing in the next minutes on any channel). May free less than asked when the rest
 * is pinned: what airs beats the floor, and the fill queue pauses instead.
 */
export function chooseEvictionsToFree(entries: EvictionCandidate[], bytesToFree: number, pinned: ReadonlySet<string>): string[] {
  const victims: string[] = [];
  let freed = 0;
  for (const entry of [...entries].sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.key.localeCompare(b.key))) {
    if (freed >= bytesToFree) break;
    if (pinned.has(entry.key)) continue;
    victims.push(entry.key);
    freed += entry.bytes;
  }
  return victims;
}
