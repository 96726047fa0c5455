import { describe, expect, it } from 'vitest';
import { mapPlexItem, plexExternalIds, plexLibraries, plexShowInfo } from '../../../../src/sources/clients/plex.js';

/**
 * Plex JSON → RemoteItem. The samples follow PMS 1.40/1.41's answers to
 * GET /library/metadata/{ratingKey}?includeChapters=1&includeMarkers=1 (Accept: application/json),
 * trimmed to the fields that matter and the ones that commonly surprise.
 */
const episodeDocument = {
  ratingKey: '4821',
  key: '/library/metadata/4821',
  parentRatingKey: '4810',
  grandparentRatingKey: '4800',
  guid: 'plex://episode/5d9c0a1a7d06d9001ffd7e60',
  type: 'episode',
  title: 'The Pilot',
  grandparentTitle: 'ThunderCats',
  parentTitle: 'Season 1',
  contentRating: 'TV-Y7',
  summary: 'Lion-O leads the survivors.',
  index: 1,
  parentIndex: 1,
  year: 1985,
  thumb: '/library/metadata/4821/thumb/1700000000',
  grandparentThumb: '/library/metadata/4800/thumb/1700000001',
  duration: 1320000,
  originallyAvailableAt: '1985-09-09',
  addedAt: 1699990000,
  updatedAt: 1700000000,
  Media: [
    {
      id: 9001,
      duration: 1320000,
      width: 720,
      height: 480,
      aspectRatio: 1.33,
      container: 'mkv',
      Part: [
        {
          id: 9101,
          key: '/library/parts/9101/1700000000/file.mkv',
          duration: 1320000,
          file: '/data/tv/ThunderCats/Season 01/ThunderCats - S01E01.mkv',
          size: 734003200,
          container: 'mkv',
          Stream: [
            { id: 1, streamType: 1, codec: 'mpeg2video', index: 0, width: 720, height: 480, frameRate: 29.97, scanType: 'interlaced', bitDepth: 8, profile: 'main' },
            { id: 2, streamType: 2, codec: 'ac3', index: 1, channels: 2, audioChannelLayout: 'stereo', samplingRate: 48000, languageCode: 'eng', languageTag: 'en', title: 'Original' },
            { id: 3, streamType: 2, codec: 'aac', index: 2, channels: 6, audioChannelLayout: '5.1(side)', samplingRate: 48000, languageTag: 'fr' },
            { id: 4, streamType: 3, codec: 'subrip', index: 3, languageCode: 'eng', forced: true, default: '1', hearingImpaired: false },
            { id: 5, streamType: 3, codec: 'srt', key: '/library/streams/5', languageCode: 'spa' },
          ],
        },
      ],
    },
  ],
  Guid: [{ id: 'imdb://tt0088631' }, { id: 'tmdb://1083' }, { id: 'tvdb://76213' }],
  Chapter: [
    { id: 11, filter: 'thumb=11', index: 2, startTimeOffset: 660000, endTimeOffset: 1320000, tag: 'Act Two' },
    { id: 10, filter: 'thumb=10', index: 1, startTimeOffset: 0, endTimeOffset: 660000 },
    { id: 12, index: 3, startTimeOffset: -5, endTimeOffset: 0 },
  ],
  Marker: [
    { id: 21, type: 'intro', startTimeOffset: 1000, endTimeOffset: 61000, final: false },
    { id: 22, type: 'credits', startTimeOffset: 1280000, endTimeOffset: 1330000, final: true },
    { id: 23, type: 'commercial', startTimeOffset: 300000, endTimeOffset: 360000 },
    { id: 24, type: 'intro', startTimeOffset: 5000, endTimeOffset: 4000 },
  ],
};

