import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THUMBNAILS_PER_FILE } from '../../../src/library/thumbnails.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/alerts\',{method:\'POST\'})"><rect width="9" height="9"/></svg>';
const FIVE_MINUTES_MS = 300_000;

/**
 * Issue 20, M2 and the logo finding, against the real server: a viewer cannot fill the disk or
 * the CPU with thumbnails of distinct instants, and the API cannot point a channel's logo at
 * any file on disk nor make the server's origin serve an SVG.
 */
describe('security: thumbnails are bounded, logos are only images the operator put there', () => {
  let server: RunningServer;
  let logoFolder: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    const work = tempDir('security-media');
    const media = path.join(work, 'media');
    // Five minutes: more grid points (one a second) than a file may keep pictures of.
    await makeClips(path.join(media, 'Long Show', 'Season 1'), [{ name: 'Long Show - S01E01 - Pilot.mp4', seconds: FIVE_MINUTES_MS / 1000, rate: 2, audio: false }]);
    logoFolder = path.join(work, 'logos');
    mkdirSync(logoFolder);
    writeFileSync(path.join(logoFolder, 'retro1.png'), PNG_1x1);
    writeFileSync(path.join(logoFolder, 'evil.svg'), SVG);
    writeFileSync(path.join(work, 'config-logo.svg'), SVG);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data') }),
      server: { logo_folder: logoFolder },
      // The config file is the operator's: its logo path is kept, even an SVG (which is then not served as one).
      channels: [{ number: 1, name: 'One' }, { number: 2, name: 'Two', logo: path.join(work, 'config-logo.svg') }],
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('1 000 distinct thumbnail instants: files on disk stay within the per-file cap, a full queue answers 503, /api/health stays quick, a grid instant repeats as a cache hit', async () => {
    const pilot = await waitFor('the scanned file', async () => {
      const { items } = (await (await fetch(url('/api/media?limit=10'))).json()) as { items: Array<{ id: number; path: string; durationMs: number }> };
      return items[0];
    });
    expect(pilot.durationMs).toBeGreaterThanOrEqual(FIVE_MINUTES_MS - 1000);
    const folder = path.join(server.dataDir, 'thumbnails', String(pilot.id));
    const jpegsOnDisk = () => readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.name.endsWith('.jpg')).length;

    // What an older version left: a picture per distinct millisecond asked for (400 of them, of
    // this very version of the file). The first request cuts them down to the cap.
    const clip = statSync(pilot.path);
    // The library stores whole milliseconds, truncated (src/library/file-walker.ts).
    const identity = `${clip.size}-${Math.trunc(clip.mtimeMs)}`;
    mkdirSync(folder, { recursive: true });
    const leftBehind = Array.from({ length: 400 }, (_, i) => `${identity}-${i * 701 + 3}.jpg`);
    for (const name of leftBehind) writeFileSync(path.join(folder, name), PNG_1x1);
    const leftBehindOnDisk = () => leftBehind.filter((name) => existsSync(path.join(folder, name))).length;
    expect((await fetch(url(`/api/media/${pilot.id}/thumbnail?at=0`))).status).toBe(200);
    expect(jpegsOnDisk()).toBe(THUMBNAILS_PER_FILE);
    expect(leftBehindOnDisk()).toBe(THUMBNAILS_PER_FILE - 1);

    // /api/health, polled all along.
    const healthMs: number[] = [];
    let flooding = true;
    const healthPoll = (async () => {
      while (flooding) {
        const started = performance.now();
        const ok = await fetch(url('/api/health')).then((response) => response.status === 200, () => false);
        healthMs.push(ok ? performance.now() - started : Number.POSITIVE_INFINITY); // a failed poll fails the p99
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    let mostOnDisk = 0;
    // 1 000 distinct milliseconds spread over the whole file, in an order that jumps about it.
    const instants = Array.from({ length: 1000 }, (_, i) => ((i * 389) % 1000) * Math.floor((pilot.durationMs - 1000) / 1000) + (i % 7));
    expect(new Set(instants).size).toBe(1000);
    const started = performance.now();
    try {
      for (let batch = 0; batch < 4; batch += 1) {
        await Promise.all(
          instants.slice(batch * 250, batch * 250 + 250).map(async (at) => {
            const response = await fetch(url(`/api/media/${pilot.id}/thumbnail?at=${at}`));
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status === 503) retryAfter = response.headers.get('retry-after');
            await response.arrayBuffer();
          }),
        );
        mostOnDisk = Math.max(mostOnDisk, jpegsOnDisk());
      }
    } finally {
      flooding = false;
      await healthPoll;
    }
    const floodMs = performance.now() - started;

    healthMs.sort((a, b) => a - b);
    const p99 = healthMs[Math.floor(healthMs.length * 0.99)]!;
    console.log(
      `thumbnail flood: ${floodMs.toFixed(0)} ms; answers ${JSON.stringify(Object.fromEntries(statuses))}; most JPEGs on disk ${mostOnDisk} (cap ${THUMBNAILS_PER_FILE}), ${leftBehindOnDisk()} left-behind ones still there; ` +
        `/api/health ${healthMs.length} polls, median ${healthMs[Math.floor(healthMs.length / 2)]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${healthMs.at(-1)!.toFixed(1)} ms`,
    );
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(mostOnDisk).toBeLessThanOrEqual(THUMBNAILS_PER_FILE);
    expect(jpegsOnDisk()).toBeLessThanOrEqual(THUMBNAILS_PER_FILE);
    expect(leftBehindOnDisk()).toBeLessThan(THUMBNAILS_PER_FILE - 1); // the least recently used made room for new pictures
    expect(p99).toBeLessThan(1000); // generous: this machine may be busy with other tests; the point is it is never held up for seconds

    // Instants near one grid point are one picture, made once: the second is read from the cache.
    const first = await fetch(url(`/api/media/${pilot.id}/thumbnail?at=150000`));
    expect(first.status).toBe(200);
    const name = readdirSync(folder).find((entry) => entry.endsWith('-150000.jpg'))!;
    const made = statSync(path.join(folder, name));
    const count = jpegsOnDisk();
    const again = await fetch(url(`/api/media/${pilot.id}/thumbnail?at=150321`));
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(Buffer.from(await first.arrayBuffer()))).toBe(true);
    const after = statSync(path.join(folder, name));
    expect([after.ino, after.mtimeMs]).toEqual([made.ino, made.mtimeMs]);
    expect(jpegsOnDisk()).toBe(count);

    // Outside the file, or not a number: 400 naming `at`.
    for (const at of [String(pilot.durationMs + 1), '-1', 'abc', '1e3', '99999999999999999999999']) {
      const refused = await fetch(url(`/api/media/${pilot.id}/thumbnail?at=${at}`));
      expect(refused.status, at).toBe(400);
      expect(((await refused.json()) as { field?: string }).field, at).toBe('at');
    }
  }, 60_000);

  it('a logo set over the API is only a file name in the logo folder that is an image: paths, traversal and SVG are 400 naming logo, the channel unchanged', async () => {
    const channelOne = async () => (await (await fetch(url('/api/channels/1'))).json()) as { logoPath?: string; name: string };
    const before = await channelOne();
    for (const logo of ['/etc/passwd', '../admin-token', `../${path.basename(server.dataDir)}/admin-token`, 'evil.svg', 'no-such.png']) {
      const patched = await fetch(url('/api/channels/1'), { method: 'PATCH', headers: json, body: JSON.stringify({ logo, name: 'Renamed' }) });
      expect(patched.status, logo).toBe(400);
      expect(((await patched.json()) as { field?: string }).field, logo).toBe('logo');
      const created = await fetch(url('/api/channels'), { method: 'POST', headers: json, body: JSON.stringify({ number: 7, name: 'Seven', logo }) });
      expect(created.status, logo).toBe(400);
    }
    expect(await channelOne()).toEqual(before);
    expect((await fetch(url('/api/channels/7'))).status).toBe(404);

    // A file name in the logo folder: served as the image it is, and as nothing else.
    const set = await fetch(url('/api/channels/1'), { method: 'PATCH', headers: json, body: JSON.stringify({ logo: 'retro1.png' }) });
    expect(set.status).toBe(200);
    const served = await fetch(url('/channel/1/logo'));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG_1x1)).toBe(true);
  });

  it('an SVG logo (from the config file) is never served from the server\'s origin: the call-sign card is', async () => {
    const served = await fetch(url('/channel/2/logo'));
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.toString('latin1')).not.toContain('<svg');
  });
});
