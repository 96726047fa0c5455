import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { fetchPlaylist, type ParsedSegment } from '../../helpers/hls.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

interface Health { channels: Array<{ number: number; state: string; encoder: { pid: number | null; restarts: number } }> }

/** Three channels at once; kill -9 one channel's packager: the other two never notice. */
describe('three channels, one killed (real server, real ffmpeg)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const health = async () => ((await (await fetch(url('/api/health'))).json()) as Health).channels;

  beforeAll(async () => {
    const work = tempDir('three');
    const media = path.join(work, 'media');
    await makeClips(media, [
      { name: 'a.mp4', seconds: 3, size: '160x90', rate: 25 },
      { name: 'b.mp4', seconds: 3, size: '192x108', rate: 30, toneHz: 880 },
    ]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 3, packager: 'ffmpeg' } }));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('INV-ISO-1: keeps two channels publishing, without a discontinuity, while the third is killed and resumes', async () => {
    for (const n of [1, 2, 3]) await fetchPlaylist(url(`/channel/${n}.m3u8`));
    const live = await waitFor('three live channels', async () => {
      const channels = await health();
      return channels.length === 3 && channels.every((c) => c.state === 'live' && c.encoder.pid) ? channels : undefined;
    }, 20_000);
    const pids = live.map((c) => c.encoder.pid!);
    expect(new Set(pids).size).toBe(3);

    process.kill(pids[1]!, 'SIGKILL');
    const seen = new Map<number, Map<number, ParsedSegment>>([[1, new Map()], [2, new Map()], [3, new Map()]]);
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      for (const n of [1, 2, 3]) {
        const { playlist } = await fetchPlaylist(url(`/channel/${n}.m3u8`));
        for (const segment of playlist.segments) seen.get(n)!.set(segment.sequence, segment);
      }
      await sleep(500);
    }
    const after = await health();
    for (const n of [1, 3]) {
      // Same encoder, never restarted; a run of new, consecutive segments with no discontinuity.
      expect(after[n - 1]!.encoder.pid).toBe(pids[n - 1]);
      expect(after[n - 1]!.encoder.restarts).toBe(0);
      const segments = [...seen.get(n)!.values()].sort((a, b) => a.sequence - b.sequence);
      expect(segments.length).toBeGreaterThanOrEqual(6);
      expect(segments.map((s) => s.sequence)).toEqual(segments.map((_, i) => segments[0]!.sequence + i));
      expect(segments.filter((s) => s.discontinuity)).toEqual([]);
    }
    // The killed channel resumed under a new encoder, its playlist marking the new run.
    expect(after[1]!.encoder.pid).not.toBe(pids[1]);
    expect(after[1]!.encoder.restarts).toBeGreaterThanOrEqual(1);
    expect([...seen.get(2)!.values()].some((s) => s.discontinuity)).toBe(true);
  });
});
