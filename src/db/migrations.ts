import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

/**
 * Versioned schema changes, applied in order at start. Never edit a released migration:
 * add the next one. Tables arrive with the issue that needs them.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'channel clocks',
    up(db) {
      // Each channel's epoch: the instant its schedule's clock started. Where a loop (or any
      // schedule) is at time t is computed from it, so it must survive restarts.
      db.exec(`
        CREATE TABLE channel_clocks (
          channel_number INTEGER PRIMARY KEY,
          epoch_ms INTEGER NOT NULL,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
      `);
    },
  },
];
