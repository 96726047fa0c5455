import type { MediaServerClient, RemoteCollection, RemoteItem, ServerInfo } from '../../../src/sources/media-server.js';

/**
 * An in-memory media server for the sync's unit tests: a library of items the test shapes
 * (and rebuilds), answered through the MediaServerClient contract. The HTTP clients have their
 * own tests against fake Plex/Jellyfin servers; here the sync's logic is under test.
 */
export class FakeMediaServer {
  info: ServerInfo = { name: 'Fake Plex', version: '1.40.0', id: 'server-a', libraries: [{ id: '1', name: 'TV Shows', kind: 'shows', itemCount: 0 }] };
  items = new Map<string, RemoteItem[]>([['1', []]]);
  collectionList: RemoteCollection[] = [];
  /** When set, items() throws after yielding this many items (a server dying mid-sync). */
  failAfter: number | undefined;
  requests: Array<{ libraryId: string; updatedSinceMs?: number }> = [];

  client(): MediaServerClient {
    return {
      type: 'plex',
      check: async () => structuredClone(this.info),
      items: (libraryId, options) => this.iterate(libraryId, options?.updatedSinceMs, options?.onProgress),
      collections: async () => structuredClone(this.collectionList),
      streamInput: ({ remoteId, part }) => ({ url: `http://fake/library/parts/${part}?item=${remoteId}`, headers: { 'X-Plex-Token': 'secret-token-123' } }),
      fetchImage: async () => ({ contentType: 'image/png', body: Buffer.from('png') }),
    };
  }

  private async *iterate(libraryId: string, updatedSinceMs: number | undefined, onProgress?: (done: number, total: number | undefined) => void): AsyncIterable<RemoteItem> {
    this.requests.push({ libraryId, ...(updatedSinceMs !== undefined ? { updatedSinceMs } : {}) });
    const all = (this.items.get(libraryId) ?? []).filter((item) => updatedSinceMs === undefined || (item.updatedAtMs ?? 0) > updatedSinceMs);
    onProgress?.(0, all.length);
    let done = 0;
    for (const item of all) {
      if (this.failAfter !== undefined && done >= this.failAfter) throw new Error('connection reset by the fake server');
      yield structuredClone(item);
      done += 1;
    }
  }
}

export function episode(n: number, overrides: Partial<RemoteItem> = {}): RemoteItem {
  const show = `Show ${Math.floor(n / 100)}`;
  const season = Math.floor((n % 100) / 20) + 1;
  const ep = (n % 20) + 1;
  return {
    remoteId: String(1000 + n),
    kind: 'episode',
    title: `Episode title ${n}`,
    show,
    season,
    episode: ep,
    year: 1990,
    description: `What happens in episode ${n}`,
    genres: ['Animation'],
    durationMs: 1_320_000,
    externalIds: { tvdb: String(500_000 + n) },
    file: { path: `/data/tv/${show}/Season ${season}/${show} - s${season}e${ep}.mkv`, sizeBytes: 100_000 + n, container: 'mkv', part: `/library/parts/${2000 + n}/file.mkv` },
    video: { codec: 'h264', width: 1920, height: 1080, frameRate: 23.976 },
    audio: [{ index: 1, codec: 'aac', language: 'eng', channels: 2, sampleRate: 48000 }],
    subtitles: [{ index: 2, codec: 'subrip', language: 'eng', forced: false }],
    chapters: [{ title: 'Opening', startMs: 0 }, { title: 'Act 2', startMs: 600_000 }],
    markers: [{ kind: 'intro', startMs: 10_000, endMs: 40_000 }, { kind: 'credits', startMs: 1_280_000, endMs: 1_320_000 }],
    poster: `/library/metadata/${1000 + n}/thumb/1`,
    updatedAtMs: 1_700_000_000_000 + n,
    ...overrides,
  };
}
