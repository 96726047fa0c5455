import { describe, expect, it } from 'vitest';
import { jellyfinLibraries, jellyfinSegments, mapJellyfinItem } from '../../../../src/sources/clients/jellyfin.js';

/**
 * Jellyfin/Emby JSON → RemoteItem. The samples follow a BaseItemDto as Jellyfin 10.10 answers
 * GET /Items?userId=…&Fields=Overview,Genres,ProviderIds,Path,MediaSources,MediaStreams,Chapters,
 * and Emby 4.8's marker chapters.
 */
const episode = {
  Name: 'Pilot',
  ServerId: 'a1b2',
  Id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  Type: 'Episode',
  SeriesName: 'DuckTales',
  SeriesId: 'series-1',
  ParentIndexNumber: 1,
  IndexNumber: 2,
  Overview: 'Scrooge goes on an adventure.',
  Genres: [],
  OfficialRating: 'TV-G',
  PremiereDate: '1987-09-18T00:00:00.0000000Z',
  ProductionYear: 1987,
  RunTimeTicks: 13_200_000_000,
  ProviderIds: { Tvdb: '73847', Imdb: 'tt0092345', TvRage: '123', Tmdb: '' },
  Path: '/media/DuckTales/S01E02.mkv',
  MediaSources: [
    {
      Protocol: 'File',
      Id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      Path: '/media/DuckTales/S01E02.mkv',
      Container: 'mkv',
      Size: 512000000,
      MediaStreams: [
        { Codec: 'h264', Type: 'Video', Index: 0, Width: 1440, Height: 1080, AspectRatio: '4:3', RealFrameRate: 23.976, Profile: 'High', PixelFormat: 'yuv420p', BitDepth: 8, IsInterlaced: false },
        { Codec: 'eac3', Type: 'Audio', Index: 1, Language: 'eng', Channels: 6, ChannelLayout: '5.1', SampleRate: 48000, Title: 'Surround' },
        { Codec: 'subrip', Type: 'Subtitle', Index: 2, Language: 'ger', IsForced: false, IsDefault: true, IsHearingImpaired: true },
        { Codec: 'srt', Type: 'Subtitle', Index: 3, Language: 'fre', IsExternal: true, Path: '/media/DuckTales/S01E02.fr.srt' },
      ],
    },
  ],
  Chapters: [
    { StartPositionTicks: 6_600_000_000, Name: 'Act 2' },
    { StartPositionTicks: 0, Name: 'Act 1' },
  ],
};

