import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { addUserChapter, chaptersOf, LibraryRequestError, syncFileChapters, updateChapter } from '../../../src/library/chapters.js';
import { LibraryScanJob, ScanRunningError } from '../../../src/library/scan-job.js';
import type { ScanProgress, ScanSummary } from '../../../src/library/scanner.js';
import { fileIdentity, thumbnailArgs, ThumbnailCache, ThumbnailError, thumbnailPath } from '../../../src/library/thumbnails.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanSummaryText } from '../../../web/control/library-page.js';

function library() {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  const { lastInsertRowid } = db
    .prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, duration_ms, title, kind) VALUES ('/tv/Pilot.mkv', 1000, 5, 'ok', 600000, 'Pilot', 'episode')")
    .run();
  return { db, mediaId: Number(lastInsertRowid) };
}

const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    if (error instanceof LibraryRequestError) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('not refused');
};

describe('updateChapter: a move keeps the marker id', () => {
  it('moves and renames a user marker in place', () => {
    const { db, mediaId } = library();
    const marker = addUserChapter(db, mediaId, { title: 'Act 2', timestampMs: 120_000 });
    const moved = updateChapter(db, mediaId, marker.id, { timestampMs: 150_000 });
    expect(moved).toMatchObject({ id: marker.id, timestampMs: 150_000, title: 'Act 2', source: 'user' });
    expect(updateChapter(db, mediaId, marker.id, { title: '  Act Two ' })).toMatchObject({ id: marker.id, timestampMs: 150_000, title: 'Act Two' });
    expect(chaptersOf(db, mediaId)).toHaveLength(1);
  });

  it('refuses a clash (409), a marker of another file or none (404) and bad values (400), naming the field', () => {
    const { db, mediaId } = library();
    const a = addUserChapter(db, mediaId, { title: 'A', timestampMs: 100_000 });
    addUserChapter(db, mediaId, { title: 'B', timestampMs: 200_000 });
    expect(refusal(() => updateChapter(db, mediaId, a.id, { timestampMs: 200_000 }))).toMatchObject({ code: 'conflict', field: 'timestampMs' });
    expect(refusal(() => updateChapter(db, mediaId, 999, { timestampMs: 1 }))).toMatchObject({ code: 'not_found' });
    expect(refusal(() => updateChapter(db, 999, a.id, { timestampMs: 1 }))).toMatchObject({ code: 'not_found' });
    expect(refusal(() => updateChapter(db, mediaId, a.id, { timestampMs: 600_000 }))).toMatchObject({ code: 'invalid', field: 'timestampMs' });
    expect(refusal(() => updateChapter(db, mediaId, a.id, { timestampMs: 1.5 }))).toMatchObject({ code: 'invalid', field: 'timestampMs' });
    expect(refusal(() => updateChapter(db, mediaId, a.id, { title: '' }))).toMatchObject({ code: 'invalid', field: 'title' });
    // Moving onto its own instant is no clash.
    expect(updateChapter(db, mediaId, a.id, { timestampMs: 100_000 }).id).toBe(a.id);
  });

  it('an imported marker, moved, becomes the user\'s and survives a rescan of the changed file; the original does not come back', () => {
    const { db, mediaId } = library();
    const probed = [
      { title: 'Opening', startMs: 0, endMs: 60_000 },
      { title: 'Act 2', startMs: 60_000, endMs: 300_000 },
      { title: 'Act 3', startMs: 300_000, endMs: 600_000 },
    ];
    syncFileChapters(db, mediaId, probed);
    const act2 = chaptersOf(db, mediaId).find((c) => c.title === 'Act 2')!;
    expect(act2.source).toBe('file');
    const moved = updateChapter(db, mediaId, act2.id, { timestampMs: 75_000 });
    expect(moved).toMatchObject({ id: act2.id, timestampMs: 75_000, source: 'user' });

    // The file changed on disk and was probed again, with the same chapters.
    syncFileChapters(db, mediaId, probed);
    const after = chaptersOf(db, mediaId);
    expect(after.map((c) => [c.title, c.timestampMs, c.source])).toEqual([
      ['Opening', 0, 'file'],
      ['Act 2', 75_000, 'user'],
      ['Act 3', 300_000, 'file'],
    ]);
    expect(after.find((c) => c.title === 'Act 2')!.id).toBe(act2.id);
  });
});

