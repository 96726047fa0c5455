import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ColourPublisher, freePort, nearestColour } from './live-publisher.js';
import { startServer, waitUntil, type BenchResult } from './playout-bench.js';
import { tsRecorder, watchHlsJs, watchTs } from './watchers.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Live events (issue 25), timed as a viewer sees them: a `.ts` viewer already watching records
 * when each video frame's first packet arrives, and every frame is told apart by its colour (the
 * file green, camera 1 red/white, camera 2 blue, the slate navy). Measured, from the request (or
 * the event) to the first such frame at the viewer:
 *  - go live now (POST /api/channels/1/live), a camera take (POST …/live/take), back to the
 *    schedule (DELETE), the fallback when camera 2's encoder is killed, and camera 2 back after
 *    its encoder restarts (its RTMP reconnect included);
 *  - glass to glass: camera 1's encoder flips its picture between red and white every 2 s of its
 *    own clock; each flip's wall time is its start plus the flip's time (an upper bound: the
 *    encoder's start-up counts as latency), to the flip's first frame at the viewer;
 *  - the live renderer's CPU (its ffmpeg, /proc), per channel quality;
 *  - the encoder killed N times in a row (3 s gone, 6 s back) on the air, while hls.js (in
 *    Chromium, a page on another origin) and a `.ts` viewer watch: their stalls, rebuffers,
 *    errors and disconnections.
 */
export interface LiveBenchOptions {
  /** Repetitions of each cut (default 3). */
  runs?: number;
  /** Times the live source's encoder is killed (and restarted) while hls.js and a .ts viewer watch (default 20). */
  kills?: number;
  qualities?: string[];
  log?: (line: string) => void;
}

const COLOURS = { file: [0, 128, 0], red: [0xc8, 0x32, 0x14], white: [0xf0, 0xf0, 0xf0], blue: [0x20, 0x50, 0xe0], slate: [0x1d, 0x35, 0x57] } as const;
type Picture = keyof typeof COLOURS;


async function picturesOf(file: string): Promise<Picture[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  const data = stdout as unknown as Buffer;
  const pictures: Picture[] = [];
  for (let i = 0; i + 2 < data.length; i += 3) pictures.push(nearestColour(COLOURS, [data[i]!, data[i + 1]!, data[i + 2]!]));
  return pictures;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const describe = (values: number[], of: number) => (values.length ? `median ${median(values)} ms (min ${Math.min(...values)}, max ${Math.max(...values)}; ${values.length} of ${of})` : 'not measured');

export async function runLiveBench(workDir: string, options: LiveBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = options.runs ?? 3;
  const mediaDir = path.join(workDir, 'live-media');
  mkdirSync(mediaDir, { recursive: true });
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x008000:size=640x360:rate=30:duration=600', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=600', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path.join(mediaDir, 'green.mp4')]);
  const rows: BenchResult[] = [];
  // Short segments, as a station airing live events would choose (HLS latency is a couple of them).
  const segmentSeconds = 2;
  for (const [index, quality] of (options.qualities ?? ['low', 'medium']).entries()) {
    const server = await startServer(workDir, mediaDir, { quality, channels: 1, idle_timeout: 600, segment_duration: segmentSeconds });
    const base = server.baseUrl;
    const call = async (method: string, url: string, body?: unknown) => fetch(`${base}${url}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const cameras: ColourPublisher[] = [];
    const timings: Record<string, number[]> = { live: [], take: [], back: [], fallback: [], recovered: [], glass: [], hlsLive: [], hlsTake: [] };
    try {
      for (const [id, picture] of [
        // Camera 1 flips red/white every 2 s of its own clock (glass to glass); camera 2 is blue.
        ['cam1', "color=c=0xC83214:size=640x360:rate=30,drawbox=c=0xF0F0F0:t=fill:enable='gte(mod(t,4),2)'"],
        ['cam2', '0x2050E0'],
      ] as const) {
        const port = await freePort();
        const created = (await (await call('POST', '/api/live/sources', { id, name: id, url: `rtmp://0.0.0.0:${port}/live` })).json()) as { key: string };
        const camera = new ColourPublisher(`rtmp://127.0.0.1:${port}/live/${created.key}`, picture);
        camera.start();
        cameras.push(camera);
      }
      const [cam1, cam2] = cameras as [ColourPublisher, ColourPublisher];
      const holder = tsRecorder(`${base}/channel/1.ts`); // keeps the channel warm
      await waitUntil('channel 1 live and both cameras connected', async () => {
        const status = (await (await call('GET', '/api/channels/1/status')).json()) as { state: string };
        const sources = (await (await call('GET', '/api/live/sources')).json()) as { sources: Array<{ status: { state: string } }> };
        return status.state === 'live' && sources.sources.every((s) => s.status.state === 'connected');
      }, 60_000);
      await sleep(8000);

      for (let i = 0; i < runs; i++) {
        const viewer = tsRecorder(`${base}/channel/1.ts`);
        const listed = segmentWatch(base, path.join(workDir, `hls-${quality}-${i}`));
        await sleep(4000);
        const at: Record<string, number> = {};
        at.live = Date.now();
        await call('POST', '/api/channels/1/live', { source: 'cam1', title: 'Bench event' });
        await sleep(9000);
        at.take = Date.now();
        await call('POST', '/api/channels/1/live/take', { camera: 'cam2' });
        await sleep(4000);
        await cam2.stop();
        at.fallback = Date.now();
        await sleep(4000);
        cam2.start();
        at.recovered = Date.now();
        await sleep(8000);
        at.back = Date.now();
        await call('DELETE', '/api/channels/1/live');
        await sleep(4000);
        const { data, frameArrivals } = await viewer.stop();
        const segments = await listed.stop();
        // HLS: when a segment showing it was first listed (what a player can fetch), per event.
        const listedWith = (fromMs: number, wanted: (p: Picture) => boolean) => segments.find((s) => s.listedAtMs >= fromMs && s.pictures.some(wanted))?.listedAtMs;
        const hlsLive = listedWith(at.live, (p) => p === 'red' || p === 'white');
        const hlsTake = listedWith(at.take, (p) => p === 'blue');
        if (hlsLive !== undefined) timings.hlsLive!.push(hlsLive - at.live);
        if (hlsTake !== undefined) timings.hlsTake!.push(hlsTake - at.take);
        const file = path.join(workDir, `live-${quality}-${i}.ts`);
        writeFileSync(file, data);
        const pictures = await picturesOf(file);
        const firstAfter = (fromMs: number, wanted: (p: Picture) => boolean, untilMs = Infinity) => {
          const k = pictures.findIndex((p, j) => wanted(p) && (frameArrivals[j] ?? 0) >= fromMs && (frameArrivals[j] ?? 0) < untilMs);
          return k >= 0 ? frameArrivals[k]! : undefined;
        };
        const camera1 = (p: Picture) => p === 'red' || p === 'white';
        const measured: Record<string, number | undefined> = {
          live: firstAfter(at.live, camera1),
          take: firstAfter(at.take, (p) => p === 'blue'),
          fallback: firstAfter(at.fallback, (p) => p === 'slate'),
          recovered: firstAfter(at.recovered, (p) => p === 'blue'),
          back: firstAfter(at.back, (p) => p === 'file'),
        };
        for (const [name, arrival] of Object.entries(measured)) if (arrival !== undefined) timings[name]!.push(arrival - at[name]!);
        // Glass to glass: each flip of camera 1 while it was on the air (between the cut and the take).
        const liveFrom = measured.live ?? at.take;
        for (let flipS = 2; ; flipS += 2) {
          const flipMs = cam1.startedAtMs + flipS * 1000;
          if (flipMs >= at.take - 3000) break;
          if (flipMs < liveFrom) continue;
          const colour: Picture = flipS % 4 === 2 ? 'white' : 'red';
          const arrival = firstAfter(flipMs, (p) => p === colour, at.take);
          if (arrival !== undefined) timings.glass!.push(arrival - flipMs);
        }
        log(`  live ${quality} ${i + 1}: ${Object.entries(measured).map(([k, v]) => `${k} ${v === undefined ? 'not seen' : `${v - at[k]!} ms`}`).join(', ')}`);
        await sleep(3000);
      }

      if (index === 0) rows.push(...(await killedEncoder(base, cam2, options.kills ?? 20, log)));

      // CPU of the live renderer over 20 s of camera 1 on the air.
      await call('POST', '/api/channels/1/live', { source: 'cam1' });
      await sleep(5000);
      const rendererPid = ((await (await call('GET', '/api/channels/1/status')).json()) as { encoder?: { rendererPid?: number | null } }).encoder?.rendererPid ?? undefined;
      const before = rendererPid ? cpuSeconds(rendererPid) : undefined;
      await sleep(20_000);
      const after = rendererPid ? cpuSeconds(rendererPid) : undefined;
      const cpu = before !== undefined && after !== undefined ? `${(((after - before) / 20) * 100).toFixed(0)} % of one core` : 'not measured (the renderer changed during the sample)';
      await call('DELETE', '/api/channels/1/live');
      await holder.stop();
      rows.push({ name: `live renderer CPU (${quality})`, value: cpu, note: 'one real-time decode + encode of the live source onto the channel profile (it cannot be cached)' });
      if (index === 0) {
        rows.push(
          { name: 'go live now: POST -> first live frame at a watching .ts viewer', value: describe(timings.live!, runs), note: `quality ${quality}` },
          { name: 'camera take: POST -> first frame of the new camera at the .ts viewer', value: describe(timings.take!, runs), note: 'target < 1000 ms' },
          { name: 'source lost: encoder killed -> first fallback (slate) frame at the .ts viewer', value: describe(timings.fallback!, runs), note: 'target < 2000 ms' },
          { name: 'source back: encoder restarted -> first frame of it at the .ts viewer', value: describe(timings.recovered!, runs), note: 'includes the encoder\'s start and RTMP reconnect' },
          { name: 'back to the schedule: DELETE -> first file frame at the .ts viewer', value: describe(timings.back!, runs), note: '' },
          { name: 'glass to glass: encoder picture change -> that picture at the .ts viewer', value: describe(timings.glass!, timings.glass!.length), note: 'target < 3000 ms; an upper bound (the encoder\'s start-up counts)' },
          { name: 'go live now: POST -> first segment with the source listed in the playlist (HLS)', value: describe(timings.hlsLive!, runs), note: `target < 2 segment durations (${segmentSeconds} s segments)` },
          { name: 'camera take: POST -> first segment with the new camera listed (HLS)', value: describe(timings.hlsTake!, runs), note: `target < 2 segment durations (${segmentSeconds} s segments)` },
        );
      }
    } finally {
      await Promise.all(cameras.map((c) => c.stop()));
      await server.stop();
    }
  }
  return rows;
}

