import type { CatalogItem } from '../library/catalog.js';
import { airingKindOf } from './airing-kind.js';
import { programFacts, type ProgramFacts } from './program-info.js';
import type { Airing, AiringKind, ChannelTimeline, TimelinePosition } from './types.js';

export interface LoopItem {
  mediaPath: string;
  durationMs: number;
  title: string;
  kind: AiringKind;
  /** Library id (media_files.id): what subtitles and the guide look the file up by. */
  mediaId?: number;
  /**
   * What the file airs as (src/timeline/program-info.ts): an episode's show, season and number,
   * which the guide and the lower third show as schedule mode does. Absent: its title alone.
   */
  program?: ProgramFacts;
}

/** The library as loop mode airs it: every playable file, back to back, each as its programme. */
export function loopItemsOf(items: CatalogItem[]): LoopItem[] {
  return items.map((item) => ({
    mediaPath: item.path,
    durationMs: item.durationMs,
    title: item.title,
    kind: airingKindOf(item.kind),
    mediaId: item.id,
    program: programFacts(item),
  }));
}

export interface LoopTimelineOptions {
  items: LoopItem[];
  /** The channel's stored epoch: pass 0 of the loop began at this instant. */
  epochMs: number;
  /** Stop after this many passes; undefined = forever. */
  loops?: number;
}

/**
 * Loop mode as a timeline: the library's files in order, back to back, forever.
 * Where the channel is at time t is a pure function of (t - epoch), so a channel started
 * on demand, restarted after a crash, or after a server restart joins at that point.
 */
export class LoopTimeline implements ChannelTimeline {
  private readonly items: LoopItem[];
  /** startOffsets[i] = milliseconds from the start of a pass to the start of item i. */
  private readonly startOffsets: number[];
  readonly passDurationMs: number;
  readonly epochMs: number;
  readonly endsAtMs: number | undefined;

  constructor(options: LoopTimelineOptions) {
    const items = options.items.filter((item) => item.durationMs > 0);
    if (items.length === 0) throw new Error('loop timeline needs at least one playable item with a duration');
    this.items = items;
    this.epochMs = options.epochMs;
    this.startOffsets = [];
    let total = 0;
    for (const item of items) {
      this.startOffsets.push(total);
      total += Math.round(item.durationMs);
    }
    this.passDurationMs = total;
    this.endsAtMs = options.loops === undefined ? undefined : options.epochMs + options.loops * total;
  }

  /** Index of the item playing `withinPassMs` into a pass (binary search over start offsets). */
  private itemIndexAt(withinPassMs: number): number {
    let low = 0;
    let high = this.startOffsets.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.startOffsets[mid]! <= withinPassMs) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  private airing(pass: number, index: number): Airing {
    const item = this.items[index]!;
    const startMs = this.epochMs + pass * this.passDurationMs + this.startOffsets[index]!;
    const durationMs = Math.round(item.durationMs);
    return {
      startMs,
      endMs: startMs + durationMs,
      mediaPath: item.mediaPath,
      inPointMs: 0,
      outPointMs: durationMs,
      kind: item.kind,
      title: item.title,
      ...(item.mediaId !== undefined ? { mediaId: item.mediaId } : {}),
      // Each airing is its own programme (loop mode has no breaks to fold in), so its start is its id.
      ...(item.program ? { program: { id: `${startMs}`, ...item.program } } : {}),
    };
  }

  private onAir(tMs: number): boolean {
    return tMs >= this.epochMs && (this.endsAtMs === undefined || tMs < this.endsAtMs);
  }

  at(tMs: number): TimelinePosition | undefined {
    if (!this.onAir(tMs)) return undefined;
    const elapsed = tMs - this.epochMs;
    const pass = Math.floor(elapsed / this.passDurationMs);
    const index = this.itemIndexAt(elapsed - pass * this.passDurationMs);
    const airing = this.airing(pass, index);
    return { airing, offsetMs: tMs - airing.startMs };
  }

  airingsBetween(fromMs: number, toMs: number, limit = 10_000): Airing[] {
    const result: Airing[] = [];
    const first = this.at(Math.max(fromMs, this.epochMs));
    if (!first) return result;
    let pass = Math.floor((first.airing.startMs - this.epochMs) / this.passDurationMs);
    let index = this.itemIndexAt(first.airing.startMs - this.epochMs - pass * this.passDurationMs);
    while (result.length < limit) {
      const airing = this.airing(pass, index);
      if (airing.startMs >= toMs) break;
      if (this.endsAtMs !== undefined && airing.startMs >= this.endsAtMs) break;
      result.push(airing);
      index += 1;
      if (index === this.items.length) {
        index = 0;
        pass += 1;
      }
    }
    return result;
  }
}
