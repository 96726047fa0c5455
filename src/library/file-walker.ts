import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SUBTITLE_EXTENSIONS } from './subtitles/read-file.js';

export const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mkv', '.mov', '.avi', '.ts', '.m2ts', '.mpg', '.mpeg', '.webm', '.wmv', '.flv']);

export interface FoundFile {
  path: string;
  /** The scanned folder this file was found under. */
  root: string;
  sizeBytes: number;
  mtimeMs: number;
}

export class LibraryFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryFolderError';
  }
}

const naturalOrder = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Natural path order: Episode 2 before Episode 10. */
export function compareNatural(a: string, b: string): number {
  return naturalOrder.compare(a, b);
}

/**
 * Every video file (by extension) under the folders, with size and mtime, in natural path
 * order. Hidden entries are skipped. A folder that does not exist is an error naming it;
 * an unreadable subfolder or a file that vanishes mid-walk is skipped.
 */
export async function walkVideoFiles(folders: string[]): Promise<FoundFile[]> {
  return (await walkLibraryFiles(folders)).videos;
}

/**
 * The video files and, by the same rules (hidden entries skipped, a link to a file followed, a
 * link to a folder not), the subtitle files beside them (.srt, .vtt, .ass, .ssa): a sidecar is
 * only ever a file the walk found inside a library folder, never a path made up from a name.
 */
export async function walkLibraryFiles(folders: string[]): Promise<{ videos: FoundFile[]; subtitles: FoundFile[] }> {
  const videos: FoundFile[] = [];
  const subtitles: FoundFile[] = [];
  async function walk(folder: string, root: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (folder !== root) return;
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist (ENOENT)' : code === 'ENOTDIR' ? 'is not a folder (ENOTDIR)' : `cannot be read (${code ?? (error as Error).message})`;
      throw new LibraryFolderError(`library folder ${folder} ${why}`);
    }
    const files: Array<{ path: string; into: FoundFile[] }> = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full, root);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const extension = path.extname(entry.name).toLowerCase();
        if (VIDEO_EXTENSIONS.has(extension)) files.push({ path: full, into: videos });
        else if (SUBTITLE_EXTENSIONS.has(extension)) files.push({ path: full, into: subtitles });
      }
    }
    const stats = await Promise.all(files.map((file) => stat(file.path).catch(() => undefined)));
    files.forEach((file, i) => {
      const info = stats[i];
      if (info?.isFile()) file.into.push({ path: file.path, root, sizeBytes: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
    });
  }
  for (const folder of folders) {
    const root = path.resolve(folder);
    await walk(root, root);
  }
  const byPath = (a: FoundFile, b: FoundFile) => compareNatural(a.path, b.path);
  return { videos: videos.sort(byPath), subtitles: subtitles.sort(byPath) };
}

/** Runs `work` over `inputs` with at most `limit` in flight, keeping input order in the result. */
export async function mapWithConcurrency<T, R>(inputs: T[], limit: number, work: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await work(inputs[index]!, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), inputs.length) }, worker));
  return results;
}
