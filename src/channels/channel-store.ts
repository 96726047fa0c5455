import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { bounded, someOf } from '../config/message-text.js';
import { languagesOverrideSchema, type LanguagesOverride } from '../config/languages.js';
import { channelConfigSchema, type QualityName } from '../config/schema.js';
import { emptySchedule, liveSourcesOf, parseSchedule, ScheduleError, type ChannelSchedule } from '../schedule/model.js';
import type { ChannelDirectory, ChannelInfo } from './channel-info.js';
import { logoInFolder, LogoNameError } from './logo-files.js';

/** A stored channel: identity for the guide/M3U plus quality profile and schedule. */
export interface StoredChannel extends ChannelInfo {
  quality?: QualityName;
  /** Runs with no viewer (instant tune-in, at the cost of its encoder's CPU all the time). */
  alwaysOn: boolean;
  schedule: ChannelSchedule;
  /** The channel's own languages (only what differs from the server-wide `languages`). */
  languages?: LanguagesOverride;
  /** 'config': defined in the config file (re-applied at each start); 'api': created over REST. */
  source: 'config' | 'api';
}

/** A request the store refuses: `status` is the HTTP status the API answers with. */
export class ChannelRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault (dotted path), when one is. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ChannelRequestError';
  }
}

export type ChannelInput = z.input<typeof channelConfigSchema>;
const channelPatchSchema = channelConfigSchema.omit({ number: true, ladder: true }).partial().strict();

function zodMessage(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      return issue.code === 'unrecognized_keys' ? `${where}unknown key(s) ${someOf(issue.keys.map((k) => `"${k}"`))}` : `${where}${issue.message}`;
    })
    .slice(0, 10)
    .join('; ');
}

const firstField = (error: z.ZodError): string | undefined => error.issues[0]?.path.map(String).join('.') || undefined;

function checkZone(zone: string): void {
  if (!IANAZone.isValidZone(zone)) throw new ChannelRequestError(400, 'invalid_channel', `time_zone: ${JSON.stringify(bounded(zone, 60))} is not an IANA time zone (e.g. "America/New_York")`, 'time_zone');
}

function scheduleOrError(input: unknown, where = 'schedule'): ChannelSchedule {
  // null is not "no schedule": a client sending it by mistake must not wipe the channel's blocks.
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ChannelRequestError(400, 'invalid_schedule', `${where}: must be an object such as { "blocks": [] }`, where);
  }
  try {
    return parseSchedule(input);
  } catch (error) {
    if (error instanceof ScheduleError) throw new ChannelRequestError(400, 'invalid_schedule', `${where}: ${error.message}`, error.field ? `${where}.${error.field}` : where);
    throw error;
  }
}

interface ChannelRow {
  number: number;
  name: string;
  call_sign: string;
  logo_path: string | null;
  group_title: string;
  quality: string | null;
  enabled: number;
  always_on: number;
  time_zone: string;
  schedule_json: string;
  languages_json: string | null;
  source: 'config' | 'api';
}

function fromRow(row: ChannelRow): StoredChannel {
  return {
    number: row.number,
    name: row.name,
    callSign: row.call_sign,
    group: row.group_title,
    ...(row.logo_path ? { logoPath: row.logo_path } : {}),
    ...(row.quality ? { quality: row.quality as QualityName } : {}),
    enabled: row.enabled === 1,
    alwaysOn: row.always_on === 1,
    timeZone: row.time_zone,
    schedule: parseSchedule(JSON.parse(row.schedule_json)),
    ...storedLanguages(row.languages_json),
    source: row.source,
  };
}

/** The stored languages, read leniently: a value no longer valid is dropped (the defaults apply), never a crash at start. */
function storedLanguages(json: string | null): { languages?: LanguagesOverride } {
  if (!json) return {};
  const parsed = languagesOverrideSchema.safeParse(JSON.parse(json));
  return parsed.success ? { languages: parsed.data } : {};
}

