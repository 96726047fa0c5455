import { scanLibrary, type ScanOptions, type ScanProgress, type ScanSummary } from './scanner.js';

const BAR_WIDTH = 28;

/**
 * A one-line progress bar redrawn in place, for a terminal. Where the output is not a
 * terminal (logs, pipes) it writes nothing: the summary line says what happened.
 */
export function progressBar(stream: NodeJS.WriteStream): { update: (p: ScanProgress) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  let lastDraw = 0;
  return {
    update(progress) {
      const now = Date.now();
      // Redraw at most ~20 times a second: a fast rescan must not be slowed by the terminal.
      if (progress.probed < progress.toProbe && now - lastDraw < 50) return;
      lastDraw = now;
      const fraction = progress.toProbe === 0 ? 1 : progress.probed / progress.toProbe;
      const filled = Math.round(fraction * BAR_WIDTH);
      const name = progress.currentFile ? ` ${progress.currentFile.split(/[\\/]/).pop()}` : '';
      const columns = stream.columns ?? 80;
      const line = `Probing [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${progress.probed}/${progress.toProbe}${name}`;
      stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, 100))}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/** `Scanned 12 files in 0.8 s: 10 added, 0 updated, 0 unchanged, 0 missing, 3 unplayable (12 probed)` */
export function summaryLine(summary: ScanSummary): string {
  return (
    `Scanned ${summary.found} files in ${(summary.elapsedMs / 1000).toFixed(1)} s: ` +
    `${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ` +
    `${summary.missing} missing, ${summary.unplayable} unplayable (${summary.probed} probed)`
  );
}

/** The summary line, then one line per unplayable file with ffprobe's reason. */
export function summaryText(summary: ScanSummary): string {
  const lines = [summaryLine(summary)];
  for (const file of summary.unplayableFiles) lines.push(`  unplayable: ${file.path}: ${file.reason}`);
  return `${lines.join('\n')}\n`;
}

/** A scan with its progress bar on `stream`; the bar is cleared however the scan ends. */
export async function scanWithProgressBar(options: Omit<ScanOptions, 'onProgress'>, stream: NodeJS.WriteStream): Promise<ScanSummary> {
  const bar = progressBar(stream);
  try {
    return await scanLibrary({ ...options, onProgress: bar.update });
  } finally {
    bar.done();
  }
}
