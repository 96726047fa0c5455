import { describe, expect, it } from 'vitest';
import { readHealth } from '../../../src/metrics/health-reading.js';

const channel = {
  number: 1,
  state: 'live',
  encoder: { restarts: 2, speed: 1.4 },
  viewers: { ts: 3 },
  slatesShown: 1,
  workingAheadSeconds: 5.5,
  cache: { hitRatio: 0.75, cachedSeconds: 300, liveSeconds: 100 },
};

describe('readHealth: the health document as numbers, defensively', () => {
  it('reads every channel field the metrics export', () => {
    const reading = readHealth({ channels: [channel], cache: { entries: 4, bytes: 1000, budgetBytes: 5000, fillQueue: { depth: 2 } } });
    expect(reading.channels).toEqual([
      { channel: '1', state: 'live', tsViewers: 3, rendererSpeed: 1.4, workAheadSeconds: 5.5, restarts: 2, slatesShown: 1, cacheHitRatio: 0.75, cachedSeconds: 300, liveRenderedSeconds: 100, writeErrors: undefined, degradedStep: undefined },
    ]);
    expect(reading.cache).toEqual({ entries: 4, bytes: 1000, budgetBytes: 5000, fillQueueLength: 2 });
    expect(reading.disk).toBeUndefined();
  });

  it('reads the disk and overload parts where the server reports them', () => {
    const reading = readHealth({
      channels: [{ ...channel, writeErrors: { count: 4, last: null, failing: false }, degraded: 'lower-quality' }, { ...channel, number: 2, degraded: null }, { ...channel, number: 3, degraded: 'slate' }],
      disk: { freeBytes: 10, totalBytes: 100, low: true, writeErrors: 7 },
      capacity: { cores: 2, coresInUse: 1.6 },
      overload: { level: 1, since: '2026-01-01T00:00:00Z', steps: [{ step: 'graphics' }] },
    });
    expect(reading.channels.map((c) => [c.writeErrors, c.degradedStep])).toEqual([[4, 2], [undefined, 0], [undefined, 3]]);
    expect(reading.disk).toEqual({ freeBytes: 10, totalBytes: 100, low: true, writeErrors: 7 });
    expect(reading.capacity).toEqual({ coresNeeded: 1.6, cores: 2, step: 1 });
  });

  it('never throws: nonsense gives no series', () => {
    for (const nonsense of [null, 42, 'x', [], { channels: 'no' }, { channels: [null, { number: 'one' }, { number: 1.5 }] }]) {
      expect(readHealth(nonsense).channels).toEqual([]);
    }
    const odd = readHealth({ channels: [{ number: 3, encoder: { speed: 'fast', restarts: Infinity } }] }).channels[0]!;
    expect(odd).toMatchObject({ channel: '3', state: 'unknown', rendererSpeed: undefined, restarts: 0, tsViewers: 0 });
  });
});
