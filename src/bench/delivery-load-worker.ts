import http from 'node:http';
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

/** One GET over a shared keep-alive agent: status, body length (and text if asked) and milliseconds. */
function get(agent: http.Agent, url: string, keepText = false): Promise<{ status: number; bytes: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { agent }, (response) => {
      let bytes = 0;
      let text = '';
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepText) text += chunk.toString();
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, bytes, ms: performance.now() - started, text }));
    });
    request.once('error', () => resolve({ status: 0, bytes: 0, ms: performance.now() - started, text: '' }));
    request.setTimeout(10_000, () => request.destroy());
  });
}

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
