import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';

export const SCREENSHOT = '/tmp/web.png';

describe('web remote in a real browser (Chromium + hls.js)', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    const work = tempDir('web');
    const media = path.join(work, 'media');
    await makeClips(media, [
      { name: 'a.mp4', seconds: 3, size: '160x120', rate: 25, toneHz: 440 },
      { name: 'b.mp4', seconds: 3, size: '192x108', rate: 30, toneHz: 660 },
    ]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data') }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the channels, shows now/next, and plays channel 1 with hls.js', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.baseUrl}/`);

    // The guide's channel row and the now/next panel, filled from the API.
    await page.locator('.guide-row[data-channel="1"] .guide-channel').waitFor();
    const nowTitle = page.locator('#now-title');
    await expect.poll(async () => nowTitle.textContent(), { timeout: 10_000 }).toMatch(/^(a|b)$/);
    await expect.poll(async () => page.locator('#next').textContent(), { timeout: 10_000 }).toMatch(/^Next at .+: (a|b)$/);
    // Seconds-long loop clips are too short to print one by one: the grid groups them, titles listed.
    const onNow = page.locator('.guide-row[data-channel="1"] .guide-programme.on-now');
    await expect.poll(() => onNow.count(), { timeout: 10_000 }).toBe(1);
    expect(await onNow.getAttribute('class')).toContain('group');
    expect((await onNow.locator('.guide-title').textContent())!.split(' · ').sort()).toEqual(['a', 'b']);
    expect(await page.locator('#urls').textContent()).toContain('/channel/1.ts');

    // hls.js plays the live channel: the picture has a size and time moves on.
    expect(await page.evaluate(() => (window as unknown as { Hls?: { isSupported(): boolean } }).Hls?.isSupported())).toBe(true);
    const playing = await page.waitForFunction(
      () => {
        const video = document.querySelector('video')!;
        return video.videoWidth > 0 && video.currentTime > 0 ? { width: video.videoWidth, height: video.videoHeight, time: video.currentTime } : false;
      },
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    const first = (await playing.jsonValue()) as { width: number; height: number; time: number };
    expect(first).toMatchObject({ width: 320, height: 180 });
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t + 2, first.time, { timeout: 20_000, polling: 250 });
    expect(await page.evaluate(() => document.querySelector('video')!.paused)).toBe(false);
    expect(await page.locator('#status').textContent()).not.toMatch(/playback error/);
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: SCREENSHOT });
    await page.close();
  });
});
