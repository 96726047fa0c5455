import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import type { AiringKind } from '../timeline/types.js';
import { probeMedia, type MediaProbe } from './probe.js';

export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mkv', '.mov', '.avi', '.ts', '.m2ts', '.mpg', '.mpeg', '.webm', '.wmv', '.flv']);

export interface LibraryItem {
  path: string;
  title: string;
  kind: AiringKind;
  probe: MediaProbe;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

const naturalOrder = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Every video file under the folders, in natural path order (Episode 2 before Episode 10). */
export async function listVideoFiles(folders: string[]): Promise<string[]> {
  const found: string[] = [];
  async function walk(folder: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(full);
    }
  }
  for (const folder of folders) await walk(path.resolve(folder));
  return found.sort((a, b) => naturalOrder.compare(a, b));
}

/** Kind from the folder names: commercials/, bumpers/, station-id/ … anything else airs as a program. */
export function kindFromPath(filePath: string): AiringKind {
  const parts = filePath.toLowerCase().split(path.sep);
  if (parts.some((p) => p.startsWith('commercial') || p === 'ads')) return 'commercial';
  if (parts.some((p) => p.includes('station') && p.includes('id'))) return 'station_id';
  if (parts.some((p) => p.startsWith('bumper'))) return 'bumper';
  if (parts.some((p) => p.startsWith('promo'))) return 'promo';
  return 'program';
}

/** Runs `work` over `inputs` with at most `limit` in flight, keeping input order in the result. */
export async function mapWithConcurrency<T, R>(inputs: T[], limit: number, work: (input: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

/**
 * Loop mode's library: the folders' video files, probed, in path order. A file ffprobe
 * cannot read is skipped with its reason; it never reaches a channel.
 */
export async function loadFolderLibrary(options: {
  folders: string[];
  ffprobePath: string;
  log: Logger;
  concurrency?: number;
}): Promise<{ items: LibraryItem[]; skipped: SkippedFile[] }> {
  const files = await listVideoFiles(options.folders);
  const probes = await mapWithConcurrency(files, options.concurrency ?? 4, (file) => probeMedia(options.ffprobePath, file));
  const items: LibraryItem[] = [];
  const skipped: SkippedFile[] = [];
  files.forEach((file, i) => {
    const result = probes[i]!;
    if (!result.ok) {
      skipped.push({ path: file, reason: result.reason });
      options.log.warn({ file, reason: result.reason }, 'skipping unplayable file');
      return;
    }
    const title = result.probe.tags.title ?? path.basename(file, path.extname(file));
    items.push({ path: file, title, kind: kindFromPath(file), probe: result.probe });
  });
  return { items, skipped };
}
