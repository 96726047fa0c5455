import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../../src/alerts/alert-store.js';
import { openDatabase } from '../../../src/db/database.js';
import { makeClips } from '../../helpers/media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const UNFINISHED = 1000;

/**
 * Issue 20, M3: listing alerts was quadratic (and worse) in the unfinished ones, 13.6 s at 400
 * with the event loop held; and nothing bounded how many a client could queue. 1000 unfinished
 * alerts are written to the data folder before the server starts (more than the API lets a
 * client queue), as a restart would find them.
 */
describe('alerts stay cheap however many are queued (real server)', () => {
  let server: RunningServer;
  const url = (p: string) => `${server.baseUrl}${p}`;
  // A server stuck in a quadratic listing answers nothing for minutes: give up long before.
  const get = (p: string) => fetch(url(p), { signal: AbortSignal.timeout(5000) });
  const post = async (body: unknown) => {
    const response = await fetch(url('/api/alerts'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { error?: string; message?: string; field?: string } };
  };
  const counts = async () => {
    const list = (await (await get('/api/alerts')).json()) as { active: unknown[]; queued: unknown[]; total: number };
    return { unfinished: list.active.length + list.queued.length, history: list.total };
  };

  beforeAll(async () => {
    const work = tempDir('alert-bounds');
    const media = path.join(work, 'media');
    await makeClips(media, [{ name: 'a.mp4', seconds: 2 }]);
    const dataDir = path.join(work, 'data');
    const db = openDatabase(dataDir);
    const store = new AlertStore(db);
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < UNFINISHED; i++) {
        // Overlapping windows of mixed priorities on shared channels: the case that was slowest.
        store.insert({ message: `queued ${i}`, type: 'custom', priority: (i % 10) + 1, channels: i % 3 === 0 ? [1, 2] : [(i % 2) + 1], issuedAtMs: now + i * 10, endsAtMs: now + 3_600_000 + i * 1000 });
      }
    })();
    db.close();
    server = await startServer(testConfig({ media: [media], dataDir, streaming: { channels: 2 } }));
  }, 60_000);

  afterAll(async () => {
    // A server stuck in a long listing would not stop until it finished.
    setTimeout(() => server?.process.kill('SIGKILL'), 3000).unref();
    await server?.stop();
  });

  it(`lists ${UNFINISHED} unfinished alerts in under 50 ms`, async () => {
    const first = await get('/api/alerts');
    expect(first.status).toBe(200);
    const body = (await first.json()) as { active: Array<{ onAirChannels: number[] }>; queued: unknown[] };
    expect(body.active.length + body.queued.length).toBe(UNFINISHED);
    // One alert holds each channel's air; the rest wait behind it.
    expect(body.active.flatMap((a) => a.onAirChannels).sort()).toEqual([1, 2]);
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await (await get('/api/alerts')).arrayBuffer();
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    expect(timings[2], `median of ${timings.map((t) => t.toFixed(1)).join(', ')} ms`).toBeLessThan(50);
  });

  it('refuses another alert while too many are unfinished: 429, when to retry, nothing stored', async () => {
    const before = await counts();
    const refused = await post({ message: 'One too many', priority: 5, channels: [1], duration: 30 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('too_many_alerts');
    expect(refused.body.message).toMatch(/alerts are already on the air or waiting, the most there may be at once; cancel some/);
    expect(Number(refused.retryAfter)).toBeGreaterThan(3000);
    expect(await counts()).toEqual(before);
  });

  it('refuses oversized fields with the field named and a short message', async () => {
    const base = { message: 'Test', priority: 5, channels: [1], duration: 30 };
    const tooLong = await post({ ...base, message: 'x'.repeat(1001) });
    expect([tooLong.status, tooLong.body.field]).toEqual([400, 'message']);
    const tooMany = await post({ ...base, channels: Array.from({ length: 5000 }, () => 1) });
    expect([tooMany.status, tooMany.body.field, tooMany.body.message]).toEqual([400, 'channels', 'channels: must name at most 1000 channels (or "all")']);
    const unknown = await post({ ...base, channels: Array.from({ length: 900 }, (_, i) => i + 1) });
    expect([unknown.status, unknown.body.field]).toEqual([400, 'channels']);
    expect(unknown.body.message!.length).toBeLessThan(200);
    const tooLate = await post({ ...base, duration: 86_401 });
    expect([tooLate.status, tooLate.body.field]).toEqual([400, 'duration']);
  });
});
