/**
 * `npm run bench -- --only soak [--soak-minutes N]` (default 120): a station left running under
 * an audience, to show that nothing leaks or drifts. Ten schedule-mode channels, always on:
 * eight air a show whose airings are in the media cache (copied, no encoder) and two air a show
 * added after the fill (rendered live by ffmpeg). 200 viewers (160 HLS, 40 `.ts`) join random
 * channels and leave, on a worker thread; an emergency alert goes out and a schedule is edited
 * every few minutes. Every 30 s the server's memory, open file descriptors, event-loop lag
 * (from /metrics), ffmpeg processes and restarts are sampled, and every channel's playlist is
 * checked for missing segments (a media-sequence gap while its run went on, a listed segment
 * that answers 404). The table gives start and end values and least-squares slopes per hour.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { makeScheduledLibrary, scheduledStation } from './cache-bench.js';
import { CLI, descendants, startServer, waitUntil, writeBenchConfig, type BenchResult, type Server } from './playout-bench.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SoakBenchOptions {
  minutes?: number;
  sampleSeconds?: number;
  /** An alert and a schedule edit go out this often. */
  eventEveryMinutes?: number;
  log?: (line: string) => void;
}

const CHANNELS = 10;
const LIVE_CHANNELS = [9, 10];

interface Sample {
  atMs: number;
  rssBytes: number;
  /** RSS split as the kernel counts it: anonymous (heaps, allocator arenas) and file-backed (code, mapped files). */
  rssAnonBytes: number;
  rssFileBytes: number;
  /** V8's heap in use and the memory V8 knows is held outside it (Buffers): what of the RSS JavaScript holds. */
  heapUsedBytes: number | undefined;
  externalBytes: number | undefined;
  fds: number;
  lagP99Seconds: number | undefined;
  ffmpegProcesses: number;
  restarts: number;
}

/** Least-squares slope of y over x. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** A size line of /proc/<pid>/status (VmRSS, RssAnon, RssFile), in bytes. */
function statusBytes(pid: number, field: 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const line = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

async function metricValue(server: Server, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return line ? Number(line[1]) : undefined;
}

interface ChannelHealth {
  number: number;
  state: string;
  encoder: { restarts: number; lastError: string | null };
  cache: { hitRatio?: number | null } | null;
}

/** Segments each channel listed, to find gaps between two looks (a run's sequence numbers run on; a new run starts afresh). */
class SegmentWatch {
  private readonly last = new Map<number, { run: string; sequence: number }>();
  missing = 0;
  notFound = 0;
  readonly details: string[] = [];

  async check(server: Server, channel: number): Promise<void> {
    const response = await fetch(`${server.baseUrl}/channel/${channel}.m3u8`);
    if (response.status !== 200) return;
    const text = await response.text();
    const media = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN);
    const uris = text.split('\n').filter((line) => line.endsWith('.ts'));
    if (uris.length === 0 || !Number.isFinite(media)) return;
    // URIs are `<n>/r<run>-<sequence>.ts` (relative to /channel/): within a run, the listed sequences must be contiguous.
    const listed = uris.map((uri) => /(?:^|\/)r(\d+)-(\d+)\.ts$/.exec(uri)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ run: m[1]!, sequence: Number(m[2]) }));
    for (let i = 1; i < listed.length; i++) {
      if (listed[i]!.run === listed[i - 1]!.run && listed[i]!.sequence !== listed[i - 1]!.sequence + 1) {
        this.missing += listed[i]!.sequence - listed[i - 1]!.sequence - 1;
        this.details.push(`channel ${channel}: ${uris[i - 1]} then ${uris[i]}`);
      }
    }
    const previous = this.last.get(channel);
    const first = listed[0];
    // Since the last look, the playlist slid on; a first listed segment past the last one seen + 1 means some were never listed long enough to be seen — that is only a gap if the window slid further than it holds.
    if (previous && first && previous.run === first.run && first.sequence > previous.sequence + 1) {
      this.missing += first.sequence - previous.sequence - 1;
      this.details.push(`channel ${channel}: last saw ${previous.sequence}, now from ${first.sequence}`);
    }
    const newest = listed.at(-1);
    if (newest) this.last.set(channel, newest);
    // The newest listed segment must answer.
    const segment = await fetch(`${server.baseUrl}/channel/${uris.at(-1)}`);
    await segment.arrayBuffer();
    if (segment.status === 404) {
      this.notFound += 1;
      this.details.push(`channel ${channel}: ${uris.at(-1)} listed but 404`);
    }
  }
}

