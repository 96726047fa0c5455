import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/database.js';
import { annotateChannels } from '../../../src/guide/programme-languages.js';
import { libraryLanguageLookup } from '../../../src/server/routes/guide-routes.js';
import type { Airing } from '../../../src/timeline/types.js';

describe('the guide reads programme languages from the library (issue 22)', () => {
  it("a file's subtitle and audio tracks, as recorded, under the channel's languages", async () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const file = (name: string) =>
      (db.prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, kind) VALUES (?, 1000, 5, 'ok', 't', 'movie') RETURNING id").get(`/m/${name}`) as { id: number }).id;
    const film = file('film.mkv');
    const plain = file('plain.mkv');
    db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, codec, language, picture_only, forced) VALUES (?, 'embedded', 2, 'mov_text', 'eng', 0, 0)").run(film);
    db.prepare("INSERT INTO media_subtitle_streams (media_file_id, origin, stream_index, codec, language, picture_only, forced) VALUES (?, 'embedded', 3, 'hdmv_pgs_subtitle', 'jpn', 1, 0)").run(film);
    db.prepare("INSERT INTO media_audio_streams (media_file_id, stream_index, codec, language, channels, sample_rate) VALUES (?, 1, 'aac', 'ja', 2, 48000)").run(film);
    db.prepare("INSERT INTO media_audio_streams (media_file_id, stream_index, codec, language, channels, sample_rate) VALUES (?, 2, 'aac', 'eng', 2, 48000)").run(film);
    const lookup = libraryLanguageLookup(db, () => ({ audio: ['jpn', 'eng'], subtitles: ['eng', 'jpn'], subtitleMode: 'off', captions: true }));
    const airing = (mediaId: number, start: number): Airing => ({ startMs: start, endMs: start + 1000, mediaPath: '/m/x', inPointMs: 0, outPointMs: 1000, kind: 'program', title: 'x', mediaId });
    const annotations = await annotateChannels(lookup, [{ number: 1, airings: [airing(film, 0), airing(plain, 1000)] }]);
    // The picture-only Japanese track cannot be turned on (the channel does not show subtitles by default).
    // Each audio slot says what fills it: the film has both; the plain file has no sound, so silence stands in for both.
    expect(annotations.get(1)).toEqual({
      media: {
        [film]: { audio: 'jpn', teletext: ['eng'], onscreen: [], slots: [{ slot: 'jpn', heard: 'jpn', fallback: false }, { slot: 'eng', heard: 'eng', fallback: false }] },
        [plain]: { teletext: [], onscreen: [], slots: [{ slot: 'jpn', fallback: true }, { slot: 'eng', fallback: true }] },
      },
    });
    db.close();
  });
});
