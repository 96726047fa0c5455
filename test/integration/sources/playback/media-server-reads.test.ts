import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaCache } from '../../../../src/cache/media-cache.js';
import type { OutputProfile } from '../../../../src/config/quality.js';
import { migrate } from '../../../../src/db/database.js';
import { setMediaServerResolver, type MediaServerResolver } from '../../../../src/ffmpeg/media-input.js';
import { checkSource } from '../../../../src/library/probe.js';
import { ThumbnailCache, ThumbnailError } from '../../../../src/library/thumbnails.js';
import { clearSecrets } from '../../../../src/logging/redact.js';
import { packetTimes } from '../../../helpers/hls.js';
import { startMediaFileServer, type MediaFileServer } from '../../../helpers/media-file-server.js';
import { makeClips } from '../../../helpers/media.js';
import { tempDir } from '../../../helpers/server.js';

/**
 * Everything else that reads a media server's item reads it the way the renderer does
 * (src/ffmpeg/media-input.ts), with real ffmpeg against a server that answers like Plex's part
 * endpoint (PMS 1.41: `X-Plex-Token` header, byte ranges): the pre-air check, the media cache
 * fill (keyed by the row's size and the server's change time, there being no local file), and
 * the chapter editor's thumbnails. A wrong token or a dead server is a reason in words, with no
 * secret and no URL in it.
 */
const token = 'plex-token-reads-4c2e9a77';
const partKey = '/library/parts/21/1700000500/file.mp4';
const mediaPath = 'media-server:2:0b6f3c1e-5d0a-4f43-9a4e-2f7f5b1c9d10';
const profile: OutputProfile = { width: 160, height: 90, frameRate: 30, videoCodec: 'libx264', videoBitrate: '200k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000, audioChannels: 2, preset: 'ultrafast' };

describe('reading a media server\'s item: check, cache fill, thumbnails (real ffmpeg)', () => {
  let work: string;
  let files: MediaFileServer;
  /** What the station's resolver answers now (the test changes the row's version and the secret). */
  let version = { sizeBytes: 0, mtimeMs: 1_700_000_500_000 };
  let secret = token;
  const resolver: MediaServerResolver = (p) =>
    p === mediaPath ? { url: `${files.url}${partKey}`, headers: { 'X-Plex-Token': secret }, label: 'plex-2: Pilot', identity: version } : { unavailable: 'no such item' };

  beforeAll(async () => {
    work = tempDir('media-server-reads');
    const [clip] = await makeClips(path.join(work, 'on-the-server'), [{ name: 'pilot.mp4', seconds: 4 }]);
    files = await startMediaFileServer({ auth: { header: 'X-Plex-Token', token }, files: { [partKey]: clip! } });
    version = { ...version, sizeBytes: 123_456 };
    setMediaServerResolver(resolver);
  });

  afterAll(async () => {
    setMediaServerResolver(undefined);
    clearSecrets();
    await files?.close();
  });

  it('the pre-air check reads the stream over HTTP with the token in a header', async () => {
    const before = files.requests.length;
    const check = await checkSource('ffprobe', mediaPath);
    expect(check).toEqual({ ok: true, facts: { hasAudio: true, interlaced: false, audioTracks: [{ default: true }] } });
    const made = files.requests.slice(before);
    expect(made.length).toBeGreaterThan(0);
    expect(made.every((r) => r.authorized && r.status !== 401)).toBe(true);
  });

  it('a wrong token and a dead server: reasons in words, naming the item, never its URL or a token', async () => {
    secret = 'not-the-token-at-all';
    const refused = await checkSource('ffprobe', mediaPath);
    secret = token;
    expect(refused.ok).toBe(false);
    const reason = (refused as { reason: string }).reason;
    expect(reason).toMatch(/^plex-2: Pilot: .*401/);
    expect(reason).not.toContain('not-the-token-at-all');
    expect(reason).not.toContain(files.url);

    expect(await checkSource('ffprobe', 'media-server:2:00000000-0000-0000-0000-000000000000')).toEqual({ ok: false, reason: 'no such item' });

    await files.die();
    const startedAt = Date.now();
    const dead = await checkSource('ffprobe', mediaPath);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(dead.ok).toBe(false);
    expect((dead as { reason: string }).reason).toMatch(/^plex-2: Pilot: .*(refused|Connection)/i);
    await files.revive();
  });

  it('the media cache fills from the stream like from disk, keyed by the row\'s size and change time; a changed version is filled again', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const cache = new MediaCache({ db, dir: path.join(work, 'cache'), ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', budgetBytes: 1e9 });
    const key = cache.profileKeyOf(profile, null);
    const before = files.requests.length;
    const entry = await cache.fill({ path: mediaPath, durationSeconds: 4, chapterSeconds: [], profile, loudnessTarget: null });
    expect(entry.source).toEqual({ path: mediaPath, ...version });
    expect(existsSync(entry.file)).toBe(true);
    const times = await packetTimes(entry.file);
    expect(times.video.length).toBeGreaterThanOrEqual(4 * 30);
    expect(files.requests.slice(before).every((r) => r.authorized)).toBe(true);
    expect((await cache.lookup(mediaPath, key))?.key).toBe(entry.key);

    // The source cannot be resolved for a while (removed, its secret gone): not proof of a change, the entry stays.
    setMediaServerResolver(() => ({ unavailable: 'the source is being synced' }));
    expect(await cache.lookup(mediaPath, key)).toBeUndefined();
    expect(existsSync(entry.file)).toBe(true);
    setMediaServerResolver(resolver);
    expect((await cache.lookup(mediaPath, key))?.key).toBe(entry.key);

    // The server changed the file (an upgrade): the row's version moves, the old entry goes.
    version = { sizeBytes: 654_321, mtimeMs: 1_700_000_900_000 };
    expect(await cache.lookup(mediaPath, key)).toBeUndefined();
    expect(existsSync(entry.file)).toBe(false);
    const again = await cache.fill({ path: mediaPath, durationSeconds: 4, chapterSeconds: [], profile, loudnessTarget: null });
    expect(again.key).not.toBe(entry.key);
    db.close();
  }, 120_000);

  it('a fill from a dead server fails with a reason, no token, nothing cached', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const cache = new MediaCache({ db, dir: path.join(work, 'cache-dead'), ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', budgetBytes: 1e9 });
    await files.die();
    const failure = await cache.fill({ path: mediaPath, durationSeconds: 4, chapterSeconds: [], profile, loudnessTarget: null }).then(() => undefined, (error: Error) => error);
    await files.revive();
    expect(failure?.message).toMatch(/^cannot cache media-server:2:.*plex-2: Pilot/);
    expect(failure?.message).not.toContain(token);
    expect(cache.stats().entries).toBe(0);
    db.close();
  });

  it('the chapter editor\'s thumbnails are made from the stream', async () => {
    const thumbnails = new ThumbnailCache({ dir: path.join(work, 'thumbs'), ffmpegPath: 'ffmpeg' });
    const jpeg = await thumbnails.get({ mediaId: 7, path: mediaPath, ...version }, 2000);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const unknown = await thumbnails.get({ mediaId: 8, path: 'media-server:2:00000000-0000-0000-0000-000000000000', ...version }, 1000).then(() => undefined, (error: unknown) => error);
    expect(unknown).toBeInstanceOf(ThumbnailError);
    expect((unknown as ThumbnailError).message).toContain('no such item');
  });
});
