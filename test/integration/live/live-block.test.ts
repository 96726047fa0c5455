import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColourPublisher, freePort, nearestColour } from '../../../src/bench/live-publisher.js';
import { frameColours, saveTo } from '../../helpers/hls.js';
import { pollSegments, readTsUntil } from '../../helpers/live-watch.js';
import { makeClips } from '../../helpers/media.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * A scheduled live block (issue 25) end to end: a real server plays file → live → file on a
 * channel whose live block airs a push source (RTMP on loopback) published by a real ffmpeg
 * from a distinctive colour, so every frame can be told apart: the blue file before, the
 * orange-red source, the slate while it is lost, the green file after. One `.ts` viewer reads the
 * channel for the whole test (it must stay connected across every change) and the HLS playlist
 * is polled for its segments; frames are placed on the wall clock by the segments'
 * PROGRAM-DATE-TIME. Blocks are whole minutes, so the test waits for a minute boundary (at least
 * 20 s away, so the server is up and the channel warm before it).
 */
const COLOURS = {
  before: [0x20, 0x40, 0xd0],
  live: [0xc8, 0x32, 0x14],
  after: [0x20, 0xc0, 0x40],
  // The built-in slate: its background with white text (averaged over the frame).
  slate: [0x1d, 0x35, 0x57],
} as const;
type Picture = keyof typeof COLOURS;

const pictureOf = (rgb: readonly number[]): Picture => nearestColour(COLOURS, rgb);

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

interface Frame {
  wallMs: number;
  picture: Picture;
  /** When the segment holding it was first listed in the playlist (HLS frames only). */
  listedAtMs?: number;
}

