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
  {
    version: 2,
    name: 'media library',
    up(db) {
      // One row per file ever seen. Rows are never deleted: a file that disappears becomes
      // `missing`, so schedules and history that refer to its id stay valid.
      db.exec(`
        CREATE TABLE media_files (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          size_bytes INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('ok', 'missing', 'unplayable')),
          status_reason TEXT,
          container TEXT,
          duration_ms INTEGER,
          video_codec TEXT,
          video_profile TEXT,
          width INTEGER,
          height INTEGER,
          frame_rate REAL,
          frame_rate_fraction TEXT,
          pixel_format TEXT,
          bit_depth INTEGER,
          field_order TEXT,
          interlaced INTEGER,
          display_aspect TEXT,
          sample_aspect TEXT,
          title TEXT NOT NULL,
          show TEXT,
          season INTEGER,
          episode INTEGER,
          year INTEGER,
          kind TEXT NOT NULL CHECK (kind IN ('episode', 'movie', 'commercial', 'bumper', 'station_id', 'promo', 'other')),
          tags_json TEXT NOT NULL DEFAULT '[]',
          probed_at TEXT,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE INDEX media_files_status_kind ON media_files (status, kind);
        CREATE INDEX media_files_show ON media_files (show, season, episode);

        CREATE TABLE media_audio_streams (
          id INTEGER PRIMARY KEY,
          media_file_id INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
          stream_index INTEGER NOT NULL,
          codec TEXT NOT NULL,
          language TEXT,
          channels INTEGER NOT NULL,
          channel_layout TEXT,
          sample_rate INTEGER NOT NULL,
          title TEXT
        );
        CREATE INDEX media_audio_streams_file ON media_audio_streams (media_file_id);

        CREATE TABLE media_subtitle_streams (
          id INTEGER PRIMARY KEY,
          media_file_id INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
          stream_index INTEGER NOT NULL,
          codec TEXT NOT NULL,
          language TEXT,
          title TEXT
        );
        CREATE INDEX media_subtitle_streams_file ON media_subtitle_streams (media_file_id);

        -- Break points inside a program (the seed's columns, exactly).
        CREATE TABLE chapter_markers (
          id INTEGER PRIMARY KEY,
          media_file_id INTEGER NOT NULL REFERENCES media_files(id),
          chapter_title TEXT NOT NULL,
          timestamp_ms INTEGER NOT NULL,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE INDEX chapter_markers_file ON chapter_markers (media_file_id, timestamp_ms);

        -- Where each marker came from: the file's own chapters (replaced when the file
        -- changes) or the user (never touched by a rescan).
        CREATE TABLE chapter_marker_sources (
          chapter_marker_id INTEGER PRIMARY KEY REFERENCES chapter_markers(id) ON DELETE CASCADE,
          source TEXT NOT NULL CHECK (source IN ('file', 'user'))
        );

        -- Imported chapters the user removed: a rescan must not bring them back.
        CREATE TABLE chapter_suppressions (
          media_file_id INTEGER NOT NULL REFERENCES media_files(id),
          timestamp_ms INTEGER NOT NULL,
          chapter_title TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          PRIMARY KEY (media_file_id, timestamp_ms)
        );
      `);
    },
  },
  {
    version: 3,
    name: 'channels, schedules and the published timeline',
    up(db) {
      // Channels as viewers see them, each with its schedule (validated JSON, see src/schedule/model.ts).
      // The timeline tables hold every airing once compiled ("published"), so a restart
      // replays the same airings instead of compiling a different future.
      db.exec(`
        CREATE TABLE channels (
          number INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          call_sign TEXT NOT NULL,
          logo_path TEXT,
          group_title TEXT NOT NULL,
          quality TEXT,
          enabled INTEGER NOT NULL DEFAULT 1,
          time_zone TEXT NOT NULL,
          schedule_json TEXT NOT NULL DEFAULT '{"blocks":[]}',
          source TEXT NOT NULL CHECK (source IN ('config', 'api')),
          updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE TABLE timeline_airings (
          channel_number INTEGER NOT NULL,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER NOT NULL,
          media_id INTEGER,
          media_path TEXT NOT NULL,
          in_ms INTEGER NOT NULL,
          out_ms INTEGER NOT NULL,
          kind TEXT NOT NULL,
          title TEXT NOT NULL,
          program_json TEXT,
          PRIMARY KEY (channel_number, start_ms)
        ) WITHOUT ROWID;
        -- Compiler state at unit boundaries: a schedule edit recompiles from the next one.
        CREATE TABLE timeline_checkpoints (
          channel_number INTEGER NOT NULL,
          at_ms INTEGER NOT NULL,
          state_json TEXT NOT NULL,
          PRIMARY KEY (channel_number, at_ms)
        ) WITHOUT ROWID;
        -- How far each channel is compiled, and the progress (next episodes, rotation) there.
        CREATE TABLE timeline_heads (
          channel_number INTEGER PRIMARY KEY,
          compiled_until_ms INTEGER NOT NULL,
          state_json TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 4,
    name: 'emergency alerts',
    up(db) {
      // Every alert ever sent: active ones resume after a restart, the rest are history.
      db.exec(`
        CREATE TABLE alerts (
          id INTEGER PRIMARY KEY,
          message TEXT NOT NULL,
          type TEXT NOT NULL CHECK (type IN ('emergency', 'weather', 'system', 'custom')),
          priority INTEGER NOT NULL,
          channels_json TEXT NOT NULL,
          issued_at_ms INTEGER NOT NULL,
          ends_at_ms INTEGER NOT NULL,
          cancelled_at_ms INTEGER
        );
        CREATE INDEX alerts_by_end ON alerts (ends_at_ms);
      `);
    },
  },
  {
    version: 5,
    name: 'media cache',
    up(db) {
      // One row per cached rendition (src/cache): a file normalised once to one output profile,
      // with its keyframe index, so airings of it are copy-spliced instead of re-encoded.
      db.exec(`
        CREATE TABLE media_cache (
          key TEXT PRIMARY KEY,
          path TEXT NOT NULL,
          size_bytes INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          profile_key TEXT NOT NULL,
          file TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          origin_pts REAL NOT NULL,
          duration_s REAL NOT NULL,
          keyframes_json TEXT NOT NULL,
          created_at_ms INTEGER NOT NULL,
          last_aired_ms INTEGER
        );
        CREATE INDEX media_cache_by_source ON media_cache (path, profile_key);
      `);
    },
  },
  {
    version: 6,
    name: 'always-on channels',
    up(db) {
      // An always-on channel keeps its encoder running with no viewer (instant tune-in), now
      // settable per channel from the control room, not only in the config file.
      db.exec('ALTER TABLE channels ADD COLUMN always_on INTEGER NOT NULL DEFAULT 0');
    },
  },
  {
    version: 7,
    name: 'subtitle tracks',
    up(db) {
      // Subtitle tracks of a file: its own streams ('embedded') and the subtitle files beside it
      // ('sidecar', issue 22), with the flags a player chooses by, whether the track is a picture
      // (burn-in only), and why it cannot be used (`problem`) or which of its cues were dropped
      // (`warning`). stream_index becomes nullable (a sidecar has none), so the table is rebuilt;
      // existing rows are embedded streams, and `disposition_known = 0` has the next scan probe
      // their files again to learn the forced/default flags (the media cache keys stay valid).
      db.exec(`
        CREATE TABLE media_subtitle_streams_v7 (
          id INTEGER PRIMARY KEY,
          media_file_id INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
          origin TEXT NOT NULL DEFAULT 'embedded' CHECK (origin IN ('embedded', 'sidecar')),
          stream_index INTEGER,
          sidecar_path TEXT,
          codec TEXT NOT NULL,
          language TEXT,
          title TEXT,
          forced INTEGER NOT NULL DEFAULT 0,
          is_default INTEGER NOT NULL DEFAULT 0,
          hearing_impaired INTEGER NOT NULL DEFAULT 0,
          picture_only INTEGER NOT NULL DEFAULT 0,
          problem TEXT,
          warning TEXT,
          sidecar_size INTEGER,
          sidecar_mtime_ms INTEGER,
          disposition_known INTEGER NOT NULL DEFAULT 1,
          CHECK ((origin = 'embedded') = (stream_index IS NOT NULL)),
          CHECK ((origin = 'sidecar') = (sidecar_path IS NOT NULL))
        );
        INSERT INTO media_subtitle_streams_v7 (id, media_file_id, origin, stream_index, codec, language, title, picture_only, disposition_known)
          SELECT id, media_file_id, 'embedded', stream_index, codec, language, title,
            codec IN ('hdmv_pgs_subtitle', 'dvd_subtitle', 'dvb_subtitle', 'xsub', 'dvb_teletext'), 0
          FROM media_subtitle_streams;
        DROP TABLE media_subtitle_streams;
        ALTER TABLE media_subtitle_streams_v7 RENAME TO media_subtitle_streams;
        CREATE INDEX media_subtitle_streams_file ON media_subtitle_streams (media_file_id);
        CREATE UNIQUE INDEX media_subtitle_sidecars ON media_subtitle_streams (media_file_id, sidecar_path) WHERE sidecar_path IS NOT NULL;
      `);
    },
  },
  {
    version: 8,
    name: 'channel languages',
    up(db) {
      // A channel's own audio/subtitle languages (src/config/languages.ts), as the API sets
      // them: JSON of only the keys that differ from the server-wide `languages`; NULL = none.
      // (Version 7 is the library's subtitle tracks; versions apply by number, not in a row.)
      db.exec('ALTER TABLE channels ADD COLUMN languages_json TEXT');
    },
  },
  {
    version: 9,
    name: 'media servers and programme metadata',
    up(db) {
      // Media servers (Plex, Jellyfin, Emby) as library sources (src/sources/). Their secrets
      // (token, API key) are not here: they live in the data folder's secrets file, mode 0600
      // (src/sources/source-secrets.ts), so a copy of the database gives no access to a server.
      db.exec(`
        CREATE TABLE media_sources (
          id INTEGER PRIMARY KEY,
          -- What schedules and the API name it by: "plex-1", "jellyfin-2"; never reused.
          key TEXT NOT NULL UNIQUE,
          type TEXT NOT NULL CHECK (type IN ('plex', 'jellyfin', 'emby')),
          url TEXT NOT NULL,
          -- Jellyfin/Emby: the user whose view is imported (name as given); NULL for Plex.
          user_name TEXT,
          -- The user's id on the server, found at the connection check.
          user_id TEXT,
          server_name TEXT,
          server_version TEXT,
          server_id TEXT,
          -- The server's library ids chosen for import (JSON array of strings); [] = none yet.
          libraries_json TEXT NOT NULL DEFAULT '[]',
          -- [{"from": "/data/media", "to": "/mnt/media"}]: read files from disk, not over HTTP.
          path_mappings_json TEXT NOT NULL DEFAULT '[]',
          sync_interval_minutes INTEGER NOT NULL DEFAULT 360,
          enabled INTEGER NOT NULL DEFAULT 1,
          last_sync_started_at TEXT,
          last_sync_finished_at TEXT,
          -- ok | failed | running; last_sync_error says why in words.
          last_sync_status TEXT,
          last_sync_error TEXT,
          -- The server's clock at the last complete sync (epoch ms): the next asks for what changed since.
          last_sync_cursor_ms INTEGER,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );

        -- A file's origin: NULL = a local folder (the scanner owns the row); else the media
        -- server that owns it (the sync owns the row, the scanner never touches it). An item
        -- streamed from its server has path "media-server:<source id>:<uuid>" (stable for the
        -- row's life, src/sources/media-input.ts); one read through a path mapping has the
        -- local path. remote_id is the server's item id now (it changes on a reindex or a
        -- database rebuild: the row, its id and everything scheduled stay; see the sync).
        ALTER TABLE media_files ADD COLUMN source_id INTEGER REFERENCES media_sources(id);
        ALTER TABLE media_files ADD COLUMN remote_id TEXT;
        -- The file's path on the media server, as the server reports it.
        ALTER TABLE media_files ADD COLUMN remote_path TEXT;
        -- What to stream: Plex part key (/library/parts/…), Jellyfin/Emby media source id.
        ALTER TABLE media_files ADD COLUMN remote_part TEXT;
        -- {"imdb": "tt…", "tmdb": "…", "tvdb": "…"}: how an item is found again when its remote id changes.
        ALTER TABLE media_files ADD COLUMN external_ids_json TEXT NOT NULL DEFAULT '{}';

        -- Programme metadata for the guide, from a media server or from .nfo sidecars.
        ALTER TABLE media_files ADD COLUMN description TEXT;
        ALTER TABLE media_files ADD COLUMN show_description TEXT;
        -- "TV-PG", "PG-13", "12": as the source gives it.
        ALTER TABLE media_files ADD COLUMN content_rating TEXT;
        ALTER TABLE media_files ADD COLUMN genres_json TEXT NOT NULL DEFAULT '[]';
        -- First aired / released, "YYYY-MM-DD".
        ALTER TABLE media_files ADD COLUMN air_date TEXT;
        -- The poster: a local image file (sidecar) or a path on the media server (fetched
        -- with the source's secret and kept in the data folder, never a URL a client gave).
        ALTER TABLE media_files ADD COLUMN poster_path TEXT;
        ALTER TABLE media_files ADD COLUMN poster_remote TEXT;
        -- Where the metadata came from: 'nfo', 'plex', 'jellyfin', 'emby'; NULL = file name only.
        ALTER TABLE media_files ADD COLUMN metadata_source TEXT;
        CREATE INDEX media_files_source ON media_files (source_id, remote_id);

        -- Intro and credits as the media server knows them (Plex markers, Jellyfin media
        -- segments): a break goes after the intro, "up next" over the credits.
        CREATE TABLE media_markers (
          media_file_id INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
          kind TEXT NOT NULL CHECK (kind IN ('intro', 'credits')),
          start_ms INTEGER NOT NULL,
          end_ms INTEGER NOT NULL,
          PRIMARY KEY (media_file_id, kind, start_ms)
        ) WITHOUT ROWID;

        -- Media-server collections and playlists, as schedule content
        -- ({ "type": "collection", "source": "plex-1", "name": "80s Cartoons" }).
        CREATE TABLE media_collections (
          source_id INTEGER NOT NULL REFERENCES media_sources(id),
          name TEXT NOT NULL,
          media_file_id INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          PRIMARY KEY (source_id, name, media_file_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 10,
    name: 'live sources',
    up(db) {
      // Live sources (src/live/): pulled from what an admin configured, or pushed by an encoder
      // to a port Retrovue listens on with the source's secret key (NULL for pull sources).
      // The key is never in a GET answer or a log line; rotating it replaces it here.
      db.exec(`
        CREATE TABLE live_sources (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          url TEXT NOT NULL,
          secret_key TEXT,
          created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
          updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
      `);
    },
  },
];
