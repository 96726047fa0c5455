import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MonitorEventStreams, type EventStreamLimits } from '../../../src/server/monitor-snapshot.js';

const LIMITS: EventStreamLimits = { intervalMs: 2000, maxStreams: 4, maxPerAddress: 2, maxBufferedBytes: 1 << 20, maxStalledIntervals: 2 };

/** A client that reads everything at once (each write done before the next tick). */
function reader() {
  const events: string[] = [];
  const sink = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, done) {
      events.push(chunk.toString());
      done();
    },
  });
  return { sink, events };
}

/** A client that never reads: nothing it is sent is ever taken. */
function stalled() {
  return new Writable({ highWaterMark: 64, write() {} });
}

/** Lets a reader's 'drain' (a next-tick callback) happen. */
const settle = () => new Promise((resolve) => process.nextTick(resolve));

describe('monitor event streams: one snapshot per interval, a bounded number of streams, a client that does not read is dropped', () => {
  let takes: number;
  let streams: MonitorEventStreams;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    takes = 0;
    // Bigger than a stream's buffer mark, as a real snapshot is: every write fills the buffer.
    streams = new MonitorEventStreams(() => ({ n: ++takes, pad: 'x'.repeat(200) }), LIMITS);
  });
  afterEach(() => {
    streams.closeAll();
    vi.useRealTimers();
  });

  const advance = async (intervals: number) => {
    for (let i = 0; i < intervals; i++) {
      vi.advanceTimersByTime(LIMITS.intervalMs);
      await settle();
    }
  };

  it('takes one snapshot per interval for all streams, and none when no stream is open', async () => {
    const clients = [reader(), reader(), reader()];
    clients.forEach((c, i) => streams.add(c.sink, `10.0.0.${i}`));
    await settle();
    expect(takes).toBe(1);
    await advance(3);
    expect(takes).toBe(4);
    for (const c of clients) expect(c.events.map((e) => JSON.parse(e.split('data: ')[1]!).n)).toEqual([1, 2, 3, 4]);
    expect(clients[0]!.events[0]).toMatch(/^event: snapshot\ndata: \{.*\}\n\n$/);
    clients.forEach((c) => c.sink.destroy());
    await settle();
    expect(streams.size).toBe(0);
    await advance(3);
    expect(takes).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses a stream beyond the cap, and beyond the cap of one address, until one closes', async () => {
    const a = [reader(), reader()];
    a.forEach((c) => streams.add(c.sink, '10.0.0.1'));
    expect(streams.refusal('10.0.0.1')).toBe('2 monitor event streams are open from 10.0.0.1, the most one address may hold; close another control room tab');
    streams.add(reader().sink, '10.0.0.2');
    streams.add(reader().sink, '10.0.0.3');
    expect(streams.refusal('10.0.0.4')).toBe('4 monitor event streams are open, the most the server keeps; close another control room, or poll GET /api/monitor');
    a[0]!.sink.destroy();
    await settle();
    expect(streams.refusal('10.0.0.4')).toBeUndefined();
    expect(streams.refusal('10.0.0.1')).toBeUndefined();
  });

  it('skips a client whose buffer is full, drops it after two intervals, and keeps the readers going', async () => {
    const good = reader();
    const bad = stalled();
    streams.add(good.sink, '10.0.0.1');
    streams.add(bad, '10.0.0.2');
    await settle();
    const heldAfterFirst = bad.writableLength;
    await advance(1);
    // Skipped, not queued: its buffer holds the first snapshot only.
    expect(bad.writableLength).toBe(heldAfterFirst);
    expect(bad.destroyed).toBe(false);
    await advance(1);
    expect(bad.destroyed).toBe(true);
    expect(streams.size).toBe(1);
    await advance(2);
    expect(good.events).toHaveLength(5);
  });

  it('drops a client at once when more than the limit is waiting for it', async () => {
    streams = new MonitorEventStreams(() => ({ pad: 'x'.repeat(4000) }), { ...LIMITS, maxBufferedBytes: 1000 });
    const bad = stalled();
    streams.add(bad, '10.0.0.2');
    await advance(1);
    expect(bad.destroyed).toBe(true);
    expect(streams.size).toBe(0);
  });
});
