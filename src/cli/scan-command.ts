import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.js';
import { openDatabase } from '../db/database.js';
import { probeToolchain, ToolchainError } from '../ffmpeg/toolchain.js';
import { LibraryFolderError } from '../library/file-walker.js';
import { libraryLayout } from '../library/folder-rules.js';
import { scanWithProgressBar, summaryText } from '../library/progress.js';
import { defaultDemoDir } from './demo-media-command.js';

export interface ScanFlags {
  config?: string;
  media?: string[];
  data?: string;
  json?: boolean;
}

/** `retrovue scan`: scans the library folders into the database; returns the exit code. */
export async function runScanCommand(flags: ScanFlags): Promise<number> {
  try {
    const config = loadConfig({ config: flags.config, media: flags.media, data: flags.data });
    const layout = libraryLayout(config, flags.config);
    // As `serve` does: with no folder configured, the demo library (if it was generated).
    if (layout.roots.length === 0) {
      const demo = defaultDemoDir(config.data_dir);
      if (!existsSync(demo)) {
        throw new ConfigError('no library folders: give --media DIR (repeatable) or set library.paths in the config file');
      }
      layout.roots.push(demo);
    }
    const toolchain = await probeToolchain({ ffmpegPath: config.ffmpeg.path, ffprobePath: config.ffmpeg.ffprobe_path, requiredEncoders: [] });
    const db = openDatabase(config.data_dir);
    try {
      const summary = await scanWithProgressBar(
        { db, roots: layout.roots, rules: layout.rules, ffprobePath: toolchain.ffprobePath, concurrency: config.library.probe_concurrency },
        process.stderr,
      );
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : summaryText(summary));
      return 0;
    } finally {
      db.close();
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ToolchainError || error instanceof LibraryFolderError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
