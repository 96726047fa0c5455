import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { frameColours, readStreamFor, saveTo } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { runCli, sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** What a frame shows, by its mean colour: a programme clip, or an alert card of some type. */
const LOOKS = {
  green: [0, 128, 0],
  white: [255, 255, 255],
  emergency: [150, 30, 8],
  weather: [135, 75, 8],
  custom: [30, 40, 62],
} as const;
type Look = keyof typeof LOOKS;
const lookOf = (rgb: readonly number[]): Look =>
  (Object.keys(LOOKS) as Look[]).reduce((best, look) => {
    const d = (l: Look) => LOOKS[l].reduce((sum, v, i) => sum + (v - rgb[i]!) ** 2, 0);
    return d(look) < d(best) ? look : best;
  });
const CLIP_LOOK: Record<string, Look> = { a: 'green', b: 'white' };

interface AlertView {
  id: number;
  state: string;
  onAirChannels: number[];
}

/**
 * Emergency alerts (issue 13) on real output: a channel's `.ts` is read and its frames decoded,
 * so "on the picture" means on the picture.
 */
describe('emergency alerts break into programming (real server, real ffmpeg)', () => {
  let server: RunningServer;
  let config: ReturnType<typeof testConfig>;
  let work: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(url('/api/alerts'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as AlertView & { field?: string; message?: string } };
  };
  const list = async () => (await (await fetch(url('/api/alerts'))).json()) as { active: AlertView[]; queued: AlertView[]; history: AlertView[] };
  const nowOf = async (n: number) =>
    (await (await fetch(url(`/api/channels/${n}/now`))).json()) as { now: { title: string }; override: { alert: { id: number } } | null };

  /**
   * The picture a viewer tuning in now sees: a new `.ts` viewer gets the last seconds at once
   * (the burst) then live pace; its frames are decoded. Returns the newest frame's look and,
   * from the frames' timestamps, the wall-clock instant the alert's first frame aired.
   */
  async function picture(n: number): Promise<{ look: Look; firstAlertFrameAtMs?: number }> {
    const { data } = await readStreamFor(url(`/channel/${n}.ts`), 1000);
    const readEndMs = Date.now();
    const frames = await frameColours(await saveTo(path.join(work, `ch${n}-${readEndMs}.ts`), data));
    const last = frames[frames.length - 1]!;
    const look = lookOf(last.rgb);
    let first = frames.length - 1;
    while (first > 0 && lookOf(frames[first - 1]!.rgb) === look) first -= 1;
    // The newest frame airs about now; earlier frames aired earlier by their timestamp difference.
    const firstAlertFrameAtMs = first > 0 && !(look in CLIP_LOOK) ? readEndMs - (last.pts - frames[first]!.pts) * 1000 : undefined;
    return { look, firstAlertFrameAtMs };
  }

  async function timelineLook(n: number): Promise<Look> {
    return CLIP_LOOK[(await nowOf(n)).now.title]!;
  }

  beforeAll(async () => {
    work = tempDir('alerts');
    const media = path.join(work, 'media');
    // Long clips, so the timeline's airing is unambiguous whenever the picture is read.
    await makeClips(media, [
      { name: 'a.mp4', seconds: 40, picture: 'green', size: '160x90', rate: 25 },
      { name: 'b.mp4', seconds: 40, picture: 'white', size: '160x90', rate: 25 },
    ]);
    config = testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 2 } });
    server = await startServer(config);
    // Both channels on the air (an alert reaches a live channel's picture at once).
    for (const n of [1, 2]) await fetch(url(`/channel/${n}.m3u8`));
    await sleep(3000);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses bad requests with the field named, and creates nothing', async () => {
    const before = await list();
    const cases: Array<[unknown, string]> = [
      [{ message: '  ', priority: 3, channels: [1], duration: 10 }, 'message'],
      [{ message: 'x', priority: 11, channels: [1], duration: 10 }, 'priority'],
      [{ message: 'x', priority: 3, channels: [9], duration: 10 }, 'channels'],
      [{ message: 'x', priority: 3, channels: [1], duration: 0 }, 'duration'],
      [{ message: 'x', priority: 3, channels: [1], duration: 999_999 }, 'duration'],
      [{ message: 'x', priority: 3, channels: [1], duration: 10, type: 'tornado' }, 'type'],
    ];
    for (const [body, field] of cases) {
      const { status, body: reply } = await post(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(reply.field).toBe(field);
      expect(reply.message).toContain(field);
    }
    expect(await list()).toEqual(before);
  });

  it('refuses an alert from another machine without the admin token (forwarded by a proxy on this machine), and says why', async () => {
    const { status, body } = await post({ message: 'x', priority: 3, channels: [1], duration: 10 }, { 'x-forwarded-for': '203.0.113.9' });
    expect(status).toBe(401);
    expect(body.message).toMatch(/token/);
    const cancel = await fetch(url('/api/alerts/1'), { method: 'DELETE', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(cancel.status).toBe(401);
    expect((await list()).active).toEqual([]);
  });

  it('INV-ALERT-1: is on channel 1\'s picture within 2 s of the request, not on channel 2, then returns to the timeline', async () => {
    const sentAt = Date.now();
    const { status, body } = await post({ message: 'Tornado warning for Cedar County until 7:45 PM', type: 'emergency', priority: 3, channels: [1], duration: 8 });
    expect(status).toBe(201);
    expect(body.onAirChannels).toEqual([1]);
    await sleep(2000);
    const one = await picture(1);
    expect(one.look).toBe('emergency');
    expect(one.firstAlertFrameAtMs! - sentAt).toBeLessThan(2000 + 250);
    expect((await picture(2)).look).toBe(await timelineLook(2));
    expect((await nowOf(1)).override?.alert.id).toBe(body.id);

    // The alert holds for its duration, then the channel shows what its timeline says now.
    await waitFor('the alert to end', async () => (Date.now() > sentAt + 8000 + 2500 ? true : undefined), 20_000, 200);
    expect((await nowOf(1)).override).toBeNull();
    expect((await picture(1)).look).toBe(await timelineLook(1));
    expect((await (await fetch(url(`/api/alerts/${body.id}`))).json())).toMatchObject({ state: 'ended' });
  });

  it('INV-ALERT-2: lets a higher priority pre-empt a lower one; the lower one airs after it; a cancel ends it within a segment', async () => {
    const low = (await post({ message: 'Flood watch', type: 'weather', priority: 2, channels: [1], duration: 40 })).body;
    await sleep(2500);
    expect((await picture(1)).look).toBe('weather');
    const high = (await post({ message: 'Shelter in place', type: 'emergency', priority: 5, channels: [1, 2], duration: 6 })).body;
    await sleep(2000);
    expect((await picture(1)).look).toBe('emergency');
    expect((await nowOf(1)).override?.alert.id).toBe(high.id);
    expect((await list()).queued.map((a) => a.id)).toEqual([low.id]);

    // When the higher one ends, the lower one (its window still open) comes back.
    await waitFor('the weather alert to be back', async () => ((await nowOf(1)).override?.alert.id === low.id ? true : undefined), 15_000, 250);
    await sleep(2000);
    expect((await picture(1)).look).toBe('weather');

    const cancelledAt = Date.now();
    const cancelled = (await (await fetch(url(`/api/alerts/${low.id}`), { method: 'DELETE' })).json()) as AlertView;
    expect(cancelled.state).toBe('cancelled');
    await sleep(2000); // segment_duration 2
    expect((await picture(1)).look).toBe(await timelineLook(1));
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
  });

  it('sends, lists and cancels from the command line, and says so clearly when no server answers', async () => {
    // Run where another station's ./data/admin-token lies (the checkout after scripts/quickstart.sh,
    // issue 23): that token is not this server's and must not be sent to it.
    const checkout = tempDir('alerts-cwd');
    mkdirSync(path.join(checkout, 'data'));
    writeFileSync(path.join(checkout, 'data', 'admin-token'), 'another-stations-token\n');
    const sent = await runCli(['alert', 'Boil water notice', '--type', 'custom', '--priority', '4', '--channels', '2', '--duration', '30', '--server', server.baseUrl], 30_000, { cwd: checkout });
    expect(sent.code, sent.stderr).toBe(0);
    const id = /Alert #(\d+) sent to channel 2/.exec(sent.stdout)?.[1];
    expect(id, sent.stdout + sent.stderr).toBeDefined();
    // The flags `serve` took find it too (issue 23: --port was an unknown option).
    const listed = await runCli(['alert', '--list', '--port', String(server.port)]);
    expect(listed.stdout).toMatch(new RegExp(`On the air:\\n  #${id} \\[custom, priority 4\\] on the air on channel 2`));
    // Its own data folder's token goes to its own server (loopback on that port), which takes it.
    const cancelled = await runCli(['alert', '--cancel', id!, '--host', '127.0.0.1', '--port', String(server.port), '--data', server.dataDir], 30_000, { cwd: checkout });
    expect(cancelled.stdout, cancelled.stderr).toContain(`Alert #${id} ended`);
    const nobody = await runCli(['alert', 'x', '--priority', '1', '--channels', '1', '--duration', '5', '--server', 'http://127.0.0.1:9']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/no Retrovue server answers at http:\/\/127\.0\.0\.1:9/);
  });

  it('resumes an alert on its channels after a server restart, and keeps the history', async () => {
    const { body } = await post({ message: 'Road closures downtown', type: 'custom', priority: 3, channels: [2], duration: 120 });
    await server.stop();
    server = await startServer(config);
    const after = await list();
    expect(after.active.map((a) => a.id)).toEqual([body.id]);
    expect(after.history.length).toBeGreaterThanOrEqual(3);
    await fetch(url('/channel/2.m3u8'));
    await sleep(3000);
    expect((await picture(2)).look).toBe('custom');
  });

  it('shows a banner on the web page and marks the channels under the alert in the guide', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(url('/'));
      const banner = page.locator('#alert-banner.on');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toMatch(/CUSTOM ALERT · channel 2.*Road closures downtown/);
      await expect.poll(() => page.locator('.guide-row.under-alert').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.channel)), { timeout: 10_000 }).toEqual(['2']);
    } finally {
      await browser.close();
    }
  });
});
