import BetterSqlite3, { type Database } from 'better-sqlite3';
import { readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { addUserChapter, chaptersOf, removeChapter } from '../../../src/library/chapters.js';
import { LibraryFolderError } from '../../../src/library/file-walker.js';
import { mediaDetail } from '../../../src/library/media-queries.js';
import { scanLibrary, type ScanSummary } from '../../../src/library/scanner.js';
import { createSqliteCatalog } from '../../../src/library/sqlite-catalog.js';
import { streamFacts } from '../../helpers/hls.js';
import { BROKEN_FIXTURES, GOOD_FIXTURES, generateMessyLibrary } from '../../helpers/library-fixtures.js';
import { tempDir } from '../../helpers/server.js';

/**
 * The scanner over a generated messy library, with real ffprobe and a real SQLite file.
 * The tests run in order: each scan builds on the state the previous one left.
 */
describe('media library scanner (real ffprobe, real SQLite)', () => {
  let work: string;
  let root: string;
  let db: Database;
  let first: ScanSummary;

  const scan = (extra: Partial<Parameters<typeof scanLibrary>[0]> = {}) => scanLibrary({ db, roots: [root], ffprobePath: 'ffprobe', concurrency: 2, ...extra });
  const idOf = (relPath: string) => (db.prepare('SELECT id FROM media_files WHERE path = ?').get(path.join(root, relPath)) as { id: number }).id;
  /** Everything the library stores, to prove a rescan wrote nothing. */
  const snapshot = () =>
    JSON.stringify(
      ['media_files', 'media_audio_streams', 'media_subtitle_streams', 'chapter_markers', 'chapter_marker_sources', 'chapter_suppressions'].map((table) =>
        db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all(),
      ),
    );

  beforeAll(async () => {
    work = tempDir('library');
    root = path.join(work, 'library');
    await generateMessyLibrary(root, path.join(work, 'scratch'));
    db = new BetterSqlite3(path.join(work, 'retrovue.db'));
    db.pragma('foreign_keys = ON');
    migrate(db);
    first = await scan();
  });

  afterAll(() => db?.close());

  it('adds every file, probing each once, and counts the broken ones', () => {
    const total = GOOD_FIXTURES.length + BROKEN_FIXTURES.length;
    expect(first).toMatchObject({ found: total, added: total, updated: 0, unchanged: 0, missing: 0, unplayable: BROKEN_FIXTURES.length, probed: total });
  });

  it.each(GOOD_FIXTURES.map((f) => [f.relPath, f] as const))('%s is ok with the right facts', async (relPath, fixture) => {
    const detail = mediaDetail(db, idOf(relPath))!;
    expect(detail.status).toBe('ok');
    const reference = await streamFacts(path.join(root, relPath));
    expect(Math.abs(detail.durationMs! - reference.duration * 1000)).toBeLessThanOrEqual(50);
    expect(Math.abs(detail.durationMs! - fixture.seconds * 1000)).toBeLessThanOrEqual(150);
    expect(detail.video).toMatchObject({
      codec: fixture.video.codec,
      width: fixture.video.width,
      height: fixture.video.height,
      frameRateFraction: fixture.video.frameRate,
      displayAspect: fixture.video.aspect,
      interlaced: fixture.video.interlaced,
      bitDepth: fixture.video.bitDepth,
    });
    expect(detail.audio.map((a) => ({ codec: a.codec, channels: a.channels, ...(a.language ? { language: a.language } : {}) }))).toEqual(fixture.audio);
    expect(detail.subtitles.map((s) => ({ codec: s.codec, language: s.language }))).toEqual(fixture.subtitles);
    expect({ kind: detail.kind, title: detail.title, show: detail.show ?? undefined, season: detail.season ?? undefined, episode: detail.episode ?? undefined, year: detail.year ?? undefined }).toEqual({
      show: undefined, season: undefined, episode: undefined, year: undefined, ...fixture.expect,
    });
    expect(detail.chapters.map((c) => ({ title: c.title, ms: c.timestampMs, source: c.source }))).toEqual(fixture.chapters.map((c) => ({ ...c, source: 'file' })));
  });

  it.each(BROKEN_FIXTURES.map((f) => [f.relPath, f] as const))('%s is unplayable with ffprobe’s reason', (relPath) => {
    const detail = mediaDetail(db, idOf(relPath))!;
    expect(detail.status).toBe('unplayable');
    expect(detail.reason).toMatch(/moov atom not found|Invalid data found/);
    expect(first.unplayableFiles).toContainEqual({ path: path.join(root, relPath), reason: detail.reason });
  });

  it('offers only ok files to schedules, in natural path order, with chapters', () => {
    const catalog = createSqliteCatalog(db);
    const playable = catalog.playable();
    expect(playable.map((item) => item.path).sort()).toEqual(GOOD_FIXTURES.map((f) => path.join(root, f.relPath)).sort());
    const pilot = playable.find((item) => item.title === 'Pilot')!;
    expect(pilot).toMatchObject({ kind: 'episode', show: 'Test Show', season: 1, episode: 1, tags: [] });
    expect(pilot.chapters).toEqual(GOOD_FIXTURES[0]!.chapters.map((c) => ({ title: c.title, timestampMs: c.ms })));
    expect(catalog.byId(idOf('broken/empty.mp4'))).toMatchObject({ status: 'unplayable', durationMs: 0 });
    expect(catalog.byId(999_999)).toBeUndefined();
  });

  it('rescans an unchanged library without probing or writing anything', async () => {
    const before = snapshot();
    const again = await scan();
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: first.found, missing: 0, unplayable: BROKEN_FIXTURES.length, probed: 0 });
    expect(snapshot()).toBe(before);
  });

  it('keeps user chapter edits through a re-probe of the changed file', async () => {
    const pilotPath = GOOD_FIXTURES[0]!.relPath;
    const id = idOf(pilotPath);
    const imported = chaptersOf(db, id);
    const act1 = imported.find((c) => c.title === 'Act 1')!;
    removeChapter(db, id, act1.id);
    const userMarker = addUserChapter(db, id, { title: 'Station break', timestampMs: 1200 });
    expect(userMarker.source).toBe('user');

    // Touch the file: same bytes, new mtime, so the scanner must probe it again.
    const file = path.join(root, pilotPath);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const rescan = await scan();
    expect(rescan).toMatchObject({ probed: 1, updated: 1, added: 0 });

    const after = chaptersOf(db, id);
    expect(after.map((c) => [c.title, c.timestampMs, c.source])).toEqual([
      ['Cold open', 0, 'file'],
      ['Station break', 1200, 'user'],
      ['Act 2', 1500, 'file'],
    ]);
    // Unchanged imported markers keep their ids, so anything that refers to them stays valid.
    expect(after.find((c) => c.title === 'Cold open')!.id).toBe(imported.find((c) => c.title === 'Cold open')!.id);
  });

  it('refuses bad chapter edits with a reason and changes nothing', () => {
    const id = idOf(GOOD_FIXTURES[0]!.relPath);
    const before = snapshot();
    expect(() => addUserChapter(db, id, { title: '', timestampMs: 100 })).toThrow(/title: must be a non-empty string/);
    expect(() => addUserChapter(db, id, { title: 'x', timestampMs: -5 })).toThrow(/timestampMs/);
    expect(() => addUserChapter(db, id, { title: 'x', timestampMs: 60_000 })).toThrow(/not inside the file/);
    expect(() => addUserChapter(db, id, { title: 'x', timestampMs: 1200 })).toThrow(/already starts at 1200 ms/);
    expect(() => addUserChapter(db, 999_999, { title: 'x', timestampMs: 1 })).toThrow(/no media file with id 999999/);
    expect(() => removeChapter(db, id, 999_999)).toThrow(/has no chapter 999999/);
    expect(snapshot()).toBe(before);
  });

  it('marks a removed file missing (never deleting it) and brings it back with the same id', async () => {
    const relPath = 'commercials/Soda Pop.mov';
    const id = idOf(relPath);
    const file = path.join(root, relPath);
    const aside = path.join(work, 'aside.mov');
    renameSync(file, aside);
    const gone = await scan();
    expect(gone).toMatchObject({ missing: 1, probed: 0 });
    const catalog = createSqliteCatalog(db);
    expect(catalog.byId(id)).toMatchObject({ status: 'missing', title: 'Soda Pop' });
    expect(catalog.playable().some((item) => item.id === id)).toBe(false);

    renameSync(aside, file);
    const back = await scan();
    expect(back).toMatchObject({ missing: 0, probed: 1, updated: 1 });
    expect(catalog.byId(id)).toMatchObject({ status: 'ok', kind: 'commercial' });
  });

  it('applies per-folder kind and tags without probing again', async () => {
    const rules = [{ path: path.join(root, 'movies'), kind: 'promo' as const, tags: ['eighties'] }, { path: root, tags: ['home'] }];
    const ruled = await scan({ rules });
    expect(ruled.probed).toBe(0);
    expect(ruled.updated).toBe(first.found);
    const movie = createSqliteCatalog(db).byId(idOf('movies/Retro Movie (1987).avi'))!;
    expect(movie).toMatchObject({ kind: 'promo', tags: ['home', 'eighties'], year: 1987 });
  });

  it('records a file that turns bad as unplayable (last facts kept), and a broken file that is fixed as ok', async () => {
    const bumper = path.join(root, 'bumpers/Retro Station ID.mp4');
    const bumperBefore = mediaDetail(db, idOf('bumpers/Retro Station ID.mp4'))!;
    writeFileSync(path.join(root, 'broken/notes.mp4'), readFileSync(bumper));
    writeFileSync(bumper, 'overwritten by accident\n');
    const rescan = await scan();
    // No folder rules this time: the files the previous test re-kinded are re-kinded back, unprobed.
    expect(rescan).toMatchObject({ probed: 2, updated: first.found, unplayable: BROKEN_FIXTURES.length });
    expect(createSqliteCatalog(db).byId(idOf('movies/Retro Movie (1987).avi'))).toMatchObject({ kind: 'movie', tags: [] });
    expect(mediaDetail(db, idOf('broken/notes.mp4'))).toMatchObject({ status: 'ok', kind: 'other', title: 'notes', durationMs: bumperBefore.durationMs });
    expect(mediaDetail(db, idOf('bumpers/Retro Station ID.mp4'))).toMatchObject({
      status: 'unplayable',
      reason: expect.stringMatching(/Invalid data found/),
      kind: 'station_id',
      durationMs: bumperBefore.durationMs,
    });
    expect(rescan.unplayableFiles.map((f) => f.path)).toContain(bumper);
  });

  it('names a library folder that does not exist, and writes nothing', async () => {
    const before = snapshot();
    await expect(scan({ roots: [path.join(work, 'nope')] })).rejects.toThrow(LibraryFolderError);
    await expect(scan({ roots: [path.join(work, 'nope')] })).rejects.toThrow(/nope does not exist \(ENOENT\)/);
    expect(snapshot()).toBe(before);
  });
});
