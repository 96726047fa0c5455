import { execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameColours, saveTo } from '../../helpers/hls.js';
import { framesOnAir, pollSegments, readTsUntil } from '../../helpers/live-watch.js';
import { ColourPublisher, freePort, nearestColour } from '../../../src/bench/live-publisher.js';
import { makeClips } from '../../helpers/media.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * "Go live now" (issue 25) end to end: a real server airing a blue file in loop mode, a push
 * source (RTMP on loopback) published by a real ffmpeg in orange-red. The director POSTs
 * /api/channels/1/live: the channel cuts to the source within the break-in time of an alert
 * (2 s), the timeline running underneath; a second camera (purple) is taken with
 * /api/channels/1/live/take and is on the picture within 1 s; DELETE puts the file back. One `.ts` viewer stays
 * connected throughout; frames are placed on the wall clock by the HLS segments'
 * PROGRAM-DATE-TIME.
 */
const run = promisify(execFile);
const COLOURS = { file: [0x20, 0x40, 0xd0], live: [0xc8, 0x32, 0x14], camera2: [0x90, 0x20, 0xc0], relay: [0xd0, 0xc0, 0x20], slate: [0x1d, 0x35, 0x57] } as const;
type Picture = keyof typeof COLOURS;
/** A client on the LAN, as a reverse proxy on this machine reports it. */
const FROM_LAN = { 'x-forwarded-for': '203.0.113.9' };

