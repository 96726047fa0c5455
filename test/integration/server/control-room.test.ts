import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';

const run = promisify(execFile);
/** RETROVUE_SCREENSHOTS=docs/screenshots keeps the pages' pictures for the docs; otherwise they go to a temp folder. */
const SHOTS = process.env.RETROVUE_SCREENSHOTS ?? tempDir('control-shots');
const HOUR_PX = 32; // web/control/schedule-page.ts

/** A long, tiny clip: real programme lengths at a cost of seconds (64x36, 2 fps); a solid colour or 'testsrc2' (a moving pattern, for thumbnails). */
async function clip(file: string, seconds: number, colour: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const picture = colour === 'testsrc2' ? `testsrc2=size=64x36:rate=2:duration=${seconds}` : `color=c=${colour}:size=64x36:rate=2:duration=${seconds}`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', picture,
    '-f', 'lavfi', '-i', 'anullsrc=channel_layout=mono:sample_rate=8000', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '16k', '-shortest', file]);
}

/** The next Tuesday 20:00 UTC from now (the schedule of the channel under test is in UTC). */
function nextTuesday2000Utc(now = Date.now()): Date {
  const d = new Date(now);
  d.setUTCHours(20, 0, 0, 0);
  while (d.getUTCDay() !== 2 || d.getTime() <= now) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}
const xmltvStamp = (d: Date) => `${d.toISOString().slice(0, 19).replace(/[-T:]/g, '')} +0000`;

