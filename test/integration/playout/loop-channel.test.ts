import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { decodeErrors, fetchPlaylist, packetTimes, readStreamFor, saveTo, streamFacts, type ParsedSegment } from '../../helpers/hls.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * One real server in loop mode over two 2-second clips (a 4 s loop), so every check
 * below crosses several loop points within seconds.
 */
describe('loop mode channel (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let work: string;

  beforeAll(async () => {
    work = tempDir('loop');
    const media = path.join(work, 'media');
    // Different sizes and frame rates on purpose: the channel normalises them.
    await makeClips(media, [
      { name: 'a.mp4', seconds: 2, size: '160x120', rate: 25, toneHz: 440 },
      { name: 'b.mp4', seconds: 2, size: '192x108', rate: 30, toneHz: 880 },
    ]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { packager: 'ffmpeg' } }));
  });

  afterAll(async () => {
    await server?.stop();
  });

  const url = (p: string) => `${server.baseUrl}${p}`;

  it('serves a live playlist with the right type and no caching, and a slide of segments', async () => {
    const first = await fetchPlaylist(url('/channel/1.m3u8'));
    expect(first.response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(first.response.headers.get('cache-control')).toMatch(/no-cache/);
    expect(first.playlist.segments.length).toBeGreaterThan(0);
    expect(first.playlist.targetDuration).toBe(2);

    const later = await waitFor('the playlist to slide', async () => {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      return playlist.mediaSequence > first.playlist.mediaSequence && playlist.segments.length === 4 ? playlist : undefined;
    }, 30_000);
    expect(later.segments.length).toBe(4);
    for (const segment of later.segments) expect(Math.round(segment.duration)).toBeLessThanOrEqual(later.targetDuration);
    for (const segment of later.segments) expect(segment.duration).toBeLessThanOrEqual(later.targetDuration + 1e-6);
  });

  it('INV-HLS-1: keeps sequence numbers and URIs stable, never going back, and serves segments as decodable MPEG-TS', async () => {
    const seen = new Map<string, number>();
    let lastMediaSequence = -1;
    const collected: ParsedSegment[] = [];
    const until = Date.now() + 9000;
    while (Date.now() < until) {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      expect(playlist.mediaSequence).toBeGreaterThanOrEqual(lastMediaSequence);
      lastMediaSequence = playlist.mediaSequence;
      for (const segment of playlist.segments) {
        const known = seen.get(segment.uri);
        if (known !== undefined) expect(segment.sequence).toBe(known);
        else {
          seen.set(segment.uri, segment.sequence);
          collected.push(segment);
        }
      }
      await sleep(500);
    }
    expect(collected.length).toBeGreaterThanOrEqual(4);

    const segment = collected[collected.length - 1]!;
    const response = await fetch(url(`/channel/${segment.uri}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp2t');
    expect(response.headers.get('cache-control')).toMatch(/max-age/);
    const file = await saveTo(path.join(work, 'one-segment.ts'), await response.arrayBuffer());
    const facts = await streamFacts(file);
    expect(facts.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(facts.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(await decodeErrors(file)).toBe('');
  });

  it('has continuous timestamps across the loop point', async () => {
    // 5 consecutive 2 s segments = 10 s of a 4 s loop: at least two loop boundaries.
    const segments = await waitFor('five consecutive fresh segments', async () => {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      const full = playlist.segments.filter((s) => s.duration > 1.5);
      return full.length >= 4 ? full : undefined;
    }, 30_000);
    const buffers: Buffer[] = [];
    for (const segment of segments) buffers.push(Buffer.from(await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer()));
    const joined = await saveTo(path.join(work, 'joined.ts'), Buffer.concat(buffers));
    const times = await packetTimes(joined);
    const span = times.video[times.video.length - 1]! - times.video[0]!;
    expect(span).toBeGreaterThan(5);
    const frame = 1 / 30;
    const videoGaps = times.video.slice(1).map((t, i) => t - times.video[i]!);
    // Decode order is not presentation order with B-frames, so compare sorted times.
    const sorted = [...times.video].sort((a, b) => a - b);
    const sortedGaps = sorted.slice(1).map((t, i) => t - sorted[i]!);
    expect(Math.max(...sortedGaps)).toBeLessThan(frame * 1.5);
    expect(Math.min(...sortedGaps)).toBeGreaterThan(frame * 0.5);
    expect(videoGaps.length).toBeGreaterThan(100);
    const audioGaps = times.audio.slice(1).map((t, i) => t - times.audio[i]!);
    expect(Math.min(...audioGaps)).toBeGreaterThan(0);
    expect(Math.max(...audioGaps)).toBeLessThan(0.05); // AAC frames are 21.3 ms at 48 kHz
    expect(await decodeErrors(joined)).toBe('');
  });

  it('INV-HLS-3: keeps a segment fetchable for at least the playlist duration after it leaves the list', async () => {
    const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
    const oldest = playlist.segments[0]!;
    const windowSeconds = playlist.segments.reduce((sum, s) => sum + s.duration, 0);
    await waitFor('the oldest segment to leave the list', async () => {
      const now = await fetchPlaylist(url('/channel/1.m3u8'));
      return now.playlist.segments.some((s) => s.uri === oldest.uri) ? undefined : true;
    }, 20_000, 100);
    const leftAt = Date.now();
    while (Date.now() - leftAt < windowSeconds * 1000) {
      const response = await fetch(url(`/channel/${oldest.uri}`));
      expect(response.status, `segment ${oldest.uri} ${((Date.now() - leftAt) / 1000).toFixed(1)} s after leaving`).toBe(200);
      await response.arrayBuffer();
      await sleep(1000);
    }
  });

  it('INV-PROC-1: gives two concurrent .ts viewers decodable video and audio from one encoder', async () => {
    const before = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { pid: number } }> };
    const pid = before.channels[0]!.encoder.pid;
    const [a, b] = await Promise.all([readStreamFor(url('/channel/1.ts'), 5000), readStreamFor(url('/channel/1.ts'), 5000)]);
    for (const [name, result] of [['a', a], ['b', b]] as const) {
      expect(result.status).toBe(200);
      expect(result.headers['content-type']).toBe('video/mpeg'); // as a real HDHomeRun answers
      expect(result.headers['content-length']).toBeUndefined();
      expect(result.data.length).toBeGreaterThan(10_000);
      expect(result.data[0]).toBe(0x47); // MPEG-TS sync byte: starts on a packet boundary
      const file = await saveTo(path.join(work, `viewer-${name}.ts`), result.data);
      const facts = await streamFacts(file);
      expect(facts.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
      expect(await decodeErrors(file)).toBe('');
    }
    const after = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { pid: number } }> };
    expect(after.channels[0]!.encoder.pid).toBe(pid);
  });

  it('INV-HLS-1 INV-HLS-2 INV-PROC-3: resumes after kill -9 of ffmpeg with sequence numbers still increasing and a discontinuity', async () => {
    const health = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { pid: number; restarts: number } }> };
    const pid = health.channels[0]!.encoder.pid;
    const before = (await fetchPlaylist(url('/channel/1.m3u8'))).playlist;
    const lastBefore = before.segments[before.segments.length - 1]!;
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();

    const after = await waitFor('segments from the restarted encoder', async () => {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      const index = playlist.segments.findIndex((s) => s.discontinuity && s.sequence > lastBefore.sequence);
      return index >= 0 && playlist.segments.length > index + 1 ? playlist : undefined;
    }, 20_000, 100);
    expect(Date.now() - killedAt).toBeLessThan(8000);
    const sequences = after.segments.map((s) => s.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(after.mediaSequence).toBeGreaterThanOrEqual(before.mediaSequence);
    const newHealth = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { pid: number; restarts: number } }> };
    expect(newHealth.channels[0]!.encoder.pid).not.toBe(pid);
    expect(newHealth.channels[0]!.encoder.restarts).toBeGreaterThan(health.channels[0]!.encoder.restarts);

    // Timestamps keep increasing across the restart as well (the boundary also carries a discontinuity).
    const boundary = after.segments.findIndex((s) => s.discontinuity);
    const older = after.segments[boundary - 1];
    const newer = after.segments[boundary]!;
    if (older) {
      const olderFile = await saveTo(path.join(work, 'pre.ts'), await (await fetch(url(`/channel/${older.uri}`))).arrayBuffer());
      const newerFile = await saveTo(path.join(work, 'post.ts'), await (await fetch(url(`/channel/${newer.uri}`))).arrayBuffer());
      expect((await streamFacts(newerFile)).startTime).toBeGreaterThan((await streamFacts(olderFile)).startTime);
    }
  });

  it('answers an unknown channel with a JSON 404, and reports health', async () => {
    const missing = await fetch(url('/channel/7.m3u8'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await missing.json()) as { message: string }).message).toMatch(/channel 7/);
    const health = (await (await fetch(url('/api/health'))).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', mode: 'loop' });
    expect((health.ffmpeg as { version: string }).version).toMatch(/\d/);
    expect(typeof health.uptimeSeconds).toBe('number');
  });

  it('INV-PROC-2: stops cleanly on SIGTERM and leaves no ffmpeg behind', async () => {
    const health = (await (await fetch(url('/api/health'))).json()) as { channels: Array<{ encoder: { pid: number } }> };
    const pid = health.channels[0]!.encoder.pid;
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    const code = await server.stop();
    expect(code).toBe(0);
    await waitFor('ffmpeg to be gone', () => (existsSync(`/proc/${pid}`) ? undefined : true), 5000, 50);
  });
});
