import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import path from 'node:path';
import { z } from 'zod';
import { MEDIA_KINDS } from '../config/choices.js';
import type { MediaKind } from './catalog.js';
import type { FolderRule } from './folder-rules.js';
import { someOf } from '../config/message-text.js';

/** A media folder added from the control room (the config file's `library` holds the others). */
export interface AddedFolder {
  path: string;
  /** What every file inside is, when the folder says it (commercials, bumpers…); else from names. */
  kind?: MediaKind;
}

export const addFolderBody = z
  .object({
    path: z.string().min(1).max(4096).describe('absolute path of a folder on the server'),
    kind: z.enum(MEDIA_KINDS).optional().describe('what every file inside is; absent: from folder and file names'),
  })
  .strict();

/** A folder the store refuses: `status` is the HTTP status the API answers with. */
export class FolderRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'FolderRequestError';
  }
}

const isInside = (child: string, parent: string) => {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/**
 * The media folders added from the control room, kept in `<data>/library-folders.json` (a small
 * list read at each start and each scan, written atomically). They scan like the config file's
 * `library.folders`: a folder with a kind makes every file inside that kind.
 */
export class LibraryFolders {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'library-folders.json');
  }

  list(): AddedFolder[] {
    if (!existsSync(this.file)) return [];
    try {
      const parsed = z.array(addFolderBody).safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data.map((f) => ({ path: f.path, ...(f.kind ? { kind: f.kind } : {}) })) : [];
    } catch {
      return [];
    }
  }

  /** As folder rules for the scanner (no tags: those come from the config file). */
  rules(): FolderRule[] {
    return this.list().map((f) => ({ path: f.path, ...(f.kind ? { kind: f.kind } : {}), tags: [] }));
  }

  /**
   * Adds a folder after checking it is an absolute path to a readable directory not already
   * scanned (`scanned`: the folders the library already walks). Nothing is written on error.
   */
  add(input: unknown, scanned: string[]): AddedFolder {
    const parsed = addFolderBody.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || undefined;
      throw new FolderRequestError(400, `${field ? `${field}: ` : ''}${issue.code === 'unrecognized_keys' ? `unknown key(s) ${someOf(issue.keys)}` : issue.message}`, field);
    }
    const { kind } = parsed.data;
    if (!path.isAbsolute(parsed.data.path)) throw new FolderRequestError(400, `path: "${parsed.data.path}" is not absolute (start it with /)`, 'path');
    const folder = path.resolve(parsed.data.path);
    let isDirectory = false;
    try {
      isDirectory = statSync(folder).isDirectory();
      accessSync(folder, constants.R_OK | constants.X_OK);
    } catch {
      throw new FolderRequestError(400, `path: ${folder} does not exist or cannot be read by the server's user`, 'path');
    }
    if (!isDirectory) throw new FolderRequestError(400, `path: ${folder} is a file, not a folder`, 'path');
    const covering = scanned.find((root) => isInside(folder, root));
    if (covering) throw new FolderRequestError(409, `path: ${folder} is already scanned${covering === folder ? '' : ` (inside ${covering})`}`, 'path');
    const added: AddedFolder = { path: folder, ...(kind ? { kind } : {}) };
    this.write([...this.list(), added]);
    return added;
  }

  /** Removes a folder added here; false when there is none at that path. */
  remove(folderPath: string): boolean {
    const folders = this.list();
    const kept = folders.filter((f) => f.path !== path.resolve(folderPath));
    if (kept.length === folders.length) return false;
    this.write(kept);
    return true;
  }

  private write(folders: AddedFolder[]): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(folders, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}

/**
 * The files of a folder taken out of the library: marked missing (never deleted, so their
 * chapter edits come back if the folder does), so no schedule compiled from now on airs them.
 */
export function markFolderRemoved(db: Database, folder: string): number {
  const prefix = `${path.resolve(folder)}${path.sep}`;
  const result = db
    .prepare("UPDATE media_files SET status = 'missing', status_reason = 'its folder was removed from the library', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE substr(path, 1, length(?)) = ? AND status != 'missing'")
    .run(prefix, prefix);
  return result.changes;
}
