import { DateTime } from 'luxon';
import type { CatalogItem } from '../library/catalog.js';
import { programFacts } from '../timeline/program-info.js';
import { slateAiring } from '../timeline/slate-airing.js';
import type { Airing, AiringKind, AiringProgram } from '../timeline/types.js';
import { MINUTES_PER_DAY, parseClock, WEEKDAYS, type BlockContent, type ChannelSchedule, type LiveContent, type ScheduleBlock } from './model.js';
import { contentPool, defaultPool, hashString, interstitialPools, seededShuffle, type InterstitialPools } from './pools.js';

/**
 * The schedule compiler: a pure function of (schedule, catalog, progress state, time range)
 * to airings. Nothing here reads the clock, the disk or the database, so the same inputs
 * always give the same timeline, and a timeline compiled in pieces (as time passes) equals
 * one compiled in one go from the same state.
 */

export interface CompileInput {
  channelNumber: number;
  /** IANA zone the blocks are anchored in. */
  timeZone: string;
  schedule: ChannelSchedule;
  catalog: CatalogItem[];
}

/** Progress carried from one compile to the next; persisted so "next episode" survives restarts. */
export interface CompilerState {
  /** Per content source (e.g. "show:cartoon"): the last aired id, or for shuffles the round and ids aired in it. */
  cursors: Record<string, { lastId?: number; round?: number; aired?: number[] }>;
  rotation: { commercials: number; bumpers: number; stationIds: number };
  /** Recently aired commercials, newest last: the cooldown window. */
  recent: number[];
}

export function initialState(): CompilerState {
  return { cursors: {}, rotation: { commercials: 0, bumpers: 0, stationIds: 0 }, recent: [] };
}

export interface Checkpoint {
  /** A unit (block, gap, default program) starts here; compiling again from here with `state` reproduces what follows. */
  atMs: number;
  state: CompilerState;
}

export interface CompileResult {
  airings: Airing[];
  checkpoints: Checkpoint[];
  /** Where the compile stopped: a unit boundary at or after `untilMs`. */
  endMs: number;
  state: CompilerState;
}

/** Gaps at least this long take whole programs from the library before falling back to interstitials. */
const LONG_GAP_MS = 15 * 60_000;
/** A break is not left with a sliver shorter than this (it would be a few frames of slate). */
const MIN_PIECE_MS = 1000;

interface Occurrence {
  block: ScheduleBlock;
  startMs: number;
  endMs: number;
}

/** Wall-clock local time on a date, in the zone; minutes past midnight may exceed a day. */
function localInstant(date: DateTime, minutesAfterMidnight: number, zone: string): number {
  const naive = DateTime.fromObject({ year: date.year, month: date.month, day: date.day }, { zone: 'utc' }).plus({ minutes: minutesAfterMidnight });
  return DateTime.fromObject(
    { year: naive.year, month: naive.month, day: naive.day, hour: naive.hour, minute: naive.minute },
    { zone },
  ).toMillis();
}

/** The block's occurrences on one local date (0 or 1), anchored in the channel's zone. */
export function occurrencesOnDate(blocks: ScheduleBlock[], date: DateTime, zone: string): Occurrence[] {
  const weekday = WEEKDAYS[date.weekday - 1]!;
  return blocks
    .filter((block) => block.days.includes(weekday))
    .map((block) => {
      const start = parseClock(block.start);
      return { block, startMs: localInstant(date, start, zone), endMs: localInstant(date, start + block.minutes, zone) };
    })
    .filter((o) => o.endMs > o.startMs);
}

function contentKey(content: BlockContent): string {
  switch (content.type) {
    case 'show':
      return `show:${content.show.toLowerCase()}${content.order === 'shuffle' ? ':shuffle' : ''}`;
    case 'movies':
      return `movies:${content.tag ?? '*'}`;
    case 'tag':
      return `tag:${content.tag}`;
    case 'collection':
      return `collection:${content.source}/${content.name}${content.order === 'shuffle' ? ':shuffle' : ''}`;
    case 'live':
      return `live:${content.source}`;
  }
}

