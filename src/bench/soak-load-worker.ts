import http from 'node:http';
import { httpGet } from './http-get.js';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The soak's audience, on its own thread (its own event loop, so the load generator does not
 * skew the server it measures): viewers who join a random channel, watch for a while over HLS
 * (playlist every 2 s, each new segment once) or `/channel/n.ts`, leave, and come back to
 * another channel, until told to stop. Reports what they got every time it is asked.
 */
interface SoakLoadSpec {
  baseUrl: string;
  channels: number;
  hlsViewers: number;
  tsViewers: number;
  /** How long one viewing lasts, in seconds (each viewing picks between the two). */
  watchSeconds: [number, number];
}

const spec = workerData as SoakLoadSpec;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([low, high]: [number, number]) => low + Math.random() * (high - low);
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.hlsViewers });
const stats = { joins: 0, segments: 0, segmentErrors: 0, playlistErrors: 0, tsBytes: 0, tsRefused: 0 };
let stopping = false;

/** The soak's viewers wait longer than the delivery bench's: ten channels share two cores. */
const get = (url: string, keepText: boolean) => httpGet(agent, url, { keepText, timeoutMs: 15_000 });

async function watchHls(channel: number, untilMs: number): Promise<void> {
  const seen = new Set<string>();
  while (Date.now() < untilMs && !stopping) {
    const started = Date.now();
    const playlist = await get(`${spec.baseUrl}/channel/${channel}.m3u8`, true);
    if (playlist.status !== 200) stats.playlistErrors += 1;
    for (const uri of playlist.text.split('\n').filter((line) => line.endsWith('.ts')).slice(-2)) {
      if (seen.has(uri)) continue;
      seen.add(uri);
      const segment = await get(`${spec.baseUrl}/channel/${uri}`, false); // URIs are relative to /channel/: `<n>/r1-5.ts`
      if (segment.status !== 200 || segment.bytes === 0) stats.segmentErrors += 1;
      else stats.segments += 1;
    }
    await sleep(Math.max(0, 2000 - (Date.now() - started)));
  }
}

function watchTs(channel: number, untilMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Its own connection: a .ts viewer holds it for the whole viewing.
    const request = http.get(`${spec.baseUrl}/channel/${channel}.ts`, (response) => {
      if (response.statusCode !== 200) stats.tsRefused += 1;
      response.on('data', (chunk: Buffer) => (stats.tsBytes += chunk.length));
      response.once('end', () => resolve());
      response.once('error', () => resolve());
    });
    request.once('error', () => resolve());
    const timer = setInterval(() => {
      if (Date.now() < untilMs && !stopping) return;
      clearInterval(timer);
      request.destroy();
      resolve();
    }, 500);
  });
}

async function viewer(kind: 'hls' | 'ts'): Promise<void> {
  await sleep(Math.random() * 10_000); // they do not all arrive in the same second
  while (!stopping) {
    const channel = 1 + Math.floor(Math.random() * spec.channels);
    const untilMs = Date.now() + between(spec.watchSeconds) * 1000;
    stats.joins += 1;
    if (kind === 'hls') await watchHls(channel, untilMs);
    else await watchTs(channel, untilMs);
    await sleep(Math.random() * 5000); // between two channels
  }
}

parentPort!.on('message', (message: string) => {
  if (message === 'stats') parentPort!.postMessage({ ...stats });
  if (message === 'stop') stopping = true;
});
await Promise.all([
  ...Array.from({ length: spec.hlsViewers }, () => viewer('hls')),
  ...Array.from({ length: spec.tsViewers }, () => viewer('ts')),
]);
agent.destroy();
parentPort!.postMessage({ ...stats, done: true });
