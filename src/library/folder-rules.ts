import path from 'node:path';
import type { RetrovueConfig } from '../config/schema.js';
import type { MediaKind } from './catalog.js';
import type { ParsedName } from './name-parser.js';

/** A `library.folders` entry with its path made absolute. */
export interface FolderRule {
  path: string;
  kind?: MediaKind;
  tags: string[];
}

/** Where a scan looks and what it knows about each folder. */
export interface LibraryLayout {
  /** Folders walked, absolute, none inside another. */
  roots: string[];
  rules: FolderRule[];
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The folders to scan: `library.paths` plus any `library.folders` entry (or folder added from
 * the control room) outside them.
 * `library.paths` arrive absolute from loadConfig; folder rules are resolved here, relative
 * to the config file when there is one (as loadConfig does for paths).
 */
export function libraryLayout(config: RetrovueConfig, configFile?: string, addedFolders: FolderRule[] = []): LibraryLayout {
  const base = configFile ? path.dirname(path.resolve(configFile)) : process.cwd();
  // Folders added from the control room (absolute already) scan like `library.folders` entries.
  const rules = [...config.library.folders.map((folder) => ({ path: path.resolve(base, folder.path), kind: folder.kind, tags: folder.tags })), ...addedFolders];
  const candidates = [...config.library.paths.map((p) => path.resolve(p)), ...rules.map((r) => r.path)];
  const roots = candidates.filter(
    (candidate, i) => !candidates.some((other, j) => (j < i && other === candidate) || (other !== candidate && isInside(candidate, other))),
  );
  return { roots, rules };
}

/** Folder names that say what the files inside are (singular or plural, any case). */
const FOLDER_KINDS: Array<{ kind: MediaKind; pattern: RegExp }> = [
  { kind: 'commercial', pattern: /^(?:commercials?|ads|adverts?|advertisements?)$/i },
  { kind: 'station_id', pattern: /^(?:station[ _-]?ids?|idents?)$/i },
  { kind: 'bumper', pattern: /^bumpers?$/i },
  { kind: 'promo', pattern: /^promos?$/i },
  { kind: 'movie', pattern: /^(?:movies?|films?)$/i },
];

const STATION_ID_NAME = /station[ _-]?id|\bident\b/i;

/**
 * Kind and tags of a file: a `library.folders` rule wins (the deepest one that says a
 * kind); else a telling folder name between the root and the file; else the name's shape
 * (season/episode → episode, year → movie); else `other`. Tags of every matching rule add up.
 */
export function classify(filePath: string, root: string, rules: FolderRule[], parsed: ParsedName): { kind: MediaKind; tags: string[] } {
  const matching = rules.filter((rule) => isInside(filePath, rule.path)).sort((a, b) => a.path.length - b.path.length);
  const tags = [...new Set(matching.flatMap((rule) => rule.tags))];
  const ruled = [...matching].reverse().find((rule) => rule.kind)?.kind;
  if (ruled) return { kind: ruled, tags };

  // The root's own name counts ("/srv/tv/commercials" scanned as a root); folders above it do not.
  const folders = [path.basename(root), ...path.relative(root, path.dirname(filePath)).split(path.sep).filter(Boolean)];
  for (const folder of folders.reverse()) {
    const match = FOLDER_KINDS.find((entry) => entry.pattern.test(folder.trim()));
    if (!match) continue;
    // Station IDs often live among the bumpers; their name gives them away.
    if (match.kind === 'bumper' && STATION_ID_NAME.test(path.basename(filePath))) return { kind: 'station_id', tags };
    return { kind: match.kind, tags };
  }
  if (parsed.season !== undefined && parsed.episode !== undefined) return { kind: 'episode', tags };
  if (parsed.year !== undefined) return { kind: 'movie', tags };
  return { kind: 'other', tags };
}
