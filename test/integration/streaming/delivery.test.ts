import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchHlsJs, watchTs } from '../../../src/bench/watchers.js';
import { isRandomAccess, isVideoStreamId, packetPid, pesStart, TS_PACKET_SIZE } from '../../../src/streaming/mpegts.js';
import { decodeErrors, fetchPlaylist, saveTo, wholeUnitsOnly } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** Video PES starts in a capture: their PTS and whether each is a keyframe. */
function videoFrames(data: Buffer): Array<{ pts: number; key: boolean }> {
  const frames: Array<{ pts: number; key: boolean }> = [];
  for (let offset = 0; offset + TS_PACKET_SIZE <= data.length; offset += TS_PACKET_SIZE) {
    const pes = pesStart(data, offset);
    if (pes?.ptsSeconds !== undefined && isVideoStreamId(pes.streamId)) frames.push({ pts: pes.ptsSeconds, key: isRandomAccess(data, offset) });
  }
  return frames;
}

/**
 * Delivery as players meet it (issue 10): `/channel/N.ts` continuous like a tuner, HLS with
 * cache validators, a cold start that ramps, CORS for what is read-only.
 */
describe('delivery: continuous .ts, HLS for caches and other origins (real server)', () => {
  let server: RunningServer;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const packagerPid = async (channel: number): Promise<number> =>
    ((await (await fetch(url(`/api/channels/${channel}/status`))).json()) as { encoder: { pid: number } }).encoder.pid;

  beforeAll(async () => {
    work = tempDir('delivery');
    const media = path.join(work, 'media');
    // Short clips: a 30 s watch crosses several airing boundaries.
    await makeClips(media, [
      { name: 'a.mp4', seconds: 5, size: '160x90', rate: 25, toneHz: 440 },
      { name: 'b.mp4', seconds: 4, size: '160x90', rate: 25, toneHz: 660, picture: 'navy' },
    ]);
    // Channels stop soon after their test (idle 5 s): each test has the machine to itself.
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 3, idle_timeout: 5, packager: 'ffmpeg' } }));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('INV-SEG-1: cold-starts with a ramp of short segments, published within 2 s', async () => {
    const asked = Date.now();
    const { playlist } = await fetchPlaylist(url('/channel/2.m3u8'));
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(playlist.segments.length).toBeGreaterThan(0);
    // Every segment seen while the ramp is published (the packager works ahead, so segments
    // may slide through the 4-long window between two looks: keep all of them).
    const seen = new Map<number, number>(playlist.segments.map((s) => [s.sequence, s.duration]));
    await waitFor('the ramp to be published', async () => {
      const { playlist: p } = await fetchPlaylist(url('/channel/2.m3u8'));
      for (const s of p.segments) seen.set(s.sequence, s.duration);
      return seen.size >= 5 ? true : undefined;
    }, 20_000, 50);
    const first = Math.min(...seen.keys());
    // segment_duration 2: 0.5, 0.5, 1, 1, then 2 s segments (each no longer than all before it),
    // each within a frame (the run's first frame sits on the channel's frame grid, 30 fps).
    const durations = [0, 1, 2, 3, 4].map((i) => seen.get(first + i)!);
    [0.5, 0.5, 1, 1, 2].forEach((expected, i) => expect(Math.abs(durations[i]! - expected)).toBeLessThanOrEqual(1 / 30 + 0.001));
  });

  it('INV-TS-1: sends a warm channel\'s .ts continuously for 30 s — across airing boundaries and a packager restart — decodable', async () => {
    // Warm: held by a viewer, and working ahead of real time as it should (work_ahead 6 s here: segment_duration 2 + 4).
    const holder = watchTs(url('/channel/1.ts'), 45);
    await waitFor('the channel to work ahead', async () => {
      const status = (await (await fetch(url('/api/channels/1/status'))).json()) as { workingAheadSeconds: number | null };
      return (status.workingAheadSeconds ?? 0) > 2 ? true : undefined;
    }, 20_000, 250);
    void holder;
    const pidBefore = await packagerPid(1);
    const watching = watchTs(url('/channel/1.ts'), 30, true);
    setTimeout(() => process.kill(pidBefore, 'SIGKILL'), 12_000);
    const watch = await watching;
    expect(await packagerPid(1)).not.toBe(pidBefore);
    expect(watch.largestGapMs).toBeLessThan(1000);
    const data = wholeUnitsOnly(watch.data!);
    // Opens on PAT then PMT, and the first picture is a keyframe.
    expect(packetPid(data, 0)).toBe(0);
    expect(packetPid(data, TS_PACKET_SIZE)).toBe(0x1000);
    const frames = videoFrames(data);
    expect(frames[0]!.key).toBe(true);
    // 30 s watched: about 30 s of pictures plus the burst, never going back in time.
    const span = frames[frames.length - 1]!.pts - frames[0]!.pts;
    expect(span).toBeGreaterThan(28);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.pts).toBeGreaterThan(frames[i - 1]!.pts);
    expect(await decodeErrors(await saveTo(path.join(work, 'warm.ts'), data))).toBe('');
  });

  it('INV-TS-1: gives a new .ts viewer PAT, PMT and about 3 s from a keyframe at once, then live pace', async () => {
    const watch = await watchTs(url('/channel/1.ts'), 1.5, true);
    const frames = videoFrames(watch.data!);
    expect(frames[0]!.key).toBe(true);
    const span = frames[frames.length - 1]!.pts - frames[0]!.pts;
    // The burst (≥ ts_burst = 3 s back to a keyframe; keyframes every 2 s or less) plus 1.5 s live.
    expect(span).toBeGreaterThanOrEqual(3 + 1.5 - 0.5);
    expect(span).toBeLessThan(3 + 2 + 1.5 + 0.5);
    expect(watch.burstBytes).toBeGreaterThan(watch.bytes / 2);
  });

  it('answers playlists and segments with validators and lengths, from memory, and 304 when unchanged', async () => {
    const first = await fetch(url('/channel/1.m3u8'));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const text = await first.text();
    const again = await fetch(url('/channel/1.m3u8'), { headers: { 'if-none-match': etag } });
    // Unchanged → 304; if a segment was published in between, the new text has a new ETag.
    if (again.status === 200) expect(again.headers.get('etag')).not.toBe(etag);
    else expect(again.status).toBe(304);

    const uri = text.split('\n').filter((line) => line.endsWith('.ts')).pop()!;
    const segment = await fetch(url(`/channel/${uri}`));
    const body = Buffer.from(await segment.arrayBuffer());
    expect(segment.status).toBe(200);
    expect(Number(segment.headers.get('content-length'))).toBe(body.length);
    expect(segment.headers.get('cache-control')).toContain('immutable');
    expect(segment.headers.get('etag')).toMatch(/^"r\d+-\d+"$/);
    expect(Date.parse(segment.headers.get('last-modified')!)).toBeGreaterThan(Date.now() - 120_000);
    const revalidated = await fetch(url(`/channel/${uri}`), { headers: { 'if-none-match': segment.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
    expect(packetPid(body, 0)).toBe(0); // every segment opens on PAT, PMT and a keyframe
    expect(videoFrames(body)[0]!.key).toBe(true);
  });

  it('answers a blocking playlist reload (_HLS_msn) the moment that segment is published, and refuses one too far ahead', async () => {
    const { playlist, text } = await fetchPlaylist(url('/channel/1.m3u8'));
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
    const last = playlist.segments[playlist.segments.length - 1]!.sequence;
    const asked = Date.now();
    const blocked = await fetchPlaylist(url(`/channel/1.m3u8?_HLS_msn=${last + 1}`));
    // It waited for the next segment (2 s segments here), and the answer lists it.
    expect(blocked.playlist.segments.some((s) => s.sequence === last + 1)).toBe(true);
    expect(Date.now() - asked).toBeLessThan(3 * 2000);
    const tooFar = await fetch(url(`/channel/1.m3u8?_HLS_msn=${last + 10}`));
    expect(tooFar.status).toBe(400);
    expect(((await tooFar.json()) as { field: string }).field).toBe('_HLS_msn');
  });

  it('opens read-only routes to other origins (CORS, preflight) and never the writes', async () => {
    for (const p of ['/channel/1.m3u8', '/xmltv.xml', '/channels.m3u', '/lineup.json', '/channel/1/logo']) {
      const response = await fetch(url(p), { headers: { origin: 'http://tv.example' } });
      expect(response.headers.get('access-control-allow-origin'), p).toBe('*');
      await response.arrayBuffer();
    }
    const preflight = await fetch(url('/channel/1.m3u8'), {
      method: 'OPTIONS',
      headers: { origin: 'http://tv.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('range');

    const writePreflight = await fetch(url('/api/channels'), { method: 'OPTIONS', headers: { origin: 'http://tv.example', 'access-control-request-method': 'POST' } });
    expect(writePreflight.headers.get('access-control-allow-origin')).toBeNull();
    const write = await fetch(url('/api/channels'), { method: 'POST', headers: { origin: 'http://tv.example', 'content-type': 'application/json' }, body: '{}' });
    expect(write.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('plays a cold channel in hls.js from another origin without a stall', async () => {
    // The other channels idle out first: the browser and this channel's encoder share 2 cores.
    for (const n of [1, 2]) {
      await waitFor(`channel ${n} to stop`, async () => ((await (await fetch(url(`/api/channels/${n}/status`))).json() as { state: string }).state === 'stopped' ? true : undefined), 60_000, 500);
    }
    const watch = await watchHlsJs(url('/channel/3.m3u8'), 25);
    expect(watch.errors).toEqual([]);
    expect(watch.firstPlayMs).toBeGreaterThan(0);
    expect(watch.firstPlayMs).toBeLessThan(4000);
    expect(watch.playedSeconds).toBeGreaterThan(18);
    expect(watch.stalls).toBe(0);
    expect(watch.rebuffers).toBe(0);
  }, 120_000);
});