describe('a scheduled live block airs a live source, with the slate while it is lost', () => {
  let server: RunningServer;
  let work: string;
  let blockStartMs: number;
  let key: string;
  let publisher: ColourPublisher;

  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${server.baseUrl}${url}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
  };

  beforeAll(async () => {
    work = tempDir('live-block');
    const media = path.join(work, 'media');
    const before = path.join(media, 'Blue', 'Season 1');
    const after = path.join(media, 'Green', 'Season 1');
    await Promise.all([mkdir(before, { recursive: true }), mkdir(after, { recursive: true })]);
    // Longer than their blocks: each is cut at its block's boundary (overrun "cut").
    await Promise.all([
      makeClips(before, [{ name: 'Blue - S01E01 - Before.mp4', seconds: 150, picture: '0x2040D0' }]),
      makeClips(after, [{ name: 'Green - S01E01 - After.mp4', seconds: 150, picture: '0x20C040' }]),
    ]);
    // The next minute boundary at least 20 s away: the live block starts there, for a minute.
    blockStartMs = Math.ceil((Date.now() + 18_000) / 60_000) * 60_000;
    const schedule = {
      blocks: [
        { name: 'Before', start: hhmm(blockStartMs - 120_000), minutes: 2, content: { type: 'show', show: 'Blue' } },
        { name: 'Match', start: hhmm(blockStartMs), minutes: 1, content: { type: 'live', source: 'stadium', title: 'Friday Night Football', record: true } },
        { name: 'After', start: hhmm(blockStartMs + 60_000), minutes: 2, content: { type: 'show', show: 'Green' } },
      ],
    };
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule', playlist_size: 6 } }),
      // (The config file's channels are the operator's own: the source is created over the API below.)
      channels: [{ number: 1, name: 'Sports', call_sign: 'SPRT', time_zone: 'UTC', schedule }],
    };
    server = await startServer(config);
    const rtmpPort = await freePort();
    const created = await call('POST', '/api/live/sources', { id: 'stadium', name: 'Stadium', url: `rtmp://0.0.0.0:${rtmpPort}/live` });
    expect(created.status).toBe(201);
    key = created.body.key;
    // A different size and frame rate from the channel's: the renderer normalises them.
    publisher = new ColourPublisher(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`, '0xC83214');
  }, 60_000);

  afterAll(async () => {
    await publisher.stop();
    await server?.stop();
  });

  it('refuses a schedule that names an unknown live source, naming it, and changes nothing', async () => {
    const before = await call('GET', '/api/channels/1/schedule');
    const refused = await call('PUT', '/api/channels/1/schedule', { blocks: [{ name: 'Ghost', start: '03:00', minutes: 30, content: { type: 'live', source: 'nowhere' } }] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'unknown_live_source', field: 'schedule.blocks.0.content.source' });
    expect(refused.body.message).toContain('no live source "nowhere"');
    expect((await call('GET', '/api/channels/1/schedule')).body).toEqual(before.body);
    // Only the fallback and overrun that exist are taken.
    const filler = await call('PUT', '/api/channels/1/schedule', { blocks: [{ name: 'Ghost', start: '03:00', minutes: 30, content: { type: 'live', source: 'stadium', fallback: 'filler' } }] });
    expect(filler.status).toBe(400);
  });

  it('file → live → file with one .ts viewer connected throughout; the slate within 2 s of losing the source, the source back within seconds of its return', async () => {
    publisher.start();
    await waitFor('the source up', async () => ((await call('GET', '/api/live/sources/stadium')).body.status.state === 'connected' ? true : undefined), 20_000, 200);

    // The guide shows the event like any programme.
    const now = await call('GET', `/api/channels/1/timeline?from=${blockStartMs}&to=${blockStartMs + 60_000}`);
    expect(now.status).toBe(200);
    expect(now.body.airings.filter((a: { kind: string }) => a.kind === 'live').map((a: { title: string }) => a.title)).toEqual(['Friday Night Football']);

    // The HLS playlist, polled: every segment, kept with its PROGRAM-DATE-TIME and when it appeared.
    const poll = pollSegments(server.baseUrl);
    const { segments } = poll;
    // The `.ts` viewer joins the channel warm (as a viewer tuning in does), so it starts on the
    // burst: a few seconds of stream in hand.
    await waitFor('the channel warm', () => ([...segments.values()].length >= 6 ? true : undefined), 20_000, 200);
    expect(Date.now()).toBeLessThan(blockStartMs - 2000);
    const endAtMs = blockStartMs + 64_000;
    // One long read of the `.ts` stream, from now to past the block's end.
    const tsViewer = readTsUntil(`${server.baseUrl}/channel/1.ts`, endAtMs);

    // The source is lost 15 s into the block and comes back 5 s later.
    await sleep(blockStartMs + 12_000 - Date.now());
    // The guide's now/next and XMLTV show the event like any programme.
    const nowNext = (await call('GET', '/api/channels/1/now')).body;
    expect(JSON.stringify(nowNext)).toContain('Friday Night Football');
    expect(await (await fetch(`${server.baseUrl}/xmltv.xml`)).text()).toContain('<title lang="en">Friday Night Football</title>');
    const statusLive = (await call('GET', '/api/channels/1/status')).body;
    expect(statusLive.onAir).toMatchObject({ title: 'Friday Night Football', kind: 'live', live: { source: 'stadium', on: 'source' } });
    await sleep(blockStartMs + 15_000 - Date.now());
    await publisher.stop();
    const lostAtMs = Date.now();
    await sleep(3000);
    const statusLost = (await call('GET', '/api/channels/1/status')).body;
    expect(statusLost.onAir.live).toEqual({ source: 'stadium', on: 'fallback' });
    await sleep(2000);
    publisher.start();
    const back = await waitFor('the source up again', async () => {
      const body = (await call('GET', '/api/live/sources/stadium')).body;
      return body.status.state === 'connected' ? body : undefined;
    }, 15_000, 100);
    const backAtMs = Date.parse(back.status.since);

    const { data, endedEarly, arrivals } = await tsViewer;
    await poll.stop();

    // Every frame the playlist carried, on the wall clock (PDT of its segment + its offset in it).
    const frames: Frame[] = [];
    let ptsToWallMs: number | undefined;
    for (const [uri, segment] of [...segments.entries()].sort((a, b) => a[1].pdtMs - b[1].pdtMs)) {
      const decoded = await frameColours(await saveTo(path.join(work, uri.replace(/\//g, '_')), segment.data));
      if (decoded.length === 0) continue;
      const offsetMs = segment.pdtMs - decoded[0]!.pts * 1000;
      ptsToWallMs ??= offsetMs;
      for (const frame of decoded) frames.push({ wallMs: frame.pts * 1000 + offsetMs, picture: pictureOf(frame.rgb), listedAtMs: segment.listedAtMs });
    }
    const firstAfter = (picture: Picture, fromMs: number) => frames.find((f) => f.wallMs >= fromMs && f.picture === picture);
    const pictureAt = (list: Frame[], atMs: number) => list.reduce((best, f) => (Math.abs(f.wallMs - atMs) < Math.abs(best.wallMs - atMs) ? f : best)).picture;

    // Cut-in: the source's first frame is the block's first frame (a frame or two of margin).
    expect(pictureAt(frames, blockStartMs - 2000)).toBe('before');
    const cutIn = firstAfter('live', blockStartMs - 10_000)!;
    expect(cutIn).toBeDefined();
    const cutInMs = cutIn.wallMs - blockStartMs;
    expect(Math.abs(cutInMs)).toBeLessThan(1000);
    // …and players have it a segment (2 s) and the renderer's latency (loudnorm's window) later.
    expect(cutIn.listedAtMs! - blockStartMs).toBeLessThan(6000);
    // Loss: the slate follows the last live frame, within 2 s of the publisher's last byte.
    const slate = firstAfter('slate', blockStartMs)!;
    expect(slate).toBeDefined();
    const fallbackMs = slate.wallMs - lostAtMs;
    expect(fallbackMs).toBeLessThan(2000);
    // Players have it listed within 1.5 s (the loss) + a slate renderer's start + the segment's cut.
    expect(slate.listedAtMs! - lostAtMs).toBeLessThan(3500);
    // No hole and no overlap in the stream where it changes: the slate's first frame is the next after the last live one.
    const lastLive = frames.filter((f) => f.wallMs < slate.wallMs && f.picture === 'live').at(-1)!;
    const lossGapMs = slate.wallMs - lastLive.wallMs;
    expect(lossGapMs).toBeGreaterThan(0);
    expect(lossGapMs).toBeLessThan(150);
    // Return: the source again within ~2 s of its ingest receiving it (LIVE_RETRY_MS + the renderer's second).
    const again = firstAfter('live', slate.wallMs)!;
    expect(again).toBeDefined();
    const returnMs = again.wallMs - backAtMs;
    expect(returnMs).toBeLessThan(3000);
    expect(again.listedAtMs! - backAtMs).toBeLessThan(7000);
    expect(again.wallMs).toBeLessThan(blockStartMs + 60_000);
    // After the block: the next file, on time.
    const green = firstAfter('after', blockStartMs)!;
    expect(Math.abs(green.wallMs - (blockStartMs + 60_000))).toBeLessThan(100);
    expect(frames.filter((f) => f.wallMs > blockStartMs + 60_100 && f.wallMs < blockStartMs + 63_000).every((f) => f.picture === 'after')).toBe(true);

    // The `.ts` viewer: connected all along, and it saw what the playlist showed.
    expect(endedEarly).toBe(false);
    const tsFrames = (await frameColours(await saveTo(path.join(work, 'viewer.ts'), data))).map((f) => ({ wallMs: f.pts * 1000 + ptsToWallMs!, picture: pictureOf(f.rgb) }));
    expect(pictureAt(tsFrames, blockStartMs - 2000)).toBe('before');
    expect(pictureAt(tsFrames, blockStartMs + 8000)).toBe('live');
    expect(pictureAt(tsFrames, lostAtMs + 3000)).toBe('slate');
    expect(pictureAt(tsFrames, blockStartMs + 58_000)).toBe('live');
    expect(pictureAt(tsFrames, blockStartMs + 62_000)).toBe('after');
    // Stalls: a player that starts playing the first frame it gets (the burst's), as it gets it,
    // needs every later frame before its turn (spare ≥ 0; the first frame's is 0). Across the cut-in, the return and the cut-out it
    // has them. At the loss it does not quite: the slate's first frames come 1.5 s (the loss) +
    // what the lost renderer held (~0.5 s) + a slate renderer's start (1-2 s on this loaded
    // machine) after their turn, against the `.ts` burst's 3 s: measured from 0 to 1.1 s short in four
    // runs, and 4.1 to 6 s short beside a ten-channel soak (a slate renderer's start is what a
    // starved machine stretches). Bounded here only against a runaway (the goal is no stall at all,
    // which a standby fallback — a slate spliced at once, with no process to start — would reach;
    // issue 25); the live bench measures it on a quiet machine.
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,pos', '-of', 'csv=p=0', path.join(work, 'viewer.ts')], { maxBuffer: 64 * 1024 * 1024 });
    const videoPackets = stdout.trim().split('\n').map((line) => line.split(',').map(Number) as [number, number]).filter(([pts, pos]) => Number.isFinite(pts) && Number.isFinite(pos));
    const arrivalOf = (pos: number) => arrivals.find((a) => a.endByte > pos)?.atMs ?? Infinity;
    const [firstPts, firstPos] = videoPackets[0]!;
    const startedAtMs = arrivalOf(firstPos);
    // How long before its turn each frame arrived (its turn: when the player reaches it, playing from the first).
    const spareMs = videoPackets.map(([pts, pos]) => startedAtMs + (pts - firstPts) * 1000 - arrivalOf(pos));
    const leastSpareMs = Math.min(...spareMs);
    const leastSpareAtMs = (videoPackets[spareMs.indexOf(leastSpareMs)]![0] * 1000 + ptsToWallMs!) - blockStartMs;
    console.log(JSON.stringify({ tsViewerLeastSpareMs: leastSpareMs, tsViewerLeastSpareAtMs: leastSpareAtMs, tsViewerStartSpareMs: spareMs[0], lostAtMs: lostAtMs - blockStartMs, backAtMs: backAtMs - blockStartMs }));
    expect(leastSpareMs).toBeGreaterThan(-10_000);
    // …and nowhere but at the loss.
    const beforeLoss = videoPackets.map(([pts], i) => ({ atMs: pts * 1000 + ptsToWallMs!, spare: spareMs[i]! })).filter((p) => p.atMs < lostAtMs - 3000 || p.atMs > lostAtMs + 6000);
    expect(Math.min(...beforeLoss.map((p) => p.spare))).toBeGreaterThanOrEqual(0);

    // What was measured (for the report), in ms: cut-in vs the block's start; slate vs the
    // publisher's death; source back vs the ingest's reconnect (each by PDT, and when the segment
    // showing it was first listed: the segment's length and the renderer's latency on top).
    console.log(JSON.stringify({ cutInMs, cutInListedAfterBlockStartMs: cutIn.listedAtMs! - blockStartMs, fallbackMs, fallbackListedAfterLossMs: slate.listedAtMs! - lostAtMs, lossGapMs, returnListedAfterBackMs: again.listedAtMs! - backAtMs, returnMs, tsViewerLeastSpareMs: leastSpareMs, tsViewerLeastSpareAtMs: leastSpareAtMs, tsViewerStartSpareMs: spareMs[0], ingestBackAfterRestartMs: backAtMs - lostAtMs - 5000 }));
    // Recorded as it aired (record: true): the block, into the library's recordings, a minute long.
    const recorded = await waitFor('the recording in the library', async () => {
      const media = (await call('GET', '/api/media?limit=50')).body as { items: Array<{ path: string }> };
      return media.items.find((m) => m.path.includes(`${path.sep}recordings${path.sep}Friday Night Football (`));
    }, 30_000, 500);
    const { stdout: probedJson } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_chapters', '-show_entries', 'format=duration', '-of', 'json', recorded.path]);
    const probed = JSON.parse(probedJson) as { chapters: Array<{ tags?: { title?: string } }>; format: { duration: string } };
    expect(probed.chapters.map((c) => c.tags?.title)).toEqual(['stadium']);
    expect(Number(probed.format.duration)).toBeGreaterThan(55);
    expect(Number(probed.format.duration)).toBeLessThan(66);

    const logs = server.logs.join('\n');
    expect(logs).toContain('live source on air');
    expect(logs).toContain('live source lost: fallback');
    expect(logs).not.toContain(key);
  }, 180_000);
});
