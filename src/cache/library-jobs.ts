import type { OutputProfile } from '../config/quality.js';
import type { CatalogItem } from '../library/catalog.js';
import { airingKindOf, airsFile } from '../timeline/airing-kind.js';
import type { Airing } from '../timeline/types.js';
import type { UpcomingAiring } from './fill-queue.js';

/** A library item as a fill job (its chapters become extra keyframes: breaks start there). */
export function fillJobForItem(item: CatalogItem, profile: OutputProfile, loudnessTarget: number | null, startMs = 0): UpcomingAiring {
  return {
    path: item.path,
    durationSeconds: item.durationMs / 1000,
    chapterSeconds: item.chapters.map((c) => c.timestampMs / 1000),
    profile,
    loudnessTarget,
    kind: airingKindOf(item.kind),
    startMs,
  };
}

/** The fill jobs of a channel's upcoming airings (files the catalog knows; others are skipped). */
export function fillJobsForAirings(airings: Airing[], itemsByPath: ReadonlyMap<string, CatalogItem>, profile: OutputProfile, loudnessTarget: number | null): UpcomingAiring[] {
  const jobs: UpcomingAiring[] = [];
  for (const airing of airings) {
    const item = itemsByPath.get(airing.mediaPath);
    if (!item || !airsFile(airing)) continue;
    jobs.push({ ...fillJobForItem(item, profile, loudnessTarget, airing.startMs), kind: airing.kind });
  }
  return jobs;
}