function programInfo(item: CatalogItem, id: string, block?: string): AiringProgram {
  return { id, ...(block ? { block } : {}), ...programFacts(item) };
}

/**
 * Block occurrences per local date, kept with the blocks they came from: the timeline compiles
 * in small steps, and without this each step would recompute the same days' occurrences
 * (luxon zone arithmetic, the bulk of a short step's cost for a schedule of many blocks).
 */
const occurrenceCaches = new WeakMap<ScheduleBlock[], Map<string, Map<string, Occurrence[]>>>();

function occurrencesOf(blocks: ScheduleBlock[], zone: string): Map<string, Occurrence[]> {
  let byZone = occurrenceCaches.get(blocks);
  if (!byZone) occurrenceCaches.set(blocks, (byZone = new Map()));
  let byDate = byZone.get(zone);
  if (!byDate) byZone.set(zone, (byDate = new Map()));
  return byDate;
}

class Compilation {
  readonly airings: Airing[] = [];
  readonly checkpoints: Checkpoint[] = [];
  private readonly pools: InterstitialPools;
  private readonly fallback: CatalogItem[];
  private readonly contentPools = new Map<string, CatalogItem[]>();
  private readonly occurrenceCache: Map<string, Occurrence[]>;

  constructor(
    private readonly input: CompileInput,
    readonly state: CompilerState,
  ) {
    this.pools = interstitialPools(input.catalog);
    this.fallback = defaultPool(input.catalog);
    this.occurrenceCache = occurrencesOf(input.schedule.blocks, input.timeZone);
  }

  private programId(startMs: number): string {
    return `${this.input.channelNumber}:${startMs}`;
  }

  checkpoint(atMs: number): void {
    this.checkpoints.push({ atMs, state: structuredClone(this.state) });
  }

  private push(startMs: number, durationMs: number, media: { path: string; id?: number }, inPointMs: number, kind: AiringKind, title: string, program: AiringProgram): number {
    if (durationMs <= 0) return startMs;
    this.airings.push({
      startMs,
      endMs: startMs + durationMs,
      mediaPath: media.path,
      ...(media.id !== undefined ? { mediaId: media.id } : {}),
      inPointMs,
      outPointMs: inPointMs + durationMs,
      kind,
      title,
      program,
    });
    return startMs + durationMs;
  }

  /** One slate airing of exactly `durationMs` (playout draws it; there is no slate file). */
  private slate(startMs: number, durationMs: number, program: AiringProgram): number {
    if (durationMs <= 0) return startMs;
    this.airings.push(slateAiring(startMs, startMs + durationMs, 'Slate', program));
    return startMs + durationMs;
  }

  /** Picks rotating items from `pool` that fit `remaining`, never one twice in this break. */
  private pickFitting(pool: CatalogItem[], rotationKey: keyof CompilerState['rotation'], remaining: number, usedInBreak: Set<number>, cooldown: number): CatalogItem | undefined {
    const n = pool.length;
    for (let k = 0; k < n; k += 1) {
      const index = (this.state.rotation[rotationKey] + k) % n;
      const item = pool[index]!;
      if (usedInBreak.has(item.id)) continue;
      if (cooldown > 0 && this.state.recent.slice(-cooldown).includes(item.id)) continue;
      const left = remaining - item.durationMs;
      if (left === 0 || left >= MIN_PIECE_MS) {
        this.state.rotation[rotationKey] = (index + 1) % n;
        return item;
      }
    }
    return undefined;
  }

