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
