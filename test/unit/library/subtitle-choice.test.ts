import { describe, expect, it } from 'vitest';
import { chooseTextTracks, rankTracks } from '../../../src/library/subtitles/choose.js';
import type { LibrarySubtitleTrack } from '../../../src/library/subtitles/tracks.js';

let nextId = 1;
const track = (name: string, facts: Partial<LibrarySubtitleTrack>): LibrarySubtitleTrack & { name: string } => ({
  name,
  id: nextId++,
  mediaFileId: 1,
  origin: 'embedded',
  streamIndex: 2,
  sidecarPath: null,
  codec: 'subrip',
  language: 'eng',
  title: null,
  forced: false,
  default: false,
  hearingImpaired: false,
  pictureOnly: false,
  problem: null,
  warning: null,
  ...facts,
});
const sidecar = (name: string, facts: Partial<LibrarySubtitleTrack> = {}) => track(name, { origin: 'sidecar', streamIndex: null, sidecarPath: `/m/${name}`, ...facts });
const names = (tracks: Array<{ name: string }>) => tracks.map((t) => t.name);

describe('choosing a subtitle track', () => {
  it('the language asked for, in any ISO 639 form', () => {
    const tracks = [track('eng', { streamIndex: 2 }), track('jpn', { language: 'jpn', streamIndex: 3 }), track('ger', { language: 'ger', streamIndex: 4 })];
    expect(names(chooseTextTracks(tracks, 'jpn'))).toEqual(['jpn']);
    expect(names(chooseTextTracks(tracks, 'ja'))).toEqual(['jpn']);
    expect(names(chooseTextTracks(tracks, 'deu'))).toEqual(['ger']);
    expect(chooseTextTracks(tracks, 'fre')).toEqual([]);
  });

  it('a full track before a forced one; only forced ones when forced subtitles are asked for', () => {
    const tracks = [track('forced', { forced: true, streamIndex: 2, default: true }), track('full', { streamIndex: 3 })];
    expect(names(chooseTextTracks(tracks, 'eng'))).toEqual(['full', 'forced']);
    expect(names(chooseTextTracks(tracks, 'eng', { forced: true }))).toEqual(['forced']);
    expect(chooseTextTracks([track('full', {})], 'eng', { forced: true })).toEqual([]);
  });

  it('never a picture track or one with a problem (they have no cues)', () => {
    const tracks = [track('pgs', { codec: 'hdmv_pgs_subtitle', pictureOnly: true, default: true }), sidecar('broken.en.srt', { problem: 'no cue could be read' }), track('text', { streamIndex: 5 })];
    expect(names(chooseTextTracks(tracks, 'eng'))).toEqual(['text']);
    expect(chooseTextTracks(tracks.slice(0, 2), 'eng')).toEqual([]);
  });

  it('a sidecar before an embedded track, even a default one; then default, then plain before SDH, then stream order', () => {
    const tracks = [
      track('embedded sdh default', { streamIndex: 2, default: true, hearingImpaired: true }),
      track('embedded default', { streamIndex: 5, default: true }),
      track('embedded', { streamIndex: 3 }),
      track('embedded 4', { streamIndex: 4 }),
      sidecar('Film.en.sdh.srt', { hearingImpaired: true }),
      sidecar('Film.en.srt'),
    ];
    expect(names(chooseTextTracks(tracks, 'eng'))).toEqual(['Film.en.srt', 'Film.en.sdh.srt', 'embedded default', 'embedded sdh default', 'embedded', 'embedded 4']);
  });

  it("a track of unknown language stands in after every track in the language, and is itself asked for as 'und'", () => {
    const tracks = [sidecar('Film.srt', { language: 'und' }), track('jpn', { language: 'jpn' })];
    expect(names(chooseTextTracks(tracks, 'eng'))).toEqual(['Film.srt']);
    expect(names(chooseTextTracks(tracks, 'jpn'))).toEqual(['jpn', 'Film.srt']);
    expect(names(chooseTextTracks(tracks, 'und'))).toEqual(['Film.srt']);
  });

  it('ranks a whole list best first: usable full text, then forced, then pictures and broken ones', () => {
    const tracks = [
      track('pgs', { codec: 'hdmv_pgs_subtitle', pictureOnly: true, streamIndex: 2 }),
      track('broken', { problem: 'x', streamIndex: 3 }),
      track('forced', { forced: true, streamIndex: 4 }),
      track('jpn', { language: 'jpn', streamIndex: 6 }),
      track('eng', { streamIndex: 5 }),
    ];
    expect(names(rankTracks(tracks))).toEqual(['eng', 'jpn', 'forced', 'pgs', 'broken']);
  });
});
