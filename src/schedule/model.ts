import { z } from 'zod';

/**
 * A channel's coarse schedule: blocks anchored to wall-clock time in the channel's IANA
 * zone. Validated with zod; overlapping blocks are refused with a message naming both.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const showContent = z
  .object({
    type: z.literal('show'),
    show: z.string().min(1),
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
    tag: z.string().min(1).optional(),
  })
  .strict();

const tagContent = z
  .object({
    type: z.literal('tag'),
    tag: z.string().min(1),
  })
  .strict();

export const blockContentSchema = z.discriminatedUnion('type', [showContent, movieContent, tagContent]);

export const blockSchema = z
  .object({
    name: z.string().min(1).max(80),
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
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
    blocks: z.array(blockSchema).default([]),
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
    for (const conflict of findConflicts(schedule.blocks)) ctx.addIssue({ code: 'custom', path: ['blocks'], message: conflict });
  });

export type BlockContent = z.infer<typeof blockContentSchema>;
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
 * Overlaps between blocks, in wall-clock terms, each described with both blocks and the
 * overlap, e.g. `block "Sitcom" (mon 18:00–19:00) overlaps block "News" (mon 18:30–19:30) during mon 18:30–19:00`.
 */
export function findConflicts(blocks: ScheduleBlock[]): string[] {
  const intervals = blocks.flatMap(weekIntervals).sort((a, b) => a.from - b.from);
  const messages = new Set<string>();
  const describe = (i: WeekInterval) => `block "${i.block.name}" (${formatWeekMinute(i.from)}–${formatWeekMinute(i.to)})`;
  for (let i = 0; i < intervals.length; i += 1) {
    for (let j = i + 1; j < intervals.length && intervals[j]!.from < intervals[i]!.to; j += 1) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      const overlapTo = Math.min(a.to, b.to);
      const who = a.block === b.block ? `block "${a.block.name}" overlaps itself` : `${describe(a)} overlaps ${describe(b)}`;
      messages.add(`${who} during ${formatWeekMinute(b.from)}–${formatWeekMinute(overlapTo)}`);
    }
  }
  return [...messages];
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
  const result = scheduleSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ScheduleError(
    result.error.issues.map((issue) => {
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      if (issue.code === 'unrecognized_keys') return `${where}unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${where}${issue.message}`;
    }),
    result.error.issues[0]?.path.map(String).join('.') || undefined,
  );
}
