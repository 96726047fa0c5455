import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

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
  const found: FoundFile[] = [];
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
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full, root);
      else if ((entry.isFile() || entry.isSymbolicLink()) && VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
    }
    const stats = await Promise.all(files.map((file) => stat(file).catch(() => undefined)));
    files.forEach((file, i) => {
      const info = stats[i];
      if (info?.isFile()) found.push({ path: file, root, sizeBytes: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
    });
  }
  for (const folder of folders) {
    const root = path.resolve(folder);
    await walk(root, root);
  }
  return found.sort((a, b) => compareNatural(a.path, b.path));
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
