import { z } from 'zod';
import { someOf } from '../config/message-text.js';

/**
 * A channel's coarse schedule: blocks anchored to wall-clock time in the channel's IANA
 * zone. Validated with zod; overlapping blocks are refused with a message naming both.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
/** A week of half-hour blocks is 336; far more is a mistake or an attack, refused before it is looked at. */
export const MAX_BLOCKS = 2000;
/** An error lists the first problems only (each cut short), then how many more: never megabytes. */
const MAX_PROBLEMS_LISTED = 10;
const MAX_PROBLEM_CHARS = 300;
const MAX_PROBLEMS_CHARS = 1500;

const showContent = z
  .object({
    type: z.literal('show'),
    show: z.string().min(1).max(200),
    /** sequential: next episode in order; shuffle: random order, no repeats until all aired; fixed: one episode. */
    order: z.enum(['sequential', 'shuffle', 'fixed']).default('sequential'),
    season: z.number().int().min(0).optional(),
    episode: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((c) => c.order !== 'fixed' || (c.season !== undefined && c.episode !== undefined), {
    message: 'order "fixed" needs both season and episode',
  });

const movieContent = z
  .object({
    type: z.literal('movies'),
    /** Only movies carrying this tag; absent = every movie. */
    tag: z.string().min(1).max(200).optional(),
  })
  .strict();

const tagContent = z
  .object({
    type: z.literal('tag'),
    tag: z.string().min(1).max(200),
  })
  .strict();

/** A media server's collection or playlist (src/sources/): its members in its own order, or shuffled. */
const collectionContent = z
  .object({
    type: z.literal('collection'),
    /** The source's key, e.g. "plex-1" (GET /api/library/sources). */
    source: z.string().regex(/^(plex|jellyfin|emby)-[1-9]\d{0,8}$/, 'must be a media server\'s key, e.g. "plex-1"'),
    name: z.string().min(1).max(200),
    order: z.enum(['sequential', 'shuffle']).default('sequential'),
  })
  .strict();

/**
 * A live event (issue 25): the block airs a live source (src/live, GET /api/live/sources) for
 * its whole slot, under its own title in the guide. What airs while the source is down is
 * `fallback` (only the slate for now); `overrun` is what happens at the block's end while the
 * event goes on (only `cut` for now: the next block starts on time). The source must exist
 * when the schedule is stored (checked by the channel store, which knows the sources).
 */
const liveContent = z
  .object({
    type: z.literal('live'),
    source: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a live source id (1 to 32 of a-z, 0-9 and -)'),
    /** The guide's title for the event; absent: the block's name. */
    title: z.string().min(1).max(200).optional(),
    fallback: z.literal('slate', { message: 'only "slate" is supported for now' }).default('slate'),
    overrun: z.literal('cut', { message: 'only "cut" is supported for now' }).default('cut'),
    /** Record the event as it airs into the library's recordings (src/live/event-recorder.ts). */
    record: z.boolean().optional(),
    /**
     * The event's cameras: the live sources a camera cut may take (POST …/live/take), `source`
     * first on the air. Absent: any live source may be taken.
     */
    cameras: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a live source id (1 to 32 of a-z, 0-9 and -)')).min(1).max(16).optional(),
  })
  .strict();

export const blockContentSchema = z.discriminatedUnion('type', [showContent, movieContent, tagContent, collectionContent, liveContent]);

export const blockSchema = z
  .object({
    name: z.string().min(1).max(80),
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).default([...WEEKDAYS]),
    /** Local wall-clock start, "HH:MM" (24 h). */
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24-hour)'),
    /** Length in wall-clock minutes: a block 18:00 + 60 ends at 19:00 local, also on DST days. */
    minutes: z.number().int().min(1).max(MINUTES_PER_DAY),
    content: blockContentSchema,
    /** When the first program is longer than the block: cut it at the boundary, or let it run and shift the next block. */
    overrun: z.enum(['cut', 'shift']).default('cut'),
    /** false: no mid-roll breaks; the spare time is one break after the last program. */
    breaks: z.boolean().default(true),
  })
  .strict();

export const scheduleSchema = z
  .object({
    blocks: z.array(blockSchema).max(MAX_BLOCKS).default([]),
    /** A commercial does not air again until this many other commercials have aired. */
    commercial_cooldown: z.number().int().min(0).max(100).default(4),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    const names = new Set<string>();
    schedule.blocks.forEach((block, index) => {
      if (names.has(block.name)) ctx.addIssue({ code: 'custom', path: ['blocks', index, 'name'], message: `duplicate block name "${block.name}"` });
      names.add(block.name);
    });
    // Only the overlaps an error will list are described; the rest are counted.
    const overlaps = overlappingPairs(schedule.blocks);
    for (const overlap of overlaps.slice(0, MAX_PROBLEMS_LISTED - 1)) ctx.addIssue({ code: 'custom', path: ['blocks'], message: describeOverlap(overlap) });
    const more = overlaps.length - (MAX_PROBLEMS_LISTED - 1);
    if (more > 0) ctx.addIssue({ code: 'custom', path: ['blocks'], message: `and ${more} more overlap${more === 1 ? '' : 's'}` });
  });

export type BlockContent = z.infer<typeof blockContentSchema>;
export type LiveContent = z.infer<typeof liveContent>;

