import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { MIGRATIONS } from '../../../src/db/migrations.js';
import { subtitleTracksOf } from '../../../src/library/subtitles/tracks.js';

describe('migration 7: subtitle tracks', () => {
  it('keeps every existing stream as an embedded track, marks pictures, and has the next scan learn the flags', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((m) => m.version < 7));
    db.prepare("INSERT INTO media_files (id, path, size_bytes, mtime_ms, status, title, kind) VALUES (1, '/m/a.mkv', 1, 1, 'ok', 'a', 'movie')").run();
    const insert = db.prepare('INSERT INTO media_subtitle_streams (id, media_file_id, stream_index, codec, language, title) VALUES (?, 1, ?, ?, ?, ?)');
    insert.run(10, 2, 'subrip', 'fra', 'French');
    insert.run(11, 3, 'hdmv_pgs_subtitle', null, null);

    expect(migrate(db)).toContain(7);
    expect(subtitleTracksOf(db, 1)).toEqual([
      expect.objectContaining({ id: 10, origin: 'embedded', streamIndex: 2, sidecarPath: null, codec: 'subrip', language: 'fre', title: 'French', pictureOnly: false, forced: false, problem: null }),
      expect.objectContaining({ id: 11, origin: 'embedded', streamIndex: 3, codec: 'hdmv_pgs_subtitle', language: 'und', pictureOnly: true }),
    ]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM media_subtitle_streams WHERE disposition_known = 0').get()).toEqual({ n: 2 });
    // A sidecar has a path and no stream index; the schema refuses the mix-ups.
    db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, sidecar_path, codec) VALUES (1, 'sidecar', '/m/a.en.srt', 'subrip')").run();
    expect(() => db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, codec) VALUES (1, 'sidecar', 'subrip')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, sidecar_path, codec) VALUES (1, 'embedded', 4, '/x.srt', 'subrip')").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, sidecar_path, codec) VALUES (1, 'sidecar', '/m/a.en.srt', 'subrip')").run()).toThrow(/UNIQUE/);
    db.close();
  });
});
