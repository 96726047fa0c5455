import type { Database } from 'better-sqlite3';

export interface LiveSourceRow {
  id: string;
  name: string;
  url: string;
  /** A push source's key; undefined for a pull source. */
  key: string | undefined;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  name: string;
  url: string;
  secret_key: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (row: Row): LiveSourceRow => ({ id: row.id, name: row.name, url: row.url, key: row.secret_key ?? undefined, createdAt: row.created_at, updatedAt: row.updated_at });

/** The live_sources table (migration 10). Checks are the caller's (LiveSources). */
export class LiveSourceStore {
  constructor(private readonly db: Database) {}

  list(): LiveSourceRow[] {
    return (this.db.prepare('SELECT * FROM live_sources ORDER BY id').all() as Row[]).map(fromRow);
  }

  get(id: string): LiveSourceRow | undefined {
    const row = this.db.prepare('SELECT * FROM live_sources WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  insert(source: { id: string; name: string; url: string; key: string | undefined }): LiveSourceRow {
    this.db.prepare('INSERT INTO live_sources (id, name, url, secret_key) VALUES (?, ?, ?, ?)').run(source.id, source.name, source.url, source.key ?? null);
    return this.get(source.id)!;
  }

  update(id: string, change: { name: string; url: string; key: string | undefined }): LiveSourceRow {
    this.db
      .prepare("UPDATE live_sources SET name = ?, url = ?, secret_key = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?")
      .run(change.name, change.url, change.key ?? null, id);
    return this.get(id)!;
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM live_sources WHERE id = ?').run(id).changes > 0;
  }
}
