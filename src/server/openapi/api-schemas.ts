import { z } from 'zod';
import { ALERT_TYPES } from '../../alerts/alert.js';
import { MEDIA_KINDS, QUALITY_NAMES } from '../../config/choices.js';
import { graphicsOverrideSchema, graphicsSchema } from '../../config/graphics-settings.js';
import { scheduleSchema } from '../../schedule/model.js';
import { SUBTITLE_MODES } from '../../config/languages.js';

/**
 * The API's shared request and response shapes, declared with the routes that use them
 * (defineRoute in route-table.ts). Response schemas describe what the routes send and are
 * checked against real answers by test/integration/server/api-openapi.test.ts. Responses are
 * loose objects: a field may be added without breaking a client, never removed or retyped.
 *
 * The control room and the CLI import the types inferred here (type-only), so this module and
 * everything it imports stay free of Node modules: web/tsconfig.json type-checks them for the
 * browser. Request bodies that need server modules live beside their routes.
 */

const isoTime = z.string().describe('ISO 8601 instant, UTC');

/** A number in a URL path (`{n}`: a channel number): digits only, so one resource has one URL (src/server/routes/path-number.ts). */
const pathDigits = () => z.string().regex(/^\d+$/, 'must be a positive whole number (digits only)');
export const channelParams = z.object({ n: pathDigits().describe('channel number') });
export const idParams = z.object({ id: pathDigits().describe('numeric id') });
export const chapterParams = idParams.extend({ chapterId: pathDigits().describe('chapter marker id') });

// ---- channels ---------------------------------------------------------------------------

export const channelSchema = z.looseObject({
  number: z.number().int(),
  name: z.string(),
  callSign: z.string(),
  group: z.string(),
  logoPath: z.string().optional(),
  quality: z.enum(QUALITY_NAMES).optional(),
  enabled: z.boolean(),
  alwaysOn: z.boolean(),
  timeZone: z.string(),
  schedule: scheduleSchema,
  /** The channel's own languages (only what differs from the server-wide `languages`). */
  languages: z
    .looseObject({
      audio: z.array(z.string()).optional(),
      subtitles: z.array(z.string()).optional(),
      subtitle_mode: z.enum(SUBTITLE_MODES).optional(),
      captions: z.boolean().optional(),
    })
    .optional(),
  source: z.enum(['config', 'api']),
});
/**
 * Every list pages the same way: `limit` and `offset` in the query; `total`, `limit` and
 * `offset` in the answer beside the page's items.
 */
export function pageQuery(defaultLimit: number, maxLimit: number) {
  return {
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit).describe(`most items returned (1–${maxLimit}, default ${defaultLimit})`),
    offset: z.coerce.number().int().min(0).default(0).describe('items skipped before the first returned'),
  };
}
const pageFields = { total: z.number().int(), limit: z.number().int(), offset: z.number().int() };

export const channelListQuery = z
  .object({
    enabled: z.enum(['true', 'false']).optional().describe('only channels on (true) or off (false) the air'),
    q: z.string().min(1).max(100).optional().describe('name or call sign contains this (any case)'),
    ...pageQuery(1000, 10000),
  })
  .strict();
export const channelListSchema = z.looseObject({ channels: z.array(channelSchema), ...pageFields });

const programmeChange = z.looseObject({ start: isoTime, end: isoTime, title: z.string(), subtitle: z.string().optional() });
/** What a schedule or channel edit changed in the guide, from the next unit boundary on. */
export const timelineChangeSchema = z.looseObject({
  effectiveFrom: isoTime,
  removed: z.array(programmeChange),
  added: z.array(programmeChange),
});
export const channelPatchResult = z.looseObject({ channel: channelSchema, changes: timelineChangeSchema.nullable() });
export const channelDeleteResult = z.looseObject({ deleted: z.number().int() });
export const scheduleResult = z.looseObject({ schedule: scheduleSchema, changes: timelineChangeSchema });

// ---- timeline, now/next, status -------------------------------------------------------

