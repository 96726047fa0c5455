import { describe, expect, it } from 'vitest';
import { checkSource, interpretProbe, interpretSourceStreams } from '../../../src/library/probe.js';

/** The scanner's probe and playout's pre-air check decide "playable" by the same rules. */
describe('one playability rule for the scanner and for playout', () => {
  const coverArtOnly = { streams: [{ codec_type: 'video', disposition: { attached_pic: 1 } }, { codec_type: 'audio' }], format: { duration: '10' } };
  const interlaced = { streams: [{ codec_type: 'video', field_order: 'tt' }], format: { duration: '10' } };

  it('cover art is not a picture, for both', () => {
    expect(interpretProbe(coverArtOnly)).toEqual({ ok: false, reason: 'no video stream' });
    expect(interpretSourceStreams(coverArtOnly)).toEqual({ ok: false, reason: 'no video stream' });
  });

  it('tt is interlaced for both; a file with no audio stream is silent', () => {
    const probed = interpretProbe(interlaced);
    expect(probed.ok && probed.probe.video?.interlaced).toBe(true);
    expect(interpretSourceStreams(interlaced)).toEqual({ ok: true, facts: { hasAudio: false, interlaced: true, audioTracks: [] } });
  });

  it('the pre-air check never throws: a missing ffprobe is a reason to show the slate', async () => {
    const check = await checkSource('/nonexistent/ffprobe', '/media/show.mp4');
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(/ENOENT/);
  });
});