/** Channels in SQLite (migration 3); also the server's ChannelDirectory (guide, M3U, lineup). */
export class ChannelStore implements ChannelDirectory {
  constructor(
    private readonly db: Database,
    private readonly defaultTimeZone: string,
    private readonly options: {
      /** `server.logo_folder`: the only place a logo named over the API may come from (besides uploads). */
      logoFolder?: string;
      /**
       * Whether a live source is defined (src/live): a schedule sent over the API may air only
       * one that is. Absent: not checked. (The config file's channels are not checked: they are
       * applied at every start, and a source deleted since must not stop the server; its block
       * airs the fallback.)
       */
      liveSourceExists?: (id: string) => boolean;
    } = {},
  ) {}

  /** A schedule sent over the API, refused (400, naming the source and the block) when it airs a live source that is not defined. */
  private checkLiveSources(schedule: ChannelSchedule, where = 'schedule'): ChannelSchedule {
    const exists = this.options.liveSourceExists;
    if (!exists) return schedule;
    const unknown = liveSourcesOf(schedule).find((use) => !exists(use.source));
    if (unknown) {
      throw new ChannelRequestError(400, 'unknown_live_source', `${where}.${unknown.field}: no live source "${unknown.source}" (GET /api/live/sources lists them; POST there to add one)`, `${where}.${unknown.field}`);
    }
    return schedule;
  }

  /**
   * A `logo` sent over the API: a file name in the logo folder, stored as its full path. The
   * config file's channels (the operator's own) keep whatever path they give.
   */
  private apiLogo(name: string): string {
    try {
      return logoInFolder(this.options.logoFolder, name);
    } catch (error) {
      if (error instanceof LogoNameError) throw new ChannelRequestError(400, 'invalid_channel', error.message, 'logo');
      throw error;
    }
  }

  all(): StoredChannel[] {
    return (this.db.prepare('SELECT * FROM channels ORDER BY number').all() as ChannelRow[]).map(fromRow);
  }

  list(): StoredChannel[] {
    return this.all().filter((c) => c.enabled);
  }