  /**
   * Fills a break of exactly `durationMs`: commercials (rotating, none twice in a break while
   * others are left, cooldown across breaks), then slate padding, bumpers and a station ID to
   * close it.
   */
  fillBreak(startMs: number, durationMs: number, program: AiringProgram): number {
    if (durationMs <= 0) return startMs;
    const used = new Set<number>();
    // Never more cooldown than the pool can honour, or small pools would go unused.
    const cooldown = Math.min(this.input.schedule.commercial_cooldown, Math.max(0, this.pools.commercials.length - 1));
    let remaining = durationMs;
    const commercials: CatalogItem[] = [];
    for (;;) {
      let item = this.pickFitting(this.pools.commercials, 'commercials', remaining, used, cooldown);
      if (!item && commercials.length > 0) {
        // Every spot has aired in this break and time is left: a station with few commercials
        // goes round again (never one spot twice in a row) rather than air a slate in a break.
        const last = commercials[commercials.length - 1]!.id;
        item = this.pickFitting(this.pools.commercials, 'commercials', remaining, new Set([last]), cooldown);
        if (item) used.clear();
      }
      if (!item) break;
      used.add(item.id);
      commercials.push(item);
      this.state.recent.push(item.id);
      if (this.state.recent.length > 100) this.state.recent.splice(0, this.state.recent.length - 100);
      remaining -= item.durationMs;
    }
    const closers: CatalogItem[] = [];
    const stationId = this.pickFitting(this.pools.stationIds, 'stationIds', remaining, used, 0);
    if (stationId) {
      closers.push(stationId);
      remaining -= stationId.durationMs;
    }
    for (;;) {
      const bumper = this.pickFitting(this.pools.bumpers, 'bumpers', remaining, used, 0);
      if (!bumper) break;
      used.add(bumper.id);
      closers.unshift(bumper);
      remaining -= bumper.durationMs;
    }
    let cursor = startMs;
    for (const item of commercials) cursor = this.push(cursor, item.durationMs, item, 0, item.kind === 'promo' ? 'promo' : 'commercial', item.title, program);
    cursor = this.slate(cursor, remaining, program);
    for (const item of closers) cursor = this.push(cursor, item.durationMs, item, 0, item.kind === 'station_id' ? 'station_id' : 'bumper', item.title, program);
    return cursor;
  }

  private pool(content: BlockContent): CatalogItem[] {
    const key = JSON.stringify(content);
    let pool = this.contentPools.get(key);
    if (!pool) {
      pool = contentPool(this.input.catalog, content);
      this.contentPools.set(key, pool);
    }
    return pool;
  }

  /** The next item a content source would air, without consuming it. */
  private peek(key: string, pool: CatalogItem[], shuffle: boolean): CatalogItem | undefined {
    if (pool.length === 0) return undefined;
    const cursor = this.state.cursors[key] ?? {};
    if (!shuffle) {
      const last = cursor.lastId === undefined ? -1 : pool.findIndex((i) => i.id === cursor.lastId);
      return pool[(last + 1) % pool.length];
    }
    const aired = new Set(cursor.aired ?? []);
    const round = cursor.round ?? 0;
    const order = seededShuffle(pool, hashString(`${this.input.channelNumber}:${key}:${round}`));
    return order.find((i) => !aired.has(i.id)) ?? seededShuffle(pool, hashString(`${this.input.channelNumber}:${key}:${round + 1}`))[0];
  }

  private consume(key: string, item: CatalogItem, pool: CatalogItem[], shuffle: boolean): void {
    const cursor = (this.state.cursors[key] ??= {});
    if (!shuffle) {
      cursor.lastId = item.id;
      return;
    }
    const poolIds = new Set(pool.map((i) => i.id));
    const aired = (cursor.aired ?? []).filter((id) => poolIds.has(id));
    if (aired.length >= pool.length || aired.includes(item.id)) {
      cursor.round = (cursor.round ?? 0) + 1;
      cursor.aired = [item.id];
    } else {
      cursor.aired = [...aired, item.id];
      cursor.round ??= 0;
    }
  }

