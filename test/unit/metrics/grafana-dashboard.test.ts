import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerHttpMetrics } from '../../../src/metrics/http-metrics.js';
import { StationMetrics } from '../../../src/metrics/station-metrics.js';

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
}

const dashboard = JSON.parse(readFileSync(new URL('../../../docs/grafana/retrovue.json', import.meta.url), 'utf8')) as Dashboard;

/** Every metric the server registers, as /metrics names it (histograms expand to _bucket, _sum, _count). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new StationMetrics();
  const app = Fastify();
  registerHttpMetrics(app, { registry: metrics.registry, isChannel: () => true, segmentDurationSeconds: 2 });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  await app.close();
  return names;
}

describe('docs/grafana/retrovue.json', () => {
  it('queries only metrics the server exports, and every panel queries one', async () => {
    const exported = await exportedNames();
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) for (const [name] of target.expr.matchAll(/\bretrovue_[a-z0-9_]+/g)) queried.add(name);
    }
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
    // The panels the operator needs are there.
    for (const name of ['retrovue_channels_on_air', 'retrovue_channel_viewers', 'retrovue_channel_renderer_speed', 'retrovue_channel_work_ahead_seconds', 'retrovue_channel_restarts_total', 'retrovue_channel_slates_total', 'retrovue_channel_cache_hit_ratio', 'retrovue_channel_sent_bytes_total', 'retrovue_http_request_duration_seconds_bucket', 'retrovue_process_cpu_seconds_total', 'retrovue_process_resident_memory_bytes', 'retrovue_nodejs_eventloop_lag_p99_seconds', 'retrovue_data_disk_free_bytes', 'retrovue_alerts_on_air']) {
      expect(queried, name).toContain(name);
    }
  });
});