describe('go live now: a live source over the timeline, and back', () => {
  let server: RunningServer;
  let work: string;
  let publisher: ColourPublisher;
  let camera2: ColourPublisher;
  let key: string;

  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.baseUrl}${url}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
  };

  beforeAll(async () => {
    work = tempDir('go-live');
    const media = path.join(work, 'media');
    await mkdir(media, { recursive: true });
    await makeClips(media, [{ name: 'blue.mp4', seconds: 120, picture: '0x2040D0' }]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 2, playlist_size: 8 } }));
    const port = await freePort();
    const created = await call('POST', '/api/live/sources', { id: 'studio', name: 'Studio A', url: `rtmp://0.0.0.0:${port}/live` });
    expect(created.status).toBe(201);
    key = created.body.key;
    publisher = new ColourPublisher(`rtmp://127.0.0.1:${port}/live/${key}`, '0xC83214');
    const port2 = await freePort();
    const second = await call('POST', '/api/live/sources', { id: 'cam2', name: 'Camera 2', url: `rtmp://0.0.0.0:${port2}/live` });
    expect(second.status).toBe(201);
    camera2 = new ColourPublisher(`rtmp://127.0.0.1:${port2}/live/${second.body.key}`, '0x9020C0');
  }, 60_000);

  afterAll(async () => {
    await camera2?.stop();
    await publisher?.stop();
    await server?.stop();
  });

  it('refuses what it must, changing nothing: an unknown source or channel, a bad body, a write from the LAN without the token', async () => {
    expect(await call('POST', '/api/channels/1/live', { source: 'nowhere' })).toMatchObject({ status: 404, body: { error: 'not_found', field: 'source' } });
    expect(await call('POST', '/api/channels/9/live', { source: 'studio' })).toMatchObject({ status: 404, body: { field: 'channel' } });
    expect(await call('POST', '/api/channels/1/live', { source: 'studio', channels: [2, 5] })).toMatchObject({ status: 400, body: { field: 'channels' } });
    expect((await call('POST', '/api/channels/1/live', { source: 'studio', minutes: -1 })).status).toBe(400);
    expect((await call('POST', '/api/channels/1/live', { source: 'studio', url: 'rtmp://elsewhere' })).status).toBe(400);
    expect((await call('POST', '/api/channels/1/live', { source: 'studio' }, FROM_LAN)).status).toBe(401);
    expect((await call('DELETE', '/api/channels/1/live', undefined, FROM_LAN)).status).toBe(401);
    expect(await call('DELETE', '/api/channels/1/live')).toMatchObject({ status: 404 });
    expect((await call('GET', '/api/channels/1/live')).body).toEqual({ take: null });
    // A camera cut needs a live event on the channel.
    expect(await call('POST', '/api/channels/1/live/take', { camera: 'cam2' })).toMatchObject({ status: 409, body: { error: 'not_live' } });
    expect(await call('POST', '/api/channels/1/live/take', { camera: 'nowhere' })).toMatchObject({ status: 404, body: { field: 'camera' } });
    expect((await call('POST', '/api/channels/1/live/take', { camera: 'cam2' }, FROM_LAN)).status).toBe(401);
  });

  it('cuts to the source within 2 s, to a second camera within 1 s, with the .ts viewer connected; DELETE puts the file back within 2 s', async () => {
    publisher.start();
    camera2.start();
    for (const id of ['studio', 'cam2']) await waitFor(`${id} up`, async () => ((await call('GET', `/api/live/sources/${id}`)).body.status.state === 'connected' ? true : undefined), 20_000, 200);

    const endAtMs = Date.now() + 34_000;
    const tsViewer = readTsUntil(`${server.baseUrl}/channel/1.ts`, endAtMs);
    // Every HLS segment, with its PROGRAM-DATE-TIME.
    const poll = pollSegments(server.baseUrl);
    const { segments } = poll;

    await waitFor('the channel on the air', () => (segments.size >= 3 ? true : undefined), 30_000, 250);
    await sleep(3000);
    const takenAtMs = Date.now();
    const taken = await call('POST', '/api/channels/1/live', { source: 'studio', title: 'Council meeting' });
    expect(taken.status).toBe(201);
    expect(taken.body.takes).toMatchObject([{ channel: 1, source: 'studio', title: 'Council meeting', until_stopped: true, recording: false }]);
    await sleep(4000);
    expect((await call('GET', '/api/channels/1/live')).body.take).toMatchObject({ title: 'Council meeting', source: 'studio' });
    expect((await call('GET', '/api/channels/1/status')).body.onAir).toMatchObject({ kind: 'live', title: 'Council meeting', live: { source: 'studio', on: 'source' } });
    // The monitor says the channel is live (a real-time encode).
    const monitor = (await call('GET', '/api/monitor')).body as { channels: Array<{ number: number; onAir: { live?: { source: string } } | null }> };
    expect(monitor.channels.find((c) => c.number === 1)?.onAir?.live).toMatchObject({ source: 'studio' });
    // Channel 2 was not named: it stays on its timeline.
    expect((await call('GET', '/api/channels/2/live')).body).toEqual({ take: null });
    const cameraAtMs = Date.now();
    const cameraTaken = await call('POST', '/api/channels/1/live/take', { camera: 'cam2' });
    expect(cameraTaken).toMatchObject({ status: 200, body: { source: 'cam2', title: 'Council meeting' } });
    await sleep(4000);
    const stoppedAtMs = Date.now();
    const stopped = await call('DELETE', '/api/channels/1/live');
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ source: 'cam2', title: 'Council meeting' });
    expect((await call('GET', '/api/channels/1/live')).body).toEqual({ take: null });

    const { data, endedEarly } = await tsViewer;
    await poll.stop();

    const frames = await framesOnAir(segments, work, (rgb) => nearestColour(COLOURS, rgb));
    const firstAfter = (picture: Picture, fromMs: number) => frames.find((f) => f.wallMs >= fromMs && f.picture === picture);
    // What aired, as runs of one picture from the take on (for the failure message and the log).
    const aired = frames.filter((f, i) => i === 0 || f.picture !== frames[i - 1]!.picture).map((f) => `${f.picture}@${Math.round(f.wallMs - takenAtMs)}`).join(' ');
    console.log(`aired (ms from the take): ${aired}; camera taken @${cameraAtMs - takenAtMs}, stopped @${stoppedAtMs - takenAtMs}`);
    expect(frames.filter((f) => f.wallMs < takenAtMs).every((f) => f.picture === 'file')).toBe(true);
    const cut = firstAfter('live', takenAtMs);
    expect(cut, 'the source on the air').toBeDefined();
    const cutMs = cut!.wallMs - takenAtMs;
    expect(cutMs).toBeLessThan(2000);
    // No slate between: the source was up when the take came.
    expect(frames.filter((f) => f.wallMs >= takenAtMs && f.wallMs < cut!.wallMs).every((f) => f.picture === 'file')).toBe(true);
    // The camera cut: the second camera's first frame within 1 s of the take, straight after the first camera's.
    const cameraCut = firstAfter('camera2', cameraAtMs);
    expect(cameraCut, 'the second camera on the air').toBeDefined();
    const cameraCutMs = cameraCut!.wallMs - cameraAtMs;
    expect(cameraCutMs).toBeLessThan(1000);
    expect(frames.filter((f) => f.wallMs >= cut!.wallMs && f.wallMs < cameraCut!.wallMs).every((f) => f.picture === 'live')).toBe(true);
    const back = firstAfter('file', stoppedAtMs);
    expect(back, 'the file again').toBeDefined();
    const backMs = back!.wallMs - stoppedAtMs;
    expect(backMs).toBeLessThan(2000);
    expect(frames.filter((f) => f.wallMs > back!.wallMs).every((f) => f.picture === 'file')).toBe(true);
    console.log(JSON.stringify({ goLiveCutMs: Math.round(cutMs), cameraCutMs: Math.round(cameraCutMs), backToTimelineMs: Math.round(backMs) }));

    // The `.ts` viewer: connected all along; it saw the file, the source, the file.
    expect(endedEarly).toBe(false);
    const seen = (await frameColours(await saveTo(path.join(work, 'viewer.ts'), data))).map((f) => nearestColour(COLOURS, f.rgb));
    const runs = seen.filter((p, i) => i === 0 || p !== seen[i - 1]);
    expect(runs).toEqual(['file', 'live', 'camera2', 'file']);

    const logs = server.logs.join('\n');
    expect(logs).toContain('go live now: the channel takes the live source');
    expect(logs).toContain('live take ended: back to the timeline');
    expect(logs).toContain('camera taken: the live event cuts to it');
    expect(logs).not.toContain(key);
  }, 120_000);

  it('records a take as it aired: an MP4 with a chapter per camera, scanned into the library', async () => {
    // (The cameras are still publishing from the test above.)
    const takenAtMs = Date.now();
    expect((await call('POST', '/api/channels/2/live', { source: 'studio', title: 'Council meeting', record: true })).body.takes).toMatchObject([{ channel: 2, recording: true }]);
    await sleep(4000);
    const cameraAtMs = Date.now();
    expect((await call('POST', '/api/channels/2/live/take', { camera: 'cam2' })).status).toBe(200);
    await sleep(4000);
    const stoppedAtMs = Date.now();
    expect((await call('DELETE', '/api/channels/2/live')).status).toBe(200);
    // The recording: what aired from the take to its end, an MP4 with a chapter per camera, in the library.
    const recorded = await waitFor('the recording in the library', async () => {
      const media = (await call('GET', '/api/media?limit=50')).body as { items: Array<{ id: number; path: string; durationMs: number | null }> };
      return media.items.find((m) => m.path.includes(`${path.sep}recordings${path.sep}Council meeting (`));
    }, 30_000, 500);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_chapters', '-show_entries', 'format=duration', '-of', 'json', recorded.path]);
    const probed = JSON.parse(stdout) as { chapters: Array<{ start_time: string; tags?: { title?: string } }>; format: { duration: string } };
    expect(probed.chapters.map((c) => c.tags?.title)).toEqual(['studio', 'cam2']);
    const recordedSeconds = Number(probed.format.duration);
    expect(recordedSeconds).toBeGreaterThan(((stoppedAtMs - takenAtMs) / 1000) - 1);
    expect(recordedSeconds).toBeLessThan(((stoppedAtMs - takenAtMs) / 1000) + 5);
    expect(Math.abs(Number(probed.chapters[1]!.start_time) - (cameraAtMs - takenAtMs) / 1000)).toBeLessThan(1);
    const recordedPictures = (await frameColours(recorded.path)).map((f) => nearestColour(COLOURS, f.rgb));
    expect(recordedPictures.filter((p, i) => i === 0 || p !== recordedPictures[i - 1]).filter((p) => p !== 'file')).toEqual(['live', 'camera2']);

    const logs = server.logs.join('\n');
    expect(logs).toContain('recording the live event');
    expect(logs).toContain('live event recorded');
  }, 90_000);
  it('a pulled live HLS source (2 s segments) airs steadily: no fallback between its segments', async () => {
    // An HLS origin on loopback: ffmpeg writing a live playlist of 2 s segments, served over http.
    const hlsDir = path.join(work, 'origin');
    await mkdir(hlsDir, { recursive: true });
    const origin = createServer((request, response) => {
      const file = path.join(hlsDir, path.basename(request.url ?? ''));
      if (!existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
      createReadStream(file).pipe(response);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const encoder = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'color=c=0xD0C020:size=192x108:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-t', '60', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '5', '-hls_flags', 'delete_segments', path.join(hlsDir, 'live.m3u8')], { stdio: 'ignore' });
    try {
      await waitFor('the origin\'s playlist', () => (existsSync(path.join(hlsDir, 'live.m3u8')) ? true : undefined), 15_000, 100);
      const port = (origin.address() as { port: number }).port;
      expect((await call('POST', '/api/live/sources', { id: 'relay', name: 'Relay', url: `http://127.0.0.1:${port}/live.m3u8` })).status).toBe(201);
      await waitFor('the relay up', async () => ((await call('GET', '/api/live/sources/relay')).body.status.state === 'connected' ? true : undefined), 20_000, 200);
      const poll = pollSegments(server.baseUrl, 2);
      await sleep(3000);
      const takenAtMs = Date.now();
      expect((await call('POST', '/api/channels/2/live', { source: 'relay', minutes: 1 })).status).toBe(201);
      await sleep(14_000);
      await poll.stop();
      expect((await call('DELETE', '/api/channels/2/live')).status).toBe(200);
      const pictures = await framesOnAir(poll.segments, work, (rgb) => nearestColour(COLOURS, rgb));
      // From its cut-in to the end of what was polled: the relay's picture only, never the slate.
      const cut = pictures.find((f) => f.wallMs >= takenAtMs && f.picture === 'relay');
      expect(cut, 'the relay on the air').toBeDefined();
      const after = pictures.filter((f) => f.wallMs >= cut!.wallMs && f.wallMs < takenAtMs + 10_000).map((f) => f.picture);
      expect(after.length).toBeGreaterThan(100);
      expect([...new Set(after)]).toEqual(['relay']);
      expect(server.logs.filter((line) => line.includes('live source lost: fallback') && line.includes('relay'))).toEqual([]);
    } finally {
      encoder.kill('SIGKILL');
      origin.close();
    }
  }, 90_000);
});
