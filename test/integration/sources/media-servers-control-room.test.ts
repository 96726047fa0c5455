import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { makeClips } from '../../helpers/media.js';
import { startFakePlex, type FakePlex } from '../../helpers/media-servers/fake-plex.js';
import { fakeMovie, fakeShow } from '../../helpers/media-servers/seed.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** RETROVUE_SCREENSHOTS=docs/screenshots keeps the add-source form's picture for the README. */
const SHOTS = process.env.RETROVUE_SCREENSHOTS ?? tempDir('media-servers-shots');

/**
 * The control room's Media servers panel in Chromium against a fake Plex (PMS 1.41 shapes): a
 * wrong token is shown in the API's words, the check shows the server and its libraries, a
 * path mapping row, Save and sync, and the sync's result in the list.
 */
describe('the Media servers panel in a real browser', () => {
  const token = 'plex-token-for-the-browser-42';
  let server: RunningServer;
  let plex: FakePlex;
  let browser: Browser;
  let page: Page;
  let mapped: string;

  beforeAll(async () => {
    const work = tempDir('media-servers-ui');
    const [clip] = await makeClips(path.join(work, 'local'), [{ name: 'Local Show - S01E01.mp4', seconds: 2 }]);
    mapped = path.join(work, 'mnt', 'media');
    mkdirSync(mapped, { recursive: true });
    plex = await startFakePlex({
      token,
      friendlyName: 'Living Room Plex',
      libraries: [{ id: '1', name: 'TV Shows', type: 'shows' }, { id: '2', name: 'Films', type: 'movies' }],
      items: [...fakeShow('80s Cartoons', { library: '1', seasons: 2, episodes: 6, file: clip!, chapterEveryMs: 4_000 }), fakeMovie('Harbor Lights', { library: '2', file: clip! })],
    });
    server = await startServer(testConfig({ media: [path.join(work, 'local')], dataDir: path.join(work, 'data') }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await plex?.stop();
  });

  it('checks the connection, shows the libraries, saves with a path mapping and shows the sync', async () => {
    await page.goto(`${server.baseUrl}/control#/library`);
    await page.click('#media-servers-panel summary');
    await page.fill('[name="source-url"]', plex.url);
    await page.fill('[name="source-token"]', 'a-wrong-token');
    await page.click('#add-source button[type="submit"]');
    await page.waitForFunction(() => (document.querySelector('#source-error')?.textContent ?? '').length > 0);
    const refusal = await page.textContent('#source-error');
    expect(refusal).toMatch(/token/i);

    await page.fill('[name="source-token"]', token);
    await page.click('#add-source button[type="submit"]');
    await page.waitForSelector('#source-server-name');
    expect(await page.textContent('#source-server-name')).toBe('Living Room Plex');
    expect(await page.locator('input[name="library"]').evaluateAll((boxes) => boxes.map((b) => [(b as HTMLInputElement).value, (b as HTMLInputElement).checked]))).toEqual([['1', true], ['2', true]]);
    await page.uncheck('input[name="library"][value="2"]');
    await page.click('text=+ add a mapping');
    await page.fill('[name="mapping-from"]', '/media');
    await page.fill('[name="mapping-to"]', mapped);
    await page.locator('#media-servers-panel').screenshot({ path: path.join(SHOTS, 'media-servers.png') });
    await page.fill('[name="mapping-to"]', path.join(mapped, 'missing-folder'));

    // A mapping to a folder that is not here: the API's words, nothing saved.
    await page.click('#save-source');
    await page.waitForFunction(() => /does not exist on this machine/.test(document.querySelector('#source-error')?.textContent ?? ''));
    expect((await (await fetch(`${server.baseUrl}/api/library/sources`)).json()).sources).toEqual([]);

    await page.fill('[name="mapping-to"]', mapped);
    await page.click('#save-source');
    await page.waitForSelector('#media-sources li[data-source="plex-1"]');
    await waitFor('the sync to finish in the list', async () => ((await page.textContent('#media-sources li[data-source="plex-1"]')) ?? '').includes('Synced') || undefined, 30_000);
    const line = await page.textContent('#media-sources li[data-source="plex-1"]');
    // Only the shows library was chosen; the files are not under the mapped folder, so they are missing with the reason.
    expect(line).toContain('Living Room Plex');
    expect(line).toMatch(/12 missing/);
    const sources = (await (await fetch(`${server.baseUrl}/api/library/sources`)).json()).sources;
    expect(sources[0]).toMatchObject({ key: 'plex-1', libraries: ['1'], path_mappings: [{ from: '/media', to: mapped }], token: 'set' });
    expect(JSON.stringify(sources)).not.toContain(token);
  });
});
