import BetterSqlite3 from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrate } from '../db/database.js';
import { scanLibrary } from '../library/scanner.js';

const run = promisify(execFile);

const FILES = 1000;
const SHOWS = 20;

/**
 * Library scan benchmark: 1,000 tiny files (one generated clip copied under distinct
 * show/season/episode names), scanned into a fresh database, then rescanned unchanged.
 * The rescan must stay under a second: it only stats files.
 */
export async function runLibraryBench(): Promise<Array<{ name: string; value: string; note?: string }>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'retrovue-library-bench-'));
  try {
    const clip = path.join(work, 'clip.mp4');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=0.4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]);
    const root = path.join(work, 'library');
    const perShow = FILES / SHOWS;
    for (let show = 1; show <= SHOWS; show += 1) {
      const name = `Bench Show ${show}`;
      const folder = path.join(root, name, 'Season 1');
      await mkdir(folder, { recursive: true });
      await Promise.all(
        Array.from({ length: perShow }, (_, i) => copyFile(clip, path.join(folder, `${name} - S01E${String(i + 1).padStart(2, '0')} - Episode ${i + 1}.mp4`))),
      );
    }

    const db = new BetterSqlite3(path.join(work, 'bench.db'));
    db.pragma('journal_mode = WAL');
    migrate(db);
    const concurrency = 4;
    const first = await scanLibrary({ db, roots: [root], ffprobePath: 'ffprobe', concurrency });
    const rescan = await scanLibrary({ db, roots: [root], ffprobePath: 'ffprobe', concurrency });
    db.close();
    if (first.added !== FILES || rescan.unchanged !== FILES || rescan.probed !== 0) {
      throw new Error(`library bench: unexpected scan result ${JSON.stringify({ first, rescan })}`);
    }
    return [
      { name: 'library first scan, 1,000 files', value: `${(first.elapsedMs / 1000).toFixed(2)} s`, note: `${concurrency} concurrent ffprobe, ${os.cpus().length} cores` },
      { name: 'library probes per second', value: (first.probed / (first.elapsedMs / 1000)).toFixed(1) },
      { name: 'library rescan, 1,000 unchanged files', value: `${rescan.elapsedMs} ms`, note: rescan.elapsedMs < 1000 ? 'target < 1 s: met' : 'target < 1 s: MISSED' },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
