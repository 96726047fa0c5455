import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatHostileReport, HOSTILE_STATION_CHANNELS, makeHostileMedia, runHostileWalk, slowRequest } from './hostile-walk.js';
import { startServer, type BenchResult } from './playout-bench.js';

/**
 * The hostile-input walk (issue 20) as a benchmark: the same walk the integration test runs
 * (src/bench/hostile-walk.ts), against the same station, timed, with /api/health's latency
 * while it runs. The test asserts; this reports how long it takes and how the server held up.
 */
export interface HostileBenchOptions {
  /** fast-check runs per property (default 12, as the test). */
  propertyRuns?: number;
  seed?: number;
  log?: (line: string) => void;
}

export async function runHostileBench(workDir: string, options: HostileBenchOptions = {}): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const mediaDir = path.join(workDir, 'hostile-media');
  await makeHostileMedia(mediaDir);
  const requestTimeoutSeconds = 3;
  const server = await startServer(workDir, mediaDir, { mode: 'schedule', quality: 'low' }, { channels: HOSTILE_STATION_CHANNELS, server: { request_timeout: requestTimeoutSeconds } });
  try {
    const token = readFileSync(path.join(workDir, 'data', 'admin-token'), 'utf8').trim();
    const slowBody = slowRequest(server.baseUrl, token, 'body');
    const report = await runHostileWalk({ baseUrl: server.baseUrl, adminToken: token, propertyRuns: options.propertyRuns, seed: options.seed, serverPid: server.process.pid, log });
    const slow = await slowBody;
    log(formatHostileReport(report, 5));
    const byKind = new Map<string, number>();
    for (const v of report.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
    const { health } = report;
    return [
      { name: 'hostile walk: requests sent', value: String(report.requests), note: `seed ${report.seed}; every documented operation and the stream/tuner URLs` },
      { name: 'hostile walk: run time', value: `${(report.durationMs / 1000).toFixed(1)} s`, note: `slowest request ${report.slowest.ms} ms` },
      { name: 'hostile walk: answers', value: `2xx ${report.statuses['2xx']}, 4xx ${report.statuses['4xx']}, 5xx ${report.statuses['5xx']}`, note: `3xx ${report.statuses['3xx']}, dropped ${report.statuses.none} (oversized requests)` },
      { name: 'hostile walk: /api/health p50 / p95 / p99 / max', value: `${health.p50} / ${health.p95} / ${health.p99} / ${health.max} ms`, note: `${health.samples} polls every 50 ms, ${health.failures} failed; target p99 < 100 ms: ${health.p99 < 100 && health.failures === 0 ? 'met' : 'NOT met'}` },
      ...report.healthByPhase.map((p) => ({ name: `hostile walk: /api/health p99 while sending ${p.phase}`, value: `${p.p99} ms`, note: `max ${p.max} ms, ${p.samples} polls` })),
      { name: 'hostile walk: violations', value: String(report.violations.length), note: [...byKind].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none' },
      { name: `slow body (1 byte/s, request_timeout ${requestTimeoutSeconds} s)`, value: slow.status === null ? 'never answered' : `${slow.status} after ${(slow.ms / 1000).toFixed(1)} s`, note: `target 408 within ${requestTimeoutSeconds + 3} s: ${slow.status === 408 && slow.ms < (requestTimeoutSeconds + 3) * 1000 ? 'met' : 'NOT met'}` },
    ];
  } finally {
    await server.stop();
  }
}
