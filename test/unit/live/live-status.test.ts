import { describe, expect, it } from 'vitest';
import { LiveStatus, parseStreamLine } from '../../../src/live/live-status.js';
import { TsRing } from '../../../src/live/ts-ring.js';

describe('a live source state', () => {
  it('waits, connects on data, is lost after 2 s without data, connects again', () => {
    let now = 1_000_000;
    const status = new LiveStatus(() => now);
    expect(status.state).toBe('waiting');
    now += 5000;
    status.tick();
    expect(status.state).toBe('waiting'); // never connected: not lost
    status.data();
    expect(status.state).toBe('connected');
    expect(status.sinceMs).toBe(now);
    now += 1999;
    status.tick();
    expect(status.state).toBe('connected');
    now += 1;
    status.tick();
    expect(status.state).toBe('lost');
    expect(status.sinceMs).toBe(now);
    now += 700;
    status.data();
    expect(status.state).toBe('connected');
    expect(status.connections).toBe(2);
  });

  it('is lost at once when the ingest ends, and shows no streams or bitrate while not connected', () => {
    let now = 0;
    const status = new LiveStatus(() => now);
    status.streams({ codec: 'h264', width: 160, height: 90, fps: 10 }, { codec: 'aac', channels: 1, sampleRate: 44100 });
    status.data();
    expect(status.snapshot(1234)).toMatchObject({ state: 'connected', bytesPerSecond: 1234, video: { width: 160 } });
    now += 100;
    status.runEnded();
    expect(status.snapshot(1234)).toMatchObject({ state: 'lost', bytesPerSecond: 0, video: null, audio: null });
  });
});

describe("ffmpeg's stream lines", () => {
  it('reads video size, frame rate and codec, and audio codec and channels', () => {
    expect(parseStreamLine('  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 160x90 [SAR 1:1 DAR 16:9], 10 fps, 10 tbr, 1k tbn')).toEqual({ video: { codec: 'h264', width: 160, height: 90, fps: 10 } });
    expect(parseStreamLine('  Stream #0:1: Audio: aac (LC), 44100 Hz, mono, fltp, 69 kb/s')).toEqual({ audio: { codec: 'aac', channels: 1, sampleRate: 44100 } });
    expect(parseStreamLine('  Stream #0:1[0x101](eng): Audio: ac3 ([129][0][0][0] / 0x0081), 48000 Hz, 5.1(side), fltp, 384 kb/s')).toEqual({ audio: { codec: 'ac3', channels: 6, sampleRate: 48000 } });
    expect(parseStreamLine('  Stream #0:0[0x100]: Video: hevc (Main) ([36][0][0][0] / 0x0024), yuv420p(tv), 1920x1080, 29.97 fps, 29.97 tbr, 90k tbn')).toEqual({ video: { codec: 'hevc', width: 1920, height: 1080, fps: 29.97 } });
    expect(parseStreamLine('  Stream #0:2: Data: none')).toBeUndefined();
    expect(parseStreamLine('Input #0, flv, from ...')).toBeUndefined();
  });
});

describe('the TS ring', () => {
  it('keeps the last seconds within its byte bound, counts bitrate and feeds subscribers', () => {
    const ring = new TsRing({ maxAgeMs: 1000, maxBytes: 1000 });
    const seen: number[] = [];
    const unsubscribe = ring.subscribe((chunk) => seen.push(chunk.length));
    for (let t = 0; t <= 2000; t += 100) ring.push(Buffer.alloc(50), t);
    expect(ring.recent(2000).length).toBe(550); // 1000..2000 ms: 11 chunks
    expect(ring.bytesPerSecond(2000, 1000)).toBe(550);
    for (let i = 0; i < 30; i += 1) ring.push(Buffer.alloc(100), 2000);
    expect(ring.size).toBeLessThanOrEqual(1000);
    expect(seen.length).toBe(51);
    unsubscribe();
    ring.push(Buffer.alloc(1), 2001);
    expect(seen.length).toBe(51);
    ring.clear();
    expect(ring.recent(2001).length).toBe(0);
  });

  it('keeps going when a subscriber throws', () => {
    const ring = new TsRing();
    let second = 0;
    ring.subscribe(() => {
      throw new Error('bad subscriber');
    });
    ring.subscribe(() => (second += 1));
    ring.push(Buffer.alloc(1), 0);
    expect(second).toBe(1);
  });
});
