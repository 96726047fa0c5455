import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../src/db/database.js';
import { MIGRATIONS } from '../../../src/db/migrations.js';
import { tempDir } from '../../helpers/server.js';

const columns = (db: BetterSqlite3.Database, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
const versions = (db: BetterSqlite3.Database) =>
  (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version);
const LIBRARY_TABLES = ['media_files', 'media_audio_streams', 'media_subtitle_streams', 'chapter_markers', 'chapter_marker_sources', 'chapter_suppressions'];

function expectLibrarySchema(db: BetterSqlite3.Database): void {
  for (const table of LIBRARY_TABLES) expect(columns(db, table).length, table).toBeGreaterThan(0);
  // The seed's chapter_markers, column for column.
  expect(columns(db, 'chapter_markers')).toEqual(['id', 'media_file_id', 'chapter_title', 'timestamp_ms', 'created_at', 'updated_at']);
  const fk = db.prepare('PRAGMA foreign_key_list(chapter_markers)').all() as Array<{ table: string; from: string; to: string }>;
  expect(fk).toEqual([expect.objectContaining({ table: 'media_files', from: 'media_file_id', to: 'id' })]);
}

describe('migrations', () => {
  it('builds the whole schema from an empty database, and a second run changes nothing', () => {
    const db = openDatabase(tempDir('migrate-empty'));
    expect(versions(db)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expectLibrarySchema(db);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('upgrades a version-1 database (channel clocks kept) to the library schema', () => {
    const file = path.join(tempDir('migrate-v1'), 'retrovue.db');
    const old = new BetterSqlite3(file);
    migrate(old, MIGRATIONS.filter((m) => m.version === 1));
    old.prepare('INSERT INTO channel_clocks (channel_number, epoch_ms) VALUES (1, 12345)').run();
    expect(versions(old)).toEqual([1]);
    old.close();

    const db = new BetterSqlite3(file);
    const ran = migrate(db);
    expect(ran).toContain(2);
    expect(ran).not.toContain(1);
    expectLibrarySchema(db);
    expect(db.prepare('SELECT epoch_ms FROM channel_clocks WHERE channel_number = 1').get()).toEqual({ epoch_ms: 12345 });
    db.close();
  });

  it('enforces what the schema promises: statuses, kinds and chapter owners', () => {
    const db = openDatabase(tempDir('migrate-constraints'));
    const insert = db.prepare("INSERT INTO media_files (path, size_bytes, mtime_ms, status, title, kind) VALUES (?, 1, 1, ?, 't', ?)");
    expect(() => insert.run('/a', 'deleted', 'episode')).toThrow(/CHECK constraint/);
    expect(() => insert.run('/b', 'ok', 'sitcom')).toThrow(/CHECK constraint/);
    expect(() => db.prepare("INSERT INTO chapter_markers (media_file_id, chapter_title, timestamp_ms) VALUES (42, 'x', 0)").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
