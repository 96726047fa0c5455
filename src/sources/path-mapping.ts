import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * A path mapping: a folder as the media server sees it (`/data/media`, `D:\Media`) and the same
 * folder as this machine sees it (`/mnt/media`). With one, an item's file is read from disk
 * instead of streamed from the server.
 */
export interface PathMapping {
  from: string;
  to: string;
}

/** Separators of a server path: a Windows server (Plex on Windows) reports `D:\Media\x.mkv`. */
const SEPARATORS = /[\\/]+/g;

function normalisedRemote(remotePath: string): string {
  return remotePath.replace(SEPARATORS, '/').replace(/\/$/, '');
}

/** The mapping whose `from` is the longest folder prefix of the server path, if any. */
export function mappingFor(remotePath: string, mappings: readonly PathMapping[]): PathMapping | undefined {
  const remote = normalisedRemote(remotePath);
  let best: PathMapping | undefined;
  for (const mapping of mappings) {
    const from = normalisedRemote(mapping.from);
    const inside = from === '' ? remote.startsWith('/') : remote === from || remote.startsWith(`${from}/`);
    if (inside && (!best || from.length > normalisedRemote(best.from).length)) best = mapping;
  }
  return best;
}

/** The local path of a server path through the mappings, or undefined when none applies. */
export function mapRemotePath(remotePath: string, mappings: readonly PathMapping[]): { localPath: string; mapping: PathMapping } | undefined {
  const mapping = mappingFor(remotePath, mappings);
  if (!mapping) return undefined;
  const rest = normalisedRemote(remotePath).slice(normalisedRemote(mapping.from).length).replace(/^\//, '');
  const parts = rest === '' ? [] : rest.split('/');
  // A server path with `..` in it would step out of the mapped folder: never followed.
  if (parts.some((part) => part === '..' || part === '.')) return undefined;
  return { localPath: path.join(mapping.to, ...parts), mapping };
}

/** Why a mapped file cannot be read here, in words that name the mapping; undefined when it can. */
export function mappedFileProblem(localPath: string, mapping: PathMapping): string | undefined {
  const rule = `(mapping ${mapping.from} → ${mapping.to})`;
  try {
    const stat = statSync(localPath);
    if (!stat.isFile()) return `mapped to ${localPath}, which is not a file ${rule}`;
    accessSync(localPath, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `mapped to ${localPath}, which this server may not read ${rule}`;
    return `mapped to ${localPath}, which does not exist here ${rule}`;
  }
}

/** Why a mapping cannot be saved (its `to` must be an existing, readable folder here); undefined when it can. */
export function mappingTargetProblem(mapping: PathMapping): string | undefined {
  if (!path.isAbsolute(mapping.to)) return `"${mapping.to}" is not an absolute path on this machine`;
  try {
    const stat = statSync(mapping.to);
    if (!stat.isDirectory()) return `${mapping.to} is not a folder`;
    accessSync(mapping.to, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return `${mapping.to} exists but this server may not read it`;
    return `${mapping.to} does not exist on this machine`;
  }
}
