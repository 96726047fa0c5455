import BetterSqlite3, { type Database } from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { scanLibrary } from '../../../src/library/scanner.js';
import { SubtitleLibrary } from '../../../src/library/subtitles/subtitle-library.js';
import { createLogger } from '../../../src/logging/logger.js';
import { mediaDetailSchema } from '../../../src/server/openapi/api-schemas.js';
import { registerMediaRoutes } from '../../../src/server/routes/media-routes.js';
import { makeClips } from '../../helpers/media.js';
import { tempDir } from '../../helpers/server.js';
import { ASS_SCRIPT as ASS, pgsStream, srt } from '../../helpers/subtitle-media.js';

const run = promisify(execFile);

/**
 * Subtitles in the library on generated media: sidecars found and parsed at scan time, embedded
 * text and picture streams with their flags, the API's answer, and the cue source's answers
 * (ffmpeg extracting embedded text tracks once).
 */
describe('library subtitles (real ffmpeg, ffprobe and SQLite)', () => {
  let work: string;
  let root: string;
  let db: Database;
  let app: FastifyInstance;
  let subtitles: SubtitleLibrary;
  const file = (name: string) => path.join(root, name);
  const idOf = (name: string) => (db.prepare('SELECT id FROM media_files WHERE path = ?').get(file(name)) as { id: number }).id;
  const scan = () => scanLibrary({ db, roots: [root], ffprobePath: 'ffprobe', concurrency: 2 });
  const detail = async (name: string) => {
    const response = await app.inject({ method: 'GET', url: `/api/media/${idOf(name)}` });
    expect(response.statusCode).toBe(200);
    return mediaDetailSchema.parse(response.json());
  };

  beforeAll(async () => {
    work = tempDir('library-subtitles');
    root = path.join(work, 'library');
    const scratch = path.join(work, 'scratch');
    await makeClips(root, [
      { name: 'Film One.mp4', seconds: 3, audio: false },
      { name: 'Film Four.mp4', seconds: 2, audio: false },
    ]);
    await makeClips(scratch, [{ name: 'base.mp4', seconds: 3, audio: false }]);
    writeFileSync(file('Film One.en.srt'), srt(['00:00:00,500', '00:00:01,250', '<i>Hello</i> there'], ['00:00:01,500', '00:00:02,750', "It's 50% {odd}: \\ done"]));
    writeFileSync(file('Film One.jpn.forced.srt'), `\ufeff${srt(['00:00:01,000', '00:00:02,000', '看板'])}`.replace(/\n/g, '\r\n'));
    writeFileSync(file('Film One.fre.srt'), Buffer.from('no timing here\u0000\n\xff\xfe garbage\n', 'latin1'));
    writeFileSync(file('Orphan.en.srt'), srt(['00:00:00,000', '00:00:01,000', 'nobody']));
    const scratchSrt = path.join(scratch, 'german.srt');
    writeFileSync(scratchSrt, srt(['00:00:00,400', '00:00:01,400', 'Guten Tag'], ['00:00:01,600', '00:00:02,800', 'Auf Wiedersehen']));
    writeFileSync(path.join(scratch, 'signs.ass'), ASS);
    writeFileSync(path.join(scratch, 'pgs.sup'), pgsStream());
    const base = path.join(scratch, 'base.mp4');
    const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
    await Promise.all([
      ffmpeg(['-i', base, '-i', scratchSrt, '-map', '0:v', '-map', '1', '-c:v', 'copy', '-c:s', 'mov_text', '-metadata:s:s:0', 'language=deu', '-disposition:s:0', 'default', file('Film Two.mp4')]),
      ffmpeg(['-i', base, '-i', path.join(scratch, 'pgs.sup'), '-i', path.join(scratch, 'signs.ass'), '-map', '0:v', '-map', '1', '-map', '2', '-c:v', 'copy', '-c:s', 'copy',
        '-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=jpn', '-disposition:s:1', 'forced', file('Film Three.mkv')]),
    ]);

    db = new BetterSqlite3(path.join(work, 'retrovue.db'));
    db.pragma('foreign_keys = ON');
    migrate(db);
    const log = createLogger('silent');
    subtitles = new SubtitleLibrary({ db, dir: path.join(work, 'data', 'subtitles'), ffmpegPath: 'ffmpeg', log });
    app = Fastify();
    registerMediaRoutes(app, { db, thumbnails: { dir: path.join(work, 'data', 'thumbnails'), ffmpegPath: 'ffmpeg' }, timelines: { mediaEdited: () => [] }, log });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    db?.close();
  });

  it('scans the videos only: subtitle files are sidecars, never media', async () => {
    const summary = await scan();
    expect(summary).toMatchObject({ found: 4, added: 4, unplayable: 0 });
    expect((db.prepare('SELECT path FROM media_files ORDER BY path').all() as Array<{ path: string }>).map((r) => path.basename(r.path))).toEqual([
      'Film Four.mp4', 'Film One.mp4', 'Film Three.mkv', 'Film Two.mp4',
    ]);
  });

  it('GET /api/media/{id} lists sidecars with language, readable name, flags and problems', async () => {
    const one = await detail('Film One.mp4');
    expect(one.subtitles).toEqual([
      expect.objectContaining({ origin: 'sidecar', index: null, sidecarPath: file('Film One.en.srt'), codec: 'subrip', language: 'eng', languageName: 'English', forced: false, default: false, pictureOnly: false, problem: null, warning: null }),
      expect.objectContaining({ origin: 'sidecar', sidecarPath: file('Film One.fre.srt'), language: 'fre', languageName: 'French', problem: 'no cue could be read' }),
      expect.objectContaining({ origin: 'sidecar', sidecarPath: file('Film One.jpn.forced.srt'), language: 'jpn', languageName: 'Japanese', forced: true, problem: null }),
    ]);
    expect((await detail('Film Four.mp4')).subtitles).toEqual([]);
  });

  it('lists embedded text and picture streams with their dispositions, languages as ISO 639-2/B', async () => {
    expect((await detail('Film Two.mp4')).subtitles).toEqual([
      expect.objectContaining({ origin: 'embedded', index: 1, sidecarPath: null, codec: 'mov_text', language: 'ger', languageName: 'German', default: true, forced: false, pictureOnly: false, problem: null }),
    ]);
    expect((await detail('Film Three.mkv')).subtitles).toEqual([
      expect.objectContaining({ origin: 'embedded', index: 1, codec: 'hdmv_pgs_subtitle', language: 'eng', pictureOnly: true, problem: null }),
      expect.objectContaining({ origin: 'embedded', index: 2, codec: 'ass', language: 'jpn', forced: true, pictureOnly: false }),
    ]);
  });

  it('cuesFor: sidecar cues in file time, markup gone, odd characters kept', async () => {
    expect(await subtitles.cuesFor(idOf('Film One.mp4'), 'eng')).toEqual([
      { startMs: 500, endMs: 1250, text: 'Hello there' },
      { startMs: 1500, endMs: 2750, text: "It's 50% {odd}: \\ done" },
    ]);
    expect(await subtitles.cuesFor(idOf('Film One.mp4'), 'ja', { forced: true })).toEqual([{ startMs: 1000, endMs: 2000, text: '看板' }]);
    // The broken French file has no cue: no French subtitles rather than a failure.
    expect(await subtitles.cuesFor(idOf('Film One.mp4'), 'fre')).toBeUndefined();
    expect(await subtitles.cuesFor(idOf('Film Four.mp4'), 'eng')).toBeUndefined();
  });

  it('cuesFor: embedded mov_text and ASS tracks extracted by ffmpeg; a picture track gives no cues', async () => {
    const two = idOf('Film Two.mp4');
    const [german, again] = await Promise.all([subtitles.cuesFor(two, 'deu'), subtitles.cuesFor(two, 'ger')]);
    expect(german).toEqual([
      { startMs: 400, endMs: 1400, text: 'Guten Tag' },
      { startMs: 1600, endMs: 2800, text: 'Auf Wiedersehen' },
    ]);
    expect(again).toBe(german);
    const three = idOf('Film Three.mkv');
    expect(await subtitles.cuesFor(three, 'jpn', { forced: true })).toEqual([
      { startMs: 500, endMs: 1500, text: '看板: 50% off' },
      { startMs: 1800, endMs: 2600, text: 'Line one\nline two' },
    ]);
    expect(await subtitles.cuesFor(three, 'eng')).toBeUndefined();
    expect(subtitles.tracksOf(three).map((t) => t.codec)).toEqual(['ass', 'hdmv_pgs_subtitle']);
  });

  it('a rescan writes nothing; a sidecar removed or added is followed without probing the video', async () => {
    const snapshot = () => JSON.stringify(db.prepare('SELECT * FROM media_subtitle_streams ORDER BY id').all());
    const before = snapshot();
    expect(await scan()).toMatchObject({ probed: 0, unchanged: 4 });
    expect(snapshot()).toBe(before);

    rmSync(file('Film One.fre.srt'));
    writeFileSync(file('Film Four.English.sdh.srt'), srt(['00:00:00,100', '00:00:00,900', 'added later']));
    expect(await scan()).toMatchObject({ probed: 0 });
    expect((await detail('Film One.mp4')).subtitles.map((s) => s.language)).toEqual(['eng', 'jpn']);
    expect((await detail('Film Four.mp4')).subtitles).toEqual([expect.objectContaining({ origin: 'sidecar', language: 'eng', hearingImpaired: true })]);
    expect(await subtitles.cuesFor(idOf('Film Four.mp4'), 'eng')).toEqual([{ startMs: 100, endMs: 900, text: 'added later' }]);
  });
});
