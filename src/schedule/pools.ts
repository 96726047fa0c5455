import type { CatalogItem } from '../library/catalog.js';
import type { BlockContent } from './model.js';

/**
 * Turns the catalog into the ordered lists a schedule draws from. Orders are deterministic
 * (show, season, episode, then title/path) so the same library gives the same timeline.
 */
const naturalOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function episodeOrder(a: CatalogItem, b: CatalogItem): number {
  return (
    (a.season ?? 0) - (b.season ?? 0) ||
    (a.episode ?? 0) - (b.episode ?? 0) ||
    naturalOrder.compare(a.path, b.path) ||
    a.id - b.id
  );
}

function byTitle(a: CatalogItem, b: CatalogItem): number {
  return naturalOrder.compare(a.title, b.title) || naturalOrder.compare(a.path, b.path) || a.id - b.id;
}

const PROGRAM_KINDS = new Set(['episode', 'movie', 'other']);

export function isProgram(item: CatalogItem): boolean {
  return PROGRAM_KINDS.has(item.kind) && item.durationMs > 0;
}

/** Items a block's content may draw, in their natural order. */
export function contentPool(catalog: CatalogItem[], content: BlockContent): CatalogItem[] {
  const programs = catalog.filter(isProgram);
  switch (content.type) {
    case 'show': {
      const wanted = content.show.toLowerCase();
      const episodes = programs.filter((i) => (i.show ?? '').toLowerCase() === wanted).sort(episodeOrder);
      if (content.order === 'fixed') return episodes.filter((i) => i.season === content.season && i.episode === content.episode);
      return episodes;
    }
    case 'movies':
      return programs.filter((i) => i.kind === 'movie' && (!content.tag || i.tags.includes(content.tag))).sort(byTitle);
    case 'tag':
      return programs.filter((i) => i.tags.includes(content.tag)).sort((a, b) => naturalOrder.compare(a.path, b.path) || a.id - b.id);
    case 'collection': {
      // In the collection's own order (a playlist is an order); shuffling is the compiler's.
      const key = `${content.source}/${content.name}`;
      const at = (i: CatalogItem) => i.collectionPositions?.[key] ?? Number.MAX_SAFE_INTEGER;
      return programs.filter((i) => i.collections?.includes(key)).sort((a, b) => at(a) - at(b) || a.id - b.id);
    }
    case 'live':
      // A live block airs its source, not the library.
      return [];
  }
}

/** Default programming when a channel has no blocks: every program, back to back, in library order. */
export function defaultPool(catalog: CatalogItem[]): CatalogItem[] {
  return catalog.filter(isProgram).sort((a, b) => naturalOrder.compare(a.path, b.path) || a.id - b.id);
}

export interface InterstitialPools {
  commercials: CatalogItem[];
  bumpers: CatalogItem[];
  stationIds: CatalogItem[];
}

export function interstitialPools(catalog: CatalogItem[]): InterstitialPools {
  const of = (...kinds: string[]) =>
    catalog.filter((i) => kinds.includes(i.kind) && i.durationMs > 0).sort((a, b) => naturalOrder.compare(a.path, b.path) || a.id - b.id);
  return { commercials: of('commercial', 'promo'), bumpers: of('bumper'), stationIds: of('station_id') };
}

/** Stable 32-bit hash (FNV-1a) for seeding shuffles from names. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny seeded PRNG; the same seed always gives the same shuffle. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededShuffle<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}
