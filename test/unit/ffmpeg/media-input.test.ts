import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAiringRenderArgs } from '../../../src/ffmpeg/airing-command.js';
import { buildSourceCheckArgs } from '../../../src/ffmpeg/ffprobe-args.js';
import {
  ffmpegInputArgs, ffprobeInputArgs, isMediaServerPath, mediaAvailable, mediaServerPath, parseMediaServerPath, resolveMediaInput,
  sanitiseInputText, setMediaServerResolver, type MediaInput, type MediaServerResolver,
} from '../../../src/ffmpeg/media-input.js';
import { channelGrid } from '../../../src/hls/segment-grid.js';
import { clearSecrets, redact } from '../../../src/logging/redact.js';
import { thumbnailArgs } from '../../../src/library/thumbnails.js';
import { extractArgs } from '../../../src/library/subtitles/extract.js';

/**
 * The one place a library path becomes what ffmpeg reads (src/ffmpeg/media-input.ts): a local
 * file as it is; a media server's item as its direct-play URL with the secret in a header and
 * bounded waits.
 */
const TOKEN = 'plex-token-Zq81xW';
const remote: MediaInput = { kind: 'http', url: 'http://plex.lan:32400/library/parts/7/1700000000/file.mkv', headers: { 'X-Plex-Token': TOKEN }, label: 'plex-1: Pilot' };

const plexLike: MediaServerResolver = (mediaPath) =>
  mediaPath === 'media-server:1:abc-123'
    ? { url: remote.url, headers: { 'X-Plex-Token': TOKEN }, label: 'plex-1: Pilot', identity: { sizeBytes: 1000, mtimeMs: 1_700_000_000_000 } }
    : { unavailable: 'the item is marked missing on its server (not found at last sync)' };

afterEach(() => {
  setMediaServerResolver(undefined);
  clearSecrets();
});

describe('media-server paths', () => {
  it('are made, recognised and read back', () => {
    const p = mediaServerPath(3, '4f9c-77aa');
    expect(p).toBe('media-server:3:4f9c-77aa');
    expect(isMediaServerPath(p)).toBe(true);
    expect(isMediaServerPath('/media/media-server:3:x.mkv')).toBe(false);
    expect(parseMediaServerPath(p)).toEqual({ sourceId: 3, uuid: '4f9c-77aa' });
    expect(parseMediaServerPath('media-server:x:1')).toBeUndefined();
    expect(parseMediaServerPath('media-server:1:../../etc')).toBeUndefined();
  });
});

