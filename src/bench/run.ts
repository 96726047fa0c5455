/**
 * `npm run bench`: Retrovue's benchmarks, printed as one table. Timing lives here, never in
 * the test suite. Results (with the machine and date) are recorded in docs/benchmarks.md.
 *
 * Options: --quick (fewer runs, shorter windows, low quality only), --only playout|library.
 */
import os from 'node:os';
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
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const started = Date.now();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stderr.write(`Retrovue bench on ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? 'unknown'}), load average ${load}\n`);

  const rows: Array<BenchResult & { group: string }> = [];
  if (!only || only === 'playout') {
    const playout = await runPlayoutBench(quick ? { coldRuns: 1, costWindowSeconds: 20, warmupSeconds: 3, qualities: ['low'] } : {});
    rows.push(...playout.map((row) => ({ ...row, group: 'playout' })));
  }
  if (!only || only === 'library') {
    process.stderr.write('library bench\n');
    // Loaded only when wanted, so `--only playout` does not depend on the library code.
    const { runLibraryBench } = await import('./library-bench.js');
    rows.push(...(await runLibraryBench()).map((row) => ({ ...row, group: 'library' })));
  }
  printTable(rows);
  process.stdout.write(`\n${new Date().toISOString()} · ${os.cpus().length} CPU(s) · load average before: ${load} · ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

await main();
