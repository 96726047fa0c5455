import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';
import { pgsStream, srt } from '../../helpers/subtitle-media.js';

const run = promisify(execFile);

/** The control room's library shows a file's subtitle tracks, readable, pictures and problems marked. */
describe("the control room's library lists a file's subtitles (real server, Chromium)", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    const work = tempDir('subtitles-control-room');
    const media = path.join(work, 'media');
    const [film] = await makeClips(media, [{ name: 'Film One.mp4', seconds: 2, audio: false }]);
    writeFileSync(path.join(media, 'Film One.en.srt'), srt(['00:00:00,500', '00:00:01,500', 'Hello']));
    writeFileSync(path.join(media, 'Film One.fre.srt'), 'not a subtitle file\n');
    writeFileSync(path.join(work, 'pgs.sup'), pgsStream());
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', film!, '-i', path.join(work, 'pgs.sup'), '-map', '0', '-map', '1', '-c', 'copy', '-metadata:s:s:0', 'language=jpn', '-disposition:s:0', 'forced', path.join(media, 'Film Two.mkv')]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data') }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows languages by name, flags, picture-only tracks and problems', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.baseUrl}/control#/library`);
    await page.waitForSelector('#library-tree details');
    await page.evaluate(() => document.querySelectorAll('#library-tree details').forEach((d) => ((d as HTMLDetailsElement).open = true)));

    await page.click('button.file:has-text("Film One")');
    const one = page.locator('#subtitle-tracks li');
    await one.first().waitFor();
    expect(await one.allInnerTexts()).toEqual([
      expect.stringMatching(/^English \(eng\)\s+file Film One\.en\.srt · subrip$/),
      expect.stringMatching(/^French \(fre\)\s+file Film One\.fre\.srt · subrip\s+unusable no cue could be read$/),
    ]);

    await page.click('button.file:has-text("Film Two")');
    await page.waitForSelector('#subtitle-tracks li:has-text("Japanese")');
    expect(await page.locator('#subtitle-tracks li').allInnerTexts()).toEqual([expect.stringMatching(/^Japanese \(jpn\)\s+stream 1 · hdmv_pgs_subtitle\s*forced\s*picture: burn-in only$/)]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
