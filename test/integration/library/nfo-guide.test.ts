import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);
const DTD = fileURLToPath(new URL('../../fixtures/xmltv.dtd', import.meta.url));

/**
 * Issue 24, local metadata: a folder library with Kodi-style sidecars (tvshow.nfo, an episode
 * .nfo, poster.jpg made by ffmpeg) scanned by the real server at start; its guide (/xmltv.xml)
 * carries the .nfo's description, genres, rating, air date and the poster's icon, and the icon's
 * URL serves the poster's bytes.
 */
describe('.nfo and poster sidecars reach the XMLTV guide', () => {
  let work: string;
  let show: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    work = tempDir('nfo-guide');
    const media = path.join(work, 'media');
    show = path.join(media, 'Galaxy Patrol');
    const season = path.join(show, 'Season 1');
    await mkdir(season, { recursive: true });
    // A name that says little; the .nfo says better.
    await makeClips(season, [{ name: 'galaxy.patrol.s01e02.mp4', seconds: 120, size: '64x36', rate: 10 }]);
    await writeFile(path.join(season, 'galaxy.patrol.s01e02.nfo'), `<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<episodedetails>
  <title>The Move</title>
  <showtitle>Galaxy Patrol</showtitle>
  <season>1</season>
  <episode>2</episode>
  <plot>The crew moves house &amp; loses the cat.</plot>
  <aired>1986-09-08</aired>
  <uniqueid type="tvdb" default="true">555</uniqueid>
</episodedetails>`);
    await writeFile(path.join(show, 'tvshow.nfo'), '<tvshow><title>Galaxy Patrol</title><plot>A patrol in space.</plot><mpaa>TV-Y7</mpaa><genre>Animation</genre><genre>Comedy</genre></tvshow>');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=orange:size=60x90', '-frames:v', '1', path.join(show, 'poster.jpg')]);
    const config = { ...testConfig({ media: [media], dataDir: path.join(work, 'data') }), guide: { days: 0.5, history_hours: 0 } };
    server = await startServer(config as ReturnType<typeof testConfig>);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('desc, categories, rating, date, episode numbers and the poster icon; valid against the XMLTV DTD', async () => {
    const response = await fetch(`${server!.baseUrl}/xmltv.xml`);
    expect(response.status).toBe(200);
    const xml = await response.text();
    const file = path.join(work, 'guide.xml');
    await writeFile(file, xml);
    await run('xmllint', ['--noout', '--dtdvalid', DTD, file]);

    const programme = /<programme [^>]*>([\s\S]*?)<\/programme>/.exec(xml)?.[1];
    expect(programme).toBeDefined();
    expect(programme).toContain('<title lang="en">Galaxy Patrol</title>');
    expect(programme).toContain('<sub-title lang="en">The Move</sub-title>');
    expect(programme).toContain('<desc lang="en">The crew moves house &amp; loses the cat.</desc>');
    expect(programme).toContain('<date>19860908</date>');
    expect([...programme!.matchAll(/<category lang="en">([^<]*)<\/category>/g)].map((m) => m[1])).toEqual(['Series', 'Animation', 'Comedy']);
    expect(programme).toContain('<episode-num system="onscreen">S01E02</episode-num>');
    expect(programme).toMatch(/<rating system="VCHIP">\s*<value>TV-Y7<\/value>\s*<\/rating>/);
    const icon = /<icon src="([^"]+)"\/>/.exec(programme!)?.[1];
    expect(icon).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/\d+\/poster$/);

    const poster = await fetch(icon!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect(poster.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/);
    expect(Buffer.from(await poster.arrayBuffer()).equals(await readFile(path.join(show, 'poster.jpg')))).toBe(true);
    // Open like the channel logos: any page may show it.
    expect(poster.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('the timeline API gives the web page the same facts', async () => {
    // Loop mode names no schedule programme: the airing's own programme is what the page shows.
    const now = await (await fetch(`${server!.baseUrl}/api/channels/1/now`)).json() as { now: { program: Record<string, unknown> } };
    expect(now.now.program).toMatchObject({
      title: 'Galaxy Patrol', subtitle: 'The Move', description: 'The crew moves house & loses the cat.', rating: 'TV-Y7', genres: ['Animation', 'Comedy'], airDate: '1986-09-08',
      posterMediaId: expect.any(Number),
    });
  });

  it('the web page shows the description, rating, genres and the poster of what is on now', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server!.baseUrl}/`);
      await expect.poll(() => page.locator('#now-title').textContent(), { timeout: 15_000 }).toBe('Galaxy Patrol');
      await expect.poll(() => page.locator('#now-facts').textContent(), { timeout: 10_000 }).toBe('TV-Y7 · Animation, Comedy');
      expect(await page.locator('#now-desc').textContent()).toBe('The crew moves house & loses the cat.');
      // The poster loaded (its real 60×90 pixels) and is shown.
      await expect.poll(() => page.locator('#now-poster').evaluate((img: HTMLImageElement) => (img.hidden ? 0 : img.naturalWidth)), { timeout: 10_000 }).toBe(60);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 40_000);
});
