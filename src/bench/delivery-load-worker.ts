import http from 'node:http';
import { httpGet } from './http-get.js';
import { parentPort, workerData } from 'node:worker_threads';
import { watchTs } from './watchers.js';

/**
 * The delivery bench's crowd, on its own thread (its own event loop): N simulated HLS players
 * (playlist every 2 s, each new segment once) and M `.ts` viewers. Kept off the main thread so
 * the latency probe there measures the server, not a client busy with 550 viewers.
 */
interface LoadSpec {
  baseUrl: string;
  hlsViewers: number;
  tsViewers: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const get = (agent: http.Agent, url: string, keepText = false) => httpGet(agent, url, { keepText, timeoutMs: 10_000 });

async function hlsViewer(agent: http.Agent, baseUrl: string, untilMs: number, stats: { playlistMs: number[]; errors: number; segments: number }): Promise<void> {
  const seen = new Set<string>();
  await sleep(Math.random() * 2000); // viewers do not all ask in the same millisecond
  while (Date.now() < untilMs) {
    const started = Date.now();
    const playlist = await get(agent, `${baseUrl}/channel/1.m3u8`, true);
    stats.playlistMs.push(playlist.ms);
    if (playlist.status !== 200) stats.errors += 1;
    for (const uri of playlist.text.split('\n').filter((line) => line.endsWith('.ts')).slice(-2)) {
      if (seen.has(uri)) continue;
      seen.add(uri);
      const segment = await get(agent, `${baseUrl}/channel/${uri}`);
      if (segment.status !== 200 || segment.bytes === 0) stats.errors += 1;
      else stats.segments += 1;
    }
    await sleep(Math.max(0, 2000 - (Date.now() - started)));
  }
}

const spec = workerData as LoadSpec;
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.hlsViewers });
const stats = { playlistMs: [] as number[], errors: 0, segments: 0 };
const untilMs = Date.now() + spec.seconds * 1000;
const tsWatches = Array.from({ length: spec.tsViewers }, () => watchTs(`${spec.baseUrl}/channel/1.ts`, spec.seconds).catch(() => undefined));
await Promise.all(Array.from({ length: spec.hlsViewers }, () => hlsViewer(agent, spec.baseUrl, untilMs, stats)));
const ts = await Promise.all(tsWatches);
agent.destroy();
parentPort!.postMessage({ stats, ts: ts.map((w) => (w ? { largestGapMs: w.largestGapMs, bytes: w.bytes } : undefined)) });
