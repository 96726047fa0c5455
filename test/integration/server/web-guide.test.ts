import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';

const run = promisify(execFile);

export const SCREENSHOT = '/tmp/guide.png';
const SPAN_MS = 3 * 3600_000;

/**
 * A long but tiny clip (64x36, 2 fps, silent AAC): real programme lengths, so the guide shows
 * half-hour sitcoms and feature-length movies, at an encode cost of a few seconds.
 */
async function makeLongClip(file: string, seconds: number, colour: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:size=64x36:rate=2:duration=${seconds}`,
    '-f', 'lavfi', '-i', 'anullsrc=channel_layout=mono:sample_rate=8000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '16k', '-shortest', file]);
}

interface NowInfo { onAir: boolean; programme: { title: string; subtitle?: string; start: string; end: string } | null }

describe('web remote guide grid in a real browser (schedule mode, 2 channels)', () => {
  let server: RunningServer;
  let browser: Browser;
  const json = async <T>(p: string) => (await (await fetch(`${server.baseUrl}${p}`)).json()) as T;

  beforeAll(async () => {
    const work = tempDir('web-guide');
    const media = path.join(work, 'media');
    await Promise.all([
      makeLongClip(path.join(media, 'Sitcom', 'Season 1', 'Sitcom - S01E01 - Pilot.mp4'), 22 * 60, 'navy'),
      makeLongClip(path.join(media, 'Sitcom', 'Season 1', 'Sitcom - S01E02 - The Move.mp4'), 21 * 60, 'teal'),
      makeLongClip(path.join(media, 'movies', 'The Long Night (1987).mp4'), 95 * 60, 'maroon'),
      makeLongClip(path.join(media, 'movies', 'Harbor Lights (1992).mp4'), 88 * 60, 'olive'),
      makeLongClip(path.join(media, 'commercials', 'Soda.mp4'), 30, 'red'),
      makeLongClip(path.join(media, 'commercials', 'Cereal.mp4'), 15, 'orange'),
    ]);
    const allDay = (name: string, content: Record<string, unknown>) => ({ blocks: [{ name, start: '00:00', minutes: 1440, content }] });
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [
        { number: 1, name: 'Sitcom Central', call_sign: 'SITC', schedule: allDay('Sitcoms', { type: 'show', show: 'Sitcom' }) },
        { number: 2, name: 'Movie Palace', call_sign: 'MOVI', schedule: allDay('Movies', { type: 'movies' }) },
      ],
      guide: { days: 1, history_hours: 1 },
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a row per channel with programmes sized by time, and tunes the player from the grid', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.baseUrl}/`);

    // One row per enabled channel, labelled with its number, call sign and logo.
    const { channels } = await json<{ channels: Array<{ number: number; callSign: string }> }>('/api/channels');
    expect(channels.map((c) => c.number)).toEqual([1, 2]);
    await expect.poll(() => page.locator('.guide-row').count()).toBe(channels.length);
    for (const channel of channels) {
      const label = page.locator(`.guide-row[data-channel="${channel.number}"] .guide-channel`);
      expect(await label.locator('.guide-number').textContent()).toBe(String(channel.number));
      expect(await label.locator('.guide-call').textContent()).toBe(channel.callSign);
      expect(await label.locator('img.guide-logo').getAttribute('src')).toBe(`/channel/${channel.number}/logo`);
    }
    // Half-hour slots across three hours.
    expect(await page.locator('.guide-slot').count()).toBe(6);

    // The cell on now in each row is the programme /now names, with its real start and end
    // (the breaks folded in), on the right spot of the time axis.
    for (const channel of channels) {
      const onNow = page.locator(`.guide-row[data-channel="${channel.number}"] .guide-programme.on-now`);
      await expect.poll(() => onNow.count(), { timeout: 15_000 }).toBe(1);
      await expect
        .poll(async () => {
          const now = await json<NowInfo>(`/api/channels/${channel.number}/now`);
          return now.programme && (await onNow.locator('.guide-title').textContent()) === now.programme.title;
        }, { timeout: 15_000 })
        .toBe(true);
    }
    const sitcom = await json<NowInfo>('/api/channels/1/now');
    expect(sitcom.programme?.title).toBe('Sitcom');
    const cell = page.locator('.guide-row[data-channel="1"] .guide-programme.on-now');
    expect(await cell.getAttribute('data-start')).toBe(sitcom.programme!.start);
    expect(await cell.getAttribute('data-end')).toBe(sitcom.programme!.end);
    expect(await cell.locator('.guide-episode').textContent()).toContain(sitcom.programme!.subtitle);
    // Width and position follow the programme's time within the window.
    const geometry = await cell.evaluate((node) => {
      const track = node.parentElement!.getBoundingClientRect();
      const box = node.getBoundingClientRect();
      return { trackLeft: track.left, trackWidth: track.width, left: box.left, width: box.width };
    });
    const from = Math.floor(Date.now() / 1800_000) * 1800_000;
    const [start, end] = [Date.parse(sitcom.programme!.start), Date.parse(sitcom.programme!.end)];
    const expectedLeft = ((Math.max(start, from) - from) / SPAN_MS) * geometry.trackWidth;
    const expectedWidth = ((Math.min(end, from + SPAN_MS) - Math.max(start, from)) / SPAN_MS) * geometry.trackWidth;
    expect(Math.abs(geometry.left - geometry.trackLeft - expectedLeft)).toBeLessThan(2);
    expect(Math.abs(geometry.width - expectedWidth)).toBeLessThan(2);
    // Rows are filled across the window: the last cell of each row reaches its end.
    for (const channel of channels) {
      const last = await page.locator(`.guide-row[data-channel="${channel.number}"] .guide-programme`).last().getAttribute('data-end');
      expect(Date.parse(last!)).toBeGreaterThanOrEqual(from + SPAN_MS);
    }
    // The channel 2 row lists the movies by title.
    expect(await page.locator('.guide-row[data-channel="2"] .guide-title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(The Long Night|Harbor Lights)$/)]),
    );
    // The now line sits inside each track.
    expect(await page.locator('.guide-now-line').count()).toBe(channels.length);

    // The player starts on channel 1; choosing channel 2 in the grid tunes hls.js to it and plays.
    const hlsUrl = () => page.evaluate(() => (window as unknown as { retrovue: { hls?: { url?: string } } }).retrovue.hls?.url ?? '');
    await expect.poll(hlsUrl).toContain('/channel/1.m3u8');
    await page.locator('.guide-row[data-channel="2"] .guide-channel').click();
    await expect.poll(hlsUrl).toContain('/channel/2.m3u8');
    expect(await page.locator('.guide-row[data-channel="2"]').getAttribute('class')).toContain('tuned');
    await expect.poll(() => page.locator('#tuned-call').textContent()).toBe('MOVI');
    const started = await page.waitForFunction(
      () => {
        const video = document.querySelector('video')!;
        return video.videoWidth > 0 && video.currentTime > 0 ? video.currentTime : false;
      },
      undefined,
      { timeout: 40_000, polling: 250 },
    );
    const firstTime = (await started.jsonValue()) as number;
    await page.waitForFunction((t) => document.querySelector('video')!.currentTime > t + 2, firstTime, { timeout: 20_000, polling: 250 });
    await expect.poll(() => page.locator('#now-title').textContent()).toMatch(/^(The Long Night|Harbor Lights)$/);
    expect(await page.locator('#status').textContent()).not.toMatch(/playback error/);

    await page.screenshot({ path: SCREENSHOT });

    // A programme cell tunes too: a sitcom in row 1 takes the player back to channel 1.
    await page.locator('.guide-row[data-channel="1"] .guide-programme').last().click();
    await expect.poll(hlsUrl).toContain('/channel/1.m3u8');
    // Arrow keys are channel up/down, as on a remote.
    await page.keyboard.press('ArrowDown');
    await expect.poll(hlsUrl).toContain('/channel/2.m3u8');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
