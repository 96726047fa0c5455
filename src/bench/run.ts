/**
 * `npm run bench`: Retrovue's benchmarks, printed as one table. Timing lives here, never in
 * the test suite. Results (with the machine and date) are recorded in docs/benchmarks.md.
 *
 * Options: --quick (fewer runs, shorter windows, low quality only), --only GROUP[,GROUP]
 * (playout, library, capacity, drift, delivery, graphics, alerts, live, cache, hostile, captions, languages, first-run), --capacity-minutes M (window per step,
 * default 1.5, the full figure is 10), --capacity-from N / --capacity-max N (lowest and
 * highest channel count tried),
 * --drift-minutes M (simulated air; default 60) and --drift-budget S (wall seconds before the
 * drift run is cut and extrapolated; default 240), --cache-minutes M (the cache group's capacity window per step;
 * default 10, 2 with --quick), --cache-steps N[,N] (channel counts it tries; default 10,25,50,64, quick 10,25,50),
 * --cache-parts cost,capacity,cold (which parts of the cache group run; default all),
 * --hostile-runs N (fast-check runs per property in the hostile-input walk; default 12, 4 with --quick),
 * --languages-seconds S (the languages group's CPU window per case; default 60, 20 with --quick),
 * --languages-parts cost,captions,timing (which parts of the languages group run; default all),
 * --soak-minutes N (the soak group's length; default 120). `prometheus` and `soak` run only when
 * named in --only (they need Debian's prometheus, and hours).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPlayoutBench, type BenchResult } from './playout-bench.js';

function printTable(rows: Array<BenchResult & { group: string }>): void {
  const headers = ['group', 'benchmark', 'result', 'note'];
  const cells = rows.map((row) => [row.group, row.name, row.value, row.note ?? '']);
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`${line(headers)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const value = (flag: string): string | undefined => {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const number = (flag: string): number | undefined => {
    const text = value(flag);
    if (text === undefined) return undefined;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${flag} needs a positive number, not ${JSON.stringify(text)}`);
    return parsed;
  };
  const groups = value('--only')?.split(',');
  const known = ['playout', 'library', 'capacity', 'drift', 'delivery', 'graphics', 'alerts', 'live', 'cache', 'hostile', 'captions', 'languages', 'first-run', 'prometheus', 'soak'];
  const unknown = groups?.filter((g) => !known.includes(g)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown group(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const wants = (group: string) => !groups || groups.includes(group);
  const started = Date.now();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stderr.write(`Retrovue bench on ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), load average ${load}\n`);

  const rows: Array<BenchResult & { group: string }> = [];
  if (wants('playout')) {
    const playout = await runPlayoutBench(quick ? { coldRuns: 1, costWindowSeconds: 20, warmupSeconds: 3, qualities: ['low'] } : {});
    rows.push(...playout.map((row) => ({ ...row, group: 'playout' })));
  }
  if (wants('library')) {
    process.stderr.write('library bench\n');
    // Loaded only when wanted, so `--only playout` does not depend on the library code.
    const { runLibraryBench } = await import('./library-bench.js');
    rows.push(...(await runLibraryBench()).map((row) => ({ ...row, group: 'library' })));
  }
  if (wants('delivery')) {
    process.stderr.write('delivery bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runDeliveryBench } = await import('./delivery-bench.js');
      const delivery = await runDeliveryBench(workDir, quick ? { hlsViewers: 100, tsViewers: 10, loadSeconds: 30, clientSeconds: 30 } : {});
      rows.push(...delivery.map((row) => ({ ...row, group: 'delivery' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('alerts')) {
    process.stderr.write('alerts bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runAlertBench } = await import('./alert-bench.js');
      rows.push(...(await runAlertBench(workDir, quick ? { runs: 1 } : {})).map((row) => ({ ...row, group: 'alerts' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('live')) {
    process.stderr.write('live events bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runLiveBench } = await import('./live-bench.js');
      rows.push(...(await runLiveBench(workDir, quick ? { runs: 1, kills: 3, qualities: ['low'] } : {})).map((row) => ({ ...row, group: 'live' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('hostile')) {
    process.stderr.write('hostile-input bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runHostileBench } = await import('./hostile-bench.js');
      const runs = number('--hostile-runs');
      rows.push(...(await runHostileBench(workDir, { propertyRuns: runs ?? (quick ? 4 : undefined) })).map((row) => ({ ...row, group: 'hostile' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('cache')) {
    process.stderr.write('cache bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runCacheBench } = await import('./cache-bench.js');
      const minutes = number('--cache-minutes');
      const steps = value('--cache-steps')?.split(',').map(Number);
      if (steps?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--cache-steps needs channel counts, e.g. 10,25,50');
      const parts = value('--cache-parts')?.split(',') as Array<'cost' | 'capacity' | 'cold'> | undefined;
      if (parts?.some((part) => !['cost', 'capacity', 'cold'].includes(part))) throw new Error('--cache-parts takes cost, capacity and/or cold, e.g. capacity');
      const cache = await runCacheBench(
        workDir,
        quick
          ? { qualities: ['low', 'medium'], costWindowSeconds: 30, capacitySteps: steps ?? [10, 25, 50], capacityWindowSeconds: minutes !== undefined ? minutes * 60 : 120, coldRuns: 5, programmeSeconds: 20, parts }
          : { capacitySteps: steps, capacityWindowSeconds: minutes !== undefined ? minutes * 60 : undefined, parts },
      );
      rows.push(...cache.map((row) => ({ ...row, group: 'cache' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('captions')) {
    process.stderr.write('captions bench\n');
    const { runCaptionBench } = await import('./caption-bench.js');
    rows.push(...(await runCaptionBench(quick ? { streamSeconds: 60 } : {})).map((row) => ({ ...row, group: 'captions' })));
  }
  if (wants('languages')) {
    process.stderr.write('languages bench\n');
    const { runLanguagesBench } = await import('./languages-bench.js');
    const parts = value('--languages-parts')?.split(',') as Array<'cost' | 'captions' | 'timing'> | undefined;
    if (parts?.some((part) => !['cost', 'captions', 'timing'].includes(part))) throw new Error('--languages-parts takes cost, captions and/or timing, e.g. timing');
    const languages = await runLanguagesBench({
      costWindowSeconds: number('--languages-seconds') ?? (quick ? 20 : undefined),
      warmupSeconds: quick ? 8 : undefined,
      captionStreamSeconds: quick ? 60 : undefined,
      parts,
    });
    rows.push(...languages.map((row) => ({ ...row, group: 'languages' })));
  }
  if (wants('first-run')) {
    process.stderr.write('first-run bench (the full demo library from an empty data folder)\n');
    const { runFirstRunBench } = await import('./first-run-bench.js');
    rows.push(...(await runFirstRunBench()).map((row) => ({ ...row, group: 'first-run' })));
  }
  // Only when named: the prometheus group needs Debian's prometheus, the soak takes hours.
  if (groups?.includes('prometheus')) {
    process.stderr.write('prometheus bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runPrometheusBench } = await import('./prometheus-bench.js');
      rows.push(...(await runPrometheusBench(workDir)).map((row) => ({ ...row, group: 'prometheus' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (groups?.includes('soak')) {
    process.stderr.write('soak bench\n');
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      const { runSoakBench } = await import('./soak-bench.js');
      rows.push(...(await runSoakBench(workDir, { minutes: number('--soak-minutes') })).map((row) => ({ ...row, group: 'soak' })));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  if (wants('graphics')) {
    process.stderr.write('graphics bench\n');
    const { runGraphicsBench } = await import('./graphics-bench.js');
    const graphics = await runGraphicsBench(quick ? { runs: 1, qualities: ['low'] } : {});
    rows.push(...graphics.map((row) => ({ ...row, group: 'graphics' })));
  }
  if (wants('capacity') || wants('drift')) {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'retrovue-bench-'));
    try {
      if (wants('capacity')) {
        const { runCapacityBench } = await import('./capacity-bench.js');
        const minutes = number('--capacity-minutes');
        const capacity = await runCapacityBench(workDir, {
          windowSeconds: minutes !== undefined ? minutes * 60 : quick ? 30 : 90,
          warmupSeconds: quick ? 10 : 15,
          maxChannels: number('--capacity-max'),
          fromChannels: number('--capacity-from'),
        });
        rows.push(...capacity.map((row) => ({ ...row, group: 'capacity' })));
      }
      if (wants('drift')) {
        const { runDriftBench } = await import('./drift-bench.js');
        const minutes = number('--drift-minutes');
        const drift = await runDriftBench(workDir, {
          airSeconds: minutes !== undefined ? minutes * 60 : quick ? 300 : 3600,
          budgetSeconds: number('--drift-budget'),
        });
        rows.push(...drift.map((row) => ({ ...row, group: 'drift' })));
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  printTable(rows);
  process.stdout.write(`\n${new Date().toISOString()} · ${os.cpus().length} CPU(s) · load average before: ${load} · ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

await main();