export const airingSchema = z.looseObject({
  title: z.string(),
  kind: z.string(),
  start: isoTime,
  end: isoTime,
  durationMs: z.number(),
  mediaPath: z.string().nullable().optional(),
  mediaId: z.number().int().optional(),
  inPointMs: z.number(),
  outPointMs: z.number(),
  program: z.looseObject({ title: z.string() }).optional(),
  subtitles: z
    .array(z.string())
    .optional()
    .describe('timeline only: the subtitle languages (ISO 639-2/B) of a programme airing on this channel, shown in the picture or ready to turn on (WebVTT, CEA-608); absent when none'),
  audio: z
    .array(z.object({ slot: z.string(), heard: z.string().optional(), fallback: z.boolean() }))
    .optional()
    .describe("timeline only, on a channel with audio language slots: what each slot carries during a programme airing — `heard` the file's track language, `fallback` true when the file has none in the slot's language and its default track stands in"),
});
/** A time in a viewer's query: what the timeline and now/next routes accept (longer or other forms are a 400). */
const instantParam = (what: string) =>
  z
    .string()
    .max(40)
    .regex(/^(\d{1,15}|\d{4}-\d{2}-\d{2}([T ][0-9:.,]+(Z|[+-]\d{2}:?\d{2})?)?)$/i)
    .optional()
    .describe(`${what}. ISO 8601 or epoch ms, within the guide's window: from its history (guide.history_hours, at least 3 h) to its horizon (guide.days, at least 48 h) around now; outside it is a 400 naming the parameter`);
export const timelineQuery = z
  .object({
    from: instantParam('default now'),
    to: instantParam('default from + 6 h (as far as the horizon); at most 8 days after from'),
    limit: z.string().regex(/^\d+$/).optional().describe('most airings returned (1–20000, default 5000); anything else is a 400'),
  })
  .strict();
export const timelineSchema = z.looseObject({ channel: z.number().int(), from: isoTime, to: isoTime, airings: z.array(airingSchema) });
export const nowQuery = z.object({ at: instantParam('default now') }).strict();
export const nowSchema = z.looseObject({
  channel: z.number().int(),
  at: isoTime,
  onAir: z.boolean(),
  now: airingSchema.extend({ offsetMs: z.number() }).nullable(),
  next: airingSchema.nullable(),
  override: z.looseObject({ kind: z.literal('alert') }).nullable().optional(),
  programme: z.looseObject({ title: z.string(), start: isoTime, end: isoTime }).nullable().optional(),
});

