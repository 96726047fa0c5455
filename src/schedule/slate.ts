import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SlateMedia } from './compiler.js';

const run = promisify(execFile);
export const SLATE_SECONDS = 30;

/**
 * The slate: a plain dark card with silence that pads breaks when no interstitial fits and
 * stands in for a file that vanished. Generated once into the data folder (about a second).
 */
export async function ensureSlate(ffmpegPath: string, dataDir: string): Promise<SlateMedia> {
  const dir = path.join(dataDir, 'slate');
  const file = path.join(dir, 'slate.mp4');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = path.join(dir, 'slate.partial.mp4');
    await run(ffmpegPath, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0x14141c:size=640x360:rate=30:duration=${SLATE_SECONDS}`,
      '-f', 'lavfi', '-i', `anullsrc=channel_layout=stereo:sample_rate=48000`,
      '-t', String(SLATE_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-shortest', '-f', 'mp4', partial,
    ]);
    // Renamed into place only when complete, so a crash never leaves a truncated slate behind.
    renameSync(partial, file);
  }
  return { path: file, durationMs: (SLATE_SECONDS - 1) * 1000 };
}
