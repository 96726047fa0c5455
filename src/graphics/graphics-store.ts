import type { Database } from 'better-sqlite3';
import { effectiveGraphics, GraphicsConfigError, parseGraphicsOverride, type GraphicsOverride, type GraphicsSettings } from '../config/graphics-settings.js';

/**
 * Each channel's graphics override, in SQLite. The table is created here (IF NOT EXISTS) rather
 * than by a numbered migration: it belongs to this module alone, references nothing, and this
 * way it cannot collide with migrations being added elsewhere at the same time.
 *
 * Config-file channels: their `graphics` is written at every start (the file stays the source
 * of truth for them, as for their other keys); a PUT changes it until the next start.
 */
export class GraphicsStore {
  constructor(
    private readonly db: Database,
    /** The config file's top-level `graphics` (server-wide defaults). */
    private readonly serverWide: GraphicsOverride = {},
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS channel_graphics (
      channel_number INTEGER PRIMARY KEY,
      settings_json TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )`);
  }

  /** The channel's own override ({} when it has none). */
  override(channelNumber: number): GraphicsOverride {
    const row = this.db.prepare('SELECT settings_json FROM channel_graphics WHERE channel_number = ?').get(channelNumber) as { settings_json: string } | undefined;
    if (!row) return {};
    try {
      return parseGraphicsOverride(JSON.parse(row.settings_json));
    } catch {
      // A row written by an older version that no longer validates: the defaults apply.
      return {};
    }
  }

  /** The primary colour the channel's branding sets (its own, else the server-wide one); undefined when neither sets one. */
  brandColour(channelNumber: number): string | undefined {
    const own = this.override(channelNumber).branding?.primary;
    return own ?? (this.serverWide.branding?.primary as string | undefined);
  }

  /** Defaults ← server-wide ← channel. */
  effective(channelNumber: number): GraphicsSettings {
    try {
      return effectiveGraphics(this.serverWide, this.override(channelNumber));
    } catch {
      return effectiveGraphics(this.serverWide, {});
    }
  }

  /** What the settings would be with `draft` as the channel's override (validated; nothing written). */
  effectiveWith(draft: unknown): GraphicsSettings {
    return effectiveGraphics(this.serverWide, parseGraphicsOverride(draft));
  }

  /**
   * Replaces the channel's override after validating it and the merged result; on any error
   * nothing is written and the error names the field.
   */
  set(channelNumber: number, input: unknown): GraphicsOverride {
    const override = parseGraphicsOverride(input);
    effectiveGraphics(this.serverWide, override);
    this.db
      .prepare(
        `INSERT INTO channel_graphics (channel_number, settings_json) VALUES (?, ?)
         ON CONFLICT(channel_number) DO UPDATE SET settings_json = excluded.settings_json, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run(channelNumber, JSON.stringify(override));
    return override;
  }

  remove(channelNumber: number): void {
    this.db.prepare('DELETE FROM channel_graphics WHERE channel_number = ?').run(channelNumber);
  }

  /** At start: every config-file channel's `graphics` (validated first; nothing written if one is bad). */
  seed(channels: Array<{ number: number; graphics?: unknown }> | undefined): void {
    if (!channels) return;
    const overrides = channels.map((channel, index) => {
      try {
        const override = parseGraphicsOverride(channel.graphics ?? {}, `channels[${index}].graphics`);
        effectiveGraphics(this.serverWide, override);
        return { number: channel.number, override };
      } catch (error) {
        if (error instanceof GraphicsConfigError) throw new GraphicsConfigError(error.message.startsWith('channels[') ? error.message : `channels[${index}].${error.message}`);
        throw error;
      }
    });
    this.db.transaction(() => overrides.forEach(({ number, override }) => this.set(number, override)))();
  }
}