/** The live source's encoder killed `kills` times on the air while hls.js and a `.ts` viewer watch. */
async function killedEncoder(base: string, camera: ColourPublisher, kills: number, log: (line: string) => void): Promise<BenchResult[]> {
  await fetch(`${base}/api/channels/1/live`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'cam2', title: 'Kill test' }) });
  await sleep(6000);
  const seconds = kills * 9 + 12;
  const watching = Promise.all([watchHlsJs(`${base}/channel/1.m3u8`, seconds), watchTs(`${base}/channel/1.ts`, seconds)]);
  await sleep(6000);
  for (let k = 0; k < kills; k++) {
    await camera.stop();
    await sleep(3000);
    camera.start();
    await sleep(6000);
  }
  const [hls, ts] = await watching;
  await fetch(`${base}/api/channels/1/live`, { method: 'DELETE' });
  log(`  encoder killed ${kills}×: hls.js ${hls.stalls} stalls, ${hls.rebuffers} rebuffers, errors [${hls.errors.join(', ')}], ${hls.playedSeconds.toFixed(0)} s played; .ts ${ts.bytes} bytes, largest gap ${ts.largestGapMs} ms`);
  return [
    { name: `encoder killed ${kills}× on the air: hls.js (another origin)`, value: `${hls.stalls} stalls, ${hls.rebuffers} rebuffers, ${hls.errors.length} fatal errors`, note: `${hls.playedSeconds.toFixed(0)} s played of ${seconds} s watched` },
    { name: `encoder killed ${kills}× on the air: .ts viewer`, value: ts.bytes > 0 ? `connected throughout, largest gap between chunks ${ts.largestGapMs} ms` : 'received nothing', note: 'a disconnection would end the read early' },
  ];
}

/** The channel's playlist polled every 250 ms: each new segment, when it was first listed, and its pictures. */
function segmentWatch(base: string, dir: string): { stop(): Promise<Array<{ listedAtMs: number; pictures: Picture[] }>> } {
  mkdirSync(dir, { recursive: true });
  const seen = new Set<string>();
  const found: Array<{ listedAtMs: number; file: string }> = [];
  let watching = true;
  const loop = (async () => {
    while (watching) {
      try {
        const uris = (await (await fetch(`${base}/channel/1.m3u8`)).text()).split('\n').filter((line) => line.endsWith('.ts'));
        for (const uri of uris.filter((u) => !seen.has(u))) {
          seen.add(uri);
          const listedAtMs = Date.now();
          const file = path.join(dir, uri.replace(/\//g, '_'));
          writeFileSync(file, Buffer.from(await (await fetch(`${base}/channel/${uri}`)).arrayBuffer()));
          found.push({ listedAtMs, file });
        }
      } catch {
        // a restart's moment without a playlist: ask again
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return Promise.all(found.map(async ({ listedAtMs, file }) => ({ listedAtMs, pictures: await picturesOf(file).catch(() => [] as Picture[]) })));
    },
  };
}