/** A write that failed on the data disk (src/disk/write-errors.ts). */
const writeErrorSchema = z.looseObject({ code: z.string().describe('ENOSPC, EIO, EROFS, EDQUOT, SQLITE_FULL…'), message: z.string().describe('names the folder, and "disk full" when it is'), at: isoTime });
/** The data disk (src/disk/data-disk.ts): /api/health's `disk`, the monitor's `server.disk`. */
export const dataDiskSchema = z.looseObject({
  dataDir: z.string(),
  freeBytes: z.number().nullable(),
  totalBytes: z.number().nullable(),
  minFreeBytes: z.number().describe('cache.min_free_gb in bytes'),
  low: z.boolean().describe('free space below cache.min_free_gb: the cache evicts and its fill pauses'),
  full: z.boolean().describe('writes fail for lack of room (or under 32 MB free)'),
  writeErrors: z.number().int().describe('write errors since start: segments, cache, database'),
  lastWriteError: writeErrorSchema.extend({ where: z.string() }).nullable(),
});
export const channelStatusSchema = z.looseObject({
  number: z.number().int(),
  state: z.string().describe('idle, starting, live, restarting, ended'),
  packager: z.looseObject({ kind: z.enum(['node', 'ffmpeg']), pid: z.number().int().nullable() }),
  renderer: z.looseObject({ pid: z.number().int().nullable(), nextPid: z.number().int().nullable() }),
  encoder: z.looseObject({
    restarts: z.number().int(),
    speed: z.number().nullable(),
    cpuPercent: z.number().nullable(),
    memoryBytes: z.number().nullable(),
    lastError: z.string().nullable(),
  }),
  onAir: z
    .looseObject({
      title: z.string(),
      kind: z.string(),
      offsetMs: z.number(),
      start: isoTime,
      end: isoTime,
      live: z
        .object({ source: z.string(), on: z.enum(['source', 'fallback']).nullable() })
        .nullable()
        .optional()
        .describe('a live block: its live source, and whether the channel airs the source or the fallback now (null: not rendering it yet)'),
    })
    .nullable(),
  viewers: z.looseObject({ ts: z.number().int(), lastActivity: isoTime.nullable() }),
  ladder: z
    .array(z.looseObject({ name: z.string(), resolution: z.string(), videoBitrate: z.string(), channelRun: z.boolean(), state: z.string(), restarts: z.number().int() }))
    .nullable()
    .optional()
    .describe('the adaptive-bitrate rungs (streaming.ladder), each its own run in lockstep; null without a ladder'),
  writeErrors: z
    .looseObject({ count: z.number().int(), last: writeErrorSchema.nullable(), failing: z.boolean().describe('writes fail now; cleared by the next segment written whole') })
    .optional()
    .describe("failed writes of the channel's segments and scratch files (a full or failing data disk)"),
});
/** The first run's station coming up (src/demo/demo-preparation.ts); null once there is nothing to prepare. */
export const stationSchema = z.looseObject({
  state: z.enum(['preparing', 'ready', 'failed']),
  progress: z.number().min(0).max(1).describe('share of the demo library rendered'),
  channelsOnAir: z.boolean().describe('whether the channels are on the air yet (they answer 503 with Retry-After until then)'),
  message: z.string(),
});
export type StationStatusAnswer = z.infer<typeof stationSchema>;

export const healthSchema = z.looseObject({
  status: z.literal('ok'),
  station: stationSchema.nullable().optional(),
  uptimeSeconds: z.number(),
  mode: z.string(),
  ffmpeg: z.looseObject({ version: z.string() }),
  channels: z.array(channelStatusSchema),
  disk: dataDiskSchema.nullable().optional(),
});

// ---- library -------------------------------------------------------------------------