describe('the control room in a real browser: channels, schedule editor, guide, alerts, monitor, library', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let media: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const json = async <T>(p: string) => (await (await fetch(url(p))).json()) as T;
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    const work = tempDir('control-room');
    media = path.join(work, 'media');
    // Odd lengths, so a programme starting exactly on 20:00 can only come from the new block.
    await Promise.all([
      clip(path.join(media, 'Signal Hill', 'Season 1', 'Signal Hill - S01E01 - Pilot.mp4'), 7 * 60 + 13, 'testsrc2'),
      clip(path.join(media, 'Signal Hill', 'Season 1', 'Signal Hill - S01E02 - Storm.mp4'), 6 * 60 + 47, 'teal'),
      clip(path.join(media, 'movies', 'Harbor Lights (1992).mp4'), 11 * 60 + 3, 'olive'),
      clip(path.join(media, 'commercials', 'Soda.mp4'), 30, 'red'),
    ]);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [{ number: 1, name: 'Signal One', call_sign: 'SIG1', schedule: { blocks: [{ name: 'All day', start: '00:00', minutes: 1440, content: { type: 'show', show: 'Signal Hill' } }] } }],
      guide: { days: 8, history_hours: 1 },
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('creates a channel from the Channels page', async () => {
    await page.goto(url('/control#/channels'));
    await page.click('#new-channel-button');
    await page.fill('#new-channel input[name=number]', '3');
    await page.fill('#new-channel input[name=name]', 'Test Three');
    await page.fill('#new-channel input[name=call_sign]', 'TST3');
    await page.fill('#new-channel input[name=time_zone]', 'UTC');
    await page.click('#new-channel button[type=submit]');
    await page.waitForSelector('.channel-card[data-channel="3"]');
    expect(await json<{ name: string; timeZone: string }>('/api/channels/3')).toMatchObject({ name: 'Test Three', timeZone: 'UTC', callSign: 'TST3' });
    await shot('channels');
  });

  it('drags a show onto Tuesday 20:00, resizes it to an hour, saves, and the guide and /xmltv.xml change', async () => {
    const tuesday = nextTuesday2000Utc();
    const before = await (await fetch(url('/xmltv.xml'))).text();
    expect(before).not.toContain(`start="${xmltvStamp(tuesday)}" stop`);

    await page.goto(url('/control#/schedule/3'));
    const tile = page.locator('.palette-item[data-label="Signal Hill"]');
    await tile.waitFor();
    const column = await page.locator('.week-day[data-day="tue"]').boundingBox();
    const from = (await tile.boundingBox())!;
    await page.mouse.move(from.x + 20, from.y + 10);
    await page.mouse.down();
    await page.mouse.move(column!.x + column!.width / 2, column!.y + 20 * HOUR_PX + 2, { steps: 8 });
    await page.mouse.up();
    const block = page.locator('.sched-block[data-block="Signal Hill"]');
    await expect.poll(() => block.innerText()).toContain('20:00–20:30');

    // Resize: the bottom edge down by half an hour.
    const edge = (await block.locator('.edge.end').boundingBox())!;
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2 + HOUR_PX / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => block.innerText()).toContain('20:00–21:00');
    await shot('schedule-editor');

    await page.click('#save-schedule');
    await page.waitForSelector('#schedule-changes:not([hidden]) .change-list.added li');
    expect(await page.locator('#schedule-changes').innerText()).toMatch(/Signal Hill/);
    await shot('schedule-saved');
    const schedule = await json<{ blocks: Array<Record<string, unknown>> }>('/api/channels/3/schedule');
    expect(schedule.blocks).toEqual([expect.objectContaining({ name: 'Signal Hill', days: ['tue'], start: '20:00', minutes: 60, content: expect.objectContaining({ type: 'show', show: 'Signal Hill' }) })]);

    const after = await (await fetch(url('/xmltv.xml'))).text();
    const opening = new RegExp(`<programme start="${xmltvStamp(tuesday).replace('+', '\\+')}" stop="\\d+ \\+0000" channel="3\\.retrovue">`).exec(after);
    expect(opening, 'a programme on channel 3 at Tuesday 20:00').not.toBeNull();
    expect(after.slice(opening!.index, opening!.index + 200)).toMatch(/<title lang="en">Signal Hill<\/title>/);

    // The guide grid now has the new channel's row.
    await page.goto(url('/'));
    await page.waitForSelector('text=TST3');
    await shot('guide');
  });

  it('keyboard: a focused block moves by 15 minutes with the arrow keys', async () => {
    await page.goto(url('/control#/schedule/3'));
    const block = page.locator('.sched-block[data-block="Signal Hill"]');
    await block.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('.sched-block[data-block="Signal Hill"]').innerText()).toContain('20:15–21:15');
    expect(await page.locator('#schedule-status').innerText()).toBe('unsaved changes');
  });

  it('sends an alert from the Alerts page and cancels it', async () => {
    await page.goto(url('/control#/alerts'));
    await page.fill('#alert-message', 'Severe weather drill: this is only a test');
    await page.fill('#alert-duration', '600');
    await page.click('#send-alert');
    await page.waitForSelector('#alerts-active .alert-row:has-text("Severe weather drill")');
    await shot('alerts');
    await page.click('#alerts-active .cancel-alert');
    await page.waitForSelector('#alerts-history .alert-row.state-cancelled:has-text("Severe weather drill")');
    const list = await json<{ active: unknown[]; history: Array<{ state: string }> }>('/api/alerts');
    expect(list.active).toHaveLength(0);
    expect(list.history[0]!.state).toBe('cancelled');
  });

  it('the monitor shows a channel going live when a player tunes in, updating by itself (SSE)', async () => {
    await page.goto(url('/control#/monitor'));
    // Channel 3: nobody has watched it (the guide page played channel 1).
    const badge = page.locator('.monitor-card[data-channel="3"] .badge.state');
    await expect.poll(() => badge.getAttribute('data-state')).toBe('stopped');
    const playlist = await fetch(url('/channel/3.m3u8'));
    expect(playlist.status).toBe(200);
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    await waitFor('a speed reading', async () => ((await page.locator('.monitor-card[data-channel="3"]').innerText()).match(/\d\.\d\d×/) ? true : undefined), 20_000);
    await shot('monitor');
  });

  it('the library shows shows → seasons → episodes and edits chapter marks on the strip', async () => {
    await page.goto(url('/control#/library'));
    await page.click('summary:has-text("Signal Hill")');
    await page.click('summary:has-text("Season 1")');
    await page.click('button.file:has-text("Pilot")');
    const strip = (await page.locator('#chapter-strip').boundingBox())!;
    await page.mouse.click(strip.x + strip.width / 2, strip.y + strip.height / 2);
    await page.waitForSelector('.chapter-mark');
    const media = await json<{ items: Array<{ id: number; title: string }> }>('/api/media?show=Signal%20Hill');
    const pilot = media.items.find((m) => m.title === 'Pilot')!;
    const { chapters } = await json<{ chapters: Array<{ timestampMs: number }> }>(`/api/media/${pilot.id}/chapters`);
    expect(chapters).toHaveLength(1);
    expect(chapters[0]!.timestampMs).toBeGreaterThan(200_000); // the middle of a 7:13 episode
    expect(chapters[0]!.timestampMs).toBeLessThan(230_000);
  });

  it('dragging a chapter mark moves it (same id, one PATCH), its thumbnail loads, and the next compiled break moves', async () => {
    const library = await json<{ items: Array<{ id: number; title: string; durationMs: number }> }>('/api/media?show=Signal%20Hill');
    const pilot = library.items.find((m) => m.title === 'Pilot')!;
    const chaptersOf = async () => (await json<{ chapters: Array<{ id: number; timestampMs: number; title: string }> }>(`/api/media/${pilot.id}/chapters`)).chapters;
    const [before] = await chaptersOf();
    // Pilot's first act as channel 1 airs it: the airing from 0 to the first break.
    const firstActs = async () => {
      const from = Date.now();
      const { airings } = await json<{ airings: Array<{ start: string; mediaId?: number; inPointMs: number; outPointMs: number }> }>(`/api/channels/1/timeline?from=${from}&to=${from + 48 * 3600_000}&limit=20000`);
      return airings.filter((a) => a.mediaId === pilot.id && a.inPointMs === 0).map((a) => ({ startMs: Date.parse(a.start), outPointMs: a.outPointMs }));
    };
    // The click-added mark (previous test) already reached the schedule from the next unit boundary on.
    expect((await firstActs()).at(-1)!.outPointMs).toBe(before!.timestampMs);

    const mark = page.locator(`.chapter-mark[data-chapter="${before!.id}"]`);
    const thumb = page.locator(`.chapter-thumb[data-chapter="${before!.id}"]`);
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBeGreaterThan(0);
    const strip = (await page.locator('#chapter-strip').boundingBox())!;
    const box = (await mark.boundingBox())!;
    const patched = page.waitForResponse((response) => response.request().method() === 'PATCH' && response.url().includes(`/chapters/${before!.id}`));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(strip.x + strip.width * 0.25, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const quarter = Math.round(pilot.durationMs * 0.25);
    const moved = await waitFor('the moved mark', async () => {
      const list = await chaptersOf();
      return list[0]!.timestampMs !== before!.timestampMs ? list : undefined;
    });
    expect(moved).toHaveLength(1);
    expect(moved[0]!.id).toBe(before!.id); // a move, not a remove and an add
    expect(Math.abs(moved[0]!.timestampMs - quarter)).toBeLessThan(pilot.durationMs * 0.02);
    const newMs = moved[0]!.timestampMs;

    // Its thumbnail, of the new instant, loads.
    const movedThumb = page.locator(`.chapter-thumb[data-chapter="${before!.id}"]`);
    await expect.poll(() => movedThumb.getAttribute('src')).toContain(`at=${newMs}`);
    await expect.poll(() => movedThumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBeGreaterThan(0);

    // The move answered with where it reaches channel 1: its next unit boundary (its all-day
    // block's next day). From there on, Pilot breaks at the new mark; before it, what was
    // published stays (the mark at its old place, or, compiled before any mark, no break).
    const answer = (await (await patched).json()) as { id: number; rescheduled: Array<{ channel: number; effectiveFrom: string }> };
    expect(answer.id).toBe(before!.id);
    const boundary = Date.parse(answer.rescheduled.find((r) => r.channel === 1)!.effectiveFrom);
    expect(boundary).toBeGreaterThan(Date.now() - 1000);
    const acts = await firstActs();
    const after = acts.filter((a) => a.startMs >= boundary);
    expect(after.length, 'airings of Pilot after the boundary').toBeGreaterThan(0);
    expect(after.every((a) => a.outPointMs === newMs)).toBe(true);
    expect(acts.filter((a) => a.startMs < boundary).every((a) => a.outPointMs === before!.timestampMs || a.outPointMs === pilot.durationMs)).toBe(true);
    expect(await page.locator('.toast').last().innerText()).toMatch(/moved to 1:\d\d; channel 1 from/);

    // Keyboard: → on the focused mark moves it a second later, keeping its id and the focus.
    await page.locator(`.chapter-mark[data-chapter="${before!.id}"]`).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await chaptersOf())[0]).toEqual(expect.objectContaining({ id: before!.id, timestampMs: newMs + 1000 }));
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.chapter)).toBe(String(before!.id));
  });

  it('Rescan finds a new file: the progress bar finishes, the summary shows, the tree has it, and schedules air it', async () => {
    await clip(path.join(media, 'Signal Hill', 'Season 1', 'Signal Hill - S01E03 - Flood.mp4'), 3 * 60 + 11, 'maroon');
    await page.click('#rescan');
    await page.waitForSelector('#scan-progress[data-state="done"]', { timeout: 60_000 });
    const status = await page.locator('#scan-status').innerText();
    expect(status).toMatch(/Scan finished: 1 added/);
    expect(await page.locator('#scan-progress').evaluate((bar: HTMLProgressElement) => bar.value / bar.max)).toBe(1);
    // The reload after the scan kept the groups opened earlier open (a rescan does not fold the tree).
    for (const group of ['Signal Hill', 'Signal Hill / Season 1']) {
      expect(await page.locator(`#library-tree details[data-group="${group}"]`).evaluate((d: HTMLDetailsElement) => d.open), group).toBe(true);
    }
    await page.waitForSelector('#library-tree button.file:has-text("Flood")');
    // Hovering the strip previews the picture under the pointer.
    const strip = (await page.locator('#chapter-strip').boundingBox())!;
    await page.mouse.move(strip.x + strip.width * 0.6, strip.y + strip.height / 2);
    const preview = page.locator('.strip-preview:not([hidden]) img');
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth).catch(() => 0), { timeout: 20_000 }).toBeGreaterThan(0);
    await shot('library');

    // The running server schedules it as a restart would: the next compile (here, a saved schedule) airs it.
    const flood = (await json<{ items: Array<{ id: number; title: string }> }>('/api/media?show=Signal%20Hill')).items.find((m) => m.title === 'Flood')!;
    const schedule = await json<unknown>('/api/channels/3/schedule');
    expect((await fetch(url('/api/channels/3/schedule'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(schedule) })).status).toBe(200);
    const from = Date.now();
    const { airings } = await json<{ airings: Array<{ mediaId?: number }> }>(`/api/channels/3/timeline?from=${from}&to=${from + 8 * 24 * 3600_000}&limit=20000`);
    expect(airings.some((a) => a.mediaId === flood.id)).toBe(true);
  });
});
