import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { feedLiveRenderer, LIVE_FIRST_OUTPUT_MS, LIVE_LOSS_MS, LIVE_STALL_MS, type LiveFeeds } from '../../../src/playout/live-feed.js';

/** A source the test drives: chunks are pushed by hand; it counts subscribers. */
function fakeSource() {
  const listeners = new Set<(chunk: Buffer) => void>();
  const feeds: LiveFeeds = {
    isUp: () => true,
    subscribe: (_id, onChunk) => {
      listeners.add(onChunk);
      return () => listeners.delete(onChunk);
    },
    hasAudio: () => true,
  };
  return { feeds, listeners, send: (bytes = 188) => [...listeners].forEach((l) => l(Buffer.alloc(bytes, 0x47))) };
}

describe('feeding a live source to its renderer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function feed(source = fakeSource(), outSeconds = () => 0) {
    const stdin = new PassThrough();
    const written: Buffer[] = [];
    stdin.on('data', (c: Buffer) => written.push(c));
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => (exit = resolve));
    const lost: string[] = [];
    feedLiveRenderer({ sourceId: 'stadium', feeds: source.feeds, stdin, outSeconds, slotStartMs: Date.now(), exited, onLost: (reason) => lost.push(reason), now: () => Date.now() });
    return { source, stdin, written, exit, lost };
  }

  it('writes every chunk to the renderer while it runs, and unsubscribes when it exits', async () => {
    const { source, written, exit, lost } = feed();
    expect(source.listeners.size).toBe(1);
    for (let i = 0; i < 8; i += 1) {
      source.send();
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(Buffer.concat(written).length).toBe(8 * 188);
    exit();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.listeners.size).toBe(0);
    expect(lost).toEqual([]);
  });

  it('a source that sends nothing for LIVE_LOSS_MS is lost, once, and unsubscribed', async () => {
    let out = 0;
    const { source, lost, stdin } = feed(fakeSource(), () => out);
    for (let i = 0; i < 4; i += 1) {
      source.send();
      out += 0.25;
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(LIVE_LOSS_MS);
    expect(lost).toEqual(['no data from live source stadium for 1.5 s']);
    expect(source.listeners.size).toBe(0);
    expect(stdin.destroyed).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(lost).toHaveLength(1);
  });

  it('a renderer that makes nothing while its slot is due is lost, though the source sends', async () => {
    let out = 0;
    const { source, lost } = feed(fakeSource(), () => out);
    // Its first output may take a probe and a keyframe.
    for (let t = 0; t < LIVE_FIRST_OUTPUT_MS - 500; t += 250) {
      source.send();
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(lost).toEqual([]);
    out = 4;
    for (let t = 0; t < LIVE_STALL_MS + 1000; t += 250) {
      source.send();
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(lost).toHaveLength(1);
    expect(lost[0]).toContain('made no picture');
  });

  it('a source that does not run is lost at once', () => {
    const none: LiveFeeds = { isUp: () => false, subscribe: () => undefined, hasAudio: () => undefined };
    const { lost } = feed({ feeds: none, listeners: new Set(), send: () => undefined });
    expect(lost).toEqual(['live source stadium is not running']);
  });
});