export async function runSoakBench(workDir: string, options: SoakBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const minutes = options.minutes ?? 120;
  const sampleMs = (options.sampleSeconds ?? 30) * 1000;
  const eventEveryMs = (options.eventEveryMinutes ?? Math.min(5, Math.max(1, minutes / 4))) * 60_000;

  // The cached show: filled into the cache before the server starts (the real CLI).
  const cachedMedia = path.join(workDir, 'media');
  const liveMedia = path.join(workDir, 'live-media');
  log('soak: making the library');
  await makeScheduledLibrary(cachedMedia);
  const station = scheduledStation(CHANNELS) as { channels: Array<{ number: number; schedule: { blocks: Array<{ content: { show: string } }> } }> };
  const common = { cache: { enabled: true }, graphics: { enabled: false }, hdhr: { tuner_count: 64 }, guide: { days: 0.2 } };
  const streaming = { quality: 'low', idle_timeout: 0, mode: 'schedule', segment_duration: 6, playlist_size: 10 };
  const cachedOnly = { ...station, channels: station.channels.filter((c) => !LIVE_CHANNELS.includes(c.number)) };
  const fillConfig = writeBenchConfig(workDir, cachedMedia, streaming, { ...common, ...cachedOnly });
  await run(process.execPath, [CLI, 'scan', '--config', fillConfig]);
  log('soak: filling the cache (what channels 1-8 air)');
  await run(process.execPath, [CLI, 'cache', 'fill', '--config', fillConfig], { maxBuffer: 16 * 1024 * 1024 });

  // The live show: added after the fill, so channels 9 and 10 render it with ffmpeg.
  mkdirSync(liveMedia, { recursive: true });
  await makeScheduledLibrary(liveMedia);
  for (const file of readdirSync(path.join(liveMedia, 'Bench Show', 'Season 1'))) {
    const from = path.join(liveMedia, 'Bench Show', 'Season 1', file);
    mkdirSync(path.join(liveMedia, 'Live Show', 'Season 1'), { recursive: true });
    await run('mv', [from, path.join(liveMedia, 'Live Show', 'Season 1', file.replace('Bench Show', 'Live Show'))]);
  }
  // (scheduledStation's channels share one blocks list: the live ones get their own.)
  for (const channel of station.channels.filter((c) => LIVE_CHANNELS.includes(c.number))) {
    channel.schedule = { blocks: channel.schedule.blocks.map((block) => ({ ...block, content: { ...block.content, show: 'Live Show' } })) };
  }
  const serveExtra = { ...common, ...station, library: { paths: [cachedMedia, liveMedia] } };
  await run(process.execPath, [CLI, 'scan', '--config', writeBenchConfig(workDir, cachedMedia, streaming, serveExtra)]);

  const server = await startServer(workDir, cachedMedia, streaming, serveExtra);
  const pid = server.process.pid!;
  let crowd: Worker | undefined;
  const samples: Sample[] = [];
  const watch = new SegmentWatch();
  const events = { alerts: 0, alertErrors: 0, edits: 0, editErrors: 0 };
  try {
    await waitUntil('all ten channels live', async () => {
      const health = (await (await fetch(`${server.baseUrl}/api/health`)).json()) as { channels: ChannelHealth[] };
      return health.channels.filter((c) => c.state === 'live').length === CHANNELS;
    }, 180_000);
    log(`soak: ${CHANNELS} channels live; 200 viewers for ${minutes} min`);
    crowd = new Worker(new URL('./soak-load-worker.js', import.meta.url), { workerData: { baseUrl: server.baseUrl, channels: CHANNELS, hlsViewers: 160, tsViewers: 40, watchSeconds: [20, 180] } });

    const startedMs = Date.now();
    const endMs = startedMs + minutes * 60_000;
    let nextSampleMs = startedMs;
    let nextEventMs = startedMs + eventEveryMs;
    let edit = 0;
    const healthNow = async () => ((await (await fetch(`${server.baseUrl}/api/health`)).json()) as { channels: ChannelHealth[] }).channels;
    while (Date.now() < endMs) {
      if (Date.now() >= nextSampleMs) {
        nextSampleMs += sampleMs;
        const channels = await healthNow();
        const sample: Sample = {
          atMs: Date.now(),
          rssBytes: statusBytes(pid, 'VmRSS'),
          rssAnonBytes: statusBytes(pid, 'RssAnon'),
          rssFileBytes: statusBytes(pid, 'RssFile'),
          heapUsedBytes: await metricValue(server, 'retrovue_nodejs_heap_size_used_bytes'),
          externalBytes: await metricValue(server, 'retrovue_nodejs_external_memory_bytes'),
          fds: readdirSync(`/proc/${pid}/fd`).length,
          lagP99Seconds: await metricValue(server, 'retrovue_nodejs_eventloop_lag_p99_seconds'),
          ffmpegProcesses: descendants(pid).length,
          restarts: channels.reduce((sum, c) => sum + c.encoder.restarts, 0),
        };
        samples.push(sample);
        for (let n = 1; n <= CHANNELS; n++) await watch.check(server, n).catch(() => undefined);
        log(`soak ${((sample.atMs - startedMs) / 60_000).toFixed(1)} min: rss ${mb(sample.rssBytes)} MB (anon ${mb(sample.rssAnonBytes)}, file ${mb(sample.rssFileBytes)}, heap ${mb(sample.heapUsedBytes)}, external ${mb(sample.externalBytes)}), fds ${sample.fds}, lag p99 ${((sample.lagP99Seconds ?? NaN) * 1000).toFixed(1)} ms, ffmpeg ${sample.ffmpegProcesses}, restarts ${sample.restarts}, missing ${watch.missing}, 404 ${watch.notFound}`);
      }
      if (Date.now() >= nextEventMs) {
        nextEventMs += eventEveryMs;
        // An emergency alert on every channel for 20 s (loopback: no token needed).
        const alert = await fetch(`${server.baseUrl}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `Soak test alert ${events.alerts + 1}`, priority: 5, channels: 'all', duration: 20 }) });
        if (alert.status === 201) events.alerts += 1;
        else events.alertErrors += 1;
        // A schedule edit: channel 1..8 in turn gets its blocks back with the next episode order.
        const n = 1 + (edit++ % (CHANNELS - LIVE_CHANNELS.length));
        const blocks = station.channels[n - 1]!.schedule.blocks.map((block) => ({ ...block, content: { ...block.content, order: edit % 2 === 0 ? 'sequential' : 'shuffle' } }));
        const edited = await fetch(`${server.baseUrl}/api/channels/${n}/schedule`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocks }) });
        if (edited.status === 200) events.edits += 1;
        else {
          events.editErrors += 1;
          log(`soak: schedule edit of channel ${n} answered ${edited.status}: ${(await edited.text()).slice(0, 200)}`);
        }
      }
      await sleep(Math.max(0, Math.min(nextSampleMs, nextEventMs, endMs) - Date.now()));
    }
    const finalHealth = await healthNow();
    const audience = await new Promise<Record<string, number>>((resolve) => {
      crowd!.once('message', resolve);
      crowd!.postMessage('stats');
    });
    return report(samples, finalHealth, watch, events, audience, minutes, log);
  } finally {
    crowd?.postMessage('stop');
    await crowd?.terminate();
    await server.stop();
  }
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : (bytes / 1e6).toFixed(0));

function report(samples: Sample[], channels: ChannelHealth[], watch: SegmentWatch, events: Record<string, number>, audience: Record<string, number>, minutes: number, log: (line: string) => void): BenchResult[] {
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const hours = (s: Sample) => (s.atMs - first.atMs) / 3_600_000;
  const per = (pick: (s: Sample) => number) => slope(samples.map((s) => [hours(s), pick(s)]));
  // Caches and pools fill in the first hour; a leak shows as growth after it (all of a short run).
  const later = samples.filter((s) => hours(s) >= 1).length >= 2 ? samples.filter((s) => hours(s) >= 1) : samples;
  const laterPer = (pick: (s: Sample) => number) => slope(later.map((s) => [hours(s), pick(s)]));
  const restarted = channels.filter((c) => c.encoder.restarts > 0);
  const unexplained = restarted.filter((c) => !c.encoder.lastError);
  if (watch.details.length > 0) log(`soak: segment problems:\n  ${watch.details.slice(0, 20).join('\n  ')}`);
  const lag = (s: Sample) => (s.lagP99Seconds ?? 0) * 1000;
  return [
    { name: 'soak: duration, samples', value: `${minutes} min, ${samples.length} samples`, note: `${CHANNELS} channels (2 rendered live), 160 HLS + 40 .ts viewers joining and leaving (${audience.joins ?? 0} joins, ${audience.segments ?? 0} segments, ${audience.segmentErrors ?? 0} segment errors, ${audience.tsRefused ?? 0} .ts refused)` },
    { name: 'soak: server memory (RSS)', value: `${mb(first.rssBytes)} → ${mb(last.rssBytes)} MB`, note: `slope ${(per((s) => s.rssBytes) / 1e6).toFixed(1)} MB/h; after the first hour ${(laterPer((s) => s.rssBytes) / 1e6).toFixed(1)} MB/h${process.env.MALLOC_ARENA_MAX ? ` (MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX})` : ''}` },
    { name: 'soak: RSS anonymous / file-backed', value: `${mb(first.rssAnonBytes)} → ${mb(last.rssAnonBytes)} / ${mb(first.rssFileBytes)} → ${mb(last.rssFileBytes)} MB`, note: `after the first hour ${(laterPer((s) => s.rssAnonBytes) / 1e6).toFixed(1)} / ${(laterPer((s) => s.rssFileBytes) / 1e6).toFixed(1)} MB/h` },
    { name: 'soak: V8 heap used / external', value: `${mb(first.heapUsedBytes)} → ${mb(last.heapUsedBytes)} / ${mb(first.externalBytes)} → ${mb(last.externalBytes)} MB`, note: `after the first hour ${(laterPer((s) => s.heapUsedBytes ?? 0) / 1e6).toFixed(1)} / ${(laterPer((s) => s.externalBytes ?? 0) / 1e6).toFixed(1)} MB/h (what JavaScript holds; RSS growing without these is native)` },
    { name: 'soak: open file descriptors', value: `${first.fds} → ${last.fds}`, note: `slope ${per((s) => s.fds).toFixed(1)}/h` },
    { name: 'soak: event-loop lag p99', value: `${lag(first).toFixed(1)} → ${lag(last).toFixed(1)} ms`, note: `slope ${per(lag).toFixed(2)} ms/h` },
    { name: 'soak: ffmpeg processes', value: `${first.ffmpegProcesses} → ${last.ffmpegProcesses}`, note: `max ${Math.max(...samples.map((s) => s.ffmpegProcesses))}` },
    { name: 'soak: restarts', value: `${last.restarts - first.restarts}`, note: restarted.length === 0 ? 'none' : `${unexplained.length} without a lastError; ${restarted.map((c) => `ch ${c.number}: ${c.encoder.restarts} (${c.encoder.lastError ?? 'no error recorded'})`).join('; ')}` },
    { name: 'soak: segments missing / listed but 404', value: `${watch.missing} / ${watch.notFound}`, note: 'playlists checked every sample: sequence gaps within a run, newest listed segment fetched' },
    { name: 'soak: cache hit ratio', value: `cached channels ≥ ${Math.min(...channels.filter((c) => !LIVE_CHANNELS.includes(c.number)).map((c) => c.cache?.hitRatio ?? 0)).toFixed(2)}`, note: `live channels: ${channels.filter((c) => LIVE_CHANNELS.includes(c.number)).map((c) => (c.cache?.hitRatio ?? 0).toFixed(2)).join(', ')} (alert cards render live everywhere)` },
    { name: 'soak: alerts, schedule edits', value: `${events.alerts}, ${events.edits}`, note: `${events.alertErrors} alert and ${events.editErrors} edit refusals` },
  ];
}
