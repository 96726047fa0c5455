import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClips } from '../../helpers/media.js';
import { sleep, startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const ATTEMPTS = 2000;
/** Client addresses the attempts come from (all loopback on Linux): more than the cap allows per address. */
const ADDRESSES = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);
const MAX_STREAMS = 32;

interface Attempt {
  socket: net.Socket;
  /** Status of the answer (readers only; a client that does not read never learns it). */
  status?: number;
  body: string;
  events: number;
}

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * Issue 20, Low: the monitor's event stream had no connection cap and ignored backpressure
 * (each stream took its own snapshot every 2 s and buffered whatever its client did not read).
 * 2000 attempts from 20 addresses, every other one a client that never reads.
 */
describe('the monitor event stream is bounded (real server, raw sockets)', () => {
  let server: RunningServer;
  const attempts: Attempt[] = [];

  /** Opens an event stream as a raw HTTP request; a reader resolves once it has the status, a non-reader once connected. */
  function attempt(localAddress: string, reads: boolean): Promise<Attempt> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
      const result: Attempt = { socket, body: '', events: 0 };
      socket.once('error', reject);
      socket.write(`GET /api/monitor/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`);
      if (!reads) {
        socket.pause();
        socket.once('connect', () => resolve(result));
        return;
      }
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        result.body += chunk;
        result.events += chunk.split('event: snapshot\n').length - 1;
        if (result.status === undefined) {
          const status = /^HTTP\/1\.1 (\d{3})/.exec(result.body)?.[1];
          if (status) {
            result.status = Number(status);
            resolve(result);
          }
        }
        // Keep only the tail: a long-running reader must not grow the test's own memory.
        if (result.body.length > 8192) result.body = result.body.slice(-4096);
      });
      socket.once('end', () => resolve(result));
    });
  }

  async function healthMs(): Promise<number> {
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/api/health`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    return performance.now() - started;
  }

  beforeAll(async () => {
    const work = tempDir('monitor-sse');
    const media = path.join(work, 'media');
    await makeClips(media, [{ name: 'a.mp4', seconds: 2 }]);
    server = await startServer(testConfig({ media: [media], dataDir: path.join(work, 'data') }));
  }, 60_000);

  afterAll(async () => {
    for (const a of attempts) a.socket.destroy();
    await server?.stop();
  });

  it(`caps ${ATTEMPTS} attempts at ${MAX_STREAMS} streams, holds memory, answers health, and feeds the readers`, async () => {
    const pid = server.process.pid!;
    for (let i = 0; i < 3; i++) await healthMs();
    const rssBefore = rssBytes(pid);

    const healthTimes: number[] = [];
    let storming = true;
    const probe = (async () => {
      while (storming) {
        healthTimes.push(await healthMs());
        await sleep(100);
      }
    })();
    for (let batch = 0; batch < ATTEMPTS; batch += 200) {
      const opened = await Promise.all(Array.from({ length: 200 }, (_, i) => attempt(ADDRESSES[(batch + i) % ADDRESSES.length]!, (batch + i) % 2 === 0)));
      attempts.push(...opened);
    }
    storming = false;
    await probe;

    const readers = attempts.filter((a) => a.status !== undefined);
    const accepted = readers.filter((a) => a.status === 200);
    const refused = readers.filter((a) => a.status === 503);
    expect(readers).toHaveLength(ATTEMPTS / 2);
    expect(accepted.length + refused.length).toBe(readers.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(MAX_STREAMS);
    expect(refused[0]!.body).toMatch(/monitor event streams are open/);

    // Every slot is held (readers and non-readers together): one more is refused, saying why.
    const late = await attempt('127.0.0.200', true);
    expect(late.status).toBe(503);
    await sleep(200);
    expect(late.body).toContain(`"message":"${MAX_STREAMS} monitor event streams are open, the most the server keeps`);
    late.socket.destroy();

    // The readers let in keep getting a snapshot every 2 s.
    const eventsBefore = accepted.map((a) => a.events);
    await sleep(4500);
    accepted.forEach((a, i) => expect(a.events, `reader ${i}`).toBeGreaterThanOrEqual(eventsBefore[i]! + 2));

    const rssGrowth = rssBytes(pid) - rssBefore;
    healthTimes.sort((a, b) => a - b);
    const worstHealthMs = healthTimes[healthTimes.length - 1]!;
    expect(rssGrowth, `RSS grew ${(rssGrowth / 1e6).toFixed(1)} MB`).toBeLessThan(64e6);
    expect(healthTimes.length).toBeGreaterThan(0);
    expect(worstHealthMs, `/api/health during the attempts: ${healthTimes.map((t) => t.toFixed(0)).join(', ')} ms`).toBeLessThan(1000);

    // Once the clients go, their slots are free again.
    for (const a of attempts) a.socket.destroy();
    await sleep(300);
    const after = await attempt('127.0.0.200', true);
    expect(after.status).toBe(200);
    after.socket.destroy();
  }, 60_000);
});
