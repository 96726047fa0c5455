import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

/**
 * Issue 20: one unauthenticated GET froze the server. `/now?at=+150 days` compiled (and stored)
 * the schedule up to it on the request's turn: 15.8 s with /api/health waiting, RSS to 710 MB,
 * the data folder to 397 MB; a date in 2100 hung it. And a schedule of 400 overlapping blocks
 * took 13 s to refuse with a 69.5 MB message. Here, against the real server: time parameters
 * outside the guide's window are a fast 400 naming the parameter, memory and the data folder
 * stay flat, and a 10 000-block schedule is refused at once in a few words.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A dense week: every half hour two short cartoons with commercial breaks, so compiling is real work. */
const schedule = {
  blocks: Array.from({ length: 48 }, (_, i) => ({
    name: `Cartoons ${i}`,
    start: `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`,
    minutes: 30,
    content: { type: 'show', show: 'Cartoon' },
  })),
};

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

describe('viewer inputs are bounded: time parameters and schedules (issue 20)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;

  /** A GET that must answer quickly; a frozen server fails it in seconds rather than hanging the file. */
  async function timed(p: string, init?: RequestInit): Promise<{ status: number; body: any; ms: number; bytes: number }> {
    const startedAt = performance.now();
    const response = await fetch(url(p), { ...init, signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), ms: performance.now() - startedAt, bytes: text.length };
  }

  beforeAll(async () => {
    const work = tempDir('bounds');
    const media = path.join(work, 'media');
    await Promise.all([
      makeClips(path.join(media, 'Cartoon', 'Season 1'), [
        { name: 'Cartoon - S01E01 - Chase.mp4', seconds: 11 * 60, size: '64x36', rate: 1, audio: false },
        { name: 'Cartoon - S01E02 - Picnic.mp4', seconds: 11 * 60 - 7, size: '64x36', rate: 1, audio: false },
      ]),
      makeClips(path.join(media, 'commercials'), [
        { name: 'Soda.mp4', seconds: 30, size: '64x36', rate: 1, audio: false },
        { name: 'Cereal.mp4', seconds: 15, size: '64x36', rate: 1, audio: false },
        { name: 'Toys.mp4', seconds: 20, size: '64x36', rate: 1, audio: false },
      ]),
    ]);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      channels: [{ number: 1, name: 'Cartoons', call_sign: 'TOON', time_zone: 'America/New_York', schedule }],
      guide: { days: 2, history_hours: 2 },
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
    // The horizon, compiled in the background soon after start: a read to its end waits for it.
    const ready = await timed(`/api/channels/1/timeline?from=${Date.now() + 40 * HOUR}&to=${Date.now() + 47 * HOUR}`);
    expect(ready.status).toBe(200);
    expect(ready.body.airings.length).toBeGreaterThan(50);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('far, past, huge and unparseable instants are a fast 400 naming the parameter, and /api/health never waits', async () => {
    const now = Date.now();
    const hostile: Array<[string, string]> = [
      ['at', String(now + 150 * DAY)],
      ['at', '2100-01-01T00:00:00Z'],
      ['at', new Date(now - 10 * 365 * DAY).toISOString()],
      ['at', '1e20'],
      ['at', '100000000000000000000'],
      ['at', 'abc'],
      ['at', String(now + 49 * HOUR)],
      ['at', '-1'],
      ['from', String(now + 150 * DAY)],
      ['from', '2100-01-01T00:00:00Z'],
      ['from', new Date(now - 10 * 365 * DAY).toISOString()],
      ['from', '1e20'],
      ['from', 'abc'],
      ['to', '2100-01-01T00:00:00Z'],
      ['to', 'abc'],
      ['limit', 'abc'],
      ['limit', '1000000000'],
      ['limit', '0'],
    ];
    let slowest = 0;
    let slowestHealth = 0;
    for (const [field, value] of hostile) {
      const route = field === 'at' ? '/api/channels/1/now' : '/api/channels/1/timeline';
      const [answer, health] = await Promise.all([timed(`${route}?${field}=${encodeURIComponent(value)}`), timed('/api/health')]);
      expect(answer.status, `${field}=${value}`).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', field });
      expect(answer.body.message.startsWith(`${field}: `), answer.body.message).toBe(true);
      expect(answer.ms, `${field}=${value} answered in ${answer.ms.toFixed(0)} ms`).toBeLessThan(200);
      expect(health.status).toBe(200);
      expect(health.ms, `/api/health beside ${field}=${value}`).toBeLessThan(1000);
      slowest = Math.max(slowest, answer.ms);
      slowestHealth = Math.max(slowestHealth, health.ms);
    }
    console.log(`${hostile.length} hostile time/count parameters: slowest 400 in ${slowest.toFixed(0)} ms; slowest /api/health beside them ${slowestHealth.toFixed(0)} ms`);
    // Out of the window, the message says what the window is.
    const far = await timed(`/api/channels/1/now?at=${now + 150 * DAY}`);
    expect(far.body.message).toMatch(/^at: must be between \d{4}-\d\d-\d\dT[\d:.]+Z and \d{4}-\d\d-\d\dT[\d:.]+Z/);
  });

  it('inside the window the same routes answer: now and next near the horizon, history behind now', async () => {
    const now = Date.now();
    const late = await timed(`/api/channels/1/now?at=${now + 47 * HOUR}`);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ onAir: true });
    expect(late.body.next).not.toBeNull();
    const history = await timed(`/api/channels/1/timeline?from=${new Date(now - HOUR).toISOString()}&to=${new Date(now + HOUR).toISOString()}`);
    expect(history.status).toBe(200);
    expect(history.body.airings.length).toBeGreaterThan(5);
  });

  it('200 far-future requests leave the server\'s memory and the data folder as they were', async () => {
    const pid = server.process.pid!;
    const dataBefore = folderBytes(server.dataDir);
    const rssBefore = rssBytes(pid);
    const now = Date.now();
    const startedAt = performance.now();
    for (let i = 0; i < 200; i += 1) {
      // Distinct instants, as a page looping over dates would send.
      const p = i % 2 ? `/api/channels/1/now?at=${now + (50 + i) * DAY + i}` : `/api/channels/1/timeline?from=${now + (3 + i) * DAY}`;
      expect((await timed(p)).status).toBe(400);
    }
    const elapsed = performance.now() - startedAt;
    const rssGrowth = rssBytes(pid) - rssBefore;
    const dataGrowth = folderBytes(server.dataDir) - dataBefore;
    console.log(`200 far-future requests: ${elapsed.toFixed(0)} ms; server RSS ${(rssGrowth / 1e6).toFixed(1)} MB more; data folder ${dataGrowth} bytes more`);
    expect(elapsed).toBeLessThan(10_000);
    expect(rssGrowth).toBeLessThan(50e6);
    // Nothing was compiled or stored for them (a little slack for the WAL of the horizon's own top-ups).
    expect(dataGrowth).toBeLessThan(256 * 1024);
  });

  it('a 10 000-block schedule is refused in under 200 ms with a short message naming schedule.blocks; 400 stacked blocks in a few problems', async () => {
    const put = (body: unknown) => timed('/api/channels/1/schedule', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Compact blocks, so 10 000 of them fit Fastify's 1 MiB body limit.
    const block = (i: number) => ({ name: `b${i}`, start: '00:00', minutes: 60, content: { type: 'movies' } });
    const before = await timed('/api/channels/1/schedule');
    const huge = await put({ blocks: Array.from({ length: 10_000 }, (_, i) => block(i)) });
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ error: 'invalid_schedule', field: 'schedule.blocks' });
    expect(huge.body.message).toBe('schedule: blocks: at most 2000 blocks in a schedule (got 10000)');
    expect(huge.ms).toBeLessThan(200);
    expect(huge.bytes).toBeLessThan(2048);
    console.log(`10 000-block schedule: 400 in ${huge.ms.toFixed(0)} ms, ${huge.bytes} bytes`);
    // The case: 400 blocks on top of each other (13 s and 69.5 MB before).
    const stacked = await put({ blocks: Array.from({ length: 400 }, (_, i) => block(i)) });
    expect(stacked.status).toBe(400);
    expect(stacked.ms).toBeLessThan(1000);
    expect(stacked.bytes).toBeLessThan(2048);
    expect(stacked.body.message).toMatch(/and 2784 more overlaps$/);
    console.log(`400 stacked blocks: 400 in ${stacked.ms.toFixed(0)} ms, ${stacked.bytes} bytes`);
    expect((await timed('/api/channels/1/schedule')).body).toEqual(before.body);
  });

  it('stops cleanly while a timeline is being compiled ahead: the background stops before the database closes', async () => {
    // A new channel's timeline is made by its first reader, which answers at once while the
    // horizon is compiled behind it; the server is stopped in the middle of that.
    const created = await fetch(url('/api/channels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number: 2, name: 'More', time_zone: 'America/New_York', schedule }) });
    expect(created.status).toBe(201);
    expect((await timed('/api/channels/2/now')).body.onAir).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(server.logs.filter((line) => /uncaught|not open|"level":[56]0/i.test(line))).toEqual([]);
  });
});
