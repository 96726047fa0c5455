import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { makeClips } from '../../helpers/media.js';
import { runCli, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

interface Channel { number: number; name: string; callSign: string; alwaysOn: boolean; source: string; schedule: { blocks: Array<{ name: string; start: string; minutes: number; content: { type: string; show?: string } }> } }
interface Airing { start: string; end: string; title: string; kind: string; mediaPath: string }

async function pngSize(png: Buffer): Promise<{ width: number; height: number; codec: string }> {
  const file = path.join(tempDir('preview'), 'frame.png');
  writeFileSync(file, png);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  const stream = (JSON.parse(stdout) as { streams: Array<{ width: number; height: number; codec_name: string }> }).streams[0]!;
  return { width: stream.width, height: stream.height, codec: stream.codec_name };
}

describe('the first run puts a scheduled demo station on the air', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const json = async <T>(p: string) => (await (await fetch(url(p))).json()) as T;

  beforeAll(async () => {
    // No media and no channels configured: what `bash scripts/quickstart.sh` does on a fresh
    // clone. The tiny render of the same catalog stands in for the full one (minutes to make).
    const dataDir = path.join(tempDir('demo-station'), 'data');
    const made = await runCli(['demo-media', path.join(dataDir, 'demo-media'), '--size', 'tiny'], 120_000);
    expect(made.code, made.stderr).toBe(0);
    const { library: _none, ...config } = testConfig({ media: [], dataDir });
    server = await startServer({ ...config, streaming: { port: 0, host: '127.0.0.1', quality: 'low', segment_duration: 2, idle_timeout: 30 } } as ReturnType<typeof testConfig>);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('has three channels scheduled in blocks: sitcoms, movies, cartoons with many breaks', async () => {
    const { channels } = await json<{ channels: Channel[] }>('/api/channels');
    expect(channels.map((c) => [c.number, c.callSign])).toEqual([[1, 'RTV1'], [2, 'RTVM'], [3, 'RTVT']]);
    for (const channel of channels) expect(channel.source, 'editable from the control room, kept across restarts').toBe('api');
    expect(channels[0]!.schedule.blocks.slice(0, 2).map((b) => [b.start, b.minutes, b.content.show])).toEqual([['00:00', 30, 'Signal Hill'], ['00:30', 30, 'Fractal Frontier']]);
    expect(channels[1]!.schedule.blocks[0]!.content.type).toBe('movies');
    expect(channels[2]!.schedule.blocks).toHaveLength(96); // a cartoon every quarter hour
  });

  it('airs programmes split at their chapter marks with commercials in between (schedule mode)', async () => {
    const now = Date.now();
    const { airings } = await json<{ airings: Airing[] }>(`/api/channels/2/timeline?from=${new Date(now).toISOString()}&to=${new Date(now + 3 * 3600_000).toISOString()}`);
    const kinds = new Set(airings.map((a) => a.kind));
    expect(kinds.has('program')).toBe(true);
    expect(kinds.has('commercial')).toBe(true);
    expect(airings.some((a) => a.kind === 'program' && /movies\//.test(a.mediaPath))).toBe(true);
    // Each guide programme is one cell: an XMLTV programme per block on channel 1.
    const xmltv = await (await fetch(url('/xmltv.xml'))).text();
    expect(xmltv).toMatch(/<programme [^>]*channel="1\.retrovue">\s*<title lang="en">Signal Hill<\/title>/);
    expect(xmltv).toMatch(/<programme [^>]*channel="2\.retrovue">\s*<title lang="en">(Harbor Lights|The Long Signal)<\/title>/);
  });

  it('lists the demo library as a folder the user can replace with their own', async () => {
    const { folders } = await json<{ folders: Array<{ path: string; source: string }> }>('/api/library/folders');
    expect(folders).toEqual([expect.objectContaining({ path: path.join(server.dataDir, 'demo-media'), source: 'control_room' })]);
  });

  it('a second start keeps the station as edited (no reseeding, no "Retrovue 1" coming back)', async () => {
    const response = await fetch(url('/api/channels/3'), { method: 'DELETE' });
    expect(response.status).toBe(200);
    await server.stop();
    const config = { streaming: { port: 0, host: '127.0.0.1', quality: 'low', segment_duration: 2 }, data_dir: server.dataDir };
    server = await startServer(config as ReturnType<typeof testConfig>);
    const { channels } = await json<{ channels: Channel[] }>('/api/channels');
    expect(channels.map((c) => c.number)).toEqual([1, 2]);
  }, 60_000);
});

describe('channels from the control room: renumber, always-on, graphics preview', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const json = async <T>(p: string) => (await (await fetch(url(p))).json()) as T;
  const send = (method: string, p: string, body?: unknown) =>
    fetch(url(p), { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    const work = tempDir('station-admin');
    const media = path.join(work, 'media');
    await makeClips(media, [{ name: 'a.mp4', seconds: 3, picture: 'red' }, { name: 'b.mp4', seconds: 4, picture: 'blue' }]);
    server = await startServer({
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule', idle_timeout: 5 } }),
      channels: [{ number: 1, name: 'From the file', call_sign: 'FILE1' }],
    } as ReturnType<typeof testConfig>);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('renumbers a channel: it keeps its clock and timeline; a taken number or a config channel is a 409 and nothing moves', async () => {
    expect((await send('POST', '/api/channels', { number: 5, name: 'Five', call_sign: 'FIVE', time_zone: 'UTC' })).status).toBe(201);
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 600_000).toISOString();
    const before = await json<{ airings: Airing[] }>(`/api/channels/5/timeline?from=${from}&to=${to}`);
    expect(before.airings.length).toBeGreaterThan(10);

    const taken = await send('PATCH', '/api/channels/5', { number: 1, name: 'Renamed' });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { field?: string }).field).toBe('number');
    expect((await json<Channel>('/api/channels/5')).name, 'nothing changed').toBe('Five');

    const fromFile = await send('PATCH', '/api/channels/1', { number: 9 });
    expect(fromFile.status).toBe(409);
    expect(((await fromFile.json()) as { message: string }).message).toMatch(/config file/);

    const moved = await send('PATCH', '/api/channels/5', { number: 7, name: 'Seven' });
    expect(moved.status).toBe(200);
    expect((await send('GET', '/api/channels/5')).status).toBe(404);
    expect(await json<Channel>('/api/channels/7')).toMatchObject({ number: 7, name: 'Seven', callSign: 'FIVE' });
    const after = await json<{ airings: Airing[] }>(`/api/channels/7/timeline?from=${from}&to=${to}`);
    expect(after.airings.map((a) => [a.start, a.mediaPath])).toEqual(before.airings.map((a) => [a.start, a.mediaPath]));
    expect(await (await fetch(url('/channels.m3u'))).text()).toMatch(/tvg-chno="7"/);
  });

  it('lists page and filter the same way: limit/offset in, total/limit/offset out; a bad parameter is a 400 naming it', async () => {
    const all = await json<{ channels: Channel[]; total: number; limit: number; offset: number }>('/api/channels');
    expect(all).toMatchObject({ total: 2, limit: 1000, offset: 0 });
    const second = await json<{ channels: Channel[]; total: number }>('/api/channels?limit=1&offset=1');
    expect(second.channels.map((c) => c.number)).toEqual([7]);
    expect(second.total).toBe(2);
    expect((await json<{ channels: Channel[] }>('/api/channels?q=file')).channels.map((c) => c.number)).toEqual([1]);
    const bad = await send('GET', '/api/channels?limit=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field?: string }).field).toBe('limit');
    expect((await send('GET', '/api/channels?colour=red')).status).toBe(400);

    for (const message of ['First test', 'Second test', 'Third test']) {
      const sent = await send('POST', '/api/alerts', { message, priority: 1, channels: [1], duration: 60 });
      const { id } = (await sent.json()) as { id: number };
      expect((await send('DELETE', `/api/alerts/${id}`)).status).toBe(200);
    }
    const page = await json<{ history: Array<{ message: string }>; total: number; limit: number; offset: number }>('/api/alerts?limit=2&offset=1');
    expect(page).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.history.map((a) => a.message)).toEqual(['Second test', 'First test']);
    expect((await send('GET', '/api/alerts?limit=9999')).status).toBe(400);
  });

  it('media folders from the control room: added (checked, then scanned), listed, removed (its files stop airing); bad paths are 400/409 and change nothing', async () => {
    const extra = path.join(tempDir('more-media'), 'commercials');
    await makeClips(extra, [{ name: 'Spot.mp4', seconds: 2, picture: 'green' }]);
    const before = await json<{ folders: Array<{ path: string; source: string }> }>('/api/library/folders');
    expect(before.folders.map((f) => f.source)).toEqual(['config']);

    for (const [body, status, field] of [
      [{ path: 'relative/dir' }, 400, 'path'],
      [{ path: '/no/such/folder' }, 400, 'path'],
      [{ path: path.join(extra, 'Spot.mp4') }, 400, 'path'],
      [{ path: before.folders[0]!.path }, 409, 'path'],
      [{ path: extra, kind: 'sitcom' }, 400, 'kind'],
    ] as const) {
      const refused = await send('POST', '/api/library/folders', body);
      expect(refused.status, JSON.stringify(body)).toBe(status);
      expect(((await refused.json()) as { field?: string }).field).toBe(field);
    }
    expect((await json<{ folders: unknown[] }>('/api/library/folders')).folders).toHaveLength(1);

    const added = await send('POST', '/api/library/folders', { path: extra, kind: 'commercial' });
    expect(added.status).toBe(201);
    await waitFor('the new folder scanned', async () => {
      const media = await json<{ items: Array<{ path: string; kind: string }> }>('/api/media?kind=commercial');
      return media.items.some((m) => m.path.endsWith('Spot.mp4')) ? true : undefined;
    }, 30_000);
    expect((await json<{ folders: Array<{ source: string; kind: string | null }> }>('/api/library/folders')).folders[1]).toMatchObject({ source: 'control_room', kind: 'commercial' });

    expect((await send('DELETE', `/api/library/folders?path=${encodeURIComponent(before.folders[0]!.path)}`)).status, 'a config folder').toBe(409);
    const removed = await send('DELETE', `/api/library/folders?path=${encodeURIComponent(extra)}`);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { filesMissing: number }).filesMissing).toBe(1);
    const spot = (await json<{ items: Array<{ path: string; status: string }> }>('/api/media?status=missing')).items.find((m) => m.path.endsWith('Spot.mp4'));
    expect(spot?.status).toBe('missing');
  }, 60_000);

  it('an always-on channel starts with no viewer, and stops by itself once switched back', async () => {
    const status = () => json<{ state: string }>('/api/channels/7/status');
    expect((await status()).state).toBe('stopped');
    expect((await send('PATCH', '/api/channels/7', { always_on: true })).status).toBe(200);
    expect((await json<Channel>('/api/channels/7')).alwaysOn).toBe(true);
    await waitFor('channel 7 live with nobody watching', async () => ((await status()).state === 'live' ? true : undefined), 30_000);
    // Still live after the idle timeout (5 s) with no viewer.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect((await status()).state).toBe('live');
    expect((await send('PATCH', '/api/channels/7', { always_on: false })).status).toBe(200);
    await waitFor('channel 7 stopped once nobody watches', async () => ((await status()).state === 'stopped' ? true : undefined), 30_000);
  }, 90_000);

  it('draws a graphics preview with unsaved settings, at the channel size, and refuses bad ones naming the field', async () => {
    const preview = await send('POST', '/api/channels/7/graphics/preview', { card: 'lower_third', graphics: { branding: { primary: '#004488' }, bug: { corner: 'top-left' } } });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/png');
    expect(await pngSize(Buffer.from(await preview.arrayBuffer()))).toEqual({ width: 320, height: 180, codec: 'png' });
    // The saved settings did not change.
    expect((await json<{ graphics: Record<string, unknown> }>('/api/channels/7/graphics')).graphics).toEqual({});

    const bad = await send('POST', '/api/channels/7/graphics/preview', { graphics: { bug: { opacity: 7 } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field?: string }).field).toBe('graphics.bug.opacity');
    expect((await send('POST', '/api/channels/7/graphics/preview', { card: 'sideways' })).status).toBe(400);
    expect((await send('POST', '/api/channels/99/graphics/preview', {})).status).toBe(404);
  });

  it('in the browser: renumber and switch on always-on from the Channels page; the graphics preview redraws as a colour changes', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(url('/control#/channels'));
      await page.click('.channel-card[data-channel="7"] button:has-text("Edit")');
      await page.fill('#edit-channel-7 input[name=number]', '8');
      await page.check('#edit-channel-7 input[name=always_on]');
      await page.click('#edit-channel-7 button[type=submit]');
      await page.waitForSelector('.channel-card[data-channel="8"]');
      expect(await json<Channel>('/api/channels/8')).toMatchObject({ number: 8, alwaysOn: true });
      expect(await page.locator('.channel-card[data-channel="8"]').innerText()).toMatch(/always on/);
      expect((await send('PATCH', '/api/channels/8', { always_on: false })).status).toBe(200);

      await page.click('.channel-card[data-channel="8"] button:has-text("Graphics")');
      const image = page.locator('#graphics-8 img.graphics-preview');
      await page.waitForSelector('#graphics-8 img.graphics-preview[data-drawn]');
      const first = Number(await image.getAttribute('data-drawn'));
      expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
      await page.locator('#graphics-8 input[name=accent]').evaluate((input: HTMLInputElement) => {
        input.value = '#33aaff';
        input.dispatchEvent(new Event('input'));
      });
      await expect.poll(async () => Number(await image.getAttribute('data-drawn')), { timeout: 15_000 }).toBeGreaterThan(first);
      // Not saved until Save: the stored override is still empty.
      expect((await json<{ graphics: Record<string, unknown> }>('/api/channels/8/graphics')).graphics).toEqual({});
      await page.click('#graphics-8 button:has-text("Save graphics")');
      await expect.poll(async () => (await json<{ graphics: { branding?: { accent?: string } } }>('/api/channels/8/graphics')).graphics.branding?.accent).toMatch(/33aaff/i);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('in the browser: a media folder added on the Library page is scanned and its files appear in the tree', async () => {
    const extra = path.join(tempDir('browser-media'), 'Harbor Lights (1992)');
    await makeClips(extra, [{ name: 'Harbor Lights (1992).mp4', seconds: 3, picture: 'olive' }]);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(url('/control#/library'));
      await page.click('#folders-panel summary');
      await page.fill('#add-folder input[name=folder-path]', extra);
      await page.click('#add-folder button[type=submit]');
      await page.waitForSelector(`#library-folders li[data-folder="${extra}"]`);
      await page.waitForSelector('#scan-progress[data-state="done"]', { timeout: 30_000 });
      await page.click('#library-tree summary:has-text("Movies")');
      await page.waitForSelector('#library-tree button.file:has-text("Harbor Lights")');
    } finally {
      await browser.close();
    }
  }, 90_000);
});
