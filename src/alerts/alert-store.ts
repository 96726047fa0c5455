import type { Database } from '../db/database.js';
import type { Alert, AlertType } from './alert.js';

interface AlertRow {
  id: number;
  message: string;
  type: AlertType;
  priority: number;
  channels_json: string;
  issued_at_ms: number;
  ends_at_ms: number;
  cancelled_at_ms: number | null;
}

const toAlert = (row: AlertRow): Alert => ({
  id: row.id,
  message: row.message,
  type: row.type,
  priority: row.priority,
  channels: JSON.parse(row.channels_json) as number[],
  issuedAtMs: row.issued_at_ms,
  endsAtMs: row.ends_at_ms,
  ...(row.cancelled_at_ms !== null ? { cancelledAtMs: row.cancelled_at_ms } : {}),
});

/** Alerts in SQLite: a restart during an alert resumes it; the history survives restarts. */
export class AlertStore {
  constructor(private readonly db: Database) {}

  insert(alert: Omit<Alert, 'id'>): Alert {
    const result = this.db
      .prepare('INSERT INTO alerts (message, type, priority, channels_json, issued_at_ms, ends_at_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(alert.message, alert.type, alert.priority, JSON.stringify(alert.channels), alert.issuedAtMs, alert.endsAtMs);
    return { ...alert, id: Number(result.lastInsertRowid) };
  }

  cancel(id: number, atMs: number): void {
    this.db.prepare('UPDATE alerts SET cancelled_at_ms = ? WHERE id = ? AND cancelled_at_ms IS NULL').run(atMs, id);
  }

  get(id: number): Alert | undefined {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : undefined;
  }

  /** Finished alerts (ended or cancelled by `nowMs`), newest first: one page of them and how many there are. */
  finished(nowMs: number, limit: number, offset: number): { alerts: Alert[]; total: number } {
    const where = 'WHERE cancelled_at_ms IS NOT NULL OR ends_at_ms <= ?';
    const rows = this.db.prepare(`SELECT * FROM alerts ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(nowMs, limit, offset) as AlertRow[];
    const { total } = this.db.prepare(`SELECT COUNT(*) AS total FROM alerts ${where}`).get(nowMs) as { total: number };
    return { alerts: rows.map(toAlert), total };
  }

  /** Alerts whose window has not ended (and were not cancelled) at `nowMs`. */
  unfinished(nowMs: number): Alert[] {
    return (this.db.prepare('SELECT * FROM alerts WHERE ends_at_ms > ? AND cancelled_at_ms IS NULL ORDER BY id').all(nowMs) as AlertRow[]).map(toAlert);
  }
}