/** The live sources a schedule airs, each with where it is named (for an error that points at it). */
export function liveSourcesOf(schedule: ChannelSchedule): Array<{ source: string; field: string }> {
  return schedule.blocks.flatMap((block, index) => {
    if (block.content.type !== 'live') return [];
    const cameras = (block.content.cameras ?? []).map((source, k) => ({ source, field: `blocks.${index}.content.cameras.${k}` }));
    return [{ source: block.content.source, field: `blocks.${index}.content.source` }, ...cameras];
  });
}
export type ScheduleBlock = z.infer<typeof blockSchema>;
export type ChannelSchedule = z.infer<typeof scheduleSchema>;
export type ScheduleInput = z.input<typeof scheduleSchema>;

export function emptySchedule(): ChannelSchedule {
  return scheduleSchema.parse({});
}

export function parseClock(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function formatWeekMinute(weekMinute: number): string {
  const m = ((weekMinute % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  const day = WEEKDAYS[Math.floor(m / MINUTES_PER_DAY)]!;
  const inDay = m % MINUTES_PER_DAY;
  return `${day} ${String(Math.floor(inDay / 60)).padStart(2, '0')}:${String(inDay % 60).padStart(2, '0')}`;
}

interface WeekInterval {
  block: ScheduleBlock;
  from: number;
  to: number;
}

/** Each occurrence as minutes of the week [from, to); one that wraps past Sunday midnight is split. */
function weekIntervals(block: ScheduleBlock): WeekInterval[] {
  const result: WeekInterval[] = [];
  const start = parseClock(block.start);
  for (const day of new Set(block.days)) {
    const from = WEEKDAYS.indexOf(day) * MINUTES_PER_DAY + start;
    const to = from + block.minutes;
    if (to <= MINUTES_PER_WEEK) result.push({ block, from, to });
    else {
      result.push({ block, from, to: MINUTES_PER_WEEK });
      result.push({ block, from: 0, to: to - MINUTES_PER_WEEK });
    }
  }
  return result;
}

/**
 * Overlapping occurrences, as (earlier, later) pairs. One sweep over the occurrences sorted by
 * start: each one that starts before the furthest-reaching earlier one ends is paired with it.
 * Every overlapping occurrence is named at least once, in O(n log n) and with at most one pair
 * per occurrence (all pairs would be quadratic: 400 blocks on top of each other made 13 s of
 * work and a 70 MB answer).
 */
function overlappingPairs(blocks: ScheduleBlock[]): Array<[WeekInterval, WeekInterval]> {
  const intervals = blocks.flatMap(weekIntervals).sort((a, b) => a.from - b.from || a.to - b.to);
  const pairs: Array<[WeekInterval, WeekInterval]> = [];
  let furthest: WeekInterval | undefined;
  for (const interval of intervals) {
    if (furthest && interval.from < furthest.to) pairs.push([furthest, interval]);
    if (!furthest || interval.to > furthest.to) furthest = interval;
  }
  return pairs;
}

function describeOverlap([a, b]: [WeekInterval, WeekInterval]): string {
  const describe = (i: WeekInterval) => `block "${i.block.name}" (${formatWeekMinute(i.from)}–${formatWeekMinute(i.to)})`;
  const who = a.block === b.block ? `block "${a.block.name}" overlaps itself` : `${describe(a)} overlaps ${describe(b)}`;
  return `${who} during ${formatWeekMinute(b.from)}–${formatWeekMinute(Math.min(a.to, b.to))}`;
}

/**
 * Overlaps between blocks, in wall-clock terms, each described with both blocks and the
 * overlap, e.g. `block "Sitcom" (mon 18:00–19:00) overlaps block "News" (mon 18:30–19:30) during mon 18:30–19:00`.
 * Only the first `limit` are described.
 */
export function findConflicts(blocks: ScheduleBlock[], limit = Infinity): string[] {
  return overlappingPairs(blocks).slice(0, limit).map(describeOverlap);
}

/** The first problems, each cut short, within a budget; then how many more there were. */
function listedProblems(problems: string[]): string[] {
  const listed: string[] = [];
  let chars = 0;
  for (const problem of problems) {
    const cut = problem.length > MAX_PROBLEM_CHARS ? `${problem.slice(0, MAX_PROBLEM_CHARS)}…` : problem;
    if (listed.length >= MAX_PROBLEMS_LISTED || (listed.length > 0 && chars + cut.length > MAX_PROBLEMS_CHARS)) break;
    listed.push(cut);
    chars += cut.length + 2;
  }
  const more = problems.length - listed.length;
  if (more > 0) listed.push(`and ${more} more problem${more === 1 ? '' : 's'}`);
  return listed;
}

/** Parses a schedule, throwing ScheduleError with every problem listed (path: message). */
export class ScheduleError extends Error {
  constructor(
    readonly problems: string[],
    /** The first field at fault (dotted path), for the API's `field`. */
    readonly field?: string,
  ) {
    super(problems.join('; '));
    this.name = 'ScheduleError';
  }
}

export function parseSchedule(input: unknown): ChannelSchedule {
  // Counted before anything is parsed: validating 10 000 blocks is already too much work.
  const blocks = input && typeof input === 'object' ? (input as { blocks?: unknown }).blocks : undefined;
  if (Array.isArray(blocks) && blocks.length > MAX_BLOCKS) {
    throw new ScheduleError([`blocks: at most ${MAX_BLOCKS} blocks in a schedule (got ${blocks.length})`], 'blocks');
  }
  const result = scheduleSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ScheduleError(
    listedProblems(result.error.issues.map((issue) => {
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      if (issue.code === 'unrecognized_keys') return `${where}unknown key(s) ${someOf(issue.keys.map((k) => `"${k}"`))}`;
      return `${where}${issue.message}`;
    })),
    result.error.issues[0]?.path.map(String).join('.') || undefined,
  );
}