describe('ffmpegInputArgs', () => {
  it('a local file: the seek (when asked) and -i, nothing else (the renderers\' command lines as before)', () => {
    expect(ffmpegInputArgs({ kind: 'file', path: '/m/a.mp4' })).toEqual(['-i', '/m/a.mp4']);
    expect(ffmpegInputArgs({ kind: 'file', path: '/m/a.mp4' }, 12.5)).toEqual(['-ss', '12.500', '-i', '/m/a.mp4']);
    expect(ffmpegInputArgs({ kind: 'file', path: '/m/a.mp4' }, 0)).toEqual(['-ss', '0.000', '-i', '/m/a.mp4']);
  });

  it('a media server: exit on a failed read, a 2 s read timeout, range requests, one immediate reconnect, the token in a header', () => {
    expect(ffmpegInputArgs(remote, 61)).toEqual([
      '-xerror',
      '-rw_timeout', '2000000',
      '-seekable', '1',
      '-headers', `X-Plex-Token: ${TOKEN}\r\n`,
      '-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '0',
      '-ss', '61.000',
      '-i', remote.url,
    ]);
    // The URL carries no secret: it is in the headers only.
    expect(ffmpegInputArgs(remote).at(-1)).not.toContain(TOKEN);
  });

  it('several headers: one CRLF-terminated line each; none: no -headers at all', () => {
    const jellyfin: MediaInput = { kind: 'http', url: 'http://jf:8096/Videos/1/stream?static=true', headers: { 'X-Emby-Token': 'k-1234567', 'X-Emby-Client': 'Retrovue' }, label: 'jellyfin-1: Film' };
    const args = ffmpegInputArgs(jellyfin);
    expect(args[args.indexOf('-headers') + 1]).toBe('X-Emby-Token: k-1234567\r\nX-Emby-Client: Retrovue\r\n');
    expect(ffmpegInputArgs({ ...jellyfin, headers: {} })).not.toContain('-headers');
  });

  it('ffprobe reads the same way, without reconnects (a quick check)', () => {
    expect(ffprobeInputArgs({ kind: 'file', path: '/m/a.mp4' })).toEqual(['/m/a.mp4']);
    expect(ffprobeInputArgs(remote)).toEqual(['-rw_timeout', '2000000', '-seekable', '1', '-headers', `X-Plex-Token: ${TOKEN}\r\n`, remote.url]);
    expect(buildSourceCheckArgs(ffprobeInputArgs(remote)).slice(-7)).toEqual(ffprobeInputArgs(remote));
    expect(buildSourceCheckArgs('/m/a.mp4').at(-1)).toBe('/m/a.mp4');
  });

  it('the renderer, the thumbnail and the subtitle extraction read a media server\'s item through it', () => {
    const profile = { width: 320, height: 180, frameRate: 30, videoCodec: 'libx264', videoBitrate: '300k', audioCodec: 'aac', audioBitrate: '96k', audioSampleRate: 48000 as const, audioChannels: 2 as const, preset: 'ultrafast' };
    const render = buildAiringRenderArgs({
      source: { path: 'media-server:1:abc-123', input: remote, startSeconds: 30, facts: { hasAudio: true, interlaced: false } },
      durationSeconds: 10, clockSeconds: 100, runSeconds: 0, grid: channelGrid(2), profile, loudnessTarget: null,
    });
    expect(render.slice(render.indexOf('-xerror'), render.indexOf(remote.url) + 1)).toEqual(ffmpegInputArgs(remote, 30));
    expect(render).not.toContain('media-server:1:abc-123');
    // A local source is read exactly as before (no seek at 0).
    const local = buildAiringRenderArgs({
      source: { path: '/m/a.mp4', startSeconds: 0, facts: { hasAudio: true, interlaced: false } },
      durationSeconds: 10, clockSeconds: 100, runSeconds: 0, grid: channelGrid(2), profile, loudnessTarget: null,
    });
    expect(local.slice(local.indexOf('-progress') + 2, local.indexOf('-progress') + 4)).toEqual(['-i', '/m/a.mp4']);

    const thumb = thumbnailArgs(remote, 90_500, '/tmp/x.jpg');
    expect(thumb.slice(thumb.indexOf('-xerror'), thumb.indexOf(remote.url) + 1)).toEqual(ffmpegInputArgs(remote, 90.5));
    expect(thumbnailArgs('/tv/Pilot.mkv', 0, '/tmp/x.jpg')).toContain('0.000');
    const extract = extractArgs(remote, 3, 'srt', '/c/x.srt');
    expect(extract.slice(extract.indexOf('-xerror'), extract.indexOf(remote.url) + 1)).toEqual(ffmpegInputArgs(remote));
  });
});

