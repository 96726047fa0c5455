import { WEEKDAYS, type Block, type Weekday } from './types.js';

/**
 * The schedule editor's arithmetic, free of the DOM (unit-tested in test/unit/web/): where a
 * block sits in the week, moving and resizing it on a 15-minute grid, and which blocks overlap.
 */
export const SNAP_MINUTES = 15;
export const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;

export function minutesOf(clock: string): number {
  const [hh, mm] = clock.split(':').map(Number);
  return hh! * 60 + mm!;
}

export function clockOf(minutes: number): string {
  const m = ((Math.round(minutes) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export const snap = (minutes: number): number => Math.round(minutes / SNAP_MINUTES) * SNAP_MINUTES;

/** One day's piece of a block as drawn: a block past midnight continues in the next day's column. */
export interface BlockPiece {
  block: number;
  day: number;
  startMin: number;
  endMin: number;
  /** This piece is the part after midnight. */
  continued: boolean;
}

export function piecesOf(blocks: Block[]): BlockPiece[] {
  const pieces: BlockPiece[] = [];
  blocks.forEach((block, index) => {
    const start = minutesOf(block.start);
    for (const day of block.days) {
      const d = WEEKDAYS.indexOf(day);
      const end = start + block.minutes;
      pieces.push({ block: index, day: d, startMin: start, endMin: Math.min(end, DAY_MINUTES), continued: false });
      if (end > DAY_MINUTES) pieces.push({ block: index, day: (d + 1) % 7, startMin: 0, endMin: end - DAY_MINUTES, continued: true });
    }
  });
  return pieces;
}

/**
 * The empty stretches of one day (minutes from midnight) between the pieces drawn in it: the
 * editor shows them while you drag, since empty time plays the library back to back.
 */
export function gapsOf(pieces: BlockPiece[], day: number): Array<{ startMin: number; endMin: number }> {
  const spans = pieces.filter((p) => p.day === day).sort((a, b) => a.startMin - b.startMin);
  const gaps: Array<{ startMin: number; endMin: number }> = [];
  let cursor = 0;
  for (const span of spans) {
    if (span.startMin > cursor) gaps.push({ startMin: cursor, endMin: span.startMin });
    cursor = Math.max(cursor, span.endMin);
  }
  if (cursor < DAY_MINUTES) gaps.push({ startMin: cursor, endMin: DAY_MINUTES });
  return gaps;
}

/** Indices of blocks that share air time with another block in the week. */
export function overlappingBlocks(blocks: Block[]): Set<number> {
  const spans = blocks.flatMap((block, index) =>
    block.days.map((day) => ({ index, from: WEEKDAYS.indexOf(day) * DAY_MINUTES + minutesOf(block.start), minutes: block.minutes })),
  );
  const clashing = new Set<number>();
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.index === b.index) continue;
      // On the week's circle: b starts inside a, or a inside b.
      const bAfterA = (((b.from - a.from) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
      const aAfterB = (((a.from - b.from) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
      if (bAfterA < a.minutes || aAfterB < b.minutes) clashing.add(a.index).add(b.index);
    }
  }
  return clashing;
}

const shiftDay = (day: Weekday, by: number): Weekday => WEEKDAYS[(((WEEKDAYS.indexOf(day) + by) % 7) + 7) % 7]!;

/** The block moved by whole days and minutes (snapped); crossing midnight moves its days too. */
export function moveBlock(block: Block, dayDelta: number, minuteDelta: number): Block {
  const start = minutesOf(block.start) + snap(minuteDelta);
  const carry = Math.floor(start / DAY_MINUTES);
  const days = block.days.map((day) => shiftDay(day, dayDelta + carry));
  return { ...block, start: clockOf(start), days: WEEKDAYS.filter((d) => days.includes(d)) };
}

/** The block with its start or end edge dragged by `minuteDelta` (snapped); at least 15 minutes, at most a day. */
export function resizeBlock(block: Block, edge: 'start' | 'end', minuteDelta: number): Block {
  const delta = snap(minuteDelta);
  if (edge === 'end') return { ...block, minutes: Math.min(DAY_MINUTES, Math.max(SNAP_MINUTES, block.minutes + delta)) };
  const start = minutesOf(block.start);
  const newStart = Math.min(Math.max(0, start + delta), start + block.minutes - SNAP_MINUTES);
  return { ...block, start: clockOf(newStart), minutes: block.minutes - (newStart - start) };
}

/** A block name not used yet ("Signal Hill", "Signal Hill 2", …): names identify blocks. */
export function uniqueName(blocks: Block[], base: string): string {
  const names = new Set(blocks.map((b) => b.name));
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base} ${n}`)) return `${base} ${n}`;
}
