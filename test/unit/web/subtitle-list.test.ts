import { describe, expect, it } from 'vitest';
import { subtitleTrackFacts } from '../../../web/control/subtitle-list.js';
import type { SubtitleTrack } from '../../../web/control/types.js';

const track = (facts: Partial<SubtitleTrack>): SubtitleTrack => ({
  id: 1, origin: 'embedded', index: 2, sidecarPath: null, codec: 'subrip', language: 'jpn', languageName: 'Japanese', title: null,
  forced: false, default: false, hearingImpaired: false, pictureOnly: false, problem: null, warning: null, ...facts,
});

describe("the control room's subtitle list (web/control/subtitle-list.ts)", () => {
  it('names the language readably, where the track comes from, and its flags', () => {
    expect(subtitleTrackFacts(track({ forced: true, default: true }))).toEqual({ language: 'Japanese (jpn)', source: 'stream 2 · subrip', flags: ['forced', 'default'], problem: null, warning: null });
    expect(subtitleTrackFacts(track({ origin: 'sidecar', index: null, sidecarPath: '/m/Film.srt', language: 'und', languageName: 'Unknown language', hearingImpaired: true }))).toMatchObject({
      language: 'Unknown language', source: 'file Film.srt · subrip', flags: ['SDH'],
    });
  });

  it('marks pictures and problems', () => {
    expect(subtitleTrackFacts(track({ codec: 'hdmv_pgs_subtitle', pictureOnly: true })).flags).toEqual(['picture: burn-in only']);
    expect(subtitleTrackFacts(track({ problem: 'too large (30.0 MB; at most 20.0 MB)', warning: null })).problem).toBe('too large (30.0 MB; at most 20.0 MB)');
  });
});