describe('resolveMediaInput', () => {
  it('a local path is a file, whatever the resolver', () => {
    expect(resolveMediaInput('/m/a.mp4', plexLike)).toEqual({ ok: true, input: { kind: 'file', path: '/m/a.mp4' } });
  });

  it('a media-server path: the registered resolver\'s URL, headers, label and the row\'s identity', () => {
    setMediaServerResolver(plexLike);
    expect(resolveMediaInput('media-server:1:abc-123')).toEqual({
      ok: true,
      input: { kind: 'http', url: remote.url, headers: { 'X-Plex-Token': TOKEN }, label: 'plex-1: Pilot' },
      identity: { sizeBytes: 1000, mtimeMs: 1_700_000_000_000 },
    });
  });

  it('resolving registers the headers with the log redactor: the token is hidden from then on', () => {
    expect(redact(`GET with ${TOKEN}`)).toBe(`GET with ${TOKEN}`);
    resolveMediaInput('media-server:1:abc-123', plexLike);
    expect(redact(`GET with ${TOKEN}`)).toBe('GET with ***');
  });

  it('says why it cannot stream: no source loaded, the resolver\'s reason, a resolver that throws (secret hidden)', () => {
    expect(resolveMediaInput('media-server:1:abc-123')).toEqual({ ok: false, reason: 'no media server source is loaded for this item' });
    expect(resolveMediaInput('media-server:1:gone', plexLike)).toEqual({ ok: false, reason: 'the item is marked missing on its server (not found at last sync)' });
    resolveMediaInput('media-server:1:abc-123', plexLike);
    const throwing: MediaServerResolver = () => {
      throw new Error(`database locked while reading ${TOKEN}`);
    };
    expect(resolveMediaInput('media-server:1:abc-123', throwing)).toEqual({ ok: false, reason: 'the media server source could not be read: database locked while reading ***' });
  });

  it('refuses what a resolver must never give: a non-http URL, credentials in the URL, a header that smuggles another', () => {
    const answer = (url: string, headers: Record<string, string> = {}): MediaServerResolver => () => ({ url, headers, label: 'plex-1: Pilot' });
    expect(resolveMediaInput('media-server:1:a', answer('file:///etc/passwd'))).toEqual({ ok: false, reason: "the media server's address for plex-1: Pilot is not http(s)" });
    expect(resolveMediaInput('media-server:1:a', answer('not a url'))).toEqual({ ok: false, reason: 'the media server gave no usable address for plex-1: Pilot' });
    expect(resolveMediaInput('media-server:1:a', answer('http://me:pw@plex:32400/x'))).toEqual({ ok: false, reason: "the media server's address for plex-1: Pilot carries credentials" });
    expect(resolveMediaInput('media-server:1:a', answer('http://plex:32400/x', { 'X-Plex-Token': 'abc\r\nHost: evil' }))).toEqual({ ok: false, reason: "the media server's headers for plex-1: Pilot are not valid HTTP headers" });
    expect(resolveMediaInput('media-server:1:a', answer('http://plex:32400/x', { 'Bad Name': 'v' })).ok).toBe(false);
  });
});

describe('mediaAvailable (the compiled timeline\'s "is it still there")', () => {
  it('a local file exists or not; a media server\'s item is available when its resolver can stream it (never existsSync of the path)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-media-input-'));
    const file = path.join(dir, 'a.mp4');
    writeFileSync(file, 'x');
    expect(mediaAvailable(file)).toBe(true);
    expect(mediaAvailable(path.join(dir, 'gone.mp4'))).toBe(false);
    expect(mediaAvailable('media-server:1:abc-123')).toBe(false); // no source loaded
    setMediaServerResolver(plexLike);
    expect(mediaAvailable('media-server:1:abc-123')).toBe(true);
    expect(mediaAvailable('media-server:1:gone')).toBe(false);
  });
});

describe('sanitiseInputText', () => {
  it("names the item instead of its URL and hides secrets in ffmpeg's words", () => {
    resolveMediaInput('media-server:1:abc-123', plexLike);
    expect(sanitiseInputText(`${remote.url}: Server returned 401 Unauthorized (token ${TOKEN})`, remote)).toBe('plex-1: Pilot: Server returned 401 Unauthorized (token ***)');
    expect(sanitiseInputText('/m/a.mp4: No such file or directory', { kind: 'file', path: '/m/a.mp4' })).toBe('/m/a.mp4: No such file or directory');
  });
});
