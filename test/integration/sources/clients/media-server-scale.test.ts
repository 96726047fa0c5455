import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaServerClient } from '../../../../src/sources/clients/index.js';
import type { RemoteItem } from '../../../../src/sources/media-server.js';
import { startFakeJellyfin, type FakeJellyfin } from '../../../helpers/media-servers/fake-jellyfin.js';
import { startFakePlex, type FakePlex } from '../../../helpers/media-servers/fake-plex.js';
import { fakeShow } from '../../../helpers/media-servers/seed.js';
import { makeClips } from '../../../helpers/media.js';
import { tempDir } from '../../../helpers/server.js';

const run = promisify(execFile);

const collect = async (iterable: AsyncIterable<RemoteItem>) => {
  const out: RemoteItem[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};

/** ffprobe reads a URL with the client's headers as the renderer's ffmpeg does (`-headers`). */
async function probeDuration(input: { url: string; headers: Record<string, string> }): Promise<number> {
  const headers = Object.entries(input.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const { stdout } = await run('nice', ['-n', '19', 'ffprobe', '-v', 'error', '-headers', headers, '-show_entries', 'format=duration', '-of', 'json', input.url]);
  return Number((JSON.parse(stdout) as { format: { duration: string } }).format.duration);
}

/**
 * A media server's stream read by real ffmpeg with the secret in a header, and a 10 000-episode
 * library paged through with the default limits (the first evening of a real user).
 */
describe('media-server streams, mix-ups and a large library', () => {
  let plex: FakePlex;
  let jellyfin: FakeJellyfin;

  beforeAll(async () => {
    const dir = tempDir('media-server-scale');
    const [clip] = await makeClips(dir, [{ name: 'clip.mp4', seconds: 2 }]);
    const library = fakeShow('Everything', { library: '1', seasons: 20, episodes: 500, file: clip!, durationMs: 2_000, chapterEveryMs: 1_000 });
    plex = await startFakePlex({ token: 'plex-token', libraries: [{ id: '1', name: 'TV', type: 'shows' }], items: library });
    jellyfin = await startFakeJellyfin({ apiKey: 'jf-key', libraries: [{ id: '1', name: 'TV', type: 'shows' }], items: library });
  });

  afterAll(async () => {
    await plex?.stop();
    await jellyfin?.stop();
  });

  it('ffmpeg reads the Plex and Jellyfin direct-play URLs with the secret in a header only', async () => {
    const plexClient = createMediaServerClient({ type: 'plex', url: plex.url, token: 'plex-token' });
    const plexId = plex.remoteIdOf(plex.items()[0]!);
    const plexInput = plexClient.streamInput({ remoteId: plexId, part: plex.partKeyOf(plexId) });
    expect(plexInput.url).not.toContain('plex-token');
    expect(await probeDuration(plexInput)).toBeCloseTo(2, 0);

    const jfClient = createMediaServerClient({ type: 'jellyfin', url: jellyfin.url, apiKey: 'jf-key' });
    const jfId = jellyfin.remoteIdOf(jellyfin.items()[0]!);
    const jfInput = jfClient.streamInput({ remoteId: jfId, part: jfId });
    expect(jfInput.url).not.toContain('jf-key');
    expect(await probeDuration(jfInput)).toBeCloseTo(2, 0);
    // Without the header the server refuses: the header is what authorised the read.
    await expect(probeDuration({ url: jfInput.url, headers: {} })).rejects.toThrow(/401|Unauthorized/);
  });

  it('a client pointed at the other kind of server says it is not that server, without blaming the secret', async () => {
    const plexAtJellyfin = createMediaServerClient({ type: 'plex', url: jellyfin.url, token: 'plex-token' });
    await expect(plexAtJellyfin.check()).rejects.toMatchObject({ code: 'not_a_media_server', message: `${jellyfin.url} has no /identity, which every Plex server answers: is this the Plex address?` });
    const jellyfinAtPlex = createMediaServerClient({ type: 'jellyfin', url: plex.url, apiKey: 'jf-key' });
    await expect(jellyfinAtPlex.check()).rejects.toMatchObject({ code: 'not_a_media_server', message: expect.stringContaining('is this the Jellyfin address?') });
  });

  it('the fake Plex answers XML unless asked for JSON, as PMS does', async () => {
    const xml = await fetch(`${plex.url}/library/sections`, { headers: { 'X-Plex-Token': 'plex-token' } });
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await xml.text()).toMatch(/<MediaContainer size="1"[^>]*>\n<Directory [^>]*key="1" type="show" title="TV"/);
  });

  it.each(['plex', 'jellyfin'] as const)('%s: 10 000 episodes page through with the default limits, each once, chapters included', async (type) => {
    const started = Date.now();
    const client =
      type === 'plex' ? createMediaServerClient({ type, url: plex.url, token: 'plex-token' }) : createMediaServerClient({ type, url: jellyfin.url, apiKey: 'jf-key' });
    const items = await collect(client.items(type === 'plex' ? '1' : jellyfin.libraryIdOf('1')));
    const seconds = (Date.now() - started) / 1000;
    expect(items).toHaveLength(10_000);
    expect(new Set(items.map((item) => item.remoteId)).size).toBe(10_000);
    expect(new Set(items.map((item) => item.externalIds.tvdb)).size).toBe(10_000);
    expect(items.every((item) => item.chapters.length === 2)).toBe(true);
    console.log(`${type}: 10 000 episodes in ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(55);
  }, 120_000);
});
