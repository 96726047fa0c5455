import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, waitUntil, type BenchResult } from './playout-bench.js';
import { tsRecorder } from './watchers.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Break-in latency of an emergency alert (issue 13): from the POST to the first frame of the
 * alert (a) arriving at a `.ts` viewer already watching, (b) in a published HLS segment.
 * The programme is solid green; the alert card is dark red: frames are told apart by colour.
 */
export interface AlertBenchOptions {
  runs?: number;
  log?: (line: string) => void;
}

/** Mean colour of every frame of a TS file, in order. */
async function frameReds(file: string): Promise<number[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  const data = stdout as unknown as Buffer;
  const frames: number[] = [];
  // "Alert-ness": red well above green (the programme is green, the card dark red).
  for (let i = 0; i + 2 < data.length; i += 3) frames.push(data[i]! - data[i + 1]!);
  return frames;
}

const isAlert = (redness: number) => redness > 60;


async function makeGreen(dir: string): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=green:size=640x360:rate=30:duration=60', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=60', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path.join(dir, 'green.mp4')]);
}

export async function runAlertBench(workDir: string, options: AlertBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = options.runs ?? 3;
  const mediaDir = path.join(workDir, 'alert-media');
  mkdirSync(mediaDir, { recursive: true });
  await makeGreen(mediaDir);
  // Shipped defaults (10 s segments, work-ahead 12 s) at low quality.
  const server = await startServer(workDir, mediaDir, { quality: 'low', channels: 1, idle_timeout: 600 });
  const base = server.baseUrl;
  const tsLatencies: number[] = [];
  const hlsLatencies: number[] = [];
  try {
    const holder = tsRecorder(`${base}/channel/1.ts`); // keeps the channel warm
    await waitUntil('channel 1 live', async () => ((await (await fetch(`${base}/api/channels/1/status`)).json()) as { state: string }).state === 'live', 30_000);
    await sleep(15_000);
    for (let i = 0; i < runs; i++) {
      const viewer = tsRecorder(`${base}/channel/1.ts`);
      await sleep(4000);
      const seen = new Set(((await (await fetch(`${base}/channel/1.m3u8`)).text()).match(/^1\/r\d+-\d+\.ts$/gm) ?? []));
      const sentAt = Date.now();
      const reply = await fetch(`${base}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `Bench alert ${i + 1}`, type: 'emergency', priority: 5, channels: [1], duration: 8 }) });
      const { id } = (await reply.json()) as { id: number };
      // HLS: the first published segment holding an alert frame.
      let hlsMs: number | undefined;
      while (hlsMs === undefined && Date.now() - sentAt < 15_000) {
        const uris = (await (await fetch(`${base}/channel/1.m3u8`)).text()).match(/^1\/r\d+-\d+\.ts$/gm) ?? [];
        for (const uri of uris.filter((u) => !seen.has(u))) {
          seen.add(uri);
          const publishedAt = Date.now();
          const file = path.join(workDir, `seg-${i}.ts`);
          writeFileSync(file, Buffer.from(await (await fetch(`${base}/channel/${uri}`)).arrayBuffer()));
          if ((await frameReds(file)).some(isAlert)) hlsMs ??= publishedAt - sentAt;
        }
        await sleep(100);
      }
      await sleep(5000);
      const { data, frameArrivals } = await viewer.stop();
      const file = path.join(workDir, `viewer-${i}.ts`);
      writeFileSync(file, data);
      const reds = await frameReds(file);
      const first = reds.findIndex((r, k) => isAlert(r) && (frameArrivals[k] ?? 0) >= sentAt);
      if (first >= 0 && frameArrivals[first] !== undefined) tsLatencies.push(frameArrivals[first]! - sentAt);
      if (hlsMs !== undefined) hlsLatencies.push(hlsMs);
      log(`  alert ${i + 1}: .ts ${first >= 0 ? `${frameArrivals[first]! - sentAt} ms` : 'not seen'}, HLS ${hlsMs ?? 'not seen'} ms`);
      await fetch(`${base}/api/alerts/${id}`, { method: 'DELETE' });
      await sleep(6000);
    }
    await holder.stop();
  } finally {
    await server.stop();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const describe = (values: number[]) =>
    values.length ? `median ${median(values)} ms (min ${Math.min(...values)}, max ${Math.max(...values)}; ${values.length} of ${runs} alerts)` : 'not measured';
  return [
    { name: 'alert break-in: POST -> first alert frame at a watching .ts viewer', value: describe(tsLatencies), note: `target < 2000 ms: ${tsLatencies.length === runs && Math.max(...tsLatencies) < 2000 ? 'met' : 'NOT met'}` },
    { name: 'alert break-in: POST -> first alert frame in a published HLS segment', value: describe(hlsLatencies), note: `target < 2000 ms: ${hlsLatencies.length === runs && Math.max(...hlsLatencies) < 2000 ? 'met' : 'NOT met'}` },
  ];
}