  /** Airs the program with its breaks: `breakLengths[i]` after segment i (chapters split segments). */
  private airProgram(startMs: number, item: CatalogItem, outMs: number, breakLengths: number[], program: AiringProgram): number {
    const points = [0, ...this.breakPoints(item, outMs), outMs];
    let cursor = startMs;
    for (let i = 0; i + 1 < points.length; i += 1) {
      cursor = this.push(cursor, points[i + 1]! - points[i]!, item, points[i]!, 'program', item.title, program);
      cursor = this.fillBreak(cursor, breakLengths[i] ?? 0, program);
    }
    return cursor;
  }

  /** Chapter starts strictly inside [0, outMs): where the show breaks for commercials. */
  breakPoints(item: CatalogItem, outMs: number): number[] {
    return item.chapters.map((c) => Math.round(c.timestampMs)).filter((t, i, all) => t > 0 && t < outMs && all.indexOf(t) === i);
  }

  /**
   * A live block: one `live` airing for the whole occurrence, its guide programme titled as
   * the event. No breaks and no cursor: a live event is not a pool, and what fills it (the
   * source, or the fallback while it is down) is playout's to decide at air time.
   */
  private live(startMs: number, endMs: number, block: ScheduleBlock & { content: LiveContent }): number {
    if (endMs <= startMs) return startMs;
    const title = block.content.title ?? block.name;
    const program: AiringProgram = { id: this.programId(startMs), title, block: block.name };
    this.airings.push({ startMs, endMs, mediaPath: '', inPointMs: 0, outPointMs: endMs - startMs, kind: 'live', title, program, live: { sourceId: block.content.source } });
    return endMs;
  }

  /** One block occurrence from `cursor` (late when the previous block overran); returns where it ended. */
  block(occurrence: Occurrence, cursor: number): number {
    const { block } = occurrence;
    const startMs = Math.max(occurrence.startMs, cursor);
    const available = occurrence.endMs - startMs;
    const content = block.content;
    // (overrun "cut" is the only one a live block takes: it ends on its boundary.)
    if (content.type === 'live') return this.live(startMs, occurrence.endMs, { ...block, content });
    const key = contentKey(content);
    const pool = this.pool(content);
    const shuffle = (content.type === 'show' || content.type === 'collection') && content.order === 'shuffle';
    const fixed = content.type === 'show' && content.order === 'fixed';

    const chosen: Array<{ item: CatalogItem; outMs: number }> = [];
    let used = 0;
    for (;;) {
      const next = this.peek(key, pool, shuffle);
      if (!next) break;
      if (used + next.durationMs <= available) {
        chosen.push({ item: next, outMs: next.durationMs });
        used += next.durationMs;
        this.consume(key, next, pool, shuffle);
        if (fixed) break;
        continue;
      }
      if (chosen.length === 0) {
        // Longer than its block: cut at the boundary, or run long and push the next block.
        const outMs = block.overrun === 'cut' ? available : next.durationMs;
        chosen.push({ item: next, outMs });
        used += outMs;
        this.consume(key, next, pool, shuffle);
      }
      break;
    }

    if (chosen.length === 0) {
      // Empty pool: the slot is still on the air, as a station break under the block's name.
      return this.fillBreak(startMs, available, { id: this.programId(startMs), title: block.name, block: block.name });
    }

    // Spare time is spread over the breaks (chapter marks and after each program), whole
    // seconds each, the remainder to the last, so the block ends exactly on its boundary.
    const spare = Math.max(0, available - used);
    const slotsPerProgram = chosen.map(({ item, outMs }) => (block.breaks ? this.breakPoints(item, outMs).length : 0) + 1);
    const totalSlots = block.breaks ? slotsPerProgram.reduce((a, b) => a + b, 0) : 1;
    const each = Math.floor(spare / totalSlots / 1000) * 1000;
    let given = 0;
    let cursorMs = startMs;
    chosen.forEach(({ item, outMs }, index) => {
      const slots = slotsPerProgram[index]!;
      const isLast = index === chosen.length - 1;
      const lengths = Array.from({ length: slots }, (_, i) => {
        if (!block.breaks) return isLast && i === slots - 1 ? spare : 0;
        const last = isLast && i === slots - 1;
        const length = last ? spare - given : each;
        given += length;
        return length;
      });
      cursorMs = this.airProgram(cursorMs, item, outMs, lengths, programInfo(item, this.programId(cursorMs), block.name));
    });
    return cursorMs;
  }

