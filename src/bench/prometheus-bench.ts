/**
 * `npm run bench -- --only prometheus`: a real Prometheus (Debian's `prometheus` package, run
 * here as a plain process on loopback, no service) scrapes a running Retrovue with the admin
 * token, as the README tells an operator to set it up; its query API must then return every
 * channel series, and a screenshot of its graph page is written to
 * docs/screenshots/prometheus-graph.png for the README. Not in CI (.ci/run): the integration
 * test test/integration/metrics/metrics.test.ts checks /metrics itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchMedia, startServer, waitUntil, type BenchResult, type Server } from './playout-bench.js';
import { CHROMIUM, CHROMIUM_ARGS } from './watchers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROMETHEUS = '/usr/bin/prometheus';
const SCREENSHOT = fileURLToPath(new URL('../../docs/screenshots/prometheus-graph.png', import.meta.url));
/** Per-channel metrics every channel has, watched or not; each must reach Prometheus for every channel. */
const CHANNEL_METRICS = ['retrovue_channel_state', 'retrovue_channel_viewers', 'retrovue_channel_restarts_total', 'retrovue_channel_slates_total', 'retrovue_channel_sent_bytes_total'];
/** What only a channel on the air has (channel 1, watched here). */
const ON_AIR_METRICS = ['retrovue_channel_work_ahead_seconds', 'retrovue_channel_renderer_speed'];

export interface PrometheusBenchOptions {
  channels?: number;
  /** Where the graph page's screenshot goes (default docs/screenshots/prometheus-graph.png). */
  screenshot?: string | null;
  log?: (line: string) => void;
}

/** A free TCP port on loopback (asked of the OS, then released for Prometheus to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`Prometheus query ${promql} failed: ${body.error}`);
  return body.data!.result;
}

/** Holds channel 1's .ts stream open (a viewer) until stopped. */
function watch(url: string): { stop(): void } {
  const controller = new AbortController();
  void fetch(url, { signal: controller.signal }).then(async (response) => {
    for await (const _ of response.body ?? []) void _;
  }).catch(() => undefined);
  return { stop: () => controller.abort() };
}

export async function runPrometheusBench(workDir: string, options: PrometheusBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!existsSync(PROMETHEUS)) {
    throw new Error(`${PROMETHEUS} is missing: install Debian's Prometheus with \`sudo apt-get install -y prometheus\` (the bench runs the binary itself on loopback; its service need not run)`);
  }
  const channels = options.channels ?? 2;
  const mediaDir = path.join(workDir, 'media');
  mkdirSync(mediaDir, { recursive: true });
  await makeBenchMedia(mediaDir);
  let server: Server | undefined;
  let prometheus: ChildProcess | undefined;
  let viewer: { stop(): void } | undefined;
  try {
    server = await startServer(workDir, mediaDir, { quality: 'low', channels, segment_duration: 2 });
    const target = new URL(server.baseUrl).host;
    // A viewer on channel 1, so its counters move between scrapes.
    await fetch(`${server.baseUrl}/channel/1.m3u8`);
    viewer = watch(`${server.baseUrl}/channel/1.ts`);

    // Prometheus as the README configures it: the admin token from the data folder's file.
    const promPort = await freePort();
    const promBase = `http://127.0.0.1:${promPort}`;
    const configFile = path.join(workDir, 'prometheus.yml');
    writeFileSync(configFile, [
      'global:',
      '  scrape_interval: 2s',
      'scrape_configs:',
      '  - job_name: retrovue',
      '    authorization:',
      `      credentials_file: ${path.join(workDir, 'data', 'admin-token')}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'));
    const promLog: string[] = [];
    prometheus = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(workDir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stderr!.on('data', (chunk: Buffer) => promLog.push(chunk.toString()));
    const startedMs = Date.now();
    await waitUntil('Prometheus to be ready', async () => (await fetch(`${promBase}/-/ready`)).ok, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${promLog.join('').slice(-2000)}`);
    });
    // Two scrapes of Retrovue, both up (a refused token would make `up` 0).
    await waitUntil('two successful scrapes', async () => Number((await query(promBase, 'sum_over_time(up{job="retrovue"}[1m])'))[0]?.value[1] ?? 0) >= 2, 60_000);
    const scrapeMs = Date.now() - startedMs;
    await sleep(4000); // a few more, for rate() and the graph

    const found: Sample[] = await query(promBase, '{__name__=~"retrovue_channel_.*"}');
    const rows = found
      .map((s) => ({ name: s.metric.__name__!, channel: s.metric.channel ?? '', labels: Object.entries(s.metric).filter(([k]) => !['__name__', 'channel', 'job', 'instance'].includes(k)).map(([k, v]) => `${k}=${v}`).join(','), value: s.value[1] }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.channel.localeCompare(b.channel) || a.labels.localeCompare(b.labels));
    const widths = [Math.max(6, ...rows.map((r) => r.name.length)), 7, Math.max(6, ...rows.map((r) => r.labels.length)), 12];
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    log(`\nChannel series Prometheus holds (${promBase}):\n${line(['metric', 'channel', 'labels', 'value'])}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line([r.name, r.channel, r.labels, r.value])).join('\n')}\n`);

    const missing = [
      ...CHANNEL_METRICS.flatMap((name) => Array.from({ length: channels }, (_, i) => String(i + 1)).map((n) => [name, n] as const)),
      ...ON_AIR_METRICS.map((name) => [name, '1'] as const),
    ].filter(([name, n]) => !rows.some((r) => r.name === name && r.channel === n)).map(([name, n]) => `${name}{channel="${n}"}`);
    if (missing.length > 0) throw new Error(`Prometheus lacks channel series: ${missing.join(', ')}`);
    const bytesRate = Number((await query(promBase, 'rate(retrovue_channel_sent_bytes_total{channel="1"}[30s])'))[0]?.value[1] ?? 0);
    const p95 = await query(promBase, 'histogram_quantile(0.95, sum by (route, le) (rate(retrovue_http_request_duration_seconds_bucket[1m])))');

    if (options.screenshot !== null) await screenshotGraph(promBase, options.screenshot ?? SCREENSHOT, log);
    return [
      { name: 'Prometheus scrapes /metrics with the admin token', value: `${scrapeMs} ms to 2 scrapes`, note: `Prometheus ${PROMETHEUS}, scrape every 2 s` },
      { name: 'channel series in Prometheus', value: String(rows.length), note: `${channels} channels; every one of ${CHANNEL_METRICS.length} channel metrics present` },
      { name: 'channel 1 bytes out (rate over 30 s)', value: `${(bytesRate / 1000).toFixed(1)} kB/s`, note: 'one .ts viewer' },
      { name: 'HTTP routes with a p95 (histogram_quantile)', value: String(p95.length), note: p95.map((s) => s.metric.route).join(' ') },
    ];
  } finally {
    viewer?.stop();
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus!.once('exit', resolve));
    }
    await server?.stop();
  }
}

/** Prometheus' graph page for bytes out per channel, in headless Chromium (never a downloaded browser). */
async function screenshotGraph(promBase: string, file: string, log: (line: string) => void): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const expr = 'rate(retrovue_channel_sent_bytes_total[10s])';
    await page.goto(`${promBase}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.range_input=1m`, { waitUntil: 'networkidle' });
    await page.waitForTimeout(1500);
    mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    log(`screenshot: ${file}`);
  } finally {
    await browser.close();
  }
}
