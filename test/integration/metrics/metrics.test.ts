import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamFor, fetchPlaylist } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { runCli, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/** What parse-prometheus-text-format gives (prom2json's shape). */
interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }>;
}
const parse = parsePrometheusTextFormat as unknown as (text: string) => Family[];

/**
 * The server trusts 127.0.0.1 as a reverse proxy (server.trust_proxy), so the client is who
 * X-Forwarded-For says: a LAN address, or this machine (a request with none is the proxy's own
 * and counts as the network).
 */
const FROM_LAN = { 'x-forwarded-for': '203.0.113.9' };
const FROM_HERE = { 'x-forwarded-for': '127.0.0.1' };

describe('/metrics: Prometheus text a real parser reads, counters that move when viewers watch, token from the network', () => {
  let server: RunningServer;
  let work: string;
  let media: string;
  const url = (p: string) => `${server.baseUrl}${p}`;

  let lastText = '';
  async function scrape(): Promise<Map<string, Family>> {
    const response = await fetch(url('/metrics'), { headers: FROM_HERE });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    lastText = await response.text();
    return new Map(parse(lastText).map((family) => [family.name, family]));
  }
  /**
   * The label sets of the request-duration histogram. parse-prometheus-text-format merges a
   * histogram's label sets into one (it keeps only the buckets), so its `_count` lines are read
   * here; the bench with a real Prometheus (src/bench/prometheus-bench.ts) queries them too.
   */
  function durationSeries(): Array<Record<string, string>> {
    return [...lastText.matchAll(/^retrovue_http_request_duration_seconds_count\{(.*)\} \d+$/gm)].map((m) =>
      Object.fromEntries([...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!])),
    );
  }
  /** The value of one series (undefined when the series is absent). */
  function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
    const series = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return series?.value === undefined ? undefined : Number(series.value);
  }

  beforeAll(async () => {
    work = tempDir('metrics');
    media = path.join(work, 'media');
    await makeClips(media, [
      { name: 'Bars.mp4', seconds: 4, picture: 'testsrc2' },
      { name: 'Blue.mp4', seconds: 4, picture: 'blue' },
    ]);
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'data'), streaming: { channels: 2 } }),
      server: { trust_proxy: ['127.0.0.1'] },
    };
    server = await startServer(config as ReturnType<typeof testConfig>);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('parses with a Prometheus text parser: every channel, the server, process and disk, each with HELP and a type', async () => {
    const families = await scrape();
    for (const family of families.values()) {
      expect(family.name, family.name).toMatch(/^retrovue_/);
      expect(family.help.length, `${family.name} has HELP`).toBeGreaterThan(10);
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/);
    }
    for (const channel of ['1', '2']) {
      expect(valueOf(families, 'retrovue_channel_state', { channel, state: 'stopped' })).toBe(1);
      expect(valueOf(families, 'retrovue_channel_state', { channel, state: 'live' })).toBe(0);
      expect(valueOf(families, 'retrovue_channel_viewers', { channel, protocol: 'ts' })).toBe(0);
      expect(valueOf(families, 'retrovue_channel_viewers', { channel, protocol: 'hls' })).toBe(0);
      expect(valueOf(families, 'retrovue_channel_restarts_total', { channel })).toBe(0);
      expect(valueOf(families, 'retrovue_channel_slates_total', { channel })).toBe(0);
    }
    expect(valueOf(families, 'retrovue_channels_on_air')).toBe(0);
    expect(valueOf(families, 'retrovue_alerts_on_air')).toBe(0);
    // The data folder's disk, as the file system says it.
    const free = valueOf(families, 'retrovue_data_disk_free_bytes')!;
    const total = valueOf(families, 'retrovue_data_disk_total_bytes')!;
    expect(free).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(free);
    // prom-client's process metrics, under the same prefix.
    expect(valueOf(families, 'retrovue_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(families.get('retrovue_nodejs_eventloop_lag_p99_seconds')).toBeDefined();
    expect(families.get('retrovue_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // Capacity (src/capacity, through /api/health): the machine's cores, the usable share, nothing in use while idle.
    const cores = valueOf(families, 'retrovue_capacity_cores')!;
    expect(cores).toBeGreaterThan(0);
    expect(valueOf(families, 'retrovue_capacity_usable_cores')).toBeLessThanOrEqual(cores);
    expect(valueOf(families, 'retrovue_capacity_cores_in_use')).toBe(0);
    expect(valueOf(families, 'retrovue_overload_step')).toBe(0);
  });

  it('viewers, bytes sent and the live state move while a channel is watched over HLS and .ts; alerts on air are counted', async () => {
    const before = await scrape();
    const sentBefore = valueOf(before, 'retrovue_channel_sent_bytes_total', { channel: '1' }) ?? 0;

    // An HLS player: the playlist (cold start) and its segments.
    const { playlist, text } = await fetchPlaylist(url('/channel/1.m3u8'));
    let received = Buffer.byteLength(text);
    for (const segment of playlist.segments.slice(0, 2)) {
      const body = Buffer.from(await (await fetch(url(`/channel/1/${segment.uri}`))).arrayBuffer());
      expect(body.length).toBeGreaterThan(0);
      received += body.length;
    }
    // A .ts viewer holding the stream open while we scrape.
    const reading = readStreamFor(url('/channel/1.ts'), 4000);
    const during = await waitFor('the .ts viewer to be counted', async () => {
      const families = await scrape();
      return valueOf(families, 'retrovue_channel_viewers', { channel: '1', protocol: 'ts' }) === 1 ? families : undefined;
    }, 4000, 100);
    expect(valueOf(during, 'retrovue_channel_viewers', { channel: '1', protocol: 'hls' })).toBe(1);
    expect(valueOf(during, 'retrovue_channel_state', { channel: '1', state: 'live' })).toBe(1);
    expect(valueOf(during, 'retrovue_channels_on_air')).toBe(1);
    expect(valueOf(during, 'retrovue_channel_work_ahead_seconds', { channel: '1' })).toBeTypeOf('number');
    // Channel 2 nobody watches: nothing moved there.
    expect(valueOf(during, 'retrovue_channel_viewers', { channel: '2', protocol: 'hls' })).toBe(0);
    expect(valueOf(during, 'retrovue_channel_sent_bytes_total', { channel: '2' }) ?? 0).toBe(0);
    const ts = await reading;
    expect(ts.status).toBe(200);
    received += ts.data.length;

    const after = await scrape();
    // Everything this client received was counted as sent (the server may have sent a little more than was read before hanging up).
    expect(valueOf(after, 'retrovue_channel_sent_bytes_total', { channel: '1' })! - sentBefore).toBeGreaterThanOrEqual(received);
    // Requests are timed under their route pattern.
    const routes = new Set(durationSeries().map((labels) => labels.route));
    for (const route of ['/channel/:n.m3u8', '/channel/:n.ts', '/metrics']) expect(routes, route).toContain(route);
    // Segments (or a ladder rung's playlists and segments) under their patterns, never their file names.
    expect([...routes].filter((route) => route.startsWith('/channel/:n/')).length).toBeGreaterThan(0);
    expect([...routes].every((route) => !/r\d+-\d+/.test(route))).toBe(true);

    // An emergency alert on the air (loopback: no credential needed).
    const sent = await fetch(url('/api/alerts'), { method: 'POST', headers: { ...FROM_HERE, 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Metrics test', priority: 5, channels: 'all', duration: 30 }) });
    expect(sent.status).toBe(201);
    expect(valueOf(await scrape(), 'retrovue_alerts_on_air')).toBe(1);
  });

  it('a hostile URL never becomes a label: unknown routes share one', async () => {
    const marker = `probe${Date.now()}`;
    for (const p of [`/${marker}`, `/channel/${marker}.ts`, `/api/${marker}/x?y=${marker}`, `/channel/99999/${marker}.ts`]) await fetch(url(p));
    const families = await scrape();
    expect(lastText).not.toContain(marker);
    expect(durationSeries().some((labels) => labels.route === 'unmatched' && labels.status === '404')).toBe(true);
    // No series for a channel that does not exist.
    expect(valueOf(families, 'retrovue_channel_sent_bytes_total', { channel: '99999' })).toBeUndefined();
  });

  it('from the network: 401 without the token, 403 with a wrong one, 200 with the admin token', async () => {
    const token = readFileSync(path.join(server.dataDir, 'admin-token'), 'utf8').trim();
    const without = await fetch(url('/metrics'), { headers: FROM_LAN });
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await without.json()) as { message: string }).message).toMatch(/admin token/);
    expect((await fetch(url('/metrics'), { headers: { ...FROM_LAN, authorization: 'Bearer not-the-token' } })).status).toBe(403);
    // A wrong credential is refused on loopback too.
    expect((await fetch(url('/metrics'), { headers: { ...FROM_HERE, authorization: 'Bearer not-the-token' } })).status).toBe(403);
    const allowed = await fetch(url('/metrics'), { headers: { ...FROM_LAN, authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(parse(await allowed.text()).some((f) => f.name === 'retrovue_channel_state')).toBe(true);
  });

  it('metrics.public: true opens it to the network; a bad value is refused at start naming the key', async () => {
    const config = {
      ...testConfig({ media: [media], dataDir: path.join(work, 'public-data') }),
      server: { trust_proxy: ['127.0.0.1'] },
      metrics: { public: true },
    };
    const open = await startServer(config as ReturnType<typeof testConfig>);
    try {
      const response = await fetch(`${open.baseUrl}/metrics`, { headers: FROM_LAN });
      expect(response.status).toBe(200);
      // Writes from the network still need the token: only /metrics opened.
      expect((await fetch(`${open.baseUrl}/api/alerts`, { method: 'POST', headers: { ...FROM_LAN, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    } finally {
      await open.stop();
    }
    const badPath = path.join(work, 'bad.json');
    writeFileSync(badPath, JSON.stringify({ ...testConfig({ media: [media], dataDir: path.join(work, 'bad-data') }), metrics: { public: 'yes' } }));
    const result = await runCli(['serve', '--config', badPath]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/metrics\.public/);
  });
});