  /** Time between blocks: whole library programs when the gap is long, then interstitials. */
  gap(fromMs: number, toMs: number): number {
    let cursor = fromMs;
    if (toMs - fromMs >= LONG_GAP_MS) {
      for (;;) {
        const next = this.peek('default', this.fallback, false);
        if (!next || cursor + next.durationMs > toMs) break;
        this.consume('default', next, this.fallback, false);
        cursor = this.push(cursor, next.durationMs, next, 0, 'program', next.title, programInfo(next, this.programId(cursor)));
      }
    }
    if (cursor < toMs) cursor = this.fillBreak(cursor, toMs - cursor, { id: this.programId(cursor), title: 'Station Break' });
    return cursor;
  }

  /** No blocks at all: the library back to back, one program per unit (loop mode as a schedule). */
  defaultUnit(cursor: number, untilMs: number): number {
    const next = this.peek('default', this.fallback, false);
    if (!next) return this.fillBreak(cursor, Math.max(untilMs - cursor, 60_000), { id: this.programId(cursor), title: 'Station Break' });
    this.consume('default', next, this.fallback, false);
    return this.push(cursor, next.durationMs, next, 0, 'program', next.title, programInfo(next, this.programId(cursor)));
  }

  /** The first occurrence that has not ended by `cursor` (the earliest-starting one), within ~a week. */
  nextOccurrence(cursor: number): Occurrence | undefined {
    const zone = this.input.timeZone;
    // Start a day early: a block from the previous local date may still be running.
    let date = DateTime.fromMillis(cursor, { zone }).startOf('day').minus({ days: 1 });
    let best: Occurrence | undefined;
    for (let i = 0; i < 10; i += 1, date = date.plus({ days: 1 })) {
      const key = date.toISODate()!;
      let list = this.occurrenceCache.get(key);
      if (!list) {
        list = occurrencesOnDate(this.input.schedule.blocks, date, zone);
        this.occurrenceCache.set(key, list);
      }
      for (const o of list) if (o.endMs > cursor && (!best || o.startMs < best.startMs)) best = o;
      // Every occurrence on a later date starts after every one on this date (a block lasts at
      // most a day), so the first date with a candidate holds the earliest: stop computing dates.
      if (best) break;
    }
    return best;
  }
}

/**
 * Compiles airings from `fromMs` until at least `untilMs`, continuing from `state`.
 * Output is contiguous (each airing starts where the previous ended) and stops on a unit boundary.
 */
export function compileTimeline(input: CompileInput, state: CompilerState, fromMs: number, untilMs: number): CompileResult {
  const compilation = new Compilation(input, structuredClone(state));
  let cursor = fromMs;
  const blocks = input.schedule.blocks;
  while (cursor < untilMs) {
    compilation.checkpoint(cursor);
    if (blocks.length === 0) {
      cursor = compilation.defaultUnit(cursor, untilMs);
      continue;
    }
    const occurrence = compilation.nextOccurrence(cursor);
    if (!occurrence) {
      // No block within the next week (blocks exist but none fits): a day of filler, then look again.
      cursor = compilation.gap(cursor, cursor + MINUTES_PER_DAY * 60_000);
    } else if (occurrence.startMs > cursor) {
      cursor = compilation.gap(cursor, occurrence.startMs);
    } else {
      cursor = compilation.block(occurrence, cursor);
    }
  }
  return { airings: compilation.airings, checkpoints: compilation.checkpoints, endMs: cursor, state: compilation.state };
}