export const mediaListQuery = z
  .object({
    kind: z.enum(MEDIA_KINDS).optional(),
    show: z.string().min(1).optional(),
    status: z.enum(['ok', 'missing', 'unplayable']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const mediaSummarySchema = z.looseObject({
  id: z.number().int(),
  path: z.string(),
  status: z.enum(['ok', 'missing', 'unplayable']),
  reason: z.string().nullable().describe('why a file is unplayable or missing'),
  kind: z.enum(MEDIA_KINDS),
  title: z.string().nullable(),
  show: z.string().nullable(),
  season: z.number().int().nullable(),
  episode: z.number().int().nullable(),
  year: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  tags: z.array(z.string()),
});
export const mediaListSchema = z.looseObject({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(mediaSummarySchema) });
export const chapterSchema = z.looseObject({ id: z.number().int(), title: z.string(), timestampMs: z.number(), source: z.string() });
/** A file's subtitle track (issue 22): one of its own streams, or a subtitle file beside it. */
export const subtitleTrackSchema = z.looseObject({
  id: z.number().int(),
  origin: z.enum(['embedded', 'sidecar']),
  index: z.number().int().nullable().describe("the stream's index in the file (embedded); null for a sidecar"),
  sidecarPath: z.string().nullable().describe('the subtitle file beside the video (sidecar); null for an embedded stream'),
  codec: z.string().describe('ffprobe codec name: subrip, ass, webvtt, mov_text, hdmv_pgs_subtitle, dvd_subtitle, dvb_subtitle…'),
  language: z.string().describe("ISO 639-2/B code; 'und' when the file does not say"),
  languageName: z.string().describe('the language, readable ("Japanese")'),
  title: z.string().nullable(),
  forced: z.boolean().describe('only signs and foreign dialogue'),
  default: z.boolean(),
  hearingImpaired: z.boolean().describe('SDH/CC: sounds described as well as speech'),
  pictureOnly: z.boolean().describe('a picture track (PGS, VobSub, DVB): no text, burn-in only'),
  problem: z.string().nullable().describe('why the track cannot be used (unreadable, too large, no cue), else null'),
  warning: z.string().nullable().describe('cues dropped or cut when it was last read (by line), else null'),
});
export const mediaDetailSchema = mediaSummarySchema.extend({ subtitles: z.array(subtitleTrackSchema), chapters: z.array(chapterSchema) });
export const chapterListSchema = z.looseObject({ mediaId: z.number().int(), chapters: z.array(chapterSchema) });
/** What a chapter edit answers: the marker, and the channels whose future was recompiled for it (from when). */
export const chapterEditResult = chapterSchema.extend({
  rescheduled: z.array(z.looseObject({ channel: z.number().int(), effectiveFrom: isoTime.describe('the next unit boundary: airings from here on break at the edited marks') })),
});
/** POST /api/media/{id}/chapters. */
export const chapterCreateBody = z.object({ title: z.string().min(1).optional(), timestampMs: z.number().min(0) }).strict();
/** PATCH /api/media/{id}/chapters/{chapterId}: a move and/or a new title; the marker keeps its id. */
export const chapterPatchBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional().describe('the new title'),
    timestampMs: z.number().int().min(0).optional().describe('the new instant, milliseconds into the file'),
  })
  .strict()
  .refine((body) => body.title !== undefined || body.timestampMs !== undefined, { message: 'give timestampMs and/or title', path: ['timestampMs'] });
/** GET /api/media/{id}/thumbnail. */
export const thumbnailQuery = z.object({ at: z.string().regex(/^\d+$/, 'must be a whole number of milliseconds').describe('the instant, milliseconds into the file (0 to its duration); the picture is of the nearest grid point or chapter mark') }).strict();

/** GET (and POST) /api/library/scan: a rescan's progress, or the last one's result. */
export const scanStatusSchema = z.looseObject({
  state: z.enum(['idle', 'running', 'done', 'failed']),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  processed: z.number().int().describe('files probed so far'),
  total: z.number().int().describe('files to probe (new and changed ones; unchanged files are not probed)'),
  found: z.number().int().describe('files found on disk'),
  currentFile: z.string().nullable(),
  summary: z
    .looseObject({
      found: z.number().int(),
      added: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      missing: z.number().int(),
      unplayable: z.number().int(),
      unplayableFiles: z.array(z.looseObject({ path: z.string(), reason: z.string() })),
      probed: z.number().int(),
      elapsedMs: z.number(),
    })
    .nullable()
    .describe('the finished scan'),
  error: z.string().nullable(),
});

export const libraryFolderSchema = z.looseObject({
  path: z.string(),
  kind: z.enum(MEDIA_KINDS).nullable().describe('what every file inside is; null: from folder and file names'),
  source: z.enum(['config', 'control_room']).describe('config: in the config file (change it there); control_room: added over the API'),
  exists: z.boolean(),
});
export const libraryFolderListSchema = z.looseObject({ folders: z.array(libraryFolderSchema) });
export const libraryFolderAdded = z.looseObject({ folder: libraryFolderSchema, scan: scanStatusSchema });
export const libraryFolderQuery = z.object({ path: z.string().min(1).describe('the folder\'s absolute path') }).strict();
export const libraryFolderRemoved = z.looseObject({ removed: z.string(), filesMissing: z.number().int() });

// ---- alerts -------------------------------------------------------------------------

export const alertSchema = z.looseObject({
  id: z.number().int(),
  message: z.string(),
  type: z.enum(ALERT_TYPES),
  priority: z.number().int(),
  channels: z.array(z.number().int()),
  issuedAtMs: z.number(),
  endsAtMs: z.number(),
  cancelledAtMs: z.number().optional(),
  state: z.enum(['on_air', 'queued', 'ended', 'cancelled']),
  onAirChannels: z.array(z.number().int()),
});
export const alertListQuery = z.object({ ...pageQuery(50, 500) }).strict();
/** Active and queued alerts in full (always few); `history` is the page, `total` counts the whole history. */
export const alertListSchema = z.looseObject({ active: z.array(alertSchema), queued: z.array(alertSchema), history: z.array(alertSchema), ...pageFields });

// ---- monitor --------------------------------------------------------------------------

export const serverStatsSchema = z.looseObject({
  cpuPercent: z.number().nullable().describe('Retrovue and all its ffmpeg children, % of one core'),
  memoryBytes: z.number().describe('Retrovue process resident memory'),
  systemMemory: z.looseObject({ totalBytes: z.number(), freeBytes: z.number() }),
  loadAverage: z.array(z.number()),
  uptimeSeconds: z.number().describe('since the server started'),
  disk: dataDiskSchema.nullable().optional(),
  warnings: z.array(z.string()).optional().describe('server-wide warnings in words (data disk full or low, cache fill paused); empty when all is well'),
});
export const monitorSnapshotSchema = z.looseObject({
  at: isoTime,
  server: serverStatsSchema,
  channels: z.array(channelStatusSchema.extend({ warnings: z.array(z.string()) })),
  log: z.array(z.looseObject({ time: isoTime, level: z.string(), msg: z.string(), component: z.string().optional().describe('the part of the server that logged it') })),
});

/** PUT /api/channels/{n}/logo: the image file itself, as the body. */
export const logoBodySchema = z.string().describe('the image bytes (binary)');

// ---- graphics -------------------------------------------------------------------------

/** What the graphics routes answer: the channel's override and the merged, effective settings. */
export const graphicsResultSchema = z.looseObject({ channel: z.number().int(), graphics: graphicsOverrideSchema, effective: graphicsSchema });

// ---- the types clients read (the control room, `retrovue alert`) ----------------------

/**
 * A documented shape without the index signatures of loose objects: every documented field,
 * typed as documented, and nothing else. A route's answer must have at least these (it may
 * carry more, as the schemas allow); a client reads only these.
 */
export type DocumentedFields<T> = T extends readonly (infer Item)[]
  ? DocumentedFields<Item>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: DocumentedFields<T[K]> }
    : T;
