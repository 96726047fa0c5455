import type { Database } from 'better-sqlite3';
import path from 'node:path';
import type { MediaKind } from './catalog.js';
import { syncFileChapters } from './chapters.js';
import type { Logger } from '../logging/logger.js';
import { normaliseLanguage } from '../subtitles/languages.js';
import { mapWithConcurrency, walkLibraryFiles, type FoundFile } from './file-walker.js';
import { classify, type FolderRule } from './folder-rules.js';
import { parseMediaName, type ParsedName } from './name-parser.js';
import { probeMedia, type MediaProbe, type ProbedSubtitleStream, type ProbeResult } from './probe.js';
import { isPictureSubtitle, isTextSubtitle } from './subtitles/codecs.js';
import { syncSidecars } from './subtitles/sidecar-sync.js';
import { syncLocalMetadata, type LocalMetadataSummary } from './metadata/local-metadata.js';

export interface ScanProgress {
  /** Files probed so far and files to probe in this scan (unchanged files are not probed). */
  probed: number;
  toProbe: number;
  /** Files found on disk. */
  found: number;
  currentFile?: string;
}

export interface ScanSummary {
  /** Files found on disk under the scanned folders. */
  found: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Known files under the scanned folders that are not on disk now. */
  missing: number;
  /** Files on disk that cannot air, with ffprobe's reason. */
  unplayable: number;
  unplayableFiles: Array<{ path: string; reason: string }>;
  /** ffprobe runs in this scan. */
  probed: number;
  elapsedMs: number;
  /** .nfo and poster sidecars: how many videos have them, and those that could not be used. */
  metadata?: LocalMetadataSummary;
}

export interface ScanOptions {
  db: Database;
  roots: string[];
  rules?: FolderRule[];
  ffprobePath: string;
  /** ffprobe processes at once; default 4. */
  concurrency?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** Subtitle files with dropped cues or that cannot be used are logged here, one line each. */
  log?: Pick<Logger, 'warn'>;
}

interface KnownRow {
  id: number;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  status: 'ok' | 'missing' | 'unplayable';
  status_reason: string | null;
  kind: MediaKind;
  tags_json: string;
}

interface Identity {
  parsed: ParsedName;
  kind: MediaKind;
  tags: string[];
}

