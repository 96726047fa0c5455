import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Capacity } from '../../../src/capacity/capacity.js';
import { resolveOutputProfile } from '../../../src/config/quality.js';
import type { Airing, ChannelTimeline } from '../../../src/timeline/types.js';
import { loadConfigContents } from '../../helpers/config-files.js';

/**
 * Issue 25: a live event costs one real-time decode and encode for as long as it lasts: the
 * capacity estimate counts its share of the next hour as rendered even when every file around
 * it is in the media cache.
 */
describe('capacity counts a live event as rendered, never cached', () => {
  const NOW = Date.UTC(2026, 11, 7, 19, 0, 0);
  const config = loadConfigContents({ cache: { enabled: true } });
  const profile = resolveOutputProfile(config);
  const airing = (startMin: number, minutes: number, extra: Partial<Airing>): Airing => ({
    startMs: NOW + startMin * 60_000, endMs: NOW + (startMin + minutes) * 60_000, mediaPath: '/media/show.mp4', inPointMs: 0, outPointMs: minutes * 60_000, kind: 'program', title: 'Show', ...extra,
  });
  const capacityFor = (airings: Airing[]) => {
    const timeline: ChannelTimeline = { at: () => undefined, airingsBetween: () => airings, endsAtMs: undefined };
    return new Capacity({
      config,
      playout: { all: () => [], isAlwaysOn: () => true },
      outputs: { profileOf: () => profile, ladderOf: () => [], lowerProfileOf: () => undefined, qualityOf: () => 'medium' } as never,
      timelines: { plays: () => true, timelineFor: () => timeline, channelNumbers: () => [1], store: {} as never },
      // Every file is cached at the channel's profile.
      mediaCache: { lookup: async () => ({}) as never, profileKeyOf: () => 'key' },
      log: pino({ level: 'silent' }),
      now: () => NOW,
    });
  };

  it('an hour of cached files is almost free; with a 30-minute live block in it, half of it is rendered', async () => {
    const files = await capacityFor([airing(0, 60, {})]).channelCost(1);
    expect(files.runs[0]!.liveShare).toBe(0);
    const withEvent = await capacityFor([airing(0, 30, {}), airing(30, 30, { kind: 'live', mediaPath: '', title: 'Match', live: { sourceId: 'stadium' } })]).channelCost(1);
    expect(withEvent.runs[0]!.liveShare).toBe(0.5);
    expect(withEvent.cores).toBeGreaterThan(files.cores);
  });
});
