import type { Database } from 'better-sqlite3';
import type { Logger } from '../../logging/logger.js';
import { mapWithConcurrency, type FoundFile } from '../file-walker.js';
import { readSubtitleFile, SIDECAR_CODECS, warningOf } from './read-file.js';
import { matchSidecars, type SidecarName } from './sidecar-names.js';

/**
 * The scanner's sidecar step: the subtitle files found beside each video become (or stay, or stop
 * being) its 'sidecar' tracks. Run on every scan for every video found, probed or not (a
 * subtitle file comes and goes on its own); a new or changed sidecar is read once, so the
 * library can show its problem before it ever airs; an unchanged one costs nothing and writes
 * nothing.
 */

export interface SidecarSyncSummary {
  /** Sidecar tracks of the videos found, after the sync. */
  tracks: number;
  added: number;
  updated: number;
  removed: number;
}

interface SidecarRow {
  id: number;
  media_file_id: number;
  sidecar_path: string;
  codec: string;
  language: string | null;
  title: string | null;
  forced: number;
  is_default: number;
  hearing_impaired: number;
  sidecar_size: number | null;
  sidecar_mtime_ms: number | null;
  problem: string | null;
  warning: string | null;
}

interface Wanted {
  mediaFileId: number;
  file: FoundFile;
  name: SidecarName;
  existing?: SidecarRow;
  read?: { problem: string | null; warning: string | null };
}

const sameFacts = (row: SidecarRow, wanted: Wanted) =>
  row.codec === SIDECAR_CODECS[wanted.name.format] &&
  row.language === wanted.name.language &&
  row.title === wanted.name.title &&
  row.forced === Number(wanted.name.forced) &&
  row.is_default === Number(wanted.name.default) &&
  row.hearing_impaired === Number(wanted.name.hearingImpaired);

const sameRead = (row: SidecarRow, wanted: Wanted) =>
  sameFacts(row, wanted) &&
  row.problem === wanted.read!.problem &&
  row.warning === wanted.read!.warning &&
  row.sidecar_size === wanted.file.sizeBytes &&
  row.sidecar_mtime_ms === wanted.file.mtimeMs;

export async function syncSidecars(
  db: Database,
  videos: FoundFile[],
  subtitles: FoundFile[],
  options: { log?: Pick<Logger, 'warn'>; concurrency?: number } = {},
): Promise<SidecarSyncSummary> {
  const ids = new Map<string, number>();
  for (const row of db.prepare('SELECT id, path FROM media_files').iterate() as Iterable<{ id: number; path: string }>) ids.set(row.path, row.id);
  const existing = new Map<number, Map<string, SidecarRow>>();
  const rows = db
    .prepare(
      `SELECT id, media_file_id, sidecar_path, codec, language, title, forced, is_default, hearing_impaired, sidecar_size, sidecar_mtime_ms, problem, warning
       FROM media_subtitle_streams WHERE origin = 'sidecar'`,
    )
    .iterate() as Iterable<SidecarRow>;
  for (const row of rows) {
    const byPath = existing.get(row.media_file_id) ?? new Map<string, SidecarRow>();
    byPath.set(row.sidecar_path, row);
    existing.set(row.media_file_id, byPath);
  }

  const subtitleFiles = new Map(subtitles.map((file) => [file.path, file]));
  const matched = matchSidecars(
    videos.map((video) => video.path),
    subtitles.map((file) => file.path),
  );
  const wanted: Wanted[] = [];
  const gone: number[] = [];
  for (const video of videos) {
    const mediaFileId = ids.get(video.path);
    if (mediaFileId === undefined) continue;
    const had = existing.get(mediaFileId) ?? new Map<string, SidecarRow>();
    const now = matched.get(video.path) ?? [];
    for (const sidecar of now) wanted.push({ mediaFileId, file: subtitleFiles.get(sidecar.path)!, name: sidecar.name, existing: had.get(sidecar.path) });
    const kept = new Set(now.map((sidecar) => sidecar.path));
    for (const [sidecarPath, row] of had) if (!kept.has(sidecarPath)) gone.push(row.id);
  }

  // New and changed files are read; so is one that could not be used (its permissions may be fixed now).
  const changed = (w: Wanted) => !w.existing || w.existing.sidecar_size !== w.file.sizeBytes || w.existing.sidecar_mtime_ms !== w.file.mtimeMs || w.existing.problem !== null;
  await mapWithConcurrency(wanted.filter(changed), options.concurrency ?? 4, async (w) => {
    const read = await readSubtitleFile(w.file.path, w.name.format);
    if (read.fatal) options.log?.warn({ file: w.file.path, problem: read.fatal }, 'subtitle file cannot be used');
    else if (read.problems.length > 0) options.log?.warn({ file: w.file.path, problems: read.problems.slice(0, 5) }, 'subtitle cues dropped or cut');
    w.read = { problem: read.fatal ?? null, warning: read.fatal ? null : warningOf(read.problems) };
  });

  const summary: SidecarSyncSummary = { tracks: wanted.length, added: 0, updated: 0, removed: gone.length };
  const insert = db.prepare(`
    INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, sidecar_path, codec, language, title, forced, is_default, hearing_impaired,
      picture_only, problem, warning, sidecar_size, sidecar_mtime_ms)
    VALUES (@mediaFileId, 'sidecar', NULL, @path, @codec, @language, @title, @forced, @isDefault, @hearingImpaired, 0, @problem, @warning, @size, @mtime)`);
  const update = db.prepare(`
    UPDATE media_subtitle_streams SET codec = @codec, language = @language, title = @title, forced = @forced, is_default = @isDefault,
      hearing_impaired = @hearingImpaired, problem = @problem, warning = @warning, sidecar_size = @size, sidecar_mtime_ms = @mtime
    WHERE id = @id`);
  const updateFacts = db.prepare(
    'UPDATE media_subtitle_streams SET codec = @codec, language = @language, title = @title, forced = @forced, is_default = @isDefault, hearing_impaired = @hearingImpaired WHERE id = @id',
  );
  const remove = db.prepare('DELETE FROM media_subtitle_streams WHERE id = ?');
  db.transaction(() => {
    for (const id of gone) remove.run(id);
    for (const w of wanted) {
      const facts = {
        codec: SIDECAR_CODECS[w.name.format],
        language: w.name.language,
        title: w.name.title,
        forced: Number(w.name.forced),
        isDefault: Number(w.name.default),
        hearingImpaired: Number(w.name.hearingImpaired),
      };
      if (!w.existing) {
        insert.run({ mediaFileId: w.mediaFileId, path: w.file.path, ...facts, ...w.read!, size: w.file.sizeBytes, mtime: w.file.mtimeMs });
        summary.added += 1;
      } else if (w.read && !sameRead(w.existing, w)) {
        update.run({ id: w.existing.id, ...facts, ...w.read, size: w.file.sizeBytes, mtime: w.file.mtimeMs });
        summary.updated += 1;
      } else if (!sameFacts(w.existing, w)) {
        updateFacts.run({ id: w.existing.id, ...facts });
        summary.updated += 1;
      }
    }
  })();
  return summary;
}
