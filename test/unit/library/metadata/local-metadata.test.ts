import BetterSqlite3, { type Database } from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../src/db/database.js';
import { walkLibraryFiles } from '../../../../src/library/file-walker.js';
import { syncLocalMetadata } from '../../../../src/library/metadata/local-metadata.js';
import { readNfoFile } from '../../../../src/library/metadata/nfo.js';
import { checkPosterFile } from '../../../../src/library/metadata/posters.js';
import { parseMediaName } from '../../../../src/library/name-parser.js';

/** Real SQLite, real folders; the "videos" are never probed here, so any bytes do. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]), Buffer.alloc(64)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);

describe('the scanner\'s metadata step: .nfo and poster sidecars of local files', () => {
  let root: string;
  let db: Database;
  let warnings: string[];
  const log = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push(`${message}: ${String(fields.file)} ${String(fields.problem)}`) };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'rv-meta-'));
    db = new BetterSqlite3(':memory:');
    migrate(db);
    warnings = [];
  });
  afterEach(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  const put = (relative: string, content: string | Buffer) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  /** A video file and its row, as the probe step leaves it (name facts, kind). */
  const video = (relative: string, kind = 'episode', sourceId: number | null = null) => {
    const file = put(relative, 'not really a video');
    const named = parseMediaName(file);
    db.prepare(`INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, show, season, episode, year, kind, source_id)
      VALUES (?, 18, 1, 'ok', ?, ?, ?, ?, ?, ?, ?)`).run(file, named.title, named.show ?? null, named.season ?? null, named.episode ?? null, named.year ?? null, kind, sourceId);
    return file;
  };
  const row = (file: string) => db.prepare('SELECT * FROM media_files WHERE path = ?').get(file) as Record<string, unknown>;
  const sync = async () => syncLocalMetadata(db, (await walkLibraryFiles([root])).videos, { log });

  it('a show folder: the episode .nfo beats the file name, tvshow.nfo gives the show\'s description, the show poster is found', async () => {
    put('Galaxy Patrol/tvshow.nfo', '<tvshow><title>Galaxy Patrol</title><plot>A patrol in space.</plot><mpaa>TV-Y7</mpaa><genre>Animation</genre></tvshow>');
    put('Galaxy Patrol/poster.jpg', JPEG);
    const ep = video('Galaxy Patrol/Season 1/galaxy.patrol.s01e02.720p.mkv');
    put('Galaxy Patrol/Season 1/galaxy.patrol.s01e02.720p.nfo', `<episodedetails><title>The Move</title><showtitle>Galaxy Patrol</showtitle><season>1</season><episode>2</episode>
      <plot>The crew moves house.</plot><aired>1986-09-08</aired><uniqueid type="tvdb">555</uniqueid></episodedetails>`);
    // An episode thumb that is not an image: skipped with its reason, the next poster used.
    put('Galaxy Patrol/Season 1/galaxy.patrol.s01e02.720p-thumb.jpg', '<html>not an image</html>');
    const other = video('Galaxy Patrol/Season 1/galaxy.patrol.s01e03.mkv');

    const summary = await sync();
    expect(row(ep)).toMatchObject({
      title: 'The Move', show: 'Galaxy Patrol', season: 1, episode: 2, year: 1986, description: 'The crew moves house.', show_description: 'A patrol in space.',
      content_rating: 'TV-Y7', genres_json: '["Animation"]', air_date: '1986-09-08', poster_path: path.join(root, 'Galaxy Patrol/poster.jpg'),
      external_ids_json: '{"tvdb":"555"}', metadata_source: 'nfo',
    });
    // An episode without its own .nfo still gets the show's facts (and its name's).
    expect(row(other)).toMatchObject({ show: 'Galaxy Patrol', episode: 3, description: null, show_description: 'A patrol in space.', metadata_source: 'nfo', poster_path: path.join(root, 'Galaxy Patrol/poster.jpg') });
    expect(summary).toMatchObject({ withNfo: 2, withPoster: 2, updated: 2 });
    expect(summary.problems).toEqual([{ path: path.join(root, 'Galaxy Patrol/Season 1/galaxy.patrol.s01e02.720p-thumb.jpg'), reason: 'poster not a JPEG, PNG or WebP image' }]);
    expect(warnings).toHaveLength(1);

    // Nothing changed: nothing written, nothing logged again.
    expect(await sync()).toMatchObject({ updated: 0, withNfo: 2 });
    expect(warnings).toHaveLength(1);
  });

  it('a movie folder: movie.nfo and folder.png; in a folder of several movies neither is taken for all of them', async () => {
    const film = video('Movies/Night Drive (1999)/Night Drive (1999).mkv', 'movie');
    put('Movies/Night Drive (1999)/movie.nfo', '<movie><title>Night Drive</title><plot>A short drive.</plot><mpaa>Rated R</mpaa><year>1999</year><uniqueid type="imdb">tt0111111</uniqueid></movie>');
    put('Movies/Night Drive (1999)/folder.png', PNG);
    const a = video('Flat/Alpha (2001).mkv', 'movie');
    video('Flat/Beta (2002).mkv', 'movie');
    put('Flat/movie.nfo', '<movie><title>Wrong for both</title></movie>');
    put('Flat/poster.jpg', JPEG);
    put('Flat/Alpha (2001)-poster.jpg', JPEG);

    await sync();
    expect(row(film)).toMatchObject({ title: 'Night Drive', description: 'A short drive.', content_rating: 'R', year: 1999, poster_path: path.join(root, 'Movies/Night Drive (1999)/folder.png'), external_ids_json: '{"imdb":"tt0111111"}' });
    expect(row(a)).toMatchObject({ title: 'Alpha', description: null, metadata_source: null, poster_path: path.join(root, 'Flat/Alpha (2001)-poster.jpg') });
    expect(row(path.join(root, 'Flat/Beta (2002).mkv'))).toMatchObject({ title: 'Beta', poster_path: null });
  });

  it('a broken .nfo is skipped with its reason and the scan goes on; fixed, it is read at the next scan', async () => {
    const ep = video('Show/Show - S01E01 - Pilot.mkv');
    const nfo = put('Show/Show - S01E01 - Pilot.nfo', '<episodedetails><title>Better title</plot></episodedetails>');
    const fine = video('Show/Show - S01E02 - Second.mkv');
    put('Show/Show - S01E02 - Second.nfo', '<episodedetails><title>Second, properly</title></episodedetails>');

    const first = await sync();
    expect(row(ep)).toMatchObject({ title: 'Pilot', metadata_source: null });
    expect(row(fine)).toMatchObject({ title: 'Second, properly', metadata_source: 'nfo' });
    expect(first.problems).toEqual([{ path: nfo, reason: 'not well-formed XML: </plot> does not close <title>' }]);
    expect(warnings[0]).toMatch(/\.nfo file skipped/);

    writeFileSync(nfo, '<episodedetails><title>Better title</title><plot>Now it parses.</plot></episodedetails>');
    utimesSync(nfo, new Date(), new Date(Date.now() + 5000));
    const second = await sync();
    expect(second.problems).toEqual([]);
    expect(row(ep)).toMatchObject({ title: 'Better title', description: 'Now it parses.', metadata_source: 'nfo' });

    // The .nfo removed: its facts go, the name's come back.
    rmSync(nfo);
    await sync();
    expect(row(ep)).toMatchObject({ title: 'Pilot', description: null, metadata_source: null, external_ids_json: '{}' });
  });

  it('a media server\'s row (source_id set) is never touched, even with sidecars beside its mapped path', async () => {
    db.prepare("INSERT INTO media_sources (id, key, type, url) VALUES (1, 'plex-1', 'plex', 'http://plex:32400')").run();
    const mapped = video('Mapped/Show - S01E01 - Pilot.mkv', 'episode', 1);
    db.prepare("UPDATE media_files SET description = 'from plex', metadata_source = 'plex' WHERE path = ?").run(mapped);
    put('Mapped/Show - S01E01 - Pilot.nfo', '<episodedetails><title>From the nfo</title><plot>nfo plot</plot></episodedetails>');
    put('Mapped/poster.jpg', JPEG);
    const summary = await sync();
    expect(row(mapped)).toMatchObject({ title: 'Pilot', description: 'from plex', metadata_source: 'plex', poster_path: null });
    expect(summary).toMatchObject({ updated: 0, withNfo: 0 });
  });

  it('a link-only .nfo gives the ids; an oversized poster is refused', async () => {
    const film = video('One/Film (2010).mkv', 'movie');
    put('One/Film (2010).nfo', 'https://www.imdb.com/title/tt1375666/');
    put('One/poster.jpg', Buffer.concat([JPEG, Buffer.alloc(10 * 1024 * 1024)]));
    const summary = await sync();
    expect(row(film)).toMatchObject({ title: 'Film', external_ids_json: '{"imdb":"tt1375666"}', metadata_source: 'nfo', poster_path: null });
    expect(summary.problems[0]!.reason).toMatch(/^poster larger than 10485760 bytes/);
  });

  it('a named pipe under a poster\'s or an .nfo\'s name is refused at once, never waited on', async () => {
    const film = video('Pipes/Film (2010).mkv', 'movie');
    execFileSync('mkfifo', [path.join(root, 'Pipes/Film (2010).nfo')]);
    execFileSync('mkfifo', [path.join(root, 'Pipes/poster.jpg')]);
    await sync();
    expect(row(film)).toMatchObject({ title: 'Film', metadata_source: null, poster_path: null });
    expect(await checkPosterFile(path.join(root, 'Pipes/poster.jpg'))).toEqual({ ok: false, reason: 'not a file' });
    expect(await readNfoFile(path.join(root, 'Pipes/Film (2010).nfo'), 'item')).toEqual({ ok: false, reason: 'not a file' });
  }, 5000);
});
