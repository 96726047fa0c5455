import BetterSqlite3, { type Database } from 'better-sqlite3';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { extractArgs } from '../../../src/library/subtitles/extract.js';
import { SubtitleLibrary } from '../../../src/library/subtitles/subtitle-library.js';
import { tempDir } from '../../helpers/server.js';

/**
 * The library's cue source over a real SQLite library and real files; ffmpeg is a fake script
 * that writes a SubRip file where the real one would, counting its runs and catching overlaps.
 */
describe('SubtitleLibrary', () => {
  let dir: string;
  let db: Database;
  let warnings: Array<{ fields: Record<string, unknown>; message: string }>;
  const log = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }) } as never;

  const fakeFfmpeg = (body = "printf '1\\n00:00:01,000 --> 00:00:02,000\\nFrom stream\\n' > \"$out\"") => {
    const script = path.join(dir, `ffmpeg-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(
      script,
      `#!/bin/sh\nfor a; do out="$a"; done\necho run >> "${dir}/runs"\nif ! mkdir "${dir}/running" 2>/dev/null; then echo overlap >> "${dir}/overlaps"; fi\nsleep 0.2\nrmdir "${dir}/running"\n${body}\n`,
    );
    chmodSync(script, 0o755);
    return script;
  };
  const runs = () => (existsSync(path.join(dir, 'runs')) ? readFileSync(path.join(dir, 'runs'), 'utf8').trim().split('\n').length : 0);
  const library = (ffmpegPath: string, extra: Partial<ConstructorParameters<typeof SubtitleLibrary>[0]> = {}) =>
    new SubtitleLibrary({ db, dir: path.join(dir, 'cache'), ffmpegPath, log, ...extra });
  const addFile = (name: string) => {
    writeFileSync(path.join(dir, name), 'a video');
    return (db.prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, kind) VALUES (?, 1000, 5, 'ok', 't', 'movie') RETURNING id").get(path.join(dir, name)) as { id: number }).id;
  };
  const addEmbedded = (mediaId: number, index: number, facts: { codec?: string; language?: string; pictureOnly?: boolean; forced?: boolean } = {}) =>
    (db
      .prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, codec, language, picture_only, forced) VALUES (?, 'embedded', ?, ?, ?, ?, ?) RETURNING id")
      .get(mediaId, index, facts.codec ?? 'mov_text', facts.language ?? 'eng', Number(facts.pictureOnly ?? false), Number(facts.forced ?? false)) as { id: number }).id;
  const addSidecar = (mediaId: number, name: string, content: string | Buffer, language: string | null, forced = false) => {
    writeFileSync(path.join(dir, name), content);
    return (db
      .prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, sidecar_path, codec, language, forced) VALUES (?, 'sidecar', ?, 'subrip', ?, ?) RETURNING id")
      .get(mediaId, path.join(dir, name), language, Number(forced)) as { id: number }).id;
  };
  const problemOf = (id: number) => db.prepare('SELECT problem, warning FROM media_subtitle_streams WHERE id = ?').get(id);

  beforeEach(() => {
    dir = tempDir('subtitle-library');
    db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db);
    warnings = [];
  });

  it('reads a sidecar in the language asked for, forced only when asked, and nothing for another language', async () => {
    const id = addFile('Film.mkv');
    addSidecar(id, 'Film.en.srt', '1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i>\n', 'eng');
    addSidecar(id, 'Film.jpn.forced.srt', '1\n00:00:03,000 --> 00:00:04,000\n看板\n', 'jpn', true);
    const subtitles = library(fakeFfmpeg());
    expect(await subtitles.cuesFor(id, 'en')).toEqual([{ startMs: 1000, endMs: 2500, text: 'Hello' }]);
    expect(await subtitles.cuesFor(id, 'eng', { forced: true })).toBeUndefined();
    expect(await subtitles.cuesFor(id, 'jpn', { forced: true })).toEqual([{ startMs: 3000, endMs: 4000, text: '看板' }]);
    expect(await subtitles.cuesFor(id, 'fre')).toBeUndefined();
    expect(runs()).toBe(0);
    expect(subtitles.tracksOf(id).map((t) => [t.language, t.forced])).toEqual([['eng', false], ['jpn', true]]);
  });

  it('extracts an embedded text track once, shared by concurrent asks, kept on disk across restarts', async () => {
    const id = addFile('Film.mp4');
    addEmbedded(id, 2);
    const ffmpeg = fakeFfmpeg();
    const first = library(ffmpeg);
    const answers = await Promise.all([first.cuesFor(id, 'eng'), first.cuesFor(id, 'eng'), first.cuesFor(id, 'en')]);
    expect(answers).toEqual(Array(3).fill([{ startMs: 1000, endMs: 2000, text: 'From stream' }]));
    expect(await first.cuesFor(id, 'eng')).toHaveLength(1);
    expect(runs()).toBe(1);
    expect(await library(ffmpeg).cuesFor(id, 'eng')).toHaveLength(1);
    expect(runs()).toBe(1);
    expect(existsSync(path.join(dir, 'cache', String(id), '1000-5-s2.srt'))).toBe(true);
  });

  it('runs one extraction at a time', async () => {
    const ids = [addFile('A.mkv'), addFile('B.mkv'), addFile('C.mkv')];
    for (const id of ids) addEmbedded(id, 3);
    const subtitles = library(fakeFfmpeg());
    await Promise.all(ids.map((id) => subtitles.cuesFor(id, 'eng')));
    expect(runs()).toBe(3);
    expect(existsSync(path.join(dir, 'overlaps'))).toBe(false);
  });

  it('a track ffmpeg cannot extract is marked in the library, logged, and the next track is tried', async () => {
    const id = addFile('Film.mkv');
    const broken = addEmbedded(id, 2);
    const good = addSidecar(id, 'Film.srt', '1\n00:00:05,000 --> 00:00:06,000\nstand-in\n', null);
    // The sidecar comes first; make it unreadable so the embedded one is tried, and fails.
    rmSync(path.join(dir, 'Film.srt'));
    const subtitles = library(fakeFfmpeg("echo 'Subtitle encoding failed' >&2; exit 1"));
    expect(await subtitles.cuesFor(id, 'eng')).toBeUndefined();
    expect(problemOf(broken)).toEqual({ problem: 'ffmpeg could not extract the track: Subtitle encoding failed', warning: null });
    // A sidecar that is gone for now is not marked: the next scan says what it is.
    expect(problemOf(good)).toEqual({ problem: null, warning: null });
    expect(warnings.map((w) => w.message)).toEqual(['subtitle track cannot be used', 'subtitle track cannot be used']);
    // The broken track is not run again.
    expect(await subtitles.cuesFor(id, 'eng')).toBeUndefined();
    expect(runs()).toBe(1);
  });

  it('a video not on disk now is not marked: its tracks are tried again later', async () => {
    const id = addFile('Gone.mkv');
    const track = addEmbedded(id, 2);
    rmSync(path.join(dir, 'Gone.mkv'));
    const subtitles = library(fakeFfmpeg(), { retryAfterMs: 0 });
    expect(await subtitles.cuesFor(id, 'eng')).toBeUndefined();
    expect(problemOf(track)).toEqual({ problem: null, warning: null });
    writeFileSync(path.join(dir, 'Gone.mkv'), 'back');
    expect(await subtitles.cuesFor(id, 'eng')).toHaveLength(1);
    expect(runs()).toBe(1);
  });

  it('picture tracks are never read; a file with dropped cues is logged once, its warning kept', async () => {
    const id = addFile('Film.mkv');
    addEmbedded(id, 2, { codec: 'hdmv_pgs_subtitle', pictureOnly: true });
    const sidecar = addSidecar(id, 'Film.en.srt', '1\n00:00:02,000 --> 00:00:01,000\nbackwards\n\n2\n00:00:03,000 --> 00:00:04,000\nfine\n', 'eng');
    const subtitles = library(fakeFfmpeg());
    expect(await subtitles.cuesFor(id, 'eng')).toEqual([{ startMs: 3000, endMs: 4000, text: 'fine' }]);
    expect(await subtitles.cuesFor(id, 'eng')).toHaveLength(1);
    expect(runs()).toBe(0);
    expect(warnings).toEqual([
      { message: 'subtitle cues dropped or cut', fields: expect.objectContaining({ file: path.join(dir, 'Film.en.srt'), problems: ['line 2: ends (1000 ms) before it starts (2000 ms), cue dropped'] }) },
    ]);
    expect(problemOf(sidecar)).toEqual({ problem: null, warning: 'line 2: ends (1000 ms) before it starts (2000 ms), cue dropped' });
  });

  it('a changed sidecar is read again; an evicted track is read again', async () => {
    const id = addFile('Film.mkv');
    addSidecar(id, 'Film.en.srt', '1\n00:00:01,000 --> 00:00:02,000\nold\n', 'eng');
    const other = addFile('Other.mkv');
    addSidecar(other, 'Other.en.srt', '1\n00:00:01,000 --> 00:00:02,000\nother\n', 'eng');
    const subtitles = library(fakeFfmpeg(), { cachedTracks: 1 });
    expect((await subtitles.cuesFor(id, 'eng'))![0]!.text).toBe('old');
    writeFileSync(path.join(dir, 'Film.en.srt'), '1\n00:00:01,000 --> 00:00:02,000\nnew text\n');
    expect((await subtitles.cuesFor(id, 'eng'))![0]!.text).toBe('new text');
    expect((await subtitles.cuesFor(other, 'eng'))![0]!.text).toBe('other');
    expect((await subtitles.cuesFor(id, 'eng'))![0]!.text).toBe('new text');
  });

  it("ffmpeg's arguments: one stream, ASS kept as ASS, everything else as SubRip", () => {
    expect(extractArgs('/m/a.mkv', 3, 'ass', '/c/x.ass')).toEqual(['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', '/m/a.mkv', '-map', '0:3', '-c:s', 'ass', '-f', 'ass', '/c/x.ass']);
    expect(extractArgs('/m/a.mp4', 2, 'srt', '/c/x.srt').slice(-6, -1)).toEqual(['0:2', '-c:s', 'srt', '-f', 'srt']);
  });
});