  get(channelNumber: number): StoredChannel | undefined {
    const row = this.db.prepare('SELECT * FROM channels WHERE number = ?').get(channelNumber) as ChannelRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  private write(channel: StoredChannel): void {
    this.db
      .prepare(
        `INSERT INTO channels (number, name, call_sign, logo_path, group_title, quality, enabled, always_on, time_zone, schedule_json, languages_json, source)
         VALUES (@number, @name, @callSign, @logoPath, @group, @quality, @enabled, @alwaysOn, @timeZone, @schedule, @languages, @source)
         ON CONFLICT(number) DO UPDATE SET name = excluded.name, call_sign = excluded.call_sign, logo_path = excluded.logo_path,
           group_title = excluded.group_title, quality = excluded.quality, enabled = excluded.enabled, always_on = excluded.always_on, time_zone = excluded.time_zone,
           schedule_json = excluded.schedule_json, languages_json = excluded.languages_json, source = excluded.source,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run({
        number: channel.number,
        name: channel.name,
        callSign: channel.callSign,
        logoPath: channel.logoPath ?? null,
        group: channel.group,
        quality: channel.quality ?? null,
        enabled: channel.enabled ? 1 : 0,
        alwaysOn: channel.alwaysOn ? 1 : 0,
        timeZone: channel.timeZone,
        schedule: JSON.stringify(channel.schedule),
        languages: channel.languages && Object.keys(channel.languages).length > 0 ? JSON.stringify(channel.languages) : null,
        source: channel.source,
      });
  }

  /** Validates a full channel definition (config entry or POST body) into a StoredChannel. */
  private build(input: unknown, source: 'config' | 'api'): StoredChannel {
    const parsed = channelConfigSchema.safeParse(input);
    if (!parsed.success) throw new ChannelRequestError(400, 'invalid_channel', zodMessage(parsed.error), firstField(parsed.error));
    const c = parsed.data;
    // A ladder is read from the config file at start (src/config/quality.ts resolveLadder), not stored.
    if (source === 'api' && c.ladder !== undefined) throw new ChannelRequestError(400, 'invalid_channel', 'ladder: a channel\'s own ladder is set in the config file (channels[].ladder); others use streaming.ladder', 'ladder');
    const timeZone = c.time_zone ?? this.defaultTimeZone;
    checkZone(timeZone);
    return {
      number: c.number,
      name: c.name,
      callSign: c.call_sign ?? `RTV${c.number}`,
      group: c.group,
      ...(c.logo ? { logoPath: source === 'api' ? this.apiLogo(c.logo) : c.logo } : {}),
      ...(c.quality ? { quality: c.quality } : {}),
      enabled: c.enabled,
      alwaysOn: c.always_on,
      timeZone,
      schedule: c.schedule === undefined ? emptySchedule() : source === 'api' ? this.checkLiveSources(scheduleOrError(c.schedule)) : scheduleOrError(c.schedule),
      ...(c.languages ? { languages: c.languages } : {}),
      source,
    };
  }

  create(input: unknown): StoredChannel {
    const channel = this.build(input, 'api');
    if (this.get(channel.number)) throw new ChannelRequestError(409, 'channel_exists', `channel ${channel.number} already exists`);
    this.write(channel);
    return channel;
  }

  update(channelNumber: number, patch: unknown): StoredChannel {
    const next = this.patched(channelNumber, patch);
    this.write(next);
    return next;
  }

  /** The channel as `patch` would leave it, validated, without writing anything. */
  patched(channelNumber: number, patch: unknown): StoredChannel {
    const current = this.require(channelNumber);
    if (patch !== undefined && (patch === null || typeof patch !== 'object' || Array.isArray(patch))) {
      throw new ChannelRequestError(400, 'invalid_channel', 'the body must be a JSON object of the fields to change', 'body');
    }
    const parsed = channelPatchSchema.safeParse(patch ?? {});
    if (!parsed.success) throw new ChannelRequestError(400, 'invalid_channel', zodMessage(parsed.error), firstField(parsed.error));
    const p = parsed.data;
    if (p.time_zone !== undefined) checkZone(p.time_zone);
    const next: StoredChannel = {
      ...current,
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.call_sign !== undefined ? { callSign: p.call_sign } : {}),
      ...(p.logo !== undefined ? { logoPath: this.apiLogo(p.logo) } : {}),
      ...(p.group !== undefined ? { group: p.group } : {}),
      ...(p.quality !== undefined ? { quality: p.quality } : {}),
      ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
      ...(p.always_on !== undefined ? { alwaysOn: p.always_on } : {}),
      ...(p.time_zone !== undefined ? { timeZone: p.time_zone } : {}),
      ...(p.schedule !== undefined ? { schedule: this.checkLiveSources(scheduleOrError(p.schedule)) } : {}),
      // The channel's own languages as sent, whole: `{}` puts it back on the server-wide ones.
      ...(p.languages !== undefined ? { languages: p.languages } : {}),
    };
    if (next.languages && Object.keys(next.languages).length === 0) delete next.languages;
    return next;
  }

  setSchedule(channelNumber: number, schedule: unknown): StoredChannel {
    const current = this.require(channelNumber);
    const next = { ...current, schedule: this.checkLiveSources(scheduleOrError(schedule)) };
    this.write(next);
    return next;
  }

  /** Sets (a file path) or clears (undefined: back to the call-sign card) the channel's logo. */
  setLogo(channelNumber: number, logoPath: string | undefined): StoredChannel {
    const { logoPath: _old, ...current } = this.require(channelNumber);
    const next: StoredChannel = { ...current, ...(logoPath ? { logoPath } : {}) };
    this.write(next);
    return next;
  }

  /**
   * Gives channel `from` the number `to`: the channel row and everything kept by number (its
   * clock, compiled timeline, graphics override) move together in one transaction, so the
   * renumbered channel airs exactly what it would have aired. 409 when `to` is taken.
   */
  renumber(from: number, to: number): StoredChannel {
    const current = this.require(from);
    if (!Number.isInteger(to) || to < 1 || to > 9999) throw new ChannelRequestError(400, 'invalid_channel', `number: must be a whole number from 1 to 9999 (got ${to})`, 'number');
    if (to === from) return current;
    // The config file is re-applied at every start: it would bring the old number back.
    if (current.source === 'config') throw new ChannelRequestError(409, 'config_channel', `channel ${from} is defined in the config file: change its number there`, 'number');
    if (this.get(to)) throw new ChannelRequestError(409, 'channel_exists', `channel ${to} already exists`, 'number');
    const tables = (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>)
      .map((t) => t.name)
      .filter((name) => (this.db.prepare(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>).some((column) => column.name === 'channel_number'));
    this.db.transaction(() => {
      // A stale clock or timeline left under `to` (a channel deleted earlier) gives way.
      for (const table of tables) this.db.prepare(`DELETE FROM ${table} WHERE channel_number = ?`).run(to);
      for (const table of tables) this.db.prepare(`UPDATE ${table} SET channel_number = ? WHERE channel_number = ?`).run(to, from);
      this.db.prepare(`UPDATE channels SET number = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE number = ?`).run(to, from);
    })();
    return this.require(to);
  }

  remove(channelNumber: number): StoredChannel {
    const current = this.require(channelNumber);
    this.db.prepare('DELETE FROM channels WHERE number = ?').run(channelNumber);
    return current;
  }

  require(channelNumber: number): StoredChannel {
    const channel = Number.isInteger(channelNumber) ? this.get(channelNumber) : undefined;
    if (!channel) throw new ChannelRequestError(404, 'unknown_channel', `no channel ${channelNumber}`);
    return channel;
  }

  /**
   * At start: a channel made over the API whose logo lies outside the uploads folder and the
   * logo folder (set before logos were confined, when the API took any path) loses it and gets
   * the call-sign card; the graphics bug would otherwise keep reading that file. Returns the
   * channels changed.
   */
  releaseForeignLogos(uploadsDir: string): number[] {
    const allowed = [uploadsDir, this.options.logoFolder].filter((dir): dir is string => dir !== undefined).map((dir) => `${path.resolve(dir)}${path.sep}`);
    const released: number[] = [];
    for (const channel of this.list()) {
      if (channel.source !== 'api' || !channel.logoPath) continue;
      if (allowed.some((dir) => path.resolve(channel.logoPath!).startsWith(dir))) continue;
      this.setLogo(channel.number, undefined);
      released.push(channel.number);
    }
    return released;
  }

  /**
   * At start: config-file channels are (re)written, so the file stays the source of truth
   * for them; with no `channels` key, channels 1..count are created once with default names.
   * Every entry is validated before anything is written.
   */
  seed(configChannels: unknown[] | undefined, defaultCount: number): void {
    if (configChannels) {
      const built = configChannels.map((entry, index) => {
        try {
          return this.build(entry, 'config');
        } catch (error) {
          if (error instanceof ChannelRequestError) throw new ChannelRequestError(400, error.code, `channels[${index}]: ${error.message}`);
          throw error;
        }
      });
      const numbers = built.map((c) => c.number);
      const duplicate = numbers.find((n, i) => numbers.indexOf(n) !== i);
      if (duplicate !== undefined) throw new ChannelRequestError(400, 'invalid_channel', `channels: number ${duplicate} is used twice`);
      this.db.transaction(() => built.forEach((c) => this.write(c)))();
      return;
    }
    this.db.transaction(() => {
      for (let n = 1; n <= defaultCount; n += 1) {
        if (!this.get(n)) this.write(this.build({ number: n, name: `Retrovue ${n}`, call_sign: `RTV${n}` }, 'config'));
      }
    })();
  }

  /**
   * The channel's clock origin, created as `nowMs` the first time it is asked for. Kept apart
   * from the channel row (table channel_clocks) so a channel deleted and made again, or a loop
   * channel with no row, keeps or gets a clock all the same.
   */
  epoch(channelNumber: number, nowMs: number): number {
    this.db.prepare('INSERT OR IGNORE INTO channel_clocks (channel_number, epoch_ms) VALUES (?, ?)').run(channelNumber, nowMs);
    const row = this.db.prepare('SELECT epoch_ms FROM channel_clocks WHERE channel_number = ?').get(channelNumber) as { epoch_ms: number };
    return row.epoch_ms;
  }

  /** Restarts the channel's clock (used by `--loops N`: N passes counted from this start). */
  resetEpoch(channelNumber: number, nowMs: number): void {
    this.db
      .prepare('INSERT INTO channel_clocks (channel_number, epoch_ms) VALUES (?, ?) ON CONFLICT(channel_number) DO UPDATE SET epoch_ms = excluded.epoch_ms')
      .run(channelNumber, nowMs);
  }
}
