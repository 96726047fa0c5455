import type { CatalogItem } from '../../../src/library/catalog.js';
import { compileTimeline, initialState, type CompileInput } from '../../../src/schedule/compiler.js';
import { parseSchedule, type ScheduleInput } from '../../../src/schedule/model.js';
import type { Airing } from '../../../src/timeline/types.js';

const MIN = 60_000;
let nextId = 1;

function item(partial: Partial<CatalogItem> & Pick<CatalogItem, 'kind' | 'title' | 'durationMs'>): CatalogItem {
  const id = nextId++;
  return { id, path: `/media/${partial.kind}/${id}-${partial.title}.mp4`, chapters: [], tags: [], ...partial };
}

/** A small realistic library: a sitcom with act breaks, a cartoon without, movies, interstitials. */
export function sampleCatalog(): CatalogItem[] {
  nextId = 1;
  const sitcom = Array.from({ length: 6 }, (_, i) =>
    item({
      kind: 'episode', show: 'Sitcom', season: 1, episode: i + 1, title: `Sitcom Episode ${i + 1}`,
      durationMs: 22 * MIN + i * 1234,
      chapters: [{ title: 'Act 1', timestampMs: 0 }, { title: 'Act 2', timestampMs: 7 * MIN + 500 }, { title: 'Act 3', timestampMs: 15 * MIN + 250 }],
    }),
  );
  const cartoon = Array.from({ length: 4 }, (_, i) =>
    item({ kind: 'episode', show: 'Cartoon', season: 2, episode: i + 1, title: `Cartoon ${i + 1}`, durationMs: 11 * MIN + i * 777 }),
  );
  const movies = [
    item({ kind: 'movie', title: 'Long Movie', durationMs: 95 * MIN + 3210, year: 1988, tags: ['classic'] }),
    item({ kind: 'movie', title: 'Short Movie', durationMs: 80 * MIN + 999, year: 1991 }),
  ];
  const commercials = Array.from({ length: 8 }, (_, i) => item({ kind: 'commercial', title: `Ad ${i + 1}`, durationMs: (i % 2 ? 15 : 30) * 1000 + i * 10 }));
  const bumpers = Array.from({ length: 3 }, (_, i) => item({ kind: 'bumper', title: `Bumper ${i + 1}`, durationMs: 5000 + i * 3 }));
  const ids = Array.from({ length: 2 }, (_, i) => item({ kind: 'station_id', title: `ID ${i + 1}`, durationMs: 10_000 }));
  return [...sitcom, ...cartoon, ...movies, ...commercials, ...bumpers, ...ids];
}

export function inputFor(schedule: ScheduleInput, options: Partial<CompileInput> = {}): CompileInput {
  return { channelNumber: 1, timeZone: 'America/New_York', schedule: parseSchedule(schedule), catalog: sampleCatalog(), ...options };
}

export function compile(input: CompileInput, fromMs: number, untilMs: number) {
  return compileTimeline(input, initialState(), fromMs, untilMs);
}

/** Contiguity and exact durations: every airing starts where the previous ended; lengths match in/out points. */
export function assertContiguous(airings: Airing[], fromMs: number): string[] {
  const problems: string[] = [];
  let cursor = fromMs;
  for (const a of airings) {
    if (a.startMs !== cursor) problems.push(`gap/overlap at ${new Date(cursor).toISOString()}: next starts ${new Date(a.startMs).toISOString()}`);
    if (a.endMs <= a.startMs) problems.push(`empty airing at ${a.startMs}`);
    if (a.outPointMs - a.inPointMs !== a.endMs - a.startMs) problems.push(`duration mismatch at ${a.startMs}`);
    if (!Number.isInteger(a.startMs) || !Number.isInteger(a.endMs)) problems.push(`non-integer ms at ${a.startMs}`);
    cursor = a.endMs;
  }
  return problems;
}

export const weeknightSchedule: ScheduleInput = {
  blocks: [
    { name: 'Sitcom', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '18:00', minutes: 30, content: { type: 'show', show: 'Sitcom' } },
    { name: 'Cartoons', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '18:30', minutes: 30, content: { type: 'show', show: 'Cartoon', order: 'shuffle' } },
    { name: 'Movie', start: '20:00', minutes: 120, content: { type: 'movies' } },
  ],
};
