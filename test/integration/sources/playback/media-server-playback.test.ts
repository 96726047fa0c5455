import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../src/db/database.js';
import { SourceSecrets } from '../../../../src/sources/source-secrets.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fetchPlaylist, firstFrameColour, saveTo, streamFacts } from '../../../helpers/hls.js';
import { startMediaFileServer, type MediaFileServer } from '../../../helpers/media-file-server.js';
import { makeClips } from '../../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../../helpers/server.js';

/**
 * A programme that lives on a media server (no file here: its library path is
 * `media-server:<source>:<uuid>`) airs from the server's direct-play URL, over the real server
 * and real ffmpeg: real segments, the token in a header and in no log line, and a server that
 * dies (or hangs) mid-airing: ffmpeg gives up within 2 s of meeting the cut, the channel shows
 * the slate with the reason where the programme's picture ends (never a stall, never a frozen
 * picture, the run never restarts), and the programme is back on its own once the server is.
 *
 * The server answers like Plex's part endpoint (PMS 1.41: `/library/parts/{id}/{changedAt}/file.ext`,
 * `X-Plex-Token` header, byte ranges). The library rows are written the way the sync writes
 * them (migration 9's columns), before the server starts; serve's own resolver (the Plex
 * client's `streamInput`) turns the path into the URL.
 */
const run = promisify(execFile);

/** The drawn slate's background (0x1d3557); the programme is ffmpeg's moving test pattern, nowhere near it on average. */
const SLATE_RGB = [0x1d, 0x35, 0x57] as const;
const isSlateColour = (rgb: [number, number, number]) => rgb.reduce((sum, v, i) => sum + (v - SLATE_RGB[i]!) ** 2, 0) < 40 ** 2;