describe('Plex item mapping', () => {
  it('maps an episode document: numbering, file, streams, external ids, chapters in order and intro/credits markers', () => {
    const show = plexShowInfo({ summary: 'Heroes from Thundera.', Genre: [{ tag: 'Animation' }, { tag: 'Action' }, { tag: 'Animation' }], contentRating: 'TV-PG', thumb: '/t' });
    expect(mapPlexItem(episodeDocument, show)).toEqual({
      remoteId: '4821',
      kind: 'episode',
      title: 'The Pilot',
      show: 'ThunderCats',
      season: 1,
      episode: 1,
      year: 1985,
      description: 'Lion-O leads the survivors.',
      showDescription: 'Heroes from Thundera.',
      contentRating: 'TV-Y7',
      genres: ['Animation', 'Action'],
      airDate: '1985-09-09',
      durationMs: 1320000,
      externalIds: { imdb: 'tt0088631', tmdb: '1083', tvdb: '76213' },
      file: { path: '/data/tv/ThunderCats/Season 01/ThunderCats - S01E01.mkv', sizeBytes: 734003200, container: 'mkv', part: '/library/parts/9101/1700000000/file.mkv' },
      video: { codec: 'mpeg2video', width: 720, height: 480, frameRate: 29.97, profile: 'main', bitDepth: 8, interlaced: true, displayAspect: '4:3' },
      audio: [
        { index: 1, codec: 'ac3', language: 'eng', channels: 2, channelLayout: 'stereo', sampleRate: 48000, title: 'Original' },
        { index: 2, codec: 'aac', language: 'fr', channels: 6, channelLayout: '5.1(side)', sampleRate: 48000 },
      ],
      // The sidecar subtitle (no index: not in the file) is left out.
      subtitles: [{ index: 3, codec: 'subrip', language: 'eng', forced: true, default: true, hearingImpaired: false }],
      chapters: [
        { title: 'Chapter 1', startMs: 0 },
        { title: 'Act Two', startMs: 660000 },
      ],
      // Commercial markers and backwards ones are dropped; credits end at the item's end.
      markers: [
        { kind: 'intro', startMs: 1000, endMs: 61000 },
        { kind: 'credits', startMs: 1280000, endMs: 1320000 },
      ],
      poster: '/library/metadata/4821/thumb/1700000000',
      updatedAtMs: 1700000000000,
    });
  });

  it('a list entry without Media, Guid or show still maps, with what it has', () => {
    const item = mapPlexItem({ ratingKey: 77, type: 'movie', title: 'Bare', guid: 'com.plexapp.agents.imdb://tt0088763?lang=en' });
    expect(item).toEqual({ remoteId: '77', kind: 'movie', title: 'Bare', genres: [], durationMs: 0, externalIds: { imdb: 'tt0088763' }, audio: [], subtitles: [], chapters: [], markers: [] });
  });

  it('refuses what is not an episode or a movie, and entries without a ratingKey', () => {
    expect(mapPlexItem({ ratingKey: '1', type: 'show', title: 'A show' })).toBeUndefined();
    expect(mapPlexItem({ type: 'movie', title: 'No key' })).toBeUndefined();
    expect(mapPlexItem({ ratingKey: '2', type: 'clip', title: 'Trailer' })).toBeUndefined();
  });

  it('hostile fields cost only themselves: wrong types, absurd numbers, control characters', () => {
    const item = mapPlexItem({
      ratingKey: '5',
      type: 'episode',
      title: 'Tab\tand\u0000nul\u001f "quotes" 😀 \u202Eעברית',
      index: 'seven',
      parentIndex: -1,
      duration: 'NaN',
      Genre: 'Comedy',
      Guid: [{ id: 'imdb://not-an-id' }, { id: 'tvdb://12a' }, 'junk', null, { id: 'tmdb://42' }],
      Media: [{ Part: [{ key: '/library/parts/1/2/file.mp4', file: '/a.mp4', size: 'big', Stream: [{ streamType: 2, codec: 'aac' }] }] }],
      Chapter: 'none',
      Marker: [{ type: 'intro', startTimeOffset: 'x', endTimeOffset: 10 }],
    })!;
    expect(item.title).toBe('Tab\tandnul "quotes" 😀 \u202Eעברית');
    expect(item.episode).toBeUndefined();
    expect(item.season).toBeUndefined();
    expect(item.durationMs).toBe(0);
    expect(item.genres).toEqual([]);
    expect(item.externalIds).toEqual({ tmdb: '42' });
    expect(item.file).toEqual({ path: '/a.mp4', part: '/library/parts/1/2/file.mp4' });
    expect(item.audio).toEqual([]); // an audio stream without its index cannot be mapped to the file
    expect(item.chapters).toEqual([]);
    expect(item.markers).toEqual([]);
  });

  it('external ids: first of each kind wins, junk is dropped', () => {
    expect(plexExternalIds({ Guid: [{ id: 'tvdb://1' }, { id: 'tvdb://2' }, { id: 'imdb://tt1234567' }, { id: 'plex://episode/abc' }] })).toEqual({ tvdb: '1', imdb: 'tt1234567' });
    expect(plexExternalIds({ Guid: 'x' })).toEqual({});
  });

  it('libraries from /library/sections: shows, movies, and anything else as other', () => {
    expect(
      plexLibraries({
        size: 4,
        Directory: [
          { key: '1', title: 'TV Shows', type: 'show' },
          { key: 2, title: 'Movies', type: 'movie' },
          { key: '3', title: 'Music', type: 'artist' },
          { title: 'No key', type: 'movie' },
        ],
      }),
    ).toEqual([
      { id: '1', name: 'TV Shows', kind: 'shows' },
      { id: '2', name: 'Movies', kind: 'movies' },
      { id: '3', name: 'Music', kind: 'other' },
    ]);
    expect(plexLibraries({ size: 0 })).toEqual([]);
  });
});
