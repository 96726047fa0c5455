import { describe, expect, it } from 'vitest';
import { HlsViewers } from '../../../src/metrics/hls-viewers.js';
import { routeLabel, streamChannelOf, UNMATCHED_ROUTE } from '../../../src/metrics/http-metrics.js';

describe('routeLabel: requests are counted by route pattern, never by URL', () => {
  it('splits /channel/:file into the playlist and the .ts stream, and names the channel :n', () => {
    expect(routeLabel('/channel/:file', '/channel/3.m3u8?_HLS_msn=5')).toBe('/channel/:n.m3u8');
    expect(routeLabel('/channel/:file', '/channel/12.ts')).toBe('/channel/:n.ts');
    expect(routeLabel('/channel/:file', '/channel/evil.ts')).toBe('/channel/:file');
    expect(routeLabel('/channel/:channel/:segment', '/channel/1/r1-5.ts')).toBe('/channel/:n/:segment');
    expect(routeLabel('/api/channels/:n/status', '/api/channels/1/status')).toBe('/api/channels/:n/status');
  });

  it('gives every unmatched request one label, whatever its URL', () => {
    expect(routeLabel(undefined, '/whatever/../../etc/passwd')).toBe(UNMATCHED_ROUTE);
    expect(routeLabel(undefined, `/${'x'.repeat(5000)}`)).toBe(UNMATCHED_ROUTE);
  });
});

describe('streamChannelOf', () => {
  it('finds the channel of playlists, segments, rungs and the .ts stream, and nothing else', () => {
    expect(streamChannelOf('/channel/1.m3u8')).toBe(1);
    expect(streamChannelOf('/channel/7.ts')).toBe(7);
    expect(streamChannelOf('/channel/2/r1-5.ts')).toBe(2);
    expect(streamChannelOf('/channel/2/low/r1-5.ts?x=1')).toBe(2);
    expect(streamChannelOf('/channels.m3u')).toBeUndefined();
    expect(streamChannelOf('/channel/1.mp4')).toBeUndefined();
    expect(streamChannelOf('/api/channels/1/status')).toBeUndefined();
  });
});

describe('HlsViewers: a player is watching while it keeps asking, within the window', () => {
  it('counts distinct clients per channel and forgets them after the window', () => {
    let now = 0;
    const viewers = new HlsViewers(30_000, 100, () => now);
    viewers.note(1, 'a');
    viewers.note(1, 'a');
    viewers.note(1, 'b');
    viewers.note(2, 'a');
    expect([viewers.count(1), viewers.count(2), viewers.count(3)]).toEqual([2, 1, 0]);
    now = 20_000;
    viewers.note(1, 'a'); // still watching
    now = 40_000;
    expect(viewers.count(1)).toBe(1);
    expect(viewers.count(2)).toBe(0);
  });

  it('is bounded: a client inventing identities fills its channel table, not memory', () => {
    let now = 0;
    const viewers = new HlsViewers(30_000, 3, () => now);
    for (let i = 0; i < 1000; i++) viewers.note(1, `ua-${i}`);
    expect(viewers.count(1)).toBe(3);
    now = 31_000; // they expire, and new ones fit again
    viewers.note(1, 'real player');
    expect(viewers.count(1)).toBe(1);
  });
});
