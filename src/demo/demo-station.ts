/**
 * The station a first run puts on the air: three channels scheduled in blocks over the demo
 * library, so the guide reads like TV from the first minute and every part of Retrovue shows —
 * breaks at chapter marks, movies in their slots, commercials, the station's graphics.
 *
 * They are written once, as channels created from the control room would be (source "api"),
 * so the user can change, renumber or delete them and the next start keeps what they did.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelStore } from '../channels/channel-store.js';
import type { GraphicsStore } from '../graphics/graphics-store.js';

/** Written to the data folder when the demo station is seeded: it is seeded once, never again. */
const SEEDED_MARKER = '.demo-station-seeded';

type Block = { name: string; start: string; minutes: number; content: Record<string, unknown> };

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Blocks of `minutes` all day long, the content taken in turn from `rotation` (block names are unique: "Signal Hill 18:30"). */
function allDay(minutes: number, rotation: Array<{ name: string; content: Record<string, unknown> }>): Block[] {
  return Array.from({ length: (24 * 60) / minutes }, (_, i) => {
    const { name, content } = rotation[i % rotation.length]!;
    return { name: `${name} ${hhmm(i * minutes)}`, start: hhmm(i * minutes), minutes, content };
  });
}

const show = (name: string) => ({ name, content: { type: 'show', show: name, order: 'sequential' } });

/** The demo channels, in the config file's channel format (see README "Configuration"). */
export function demoChannels(timeZone: string): Array<Record<string, unknown>> {
  return [
    {
      number: 1, name: 'Retrovue 1', call_sign: 'RTV1', group: 'Retrovue demo', time_zone: timeZone,
      // Half-hour sitcoms around the clock: each episode split at its chapter marks for breaks.
      schedule: { blocks: allDay(30, [show('Signal Hill'), show('Fractal Frontier')]) },
    },
    {
      number: 2, name: 'Retro Movies', call_sign: 'RTVM', group: 'Retrovue demo', time_zone: timeZone,
      // A movie every hour on the hour, cut into parts by its chapters.
      schedule: { blocks: allDay(60, [{ name: 'Movie Hour', content: { type: 'movies' } }]) },
    },
    {
      number: 3, name: 'Retro Toons', call_sign: 'RTVT', group: 'Retrovue demo', time_zone: timeZone,
      // The commercial-heavy channel: an eleven-minute cartoon every quarter hour, the rest ads.
      schedule: { blocks: allDay(15, [show('Life on the Grid')]) },
    },
  ];
}

/** Each demo channel in its own colours, so the bug, lower thirds and slates tell them apart. */
const BRANDING: Record<number, { primary: string; accent: string }> = {
  1: { primary: '#14213d', accent: '#fca311' },
  2: { primary: '#4a1010', accent: '#e9c46a' },
  3: { primary: '#0f3b2e', accent: '#7cffb2' },
};

/**
 * Seeds the demo station into an empty channel table, once per data folder. Returns whether it
 * did (the caller then skips the default "Retrovue 1..N" channels).
 */
export function seedDemoStation(store: ChannelStore, graphics: GraphicsStore, dataDir: string, timeZone: string): boolean {
  const marker = path.join(dataDir, SEEDED_MARKER);
  if (existsSync(marker) || store.all().length > 0) return false;
  for (const channel of demoChannels(timeZone)) {
    const created = store.create(channel);
    const branding = BRANDING[created.number];
    if (branding) graphics.set(created.number, { branding });
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return true;
}

/** True when this data folder's demo station was seeded (it stays the default from then on). */
export function demoStationWasSeeded(dataDir: string): boolean {
  return existsSync(path.join(dataDir, SEEDED_MARKER));
}
