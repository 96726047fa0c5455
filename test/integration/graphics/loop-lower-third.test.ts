import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** The command lines of the server's ffmpeg children (the renderers), NUL-separated arguments joined by spaces. */
function rendererCommandLines(serverPid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== serverPid) continue;
      found.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Issue 23: in loop mode an episode's lower third showed its title and the channel's name (the
 * movie template), and the guide listed it by its episode title, although the library knows its
 * show, season and episode. The renderer's drawtext is where the words on screen are decided.
 */
describe('loop mode airs an episode as its show: lower third and guide (real server, real ffmpeg)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;

  beforeAll(async () => {
    const work = tempDir('loop-lower-third');
    const media = path.join(work, 'media');
    await makeClips(path.join(media, 'shows', 'Space Cadets', 'Season 1'), [{ name: 'Space Cadets - S01E02 - The Comet.mp4', seconds: 8 }]);
    await makeClips(path.join(media, 'movies'), [{ name: 'Night Train (1961).mp4', seconds: 8, picture: 'navy' }]);
    server = await startServer({
      ...testConfig({ media: [media], dataDir: path.join(work, 'data') }),
      graphics: { lower_third: { delay_seconds: 1, duration_seconds: 3 }, up_next: { enabled: false } },
    } as ReturnType<typeof testConfig>);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('draws "Space Cadets" / "S1 E2 · The Comet" over the episode, and the guide lists it under its show', async () => {
    expect((await fetch(url('/channel/1.m3u8'))).status).toBe(200);
    const episode = await waitFor('a renderer drawing the episode\'s lower third', () =>
      rendererCommandLines(server.process.pid!).find((command) => command.includes('drawtext') && command.includes('The Comet')), 30_000, 100);
    expect(episode).toContain('text=Space Cadets:');
    expect(episode).toContain('text=S1 E2 · The Comet:');

    const guide = await (await fetch(url('/xmltv.xml'))).text();
    const programme = /<programme [^>]*>\s*<title lang="en">Space Cadets<\/title>\s*<sub-title lang="en">The Comet<\/sub-title>[\s\S]*?<\/programme>/.exec(guide);
    expect(programme, guide.slice(0, 2000)).not.toBeNull();
    expect(programme![0]).toContain('<episode-num system="onscreen">S01E02</episode-num>');
    expect(guide).toMatch(/<title lang="en">Night Train<\/title>\s*<desc|<title lang="en">Night Train<\/title>\s*<date>1961<\/date>/);
  });
});
