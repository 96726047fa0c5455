import { describe, expect, it } from 'vitest';
import { bitsPerSecond, renderMasterPlaylist, rungBandwidth } from '../../../src/hls/master-playlist.js';
// m3u8-parser ships no types.
// @ts-expect-error no declaration file
import { Parser } from 'm3u8-parser';

describe('master playlist (RFC 8216 §4.3.4.2)', () => {
  const variants = [
    { uri: '1/medium.m3u8', bandwidth: 3_000_000, averageBandwidth: 2_300_000, width: 1280, height: 720, frameRate: 30, codecs: ['avc1.64001f', 'mp4a.40.2'] },
    { uri: '1/low.m3u8', bandwidth: 1_200_000, averageBandwidth: 1_000_000, width: 640, height: 360, frameRate: 29.97, codecs: ['avc1.64001e', 'mp4a.40.2'] },
  ];

  it('lists one EXT-X-STREAM-INF per rung, lowest bandwidth first, with every attribute', () => {
    expect(renderMasterPlaylist(variants)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1000000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
        '1/low.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2300000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000',
        '1/medium.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('parses in a real client parser', () => {
    const parser = new Parser();
    parser.push(renderMasterPlaylist(variants));
    parser.end();
    const playlists = (parser.manifest as { playlists: Array<{ uri: string; attributes: Record<string, unknown> }> }).playlists;
    expect(playlists.map((p) => p.uri)).toEqual(['1/low.m3u8', '1/medium.m3u8']);
    expect(playlists[1]!.attributes).toMatchObject({ BANDWIDTH: 3_000_000, CODECS: 'avc1.64001f,mp4a.40.2', RESOLUTION: { width: 1280, height: 720 } });
  });

  it('leaves CODECS out rather than guess when the video codec is not known yet', () => {
    expect(renderMasterPlaylist([{ ...variants[0]!, codecs: [] }])).not.toContain('CODECS');
  });

  it('reads ffmpeg bitrates', () => {
    expect([bitsPerSecond('800k'), bitsPerSecond('2M'), bitsPerSecond('1.5m'), bitsPerSecond('96000')]).toEqual([800_000, 2_000_000, 1_500_000, 96_000]);
    expect(() => bitsPerSecond('fast')).toThrow(/not a bitrate/);
  });

  it('bounds a segment by the rate plus the VBV buffer: more headroom for short segments', () => {
    const ten = rungBandwidth({ videoBitrate: '2000k', audioBitrate: '128k' }, 10);
    const two = rungBandwidth({ videoBitrate: '2000k', audioBitrate: '128k' }, 2);
    expect(ten.averageBandwidth).toBe(two.averageBandwidth);
    expect(ten.averageBandwidth).toBeGreaterThan(2_000_000 + 128_000);
    expect(ten.bandwidth).toBeGreaterThan(ten.averageBandwidth);
    expect(two.bandwidth).toBeGreaterThan(ten.bandwidth);
  });
});