describe('Jellyfin/Emby item mapping', () => {
  it('maps an episode: numbering, provider ids, ticks to ms, the media source, streams and chapters', () => {
    expect(mapJellyfinItem(episode, { overview: 'Life is like a hurricane.', genres: ['Animation'], officialRating: 'TV-Y' })).toEqual({
      remoteId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      kind: 'episode',
      title: 'Pilot',
      show: 'DuckTales',
      season: 1,
      episode: 2,
      year: 1987,
      description: 'Scrooge goes on an adventure.',
      showDescription: 'Life is like a hurricane.',
      contentRating: 'TV-G',
      genres: ['Animation'],
      airDate: '1987-09-18',
      durationMs: 1_320_000,
      externalIds: { tvdb: '73847', imdb: 'tt0092345' },
      file: { path: '/media/DuckTales/S01E02.mkv', sizeBytes: 512000000, container: 'mkv', part: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' },
      video: { codec: 'h264', width: 1440, height: 1080, frameRate: 23.976, profile: 'High', pixelFormat: 'yuv420p', bitDepth: 8, interlaced: false, displayAspect: '4:3' },
      audio: [{ index: 1, codec: 'eac3', language: 'eng', channels: 6, channelLayout: '5.1', sampleRate: 48000, title: 'Surround' }],
      // The external .srt is not in the file the renderer reads.
      subtitles: [{ index: 2, codec: 'subrip', language: 'ger', forced: false, default: true, hearingImpaired: true }],
      chapters: [
        { title: 'Act 1', startMs: 0 },
        { title: 'Act 2', startMs: 660_000 },
      ],
      markers: [],
      poster: '/Items/0f1e2d3c4b5a69788796a5b4c3d2e1f0/Images/Primary',
    });
  });

  it("Emby 4.8's marker chapters become intro and credits, not chapters", () => {
    const item = mapJellyfinItem({
      Id: 'e1',
      Type: 'Movie',
      Name: 'Film',
      RunTimeTicks: 60_000 * 10_000,
      Chapters: [
        { StartPositionTicks: 0, Name: 'Intro', MarkerType: 'IntroStart' },
        { StartPositionTicks: 5_000 * 10_000, Name: 'Intro End', MarkerType: 'IntroEnd' },
        { StartPositionTicks: 20_000 * 10_000, Name: 'Scene 2', MarkerType: 'Chapter' },
        { StartPositionTicks: 50_000 * 10_000, Name: 'Credits', MarkerType: 'CreditsStart' },
      ],
    })!;
    expect(item.chapters).toEqual([{ title: 'Scene 2', startMs: 20_000 }]);
    expect(item.markers).toEqual([
      { kind: 'intro', startMs: 0, endMs: 5_000 },
      { kind: 'credits', startMs: 50_000, endMs: 60_000 },
    ]);
  });

  it('media segments (Jellyfin 10.10): Intro and Outro in ticks; other types and nonsense dropped', () => {
    expect(
      jellyfinSegments({
        Items: [
          { Id: 's1', ItemId: 'i', Type: 'Intro', StartTicks: 0, EndTicks: 450_000_000 },
          { Id: 's2', ItemId: 'i', Type: 'Outro', StartTicks: 12_000_000_000, EndTicks: 13_200_000_000 },
          { Id: 's3', ItemId: 'i', Type: 'Recap', StartTicks: 0, EndTicks: 10 },
          { Id: 's4', ItemId: 'i', Type: 'Intro', StartTicks: 500, EndTicks: 100 },
          'junk',
        ],
        TotalRecordCount: 5,
      }),
    ).toEqual([
      { kind: 'intro', startMs: 0, endMs: 45_000 },
      { kind: 'credits', startMs: 1_200_000, endMs: 1_320_000 },
    ]);
    expect(jellyfinSegments({})).toEqual([]);
  });

  it('libraries from Views: tvshows, movies, and the rest as other', () => {
    expect(
      jellyfinLibraries({
        Items: [
          { Name: 'Shows', Id: 'a', CollectionType: 'tvshows', ChildCount: 12 },
          { Name: 'Movies', Id: 'b', CollectionType: 'movies' },
          { Name: 'Music', Id: 'c', CollectionType: 'music' },
          { Name: 'Broken' },
        ],
      }),
    ).toEqual([
      { id: 'a', name: 'Shows', kind: 'shows', itemCount: 12 },
      { id: 'b', name: 'Movies', kind: 'movies' },
      { id: 'c', name: 'Music', kind: 'other' },
    ]);
  });

  it('hostile entries: not an Episode/Movie, no Id, wrong types, control characters', () => {
    expect(mapJellyfinItem({ Id: 'x', Type: 'Series', Name: 'S' })).toBeUndefined();
    expect(mapJellyfinItem({ Type: 'Movie', Name: 'No id' })).toBeUndefined();
    const item = mapJellyfinItem({ Id: 'y', Type: 'Movie', Name: 'Line\r\nbreak\u0007 «ok»', RunTimeTicks: 'long', Genres: 'Drama', ProviderIds: ['tt1'], MediaSources: 'none', Chapters: [{ StartPositionTicks: -1 }] })!;
    expect(item.title).toBe('Line\nbreak «ok»');
    expect(item.durationMs).toBe(0);
    expect(item.genres).toEqual([]);
    expect(item.externalIds).toEqual({});
    expect(item.file).toBeUndefined();
    expect(item.chapters).toEqual([]);
  });
});