describe('LibraryScanJob: one scan at a time, followed by polling', () => {
  const summary = (found: number): ScanSummary => ({ found, added: 1, updated: 0, unchanged: found - 1, missing: 0, unplayable: 0, unplayableFiles: [], probed: 1, elapsedMs: 12 });

  it('reports progress while running, refuses a second start, and ends with the summary', async () => {
    let report!: (p: ScanProgress) => void;
    let finish!: (s: ScanSummary) => void;
    const job = new LibraryScanJob((onProgress) => {
      report = onProgress;
      return new Promise((resolve) => (finish = resolve));
    }, () => Date.UTC(2026, 0, 1));
    expect(job.status()).toMatchObject({ state: 'idle', summary: null });
    expect(job.start()).toMatchObject({ state: 'running', processed: 0, total: 0, startedAt: '2026-01-01T00:00:00.000Z' });
    expect(() => job.start()).toThrow(ScanRunningError);
    report({ probed: 1, toProbe: 3, found: 7, currentFile: '/tv/a.mkv' });
    expect(job.status()).toMatchObject({ state: 'running', processed: 1, total: 3, found: 7, currentFile: '/tv/a.mkv' });
    finish(summary(7));
    await job.settled();
    expect(job.status()).toMatchObject({ state: 'done', summary: { added: 1, found: 7 }, currentFile: null, error: null });
    expect(job.start().state).toBe('running'); // a finished scan may be run again
  });

  it('a failed scan says why, and another may start', async () => {
    const job = new LibraryScanJob(async () => {
      throw new Error('library folder /tv does not exist');
    });
    job.start();
    await job.settled();
    expect(job.status()).toMatchObject({ state: 'failed', error: 'library folder /tv does not exist' });
    expect(job.start().state).toBe('running');
  });

  it('the page says a finished scan in one line', () => {
    expect(scanSummaryText(summary(5))).toBe('1 added, 0 updated, 4 unchanged, 0 missing, 0 unplayable (5 files, 0.0 s)');
  });
});

describe('thumbnails', () => {
  const source = { mediaId: 7, path: '/tv/Pilot.mkv', sizeBytes: 1234, mtimeMs: 1700000000123.4 };

  it('are keyed by media id, file identity and instant', () => {
    expect(fileIdentity(source)).toBe('1234-1700000000123');
    expect(thumbnailPath('/data/thumbnails', source, 90_500)).toBe('/data/thumbnails/7/1234-1700000000123-90500.jpg');
    expect(thumbnailPath('/data/thumbnails', { ...source, sizeBytes: 99 }, 90_500)).not.toBe(thumbnailPath('/data/thumbnails', source, 90_500));
  });

  it('of a file no longer on disk are refused as missing, without running ffmpeg', async () => {
    const cache = new ThumbnailCache({ dir: mkdtempSync(path.join(tmpdir(), 'retrovue-thumbs-')), ffmpegPath: '/nonexistent/ffmpeg' });
    const refused = await cache.get({ ...source, path: '/nonexistent/Pilot.mkv' }, 1000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ThumbnailError);
    expect(refused).toMatchObject({ code: 'missing', message: expect.stringContaining('/nonexistent/Pilot.mkv is not on disk') });
  });

  it('are one frame, seeking before the input, scaled to 160 px wide', () => {
    const args = thumbnailArgs('/tv/Pilot.mkv', 90_500, '/tmp/out.jpg');
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(args[args.indexOf('-ss') + 1]).toBe('90.500');
    expect(args.join(' ')).toContain('-frames:v 1 -vf scale=160:-2');
    expect(args.at(-1)).toBe('/tmp/out.jpg');
  });
});
