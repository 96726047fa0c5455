import http from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { cpuSeconds, makeBenchMedia, startServer, waitUntil, type BenchResult, type Server } from './playout-bench.js';
import { vlcAvailable, watchHlsJs, watchTs, watchVlc } from './watchers.js';

/**
 * Delivery (issue 10): many viewers on one channel, and real clients watching the way users do.
 *  - load: N HLS viewers (playlist every 2 s, each new segment once) and M `.ts` viewers on one
 *    warm channel, over loopback, for a bounded window: errors, playlist latency, each `.ts`
 *    viewer's largest gap between chunks, and the server process's CPU (ffmpeg excluded);
 *  - VLC (as a non-root user) on a warm channel's `.ts` and `.m3u8` for 60 s: `PCR is called too
 *    late` and buffering count;
 *  - hls.js in Chromium from a page on another origin for 60 s, cold and warm: stalls.
 */
export interface DeliveryBenchOptions {
  hlsViewers?: number;
  tsViewers?: number;
  loadSeconds?: number;
  clientSeconds?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

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

/** A simulated HLS player: playlist every 2 s, every segment it has not fetched yet, until `untilMs`. */
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

async function loadTest(server: Server, hlsViewers: number, tsViewers: number, seconds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const serverPid = server.process.pid!;
  // Baseline: the server process with the channel warm and one viewer.
  const baseStart = cpuSeconds(serverPid)!;
  await sleep(20_000);
  const baselinePerSecond = (cpuSeconds(serverPid)! - baseStart) / 20;

  log(`  load: ${hlsViewers} HLS + ${tsViewers} .ts viewers for ${seconds} s`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: hlsViewers });
  const stats = { playlistMs: [] as number[], errors: 0, segments: 0 };
  const cpuStart = cpuSeconds(serverPid)!;
  const untilMs = Date.now() + seconds * 1000;
  const tsWatches = Array.from({ length: tsViewers }, () => watchTs(`${server.baseUrl}/channel/1.ts`, seconds).catch(() => undefined));
  await Promise.all(Array.from({ length: hlsViewers }, () => hlsViewer(agent, server.baseUrl, untilMs, stats)));
  const ts = await Promise.all(tsWatches);
  const cpuPerSecond = (cpuSeconds(serverPid)! - cpuStart) / seconds;
  agent.destroy();
  const gaps = ts.map((w) => w?.largestGapMs ?? Infinity);
  const viewers = hlsViewers + tsViewers;
  const perHundred = ((cpuPerSecond - baselinePerSecond) / (viewers / 100)) * 100;
  return [
    {
      name: `load: ${hlsViewers} HLS viewers, ${seconds} s`,
      value: `playlist p50 ${percentile(stats.playlistMs, 50).toFixed(1)} ms, p99 ${percentile(stats.playlistMs, 99).toFixed(1)} ms`,
      note: `${stats.playlistMs.length} playlist and ${stats.segments} segment requests, ${stats.errors} errors; target p99 < 50 ms: ${percentile(stats.playlistMs, 99) < 50 ? 'met' : 'NOT met'}`,
    },
    {
      name: `load: ${tsViewers} .ts viewers, ${seconds} s`,
      value: `largest gap ${Math.max(...gaps).toFixed(0)} ms (worst viewer)`,
      note: `median viewer's largest gap ${percentile(gaps, 50).toFixed(0)} ms; ${ts.filter((w) => !w || w.bytes === 0).length} viewers got nothing; target < 1000 ms: ${Math.max(...gaps) < 1000 ? 'met' : 'NOT met'}`,
    },
    {
      name: 'load: server CPU per 100 viewers',
      value: `${perHundred.toFixed(1)} % of a core`,
      note: `server process only (ffmpeg excluded): ${(cpuPerSecond * 100).toFixed(1)} % under load vs ${(baselinePerSecond * 100).toFixed(1)} % with one viewer`,
    },
  ];
}