describe('a programme streamed from a media server (real server, real ffmpeg)', () => {
  const token = 'plex-token-playback-7f3a9c1e';
  const partKey = '/library/parts/11/1700000000/file.mp4';
  const uuid = randomUUID();
  const mediaPath = `media-server:1:${uuid}`;
  let work: string;
  let clipBytes: number;
  let files: MediaFileServer;
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  /** The channel's status; the playlist is fetched too, as a player would, so the channel keeps its viewer. */
  const status = async () => {
    await (await fetch(url('/channel/1.m3u8'))).text();
    return (await (await fetch(url('/api/channels/1/status'))).json()) as { rendering: { title: string; slate: boolean; reason: string | null } | null };
  };
  /** The server's log lines from `fromMs` on, parsed (pino JSON). */
  const logSince = (fromMs: number) =>
    server.logs.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as { time?: number; msg?: string; [k: string]: unknown };
        return typeof parsed.time === 'number' && parsed.time >= fromMs ? [parsed] : [];
      } catch {
        return [];
      }
    });

  beforeAll(async () => {
    work = tempDir('media-server-playback');
    const local = path.join(work, 'local');
    mkdirSync(local, { recursive: true });
    // Two minutes: the renderer (tens of seconds ahead of the air) is still reading it when the
    // server dies. The index first (as a server's library usually has it), so a try reads from
    // where it seeks at once.
    const [made] = await makeClips(path.join(work, 'made'), [{ name: 'pilot.mp4', seconds: 120 }]);
    const clip = path.join(work, 'pilot.mp4');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', made!, '-c', 'copy', '-movflags', '+faststart', clip]);
    clipBytes = statSync(clip).size;
    files = await startMediaFileServer({ auth: { header: 'X-Plex-Token', token }, files: { [partKey]: clip } });

    const dataDir = path.join(work, 'data');
    const db = openDatabase(dataDir);
    // libraries [] : the sync schedule leaves this source alone (nothing to sync), so the rows stay as written.
    db.prepare("INSERT INTO media_sources (id, key, type, url, server_name, server_version, server_id, libraries_json) VALUES (1, 'plex-1', 'plex', ?, 'Den Plex', '1.41.0', 'abc', '[]')").run(files.url);
    db.prepare(
      `INSERT INTO media_files (path, size_bytes, mtime_ms, status, container, duration_ms, video_codec, width, height, frame_rate, title, show, season, episode, kind, source_id, remote_id, remote_path, remote_part, metadata_source, probed_at)
       VALUES (?, ?, ?, 'ok', 'mov,mp4,m4a,3gp,3g2,mj2', 120000, 'h264', 160, 90, 25, 'Pilot', 'Test Show', 1, 1, 'episode', 1, '5001', '/data/tv/Test Show/S01E01.mp4', ?, 'plex', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
    ).run(mediaPath, clipBytes, 1_700_000_000_000, partKey);
    db.close();
    new SourceSecrets(dataDir).set('plex-1', { token });

    // A higher bitrate than the tests' usual: the renderer's 1 MB of output ahead of its turn is
    // then seconds, not a minute, so the slate reaches the air soon after the server dies.
    server = await startServer({ ...testConfig({ media: [local], dataDir, streaming: { channels: 1 }, ffmpeg: { bitrate: '1500k' } }), log_level: 'debug' } as ReturnType<typeof testConfig>);
  });

  afterAll(async () => {
    await server?.stop();
    await files?.close();
  });

  it('airs it: real segments rendered from the server\'s stream, read with the token in a header and byte ranges', async () => {
    const { playlist } = await waitFor('segments of the streamed programme', async () => {
      const fetched = await fetchPlaylist(url('/channel/1.m3u8'));
      return fetched.playlist.segments.length >= 3 ? fetched : undefined;
    }, 45_000, 500);
    const segment = playlist.segments.at(-1)!;
    const file = await saveTo(path.join(work, 'segment.ts'), await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer());
    const { streams, duration } = await streamFacts(file);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(duration).toBeGreaterThan(0.4);
    expect(isSlateColour(await firstFrameColour(file))).toBe(false);
    expect((await status()).rendering).toMatchObject({ title: 'Pilot', slate: false });
    // Every request carried the token (none refused) and asked for a range.
    expect(files.requests.length).toBeGreaterThan(0);
    expect(files.requests.every((r) => r.authorized && r.path === partKey)).toBe(true);
    expect(files.requests.some((r) => r.range?.startsWith('bytes='))).toBe(true);
  });

  it('the token is in no log line (debug level) and in no answer', async () => {
    expect(server.logs.length).toBeGreaterThan(10);
    expect(server.logs.some((line) => line.includes('streaming the airing from its media server') && line.includes('plex-1: Pilot'))).toBe(true);
    expect(server.logs.join('\n')).not.toContain(token);
    for (const p of ['/api/channels/1/status', '/api/channels/1/now', '/api/health', '/api/channels/1/timeline']) {
      expect(await (await fetch(url(p))).text(), p).not.toContain(token);
    }
  });

  it('a server that dies mid-airing: ffmpeg gives up within 2 s of meeting the cut, the slate (with the reason) follows the picture, the run never restarts', async () => {
    const diedAt = Date.now();
    await files.die();
    // ffmpeg's complaint about the stream, logged the moment it meets the cut. The renderer reads
    // only as fast as it may write: up to its 1 MB of output ahead of the air (about 5.5 s at this
    // bitrate) it waits on the packager, not the server, and meets the cut at its next read
    // (measured in CI: 0.3 s to 5.8 s after the death, by where the renderer was).
    const complaint = await waitFor('the renderer to notice the server is gone', () => logSince(diedAt).find((l) => l.msg === 'airing renderer says'), 20_000, 50);
    expect(complaint.time! - diedAt, String(complaint.ffmpeg)).toBeLessThan(12_000);
    // It gives up within 2 s of meeting it (one reconnect, refused), and its last word names
    // the item by its label, never by its URL.
    const fatal = await waitFor('ffmpeg to give up', () => logSince(diedAt).find((l) => l.msg === 'airing renderer says' && String(l.ffmpeg).startsWith('[fatal]')), 15_000, 50);
    expect(String(fatal.ffmpeg)).toContain('plex-1: Pilot: ');
    expect(fatal.time! - complaint.time!).toBeLessThan(2000);
    expect(logSince(diedAt).map((l) => String(l.ffmpeg ?? '')).join('\n')).not.toContain(files.url);
    // What it had rendered still airs (tens of seconds ahead of the air), then the slate.
    const slate = await waitFor('the slate', async () => {
      const { rendering } = await status();
      return rendering?.slate ? rendering : undefined;
    }, 90_000, 250);
    expect(slate.title).toBe('Pilot');
    // Why, in ffmpeg's words about the stream (not what broke next, "corrupt input packet").
    expect(slate.reason).toMatch(/^plex-1: Pilot: .*(refused|reset|prematurely|End of file|Input\/output error)/i);
    expect(logSince(diedAt).some((l) => l.msg === 'airing renderer failed reading its media server: slate, then the airing is tried again')).toBe(true);
    // Not the 10 s stall watchdog: ffmpeg's own timeout ended it.
    expect(logSince(diedAt).some((l) => l.msg === 'airing renderer stalled: killing it')).toBe(false);
    // The viewers see it: the channel's newest segments show the slate.
    await waitFor('a segment of the slate', async () => {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      const last = playlist.segments.at(-1)!;
      const file = await saveTo(path.join(work, `slate-${last.sequence}.ts`), await (await fetch(url(`/channel/${last.uri}`))).arrayBuffer());
      return isSlateColour(await firstFrameColour(file)) ? true : undefined;
    }, 60_000, 500);
    // One run all along: an airing's failure is no encoder restart.
    expect(logSince(diedAt).every((l) => l.run === undefined || l.run === 1)).toBe(true);
  }, 180_000);

  it('back on its own once the server is: the airing again, from where the timeline is (a range request past the start)', async () => {
    const before = files.requests.length;
    // From now on the server sends at one and a half times the programme's bitrate (a server
    // behind a modest link): the sockets then hold a few seconds of it, not the whole file, and
    // the hang below is met while the renderer is reading.
    files.throttle(Math.round((1.5 * clipBytes) / 120));
    await files.revive();
    const revivedAt = Date.now();
    const backAt = await waitFor('the programme back on the air', async () => {
      const { rendering } = await status();
      return rendering && !rendering.slate && rendering.title === 'Pilot' ? Date.now() : undefined;
    }, 60_000, 250);
    expect(logSince(revivedAt).some((l) => l.msg === 'trying the airing again'), 'a try after the revival').toBe(true);
    // The viewers see it: a segment of the programme (not the slate) follows.
    await waitFor('a segment of the programme after the return', async () => {
      const { playlist } = await fetchPlaylist(url('/channel/1.m3u8'));
      const last = playlist.segments.at(-1)!;
      if (last.programDateTime === undefined || last.programDateTime < backAt) return undefined;
      const file = await saveTo(path.join(work, `after-${last.sequence}.ts`), await (await fetch(url(`/channel/${last.uri}`))).arrayBuffer());
      return isSlateColour(await firstFrameColour(file)) ? undefined : true;
    }, 60_000, 500);
    // Read with the token, from where the timeline was (a range request into the file, not its start).
    const fresh = files.requests.slice(before);
    const seen = JSON.stringify(fresh.map((r) => [r.range, r.status, r.authorized]));
    expect(fresh.length).toBeGreaterThan(1);
    expect(fresh.every((r) => r.authorized), seen).toBe(true);
    expect(fresh.some((r) => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? 0) > 0), seen).toBe(true);
  }, 180_000);

  it('a server that hangs (stops sending, socket open): ffmpeg\'s read timeout ends the renderer, not the 10 s stall watchdog; back after it answers', async () => {
    const stalledAt = Date.now();
    files.stall();
    const complaint = await waitFor('the renderer to give up on the hung server', () => logSince(stalledAt).find((l) => l.msg === 'airing renderer says'), 30_000, 50);
    // A hung server is noticed the read timeout (2 s) after the data stops, plus the one
    // reconnect's (its request unanswered); the renderer first reads what the sockets held (at
    // this rate, a few seconds of the programme), as fast as it may write (see above).
    expect(complaint.time! - stalledAt).toBeLessThan(15_000);
    await waitFor('the slate', async () => ((await status()).rendering?.slate ? true : undefined), 90_000, 250);
    expect(logSince(stalledAt).some((l) => l.msg === 'airing renderer stalled: killing it')).toBe(false);
    await files.revive();
    await waitFor('the programme back on the air', async () => {
      const { rendering } = await status();
      return rendering && !rendering.slate && rendering.title === 'Pilot' ? true : undefined;
    }, 60_000, 250);
    expect(server.logs.join('\n')).not.toContain(token);
  }, 180_000);
});
