import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { resolveOutputProfile, type LadderRung } from '../../../src/config/quality.js';
import { Channel } from '../../../src/playout/channel.js';
import { ChannelOutputs } from '../../../src/playout/channel-outputs.js';
import { ChannelRenditions } from '../../../src/playout/channel-renditions.js';
import type { ChannelSession } from '../../../src/playout/channel-session.js';

/** A run that records what the channel asked of it, in one shared log. */
function fakeRun(name: string, calls: string[]) {
  const run = {
    channelNumber: 4,
    start: async () => void calls.push(`${name} start`),
    stop: async () => void calls.push(`${name} stop`),
    close: async () => void calls.push(`${name} close`),
    breakIn: () => void calls.push(`${name} breakIn`),
    graphicsChanged: () => void calls.push(`${name} graphicsChanged`),
  };
  return run as typeof run & ChannelSession;
}

const rung = (name: LadderRung['name']): LadderRung => ({ name, profile: resolveOutputProfile(configSchema.parse({}), name) });

describe('Channel (owns its runs: the ladder follows the channel)', () => {
  it('starts, stops, breaks in and redraws every run, the channel own run first; closes the rungs before it', async () => {
    const calls: string[] = [];
    const own = fakeRun('own', calls);
    const low = fakeRun('low', calls);
    const high = fakeRun('high', calls);
    // The channel's own run is no rung here (it runs beside the ladder, for `.ts`).
    const renditions = new ChannelRenditions(own, [{ rung: rung('low'), session: low }, { rung: rung('high'), session: high }], 2);
    const channel = new Channel(own, renditions);
    expect(channel.number).toBe(4);
    expect(channel.renditions).toBe(renditions); // the routes find the ladder through the channel, not a run
    expect(channel.runs).toEqual([own, low, high]);
    await channel.start();
    await channel.stop();
    channel.breakIn();
    channel.graphicsChanged();
    await channel.close();
    expect(calls).toEqual([
      'own start', 'low start', 'high start',
      'own stop', 'low stop', 'high stop',
      'own breakIn', 'low breakIn', 'high breakIn',
      'own graphicsChanged', 'low graphicsChanged', 'high graphicsChanged',
      'low close', 'high close', 'own close',
    ]);
  });

  it('runs its own run once when that run is also a rung', async () => {
    const calls: string[] = [];
    const own = fakeRun('own', calls);
    const high = fakeRun('high', calls);
    const channel = new Channel(own, new ChannelRenditions(own, [{ rung: rung('low'), session: own }, { rung: rung('high'), session: high }], 2));
    await channel.start();
    expect(calls).toEqual(['own start', 'high start']);
  });

  it('without a ladder is its own run alone', async () => {
    const calls: string[] = [];
    const own = fakeRun('own', calls);
    const channel = new Channel(own);
    await channel.start();
    channel.breakIn();
    await channel.close();
    expect(calls).toEqual(['own start', 'own breakIn', 'own close']);
    expect(channel.renditions).toBeUndefined();
    expect(channel.runs).toEqual([own]);
  });
});

describe('ChannelOutputs (the one answer to what channel n airs at)', () => {
  const config = configSchema.parse({ streaming: { quality: 'low', ladder: ['low', 'medium'] } });

  it('takes the quality the timelines owner gives (schedule mode: the stored channel own)', () => {
    const outputs = new ChannelOutputs(config, { qualityOf: (n) => (n === 2 ? 'high' : undefined) });
    expect(outputs.profileOf(1)).toEqual(resolveOutputProfile(config));
    expect(outputs.profileOf(2)).toEqual(resolveOutputProfile(config, 'high'));
    expect(outputs.ladderOf(2).map((r) => r.name)).toEqual(['low', 'medium']);
    // Its own profile first, then each rung that is not it.
    expect(outputs.profilesOf(2).map((p) => p.height)).toEqual([1080, 360, 720]);
    expect(outputs.profilesOf(1).map((p) => p.height)).toEqual([360, 720]);
  });
});