export async function runDeliveryBench(workDir: string, options: DeliveryBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clientSeconds = options.clientSeconds ?? 60;
  const mediaDir = path.join(workDir, 'delivery-media');
  mkdirSync(mediaDir, { recursive: true });
  await makeBenchMedia(mediaDir);
  // Shipped defaults (10 s segments after the ramp, 6 listed) at low quality; two channels: one
  // kept warm, one left idle for cold starts (idle_timeout 5 s).
  const server = await startServer(workDir, mediaDir, { quality: 'low', channels: 2, idle_timeout: 5 });
  const rows: BenchResult[] = [];
  const base = server.baseUrl;
  const state = async (n: number) => ((await (await fetch(`${base}/api/channels/${n}/status`)).json()) as { state: string }).state;
  try {
    const warmViewer = watchTs(`${base}/channel/1.ts`, 100_000).catch(() => undefined); // holds channel 1 on
    await waitUntil('channel 1 live', async () => (await state(1)) === 'live', 30_000);
    await sleep(15_000);
    rows.push(...(await loadTest(server, options.hlsViewers ?? 500, options.tsViewers ?? 50, options.loadSeconds ?? 120, log)));

    if (vlcAvailable()) {
      for (const kind of ['ts', 'm3u8'] as const) {
        log(`  VLC on warm /channel/1.${kind} for ${clientSeconds} s`);
        const vlc = await watchVlc(`${base}/channel/1.${kind}`, clientSeconds);
        rows.push({
          name: `VLC, warm channel, /channel/1.${kind}, ${clientSeconds} s`,
          value: `${vlc.pcrTooLate} × "PCR is called too late", buffered ${vlc.bufferings}×`,
          note: `ran ${vlc.ranSeconds.toFixed(0)} s as a non-root user${vlc.endedEarly ? ' — VLC STOPPED BY ITSELF' : ''}; crosses ${Math.floor(clientSeconds / 10)} airing boundaries`,
        });
      }
    } else {
      rows.push({ name: 'VLC', value: 'skipped', note: 'cvlc is not installed (apt-get install vlc-bin vlc-plugin-base)' });
    }

    log(`  hls.js from another origin, warm channel 1, ${clientSeconds} s`);
    const warm = await watchHlsJs(`${base}/channel/1.m3u8`, clientSeconds);
    rows.push({ name: `hls.js (Chromium, other origin), warm, ${clientSeconds} s`, value: `${warm.stalls} stalls, ${warm.rebuffers} rebuffers`, note: `played ${warm.playedSeconds.toFixed(1)} s; first picture ${warm.firstPlayMs} ms; errors: ${warm.errors.join(', ') || 'none'}` });

    await waitUntil('channel 2 idle', async () => (await state(2)) === 'stopped', 60_000);
    log(`  hls.js from another origin, cold channel 2, ${clientSeconds} s`);
    const cold = await watchHlsJs(`${base}/channel/2.m3u8`, clientSeconds);
    rows.push({ name: `hls.js (Chromium, other origin), cold, ${clientSeconds} s`, value: `${cold.stalls} stalls, ${cold.rebuffers} rebuffers`, note: `played ${cold.playedSeconds.toFixed(1)} s; first picture ${cold.firstPlayMs} ms after the page asked; errors: ${cold.errors.join(', ') || 'none'}` });

    await waitUntil('channel 2 idle', async () => (await state(2)) === 'stopped', 60_000);
    if (vlcAvailable()) {
      log(`  VLC on cold /channel/2.ts for ${clientSeconds} s`);
      const vlc = await watchVlc(`${base}/channel/2.ts`, clientSeconds);
      rows.push({ name: `VLC, cold channel, /channel/2.ts, ${clientSeconds} s`, value: `${vlc.pcrTooLate} × "PCR is called too late", buffered ${vlc.bufferings}×`, note: `idle, then tuned; ran ${vlc.ranSeconds.toFixed(0)} s${vlc.endedEarly ? ' — VLC STOPPED BY ITSELF' : ''}` });
    }
    void warmViewer;
  } finally {
    await server.stop();
  }
  return rows;
}