function isInside(file: string, root: string): boolean {
  return file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function tagNumber(value: string | undefined): number | undefined {
  const n = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Title, show, season, episode and year: the name's structure first (it is what users
 * curate), container tags fill what the name lacks; a title tag beats a title made up
 * from the name.
 */
function describe(identity: Identity, probe: MediaProbe | undefined) {
  const tags = probe?.tags ?? {};
  const { parsed } = identity;
  const yearTag = /^(\d{4})/.exec(tags.date ?? tags.year ?? '')?.[1];
  return {
    title: tags.title?.trim() || parsed.title,
    show: parsed.show ?? (tags.show?.trim() || undefined),
    season: parsed.season ?? tagNumber(tags.season_number),
    episode: parsed.episode ?? tagNumber(tags.episode_sort),
    year: parsed.year ?? tagNumber(yearTag),
  };
}

/**
 * Scans folders into the media library. Unchanged files (same size and mtime) are only
 * stat'ed; new and changed ones are probed, at most `concurrency` at a time, and each is
 * written as soon as its probe returns. A file that cannot be read is recorded as
 * `unplayable` with ffprobe's reason; a known file no longer on disk becomes `missing`.
 */
export async function scanLibrary(options: ScanOptions): Promise<ScanSummary> {
  const started = Date.now();
  const { db } = options;
  const rules = options.rules ?? [];
  const roots = options.roots.map((root) => path.resolve(root));
  const { videos: walked, subtitles } = await walkLibraryFiles(roots);
  // A file a media server's row reads through a path mapping belongs to that source (src/sources/sync.ts
  // writes its facts and says when it is missing): the scan neither probes it again nor marks it.
  const sourceOwned = new Set((db.prepare('SELECT path FROM media_files WHERE source_id IS NOT NULL').all() as Array<{ path: string }>).map((row) => row.path));
  const found = sourceOwned.size === 0 ? walked : walked.filter((file) => !sourceOwned.has(file.path));

  const known = new Map<string, KnownRow>();
  for (const row of db.prepare('SELECT id, path, size_bytes, mtime_ms, status, status_reason, kind, tags_json FROM media_files WHERE source_id IS NULL').iterate() as Iterable<KnownRow>) {
    known.set(row.path, row);
  }

  const summary: ScanSummary = {
    found: found.length, added: 0, updated: 0, unchanged: 0, missing: 0, unplayable: 0, unplayableFiles: [], probed: 0, elapsedMs: 0,
  };
  // Files whose subtitle streams were recorded before their flags were (migration 7): probed again.
  const flagsUnknown = new Set(
    (db.prepare('SELECT DISTINCT media_file_id AS id FROM media_subtitle_streams WHERE disposition_known = 0').all() as Array<{ id: number }>).map((r) => r.id),
  );
  const identities = new Map<string, Identity>();
  const identify = (file: FoundFile): Identity => {
    const parsed = parseMediaName(file.path);
    const identity = { parsed, ...classify(file.path, file.root, rules, parsed) };
    identities.set(file.path, identity);
    return identity;
  };

  // Unchanged files: no probe. A changed folder rule can still change their kind or tags.
  const toProbe: FoundFile[] = [];
  const reclassify = db.prepare("UPDATE media_files SET kind = ?, tags_json = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?");
  db.transaction(() => {
    for (const file of found) {
      const row = known.get(file.path);
      if (!row || row.status === 'missing' || row.size_bytes !== file.sizeBytes || row.mtime_ms !== file.mtimeMs || flagsUnknown.has(row.id)) {
        toProbe.push(file);
        continue;
      }
      const { kind, tags } = identify(file);
      const tagsJson = JSON.stringify(tags);
      if (kind !== row.kind || tagsJson !== row.tags_json) {
        reclassify.run(kind, tagsJson, row.id);
        summary.updated += 1;
      } else {
        summary.unchanged += 1;
      }
      if (row.status === 'unplayable') summary.unplayableFiles.push({ path: file.path, reason: row.status_reason ?? 'unplayable' });
    }
  })();

  const writer = createWriter(db);
  let probedCount = 0;
  options.onProgress?.({ probed: 0, toProbe: toProbe.length, found: found.length });
  await mapWithConcurrency(toProbe, options.concurrency ?? 4, async (file) => {
    const result = await probeMedia(options.ffprobePath, file.path);
    probedCount += 1;
    const identity = identities.get(file.path) ?? identify(file);
    const existing = known.get(file.path);
    writer.record(file, identity, result);
    if (existing) summary.updated += 1;
    else summary.added += 1;
    if (!result.ok) summary.unplayableFiles.push({ path: file.path, reason: result.reason });
    options.onProgress?.({ probed: probedCount, toProbe: toProbe.length, found: found.length, currentFile: file.path });
  });
  summary.probed = probedCount;

  // Subtitle files beside the videos: for every file found, probed or not (they change on their own).
  await syncSidecars(db, found, subtitles, { log: options.log, concurrency: options.concurrency });
  // .nfo and poster sidecars (src/library/metadata): after the probe, so an .nfo's title wins over the name's.
  summary.metadata = await syncLocalMetadata(db, found, { log: options.log, concurrency: options.concurrency });

  // Known files under the scanned folders that were not found: missing, never deleted.
  const onDisk = new Set(found.map((file) => file.path));
  const markMissing = db.prepare(
    "UPDATE media_files SET status = 'missing', status_reason = 'not found at last scan', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
  );
  db.transaction(() => {
    for (const row of known.values()) {
      if (onDisk.has(row.path) || !roots.some((root) => isInside(row.path, root))) continue;
      summary.missing += 1;
      if (row.status !== 'missing') markMissing.run(row.id);
    }
  })();

  summary.unplayableFiles.sort((a, b) => a.path.localeCompare(b.path));
  summary.unplayable = summary.unplayableFiles.length;
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/** Prepared statements for writing one probed file (facts, streams, chapters) in one transaction. */
function createWriter(db: Database) {
  const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
  const upsertOk = db.prepare(`
    INSERT INTO media_files (path, size_bytes, mtime_ms, status, status_reason, container, duration_ms, video_codec, video_profile,
      width, height, frame_rate, frame_rate_fraction, pixel_format, bit_depth, field_order, interlaced, display_aspect, sample_aspect,
      title, show, season, episode, year, kind, tags_json, probed_at)
    VALUES (@path, @size, @mtime, 'ok', NULL, @container, @duration, @videoCodec, @videoProfile,
      @width, @height, @frameRate, @frameRateFraction, @pixelFormat, @bitDepth, @fieldOrder, @interlaced, @displayAspect, @sampleAspect,
      @title, @show, @season, @episode, @year, @kind, @tags, ${now})
    ON CONFLICT(path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, status = 'ok', status_reason = NULL,
      container = excluded.container, duration_ms = excluded.duration_ms, video_codec = excluded.video_codec,
      video_profile = excluded.video_profile, width = excluded.width, height = excluded.height, frame_rate = excluded.frame_rate,
      frame_rate_fraction = excluded.frame_rate_fraction, pixel_format = excluded.pixel_format, bit_depth = excluded.bit_depth,
      field_order = excluded.field_order, interlaced = excluded.interlaced, display_aspect = excluded.display_aspect,
      sample_aspect = excluded.sample_aspect, title = excluded.title, show = excluded.show, season = excluded.season,
      episode = excluded.episode, year = excluded.year, kind = excluded.kind, tags_json = excluded.tags_json,
      probed_at = excluded.probed_at, updated_at = ${now}
    RETURNING id`);
  // A file that turned bad keeps its last known facts (for history); only status and reason change.
  const upsertUnplayable = db.prepare(`
    INSERT INTO media_files (path, size_bytes, mtime_ms, status, status_reason, title, show, season, episode, year, kind, tags_json, probed_at)
    VALUES (@path, @size, @mtime, 'unplayable', @reason, @title, @show, @season, @episode, @year, @kind, @tags, ${now})
    ON CONFLICT(path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, status = 'unplayable',
      status_reason = excluded.status_reason, kind = excluded.kind, tags_json = excluded.tags_json, probed_at = excluded.probed_at,
      updated_at = ${now}
    RETURNING id`);
  const clearAudio = db.prepare('DELETE FROM media_audio_streams WHERE media_file_id = ?');
  // The file's own streams are replaced; the sidecars beside it are the sidecar step's.
  const clearSubtitles = db.prepare("DELETE FROM media_subtitle_streams WHERE media_file_id = ? AND origin = 'embedded'");
  const insertAudio = db.prepare(
    'INSERT INTO media_audio_streams (media_file_id, stream_index, codec, language, channels, channel_layout, sample_rate, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertSubtitle = db.prepare(`
    INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, codec, language, title, forced, is_default, hearing_impaired, picture_only, problem)
    VALUES (@mediaFileId, 'embedded', @index, @codec, @language, @title, @forced, @isDefault, @hearingImpaired, @pictureOnly, @problem)`);

  const record = db.transaction((file: FoundFile, identity: Identity, result: ProbeResult) => {
    const probe = result.ok ? result.probe : undefined;
    const facts = describe(identity, probe);
    const common = {
      path: file.path, size: file.sizeBytes, mtime: file.mtimeMs, kind: identity.kind, tags: JSON.stringify(identity.tags),
      title: facts.title, show: facts.show ?? null, season: facts.season ?? null, episode: facts.episode ?? null, year: facts.year ?? null,
    };
    if (!result.ok) {
      upsertUnplayable.get({ ...common, reason: result.reason });
      return;
    }
    const video = result.probe.video;
    const { id } = upsertOk.get({
      ...common,
      container: result.probe.container,
      duration: result.probe.durationMs,
      videoCodec: video?.codec ?? null,
      videoProfile: video?.profile ?? null,
      width: video?.width ?? null,
      height: video?.height ?? null,
      frameRate: video?.frameRate ?? null,
      frameRateFraction: video?.frameRateFraction ?? null,
      pixelFormat: video?.pixelFormat ?? null,
      bitDepth: video?.bitDepth ?? null,
      fieldOrder: video?.fieldOrder ?? null,
      interlaced: video ? (video.interlaced ? 1 : 0) : null,
      displayAspect: video?.displayAspect ?? null,
      sampleAspect: video?.sampleAspect ?? null,
    }) as { id: number };
    clearAudio.run(id);
    clearSubtitles.run(id);
    for (const a of result.probe.audio) insertAudio.run(id, a.index, a.codec, a.language, a.channels, a.channelLayout, a.sampleRate, a.title);
    for (const s of result.probe.subtitles) insertSubtitle.run({ mediaFileId: id, ...embeddedSubtitle(s) });
    syncFileChapters(db, id, result.probe.chapters);
  });
  return { record: (file: FoundFile, identity: Identity, result: ProbeResult): void => record(file, identity, result) };
}

/**
 * An embedded subtitle stream as the library records it: its language as ISO 639-2/B (an unknown
 * tag kept as it is), forced and SDH also from a title that says so (many files name a forced
 * track "Forced" without flagging it), pictures marked, a codec without a reader marked.
 */
export function embeddedSubtitle(stream: ProbedSubtitleStream) {
  const title = stream.title ?? '';
  const text = isTextSubtitle(stream.codec);
  const picture = isPictureSubtitle(stream.codec);
  return {
    index: stream.index,
    codec: stream.codec,
    language: stream.language ? (normaliseLanguage(stream.language) ?? stream.language) : null,
    title: stream.title,
    forced: Number(stream.forced || /\bforced\b/i.test(title)),
    isDefault: Number(stream.default),
    hearingImpaired: Number(stream.hearingImpaired || /\b(sdh|cc)\b/i.test(title)),
    pictureOnly: Number(picture),
    problem: text || picture ? null : `no reader for ${stream.codec} subtitles`,
  };
}
