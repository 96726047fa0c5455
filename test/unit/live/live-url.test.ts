import { describe, expect, it } from 'vitest';
import { ingestArgs } from '../../../src/live/live-ingest.js';
import { displayUrl, generateLiveKey, LIVE_ID_PATTERN, parseLiveUrl, publishUrl, urlPassword } from '../../../src/live/live-url.js';

function endpoint(url: string) {
  const parsed = parseLiveUrl(url);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.endpoint;
}

function problem(url: string): string {
  const parsed = parseLiveUrl(url);
  if (parsed.ok) throw new Error(`${url} was accepted`);
  return parsed.message;
}

describe('live source ids', () => {
  it('are 1 to 32 of a-z, 0-9 and -', () => {
    expect(LIVE_ID_PATTERN.test('studio')).toBe(true);
    expect(LIVE_ID_PATTERN.test('cam-2')).toBe(true);
    expect(LIVE_ID_PATTERN.test('a'.repeat(32))).toBe(true);
    expect(LIVE_ID_PATTERN.test('a'.repeat(33))).toBe(false);
    expect(LIVE_ID_PATTERN.test('')).toBe(false);
    expect(LIVE_ID_PATTERN.test('Studio')).toBe(false);
    expect(LIVE_ID_PATTERN.test('../x')).toBe(false);
  });
});

describe('live source URLs', () => {
  it('tells push sources (Retrovue listens) from pull sources', () => {
    expect(endpoint('srt://0.0.0.0:9000?mode=listener')).toEqual({ kind: 'push', protocol: 'srt', host: '0.0.0.0', port: 9000 });
    expect(endpoint('rtmp://0.0.0.0:1935/live')).toEqual({ kind: 'push', protocol: 'rtmp', host: '0.0.0.0', port: 1935, app: 'live' });
    expect(endpoint('rtmp://0.0.0.0')).toEqual({ kind: 'push', protocol: 'rtmp', host: '0.0.0.0', port: 1935, app: 'live' });
    expect(endpoint('srt://encoder.lan:9000?mode=caller')).toMatchObject({ kind: 'pull', protocol: 'srt' });
    expect(endpoint('srt://encoder.lan:9000')).toMatchObject({ kind: 'pull', protocol: 'srt' });
    expect(endpoint('rtsp://cam.lan/stream1')).toMatchObject({ kind: 'pull', protocol: 'rtsp' });
    expect(endpoint('rtmp://media.example/app/stream')).toMatchObject({ kind: 'pull', protocol: 'rtmp' });
    expect(endpoint('https://example.com/live/index.m3u8')).toMatchObject({ kind: 'pull', protocol: 'hls' });
    expect(endpoint('udp://239.0.0.1:1234')).toMatchObject({ kind: 'pull', protocol: 'udp' });
  });

  it('refuses other schemes, secrets of their own, credentials in HLS URLs and bad ports', () => {
    expect(problem('file:///etc/passwd')).toMatch(/scheme "file" is not a live source/);
    expect(problem('http://example.com/video.mp4')).toMatch(/ends in \.m3u8/);
    expect(problem('https://user:pw@example.com/live.m3u8')).toMatch(/must not carry a user or password/);
    expect(problem('srt://0.0.0.0:9000?mode=listener&passphrase=mine12345678')).toMatch(/passphrase is Retrovue's/);
    expect(problem('srt://0.0.0.0:9000?mode=rendezvous')).toMatch(/mode must be caller/);
    expect(problem('srt://0.0.0.0:80?mode=listener')).toMatch(/1024 or above/);
    expect(problem('srt://host?mode=caller')).toMatch(/needs a port/);
    expect(problem('rtmp://0.0.0.0:1935/live/mykey')).toMatch(/stream key is generated/);
    expect(problem('rtmp://media.example/app')).toMatch(/application and the stream/);
    expect(problem('udp://239.0.0.1')).toMatch(/needs a port/);
    expect(problem('rtmp://0.0.0.0:1935/li ve')).toMatch(/spaces/);
    expect(problem(`https://example.com/${'a'.repeat(1100)}.m3u8`)).toMatch(/longer than 1024/);
    expect(problem('not a url')).toMatch(/spaces|not a URL/);
  });

  it('keeps a camera password out of answers and hands it to the redactor', () => {
    expect(displayUrl('rtsp://admin:s3cret-pass@cam.lan/stream')).toBe('rtsp://admin:***@cam.lan/stream');
    expect(urlPassword('rtsp://admin:s3cret-pass@cam.lan/stream')).toBe('s3cret-pass');
    expect(urlPassword('rtsp://cam.lan/stream')).toBeUndefined();
  });

  it('makes random URL-safe keys and the publish URL an encoder uses', () => {
    const a = generateLiveKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generateLiveKey()).not.toBe(a);
    expect(publishUrl(endpoint('rtmp://0.0.0.0:1935/live'), 'KEY', 'tv.lan')).toBe('rtmp://tv.lan:1935/live/KEY');
    expect(publishUrl(endpoint('srt://0.0.0.0:9000?mode=listener'), 'KEY', 'tv.lan')).toBe('srt://tv.lan:9000?mode=caller&passphrase=KEY');
    expect(publishUrl(endpoint('rtsp://cam.lan/x'), 'KEY')).toBeUndefined();
  });

  it('listens with the key: the RTMP stream name, the SRT passphrase', () => {
    expect(ingestArgs(endpoint('rtmp://0.0.0.0:1935/live'), 'KEY')).toEqual(expect.arrayContaining(['-listen', '1', 'rtmp://0.0.0.0:1935/live/KEY']));
    expect(ingestArgs(endpoint('srt://0.0.0.0:9000?mode=listener'), 'KEY')).toContain('srt://0.0.0.0:9000?mode=listener&passphrase=KEY');
    const hls = ingestArgs(endpoint('https://x.example/a.m3u8'), undefined);
    expect(hls.slice(hls.indexOf('-rw_timeout') - 1, hls.indexOf('-rw_timeout') + 4)).toEqual(['-re', '-rw_timeout', '5000000', '-i', 'https://x.example/a.m3u8']);
    // Each audio frame its own PES (-muxdelay 0): a live block's renderer must not wait 0.7 s for sound.
    expect(hls.slice(-9)).toEqual(['-c', 'copy', '-muxdelay', '0', '-f', 'mpegts', '-flush_packets', '1', 'pipe:1']);
    expect(() => ingestArgs(endpoint('rtmp://0.0.0.0:1935/live'), undefined)).toThrow(/needs its key/);
  });
});