type Answer<Schema extends z.ZodType> = DocumentedFields<z.output<Schema>>;

export type ApiChannel = Answer<typeof channelSchema>;
export type ApiChannelList = Answer<typeof channelListSchema>;
export type ApiTimelineChange = Answer<typeof timelineChangeSchema>;
export type ApiScheduleResult = Answer<typeof scheduleResult>;
export type ApiMediaItem = Answer<typeof mediaSummarySchema>;
export type ApiMediaList = Answer<typeof mediaListSchema>;
export type ApiMediaDetail = Answer<typeof mediaDetailSchema>;
export type ApiSubtitleTrack = Answer<typeof subtitleTrackSchema>;
export type ApiChapter = Answer<typeof chapterSchema>;
export type ApiChapterEdit = Answer<typeof chapterEditResult>;
export type ApiChapterList = Answer<typeof chapterListSchema>;
export type ApiScanStatus = Answer<typeof scanStatusSchema>;
export type ApiLibraryFolder = Answer<typeof libraryFolderSchema>;
export type ApiLibraryFolderList = Answer<typeof libraryFolderListSchema>;
export type ApiLibraryFolderRemoved = Answer<typeof libraryFolderRemoved>;
export type ApiAlert = Answer<typeof alertSchema>;
export type ApiAlertList = Answer<typeof alertListSchema>;
export type ApiMonitorSnapshot = Answer<typeof monitorSnapshotSchema>;
export type ApiGraphicsResult = Answer<typeof graphicsResultSchema>;
