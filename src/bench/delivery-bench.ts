import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { cpuSeconds, makeBenchMedia, startServer, waitUntil, type BenchResult, type Server } from './playout-bench.js';
import { vlcAvailable, watchHlsJs, watchTs, watchVlc } from './watchers.js';

/**
 * Delivery (issue 10): many viewers on one channel, and real clients watching the way users do.
 *  - load: N HLS viewers (playlist every 2 s, each new segment once) and M `.ts` viewers on one
 *    warm channel, over loopback, for a bounded window (a worker thread,
 *    delivery-load-worker.ts): errors, the playlist latency one more viewer sees meanwhile, each
 *    `.ts` viewer's largest gap between chunks, and the server process's CPU (ffmpeg excluded);
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

async function loadTest(server: Server, hlsViewers: number, tsViewers: number, seconds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const serverPid = server.process.pid!;
  // Baseline: the server process with the channel warm and one viewer.
  const baseStart = cpuSeconds(serverPid)!;
  await sleep(20_000);
  const baselinePerSecond = (cpuSeconds(serverPid)! - baseStart) / 20;

  log(`  load: ${hlsViewers} HLS + ${tsViewers} .ts viewers for ${seconds} s`);
  const cpuStart = cpuSeconds(serverPid)!;
  // The crowd runs on a worker thread; this thread only probes: one more viewer asking for the
  // playlist every 100 ms, whose latency is what a viewer sees while the crowd watches.
  const crowd = new Worker(new URL('./delivery-load-worker.js', import.meta.url), { workerData: { baseUrl: server.baseUrl, hlsViewers, tsViewers, seconds } });
  const result = new Promise<{ stats: { playlistMs: number[]; errors: number; segments: number }; ts: Array<{ largestGapMs: number; bytes: number } | undefined> }>((resolve, reject) => {
    crowd.once('message', resolve);
    crowd.once('error', reject);
  });
  const probeMs: number[] = [];
  let probeErrors = 0;
  let done = false;
  void result.then(() => (done = true), () => (done = true));
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/channel/1.m3u8`).catch(() => undefined);
    if (!response || response.status !== 200) probeErrors += 1;
    await response?.text();
    probeMs.push(performance.now() - started);
    await sleep(100);
  }
  const { stats, ts } = await result;
  await crowd.terminate();
  const cpuPerSecond = (cpuSeconds(serverPid)! - cpuStart) / seconds;
  const gaps = ts.map((w) => w?.largestGapMs ?? Infinity);
  const viewers = hlsViewers + tsViewers;
  const perHundred = ((cpuPerSecond - baselinePerSecond) / (viewers / 100)) * 100;
  return [
    {
      name: `load: playlist latency of one more viewer while ${hlsViewers} HLS + ${tsViewers} .ts viewers watch, ${seconds} s`,
      value: `p50 ${percentile(probeMs, 50).toFixed(1)} ms, p99 ${percentile(probeMs, 99).toFixed(1)} ms`,
      note: `${probeMs.length} probes, ${probeErrors} errors; target p99 < 50 ms: ${percentile(probeMs, 99) < 50 ? 'met' : 'NOT met'}`,
    },
    {
      name: `load: the ${hlsViewers} HLS viewers themselves`,
      value: `playlist p50 ${percentile(stats.playlistMs, 50).toFixed(1)} ms, p99 ${percentile(stats.playlistMs, 99).toFixed(1)} ms`,
      note: `${stats.playlistMs.length} playlist and ${stats.segments} segment requests, ${stats.errors} errors (timed by the crowd's own thread, which also reads ~${Math.round((stats.segments / seconds) * 10) / 10} segments/s)`,
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
    // What hls.js did, when it stalled: playlist loads, fragments, stalls (for reading the cause).
    if (cold.stalls > 0 || cold.rebuffers > 0) log(`  hls.js cold trace:\n    ${cold.trace.join('\n    ')}`);
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
