import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { ColourPublisher, freePort } from '../../../src/bench/live-publisher.js';
import { makeClips } from '../../helpers/media.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** RETROVUE_SCREENSHOTS=docs/screenshots keeps the switcher's picture for the README. */
const SHOTS = process.env.RETROVUE_SCREENSHOTS ?? tempDir('switcher-shots');

/**
 * The control room's Live page (the switcher) in Chromium against a real server with two
 * cameras published over RTMP by real ffmpeg: each camera's picture appears, and the programme
 * monitor plays the channel (hls.js); key 1 takes the
 * first camera to the channel (going live), key 2 cuts to the second (a camera take), "Back to
 * schedule" ends it — each checked through the API.
 */
describe('the switcher in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const cameras: ColourPublisher[] = [];
  const take = async () => ((await (await fetch(`${server.baseUrl}/api/channels/1/live`)).json()) as { take: { source: string } | null }).take;

  beforeAll(async () => {
    const work = tempDir('switcher');
    const media = path.join(work, 'media');
    await mkdir(media, { recursive: true });
    await makeClips(media, [{ name: 'blue.mp4', seconds: 60, picture: '0x2040D0' }]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data') }));
    for (const [id, name, colour] of [['cam1', 'Wide', '0xC83214'], ['cam2', 'Close-up', '0x9020C0']] as const) {
      const port = await freePort();
      const created = await fetch(`${server.baseUrl}/api/live/sources`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, name, url: `rtmp://0.0.0.0:${port}/live` }) });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const camera = new ColourPublisher(`rtmp://127.0.0.1:${port}/live/${key}`, colour);
      camera.start();
      cameras.push(camera);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(cameras.map((c) => c.stop()));
    await server?.stop();
  });

  it('shows each camera\'s picture; 1 goes live on the first, 2 cuts to the second, Back to schedule ends it', async () => {
    await page.goto(`${server.baseUrl}/control#/live`);
    // Both cameras connected, each with its picture loaded (a JPEG from its last seconds).
    await page.waitForFunction(() => {
      const pictures = [...document.querySelectorAll<HTMLImageElement>('#live-sources img.live-thumb')];
      return pictures.length === 2 && pictures.every((img) => img.complete && img.naturalWidth > 0);
    }, undefined, { timeout: 30_000 });
    expect(await page.locator('#live-sources article').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-source')))).toEqual(['cam1', 'cam2']);
    expect(await page.textContent('#live-on-air')).toContain('on its schedule');

    await page.keyboard.press('1');
    await waitFor('the first camera on channel 1', async () => ((await take())?.source === 'cam1' ? true : undefined), 10_000, 100);
    await page.waitForSelector('#live-stop');
    await page.keyboard.press('2');
    await waitFor('the cut to the second camera', async () => ((await take())?.source === 'cam2' ? true : undefined), 10_000, 100);
    await page.waitForFunction(() => (document.querySelector('#live-on-air')?.textContent ?? '').includes('(cam2)'), undefined, { timeout: 10_000 });
    // The programme monitor plays the channel (hls.js), as viewers get it.
    await page.waitForFunction(() => {
      const video = document.querySelector<HTMLVideoElement>('#live-programme');
      return video !== null && video.currentTime > 1 && !video.paused;
    }, undefined, { timeout: 30_000 });
    // For the README's picture, the programme monitor is given time to reach the cut (it plays a few seconds behind).
    if (process.env.RETROVUE_SCREENSHOTS) await sleep(8000);
    await page.screenshot({ path: path.join(SHOTS, 'switcher.png') });

    await page.click('#live-stop');
    await waitFor('back to the schedule', async () => ((await take()) === null ? true : undefined), 10_000, 100);
    await page.waitForFunction(() => (document.querySelector('#live-on-air')?.textContent ?? '').includes('on its schedule'), undefined, { timeout: 10_000 });
  }, 90_000);
});
