import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Channel } from '../../../src/playout/channel.js';
import { ChannelManager } from '../../../src/playout/channel-manager.js';
import type { ChannelSession } from '../../../src/playout/channel-session.js';

/**
 * ChannelManager with fake timers and fake sessions (what the manager reads of a session:
 * number, state, start time, .ts viewers; what it calls: start, stop, close). No ffmpeg.
 * (Restart backoff of a crashed packager is the supervisor's: test/integration/ffmpeg/run-supervisor.test.ts.)
 */
class FakeSession {
  state: 'idle' | 'starting' | 'live' | 'stopped' = 'idle';
  startedAtMs: number | undefined;
  fanout = { viewerCount: 0 };
  starts = 0;
  stops = 0;
  closed = false;
  constructor(
    readonly channelNumber: number,
    private readonly liveAfterMs = 0,
  ) {}
  async start(): Promise<void> {
    if (this.state === 'live' || this.state === 'starting') return;
    this.starts += 1;
    this.startedAtMs = Date.now();
    this.state = 'starting';
    if (this.liveAfterMs === 0) this.state = 'live';
    else setTimeout(() => (this.state = 'live'), this.liveAfterMs);
  }
  async stop(): Promise<void> {
    this.stops += 1;
    this.state = 'stopped';
  }
  async close(): Promise<void> {
    this.closed = true;
    this.state = 'stopped';
  }
}

/** A channel whose only run is the fake (no ladder). */
const asChannel = (s: FakeSession) => new Channel(s as unknown as ChannelSession);
const log = pino({ level: 'silent' });

function manager(options: { idle?: number; reloadGrace?: number; alwaysOn?: number[]; create?: (n: number) => FakeSession | undefined } = {}) {
  return new ChannelManager({
    idleTimeoutSeconds: options.idle ?? 60,
    playlistReloadGraceSeconds: options.reloadGrace,
    isChannelAlwaysOn: (n: number) => (options.alwaysOn ?? []).includes(n),
    log,
    ...(options.create ? { factory: { channelFor: (n: number) => { const s = options.create!(n); return s && asChannel(s); } } } : {}),
  });
}

let managers: ChannelManager[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2024, 5, 3, 18) });
  managers = [];
});
afterEach(async () => {
  await Promise.all(managers.map((m) => m.closeAll()));
  vi.useRealTimers();
});
const track = (m: ChannelManager) => (managers.push(m), m);

describe('ChannelManager (fake timers, fake sessions)', () => {
  it('INV-IDLE-1: stops a channel idle_timeout after its last viewer, not before', async () => {
    const m = track(manager({ idle: 60 }));
    const one = new FakeSession(1);
    m.add(asChannel(one));
    m.watchIdle();
    await m.touch(1);
    expect(one.state).toBe('live');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(one.stops).toBe(0);
    m.noteActivity(1); // an HLS player polled the playlist
    await vi.advanceTimersByTimeAsync(59_000);
    expect(one.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(one.stops).toBe(1);
    expect(one.state).toBe('stopped');
  });

  it('never calls a channel idle between two playlist reloads of an HLS player, however short idle_timeout is', async () => {
    const m = track(manager({ idle: 5, reloadGrace: 20 }));
    const one = new FakeSession(1);
    m.add(asChannel(one));
    m.watchIdle();
    await m.touch(1);
    await vi.advanceTimersByTimeAsync(10_000); // a player reloading every 10 s (10 s segments)
    m.noteActivity(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(one.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(one.stops).toBe(1);
  });

  it('a .ts viewer holding the stream open keeps the channel on however long', async () => {
    const m = track(manager({ idle: 5 }));
    const one = new FakeSession(1);
    m.add(asChannel(one));
    m.watchIdle();
    await m.touch(1);
    one.fanout.viewerCount = 1;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(one.stops).toBe(0);
    one.fanout.viewerCount = 0; // hung up: the idle clock runs from now
    await vi.advanceTimersByTimeAsync(4_000);
    expect(one.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(one.stops).toBe(1);
  });

  it('spares a cold start longer than idle_timeout (up to 30 s): the viewer who asked is still waiting', async () => {
    const m = track(manager({ idle: 2 }));
    const slow = new FakeSession(1, 10_000);
    m.add(asChannel(slow));
    m.watchIdle();
    await m.touch(1);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(slow.state).toBe('starting');
    expect(slow.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.state).toBe('live');
    m.noteActivity(1); // what the channel route does once the first segment is served
    await vi.advanceTimersByTimeAsync(1_000);
    expect(slow.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(slow.stops).toBe(1);
  });

  it('INV-IDLE-1: never stops always-on channels; idle_timeout 0 makes every channel always on', async () => {
    const m = track(manager({ idle: 1, alwaysOn: [2] }));
    const [one, two] = [new FakeSession(1), new FakeSession(2)];
    m.add(asChannel(one));
    m.add(asChannel(two));
    await m.startAlwaysOn();
    expect([one.starts, two.starts]).toEqual([0, 1]);
    m.watchIdle();
    await m.touch(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect([one.stops, two.stops]).toEqual([1, 0]);

    const always = track(manager({ idle: 0 }));
    const three = new FakeSession(3);
    always.add(asChannel(three));
    await always.startAlwaysOn();
    always.watchIdle();
    await vi.advanceTimersByTimeAsync(120_000);
    expect([three.starts, three.stops]).toEqual([1, 0]);
  });

  it('makes a session on first use, and afresh after remove() (a channel edited or deleted)', async () => {
    const made: FakeSession[] = [];
    const m = track(manager({ create: (n) => (n === 7 ? (made.push(new FakeSession(7)), made.at(-1)) : undefined) }));
    expect(m.channel(8)).toBeUndefined();
    expect(m.channel(1.5)).toBeUndefined();
    const first = m.channel(7);
    expect(m.channel(7)).toBe(first);
    expect(made).toHaveLength(1);
    await m.touch(7);
    await m.remove(7);
    expect(made[0]!.closed).toBe(true);
    expect(m.lastActivity(7)).toBeUndefined();
    const second = await m.touch(7);
    expect(second).not.toBe(first);
    expect(made).toHaveLength(2);
    expect(made[1]!.state).toBe('live');
  });
});
