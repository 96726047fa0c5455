import { isIP } from 'node:net';
import { z } from 'zod';
import { MEDIA_KINDS, QUALITY_NAMES } from './choices.js';
import { graphicsOverrideSchema } from './graphics-settings.js';
import { languagesOverrideSchema, languagesSchema } from './languages.js';

/**
 * The config file's shape (README.md, "Configuration"). Every key has a default so a
 * fresh clone runs with no file at all; `.strict()` everywhere so a typo such as
 * `segment_duraton` is refused instead of silently ignored.
 */
export const MODES = ['loop', 'concat', 'schedule'] as const;

const bitrate = z
  .string()
  .regex(/^\d+(\.\d+)?[kKmM]?$/, 'must look like "800k" or "2M"');
const resolution = z
  .string()
  .regex(/^\d{2,5}x\d{2,5}$/, 'must look like "1280x720"')
  .refine((value) => value.split('x').every((n) => Number(n) % 2 === 0), 'width and height must be even');

/**
 * One rung of the adaptive-bitrate ladder (`streaming.ladder`): a quality name, or the quality
 * with this rung's own `resolution` / `bitrate` (e.g. small test sizes). The rung's name in URLs
 * is its quality (`/channel/N/low.m3u8`), so each quality appears at most once.
 */
export const ladderRungSchema = z.union([
  z.enum(QUALITY_NAMES),
  z.object({ quality: z.enum(QUALITY_NAMES), resolution: resolution.optional(), bitrate: bitrate.optional() }).strict(),
]);
export type LadderRungConfig = z.infer<typeof ladderRungSchema>;

/** The quality name of a ladder entry. */
export const rungQuality = (rung: LadderRungConfig): QualityName => (typeof rung === 'string' ? rung : rung.quality);

const ladderSchema = z
  .array(ladderRungSchema)
  .max(QUALITY_NAMES.length)
  .refine((rungs) => new Set(rungs.map(rungQuality)).size === rungs.length, 'each quality may appear only once')
  .refine((rungs) => rungs.length !== 1, 'a ladder needs at least two rungs (leave it empty for one media playlist)');

/**
 * The channels and how they reach viewers: where the server listens (`port`, `host`), what the
 * channels air, the HLS playlists and the pacing. The listen address and the HLS keys stay here
 * rather than under `server` or an `hls` section: they are the keys every existing config and
 * script uses (`streaming.port`, `streaming.segment_duration`, `streaming.playlist_size` are
 * promised stable), and one name per setting is simpler than a second, deprecated one.
 */
export const streamingSchema = z
  .object({
    mode: z.enum(MODES).default('loop'),
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    channels: z.number().int().min(1).max(64).default(1),
    quality: z.enum(QUALITY_NAMES).default('medium'),
    /** Target HLS segment length in whole seconds (after a short cold-start ramp). */
    segment_duration: z.number().int().min(1).max(30).default(10),
    /** Segments listed in the live playlist. */
    playlist_size: z.number().int().min(2).max(60).default(6),
    /**
     * Seconds of stream the packager may work ahead of real time; default segment_duration + 4,
     * so a player that starts on a cold channel never waits for a segment (see segment-grid.ts),
     * even when its blocking reload times out just before the first full-length segment is
     * published and it falls back to polling (hls.js then asks again ~5 s later).
     */
    work_ahead: z.number().min(0).max(120).optional(),
    /** Seconds of stream a new `/channel/N.ts` viewer gets at once, from a keyframe. */
    ts_burst: z.number().min(0).max(30).default(3),
    /** Seconds without viewers before a channel's encoder stops; 0 keeps channels always on. */
    idle_timeout: z.number().min(0).default(60),
    /** Loop mode: stop after this many passes over the library; absent = forever. */
    loops: z.number().int().min(1).optional(),
    /** Frames per second of every channel's output. */
    frame_rate: z.number().int().min(10).max(60).default(30),
    /**
     * What joins a channel's airings into one MPEG-TS: `node` (src/streaming/ts-remuxer.ts: no
     * process, so a channel whose airings are all cached runs no ffmpeg at all) or `ffmpeg` (a
     * supervised `ffmpeg -c copy` packager per channel, the engine before the media cache).
     */
    packager: z.enum(['node', 'ffmpeg']).default('node'),
    /**
     * Adaptive bitrate: the qualities every channel's HLS is offered in (`/channel/N.m3u8` is
     * then a master playlist of one variant per rung, src/playout/channel-renditions.ts).
     * Empty (default): one media playlist at the channel's quality, as before.
     */
    ladder: ladderSchema.default([]),
  })
  .strict();

export const ffmpegSchema = z
  .object({
    path: z.string().min(1).default('ffmpeg'),
    /** Defaults to the ffprobe next to `path`, else ffprobe on PATH. */
    ffprobe_path: z.string().min(1).optional(),
    video_codec: z.string().min(1).default('libx264'),
    audio_codec: z.string().min(1).default('aac'),
    bitrate: bitrate.optional(),
    resolution: resolution.optional(),
    /** x264 speed preset; veryfast keeps several channels real-time on small machines. */
    preset: z.string().min(1).default('veryfast'),
    /**
     * Loudness every airing is normalised to (EBU R128 integrated loudness, LUFS), so commercials
     * are not louder than shows; null leaves levels as they are (and saves some CPU).
     */
    loudness_target: z.number().min(-70).max(-5).nullable().default(-23),
  })
  .strict();

/** Per-folder settings: everything under `path` gets this kind and these tags. */
export const libraryFolderSchema = z
  .object({
    path: z.string().min(1),
    kind: z.enum(MEDIA_KINDS).optional(),
    tags: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const librarySchema = z
  .object({
    paths: z.array(z.string().min(1)).default([]),
    /** At most this many ffprobe processes at once while scanning. */
    probe_concurrency: z.number().int().min(1).max(32).default(4),
    /** Per-folder kind and tags; a folder listed here is scanned too. Relative paths are relative to the config file. */
    folders: z.array(libraryFolderSchema).default([]),
  })
  .strict();

/** HDHomeRun tuner emulation and discovery for Plex/Jellyfin/Emby Live TV (src/livetv). */
export const hdhrSchema = z
  .object({
    /** The tuner's name in Plex/Jellyfin (discover.json FriendlyName, device.xml friendlyName). */
    friendly_name: z.string().min(1).max(64).default('Retrovue'),
    /** Distinct channels that may be streamed over .ts at once; one more gets HTTP 503 (all tuners busy). */
    tuner_count: z.number().int().min(1).max(64).default(4),
    /** Answer SSDP M-SEARCH (UDP 1900) so media servers find the tuner without an address. */
    ssdp: z.boolean().default(false),
    ssdp_port: z.number().int().min(1).max(65535).default(1900),
    /** Answer HDHomeRun's own UDP discovery protocol (port 65001). */
    udp_discovery: z.boolean().default(false),
    udp_discovery_port: z.number().int().min(1).max(65535).default(65001),
    /** Address the discovery responders bind to; 0.0.0.0 = every interface. */
    discovery_address: z.string().min(1).default('0.0.0.0'),
  })
  .strict();

/** A trusted proxy: an address, a CIDR (not /0), or proxy-addr's names for whole ranges. */
const proxyAddressSchema = z.string().refine((value) => {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length > 0 || isIP(address ?? '') === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits >= 1 && bits <= (isIP(address!) === 4 ? 32 : 128);
}, 'must be an IP address, a CIDR such as "10.0.0.0/8" (not /0: that trusts everyone), or one of loopback, linklocal, uniquelocal');

export const serverSchema = z
  .object({
    /**
     * The address clients reach Retrovue at (e.g. behind a reverse proxy): used for BaseURL,
     * lineup, M3U and logo URLs instead of the request's Host header.
     */
    public_url: z
      .string()
      .url('must be an absolute URL such as "http://192.168.1.10:8080"')
      .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://')
      .optional(),
    /**
     * Behind a reverse proxy: the proxies whose X-Forwarded-For is believed, as addresses or
     * CIDRs (`["127.0.0.1", "10.0.0.0/8"]`) or a hop count; the client is the rightmost address
     * not among them. `false` (default): the header is never believed. `true` ("every address
     * is a proxy") is refused: the leftmost entry is the client's own claim, so anyone could
     * pass as loopback (src/server/access/client-address.ts).
     */
    trust_proxy: z
      .union([
        z.literal(false),
        z.literal(true),
        z.number().int().min(1, 'a hop count must be at least 1').max(10),
        z.array(proxyAddressSchema).min(1, 'name at least one proxy address or CIDR').max(64),
      ])
      .refine((value) => value !== true, {
        message: 'true would trust every address as a proxy (a client could claim to be 127.0.0.1); give the proxy\'s addresses or CIDRs, e.g. ["127.0.0.1"] for nginx on this machine, or a hop count',
      })
      .transform((value) => (value === true ? false : value))
      .default(false),
    /**
     * Host names this server answers writes and the control room under, besides its own
     * (public_url, the machine's addresses and host name, localhost): DNS-rebinding protection.
     * An entry may start with "*." to allow every subdomain.
     */
    allowed_hosts: z.array(z.string().min(1).max(253)).max(256).default([]),
    /**
     * A folder of channel logos the API may point at by file name (`"logo": "retro1.png"`),
     * besides the uploads in `<data_dir>/logos`. Logos are never taken from anywhere else.
     */
    logo_folder: z.string().min(1).optional(),
    /** Seconds a client has to send a whole request (headers and body); slower ones get 408. */
    request_timeout: z.number().positive().max(3600).default(30),
    /**
     * Accepted as `Authorization: Bearer <password>` for writes from the network, besides the
     * admin token generated into the data folder.
     */
    admin_password: z.string().min(12, 'must be at least 12 characters').optional(),
    /** Refuse every write that is not from this machine, whatever credential it carries. */
    read_only_lan: z.boolean().default(false),
  })
  .strict();

/** Emergency alerts (src/alerts). */
const hexColour = z
  .string()
  .regex(/^(#|0x)?[0-9a-fA-F]{6}$/, 'must be a hex colour such as "#8b0000"')
  .transform((value) => `0x${value.replace(/^(#|0x)/, '').toLowerCase()}`);

/** How one type of alert looks: each key optional, over the built-in style (src/graphics/emergency.ts). */
const alertStyleSchema = z
  .object({
    background: hexColour.optional(),
    accent: hexColour.optional(),
    text: hexColour.optional(),
    heading: z.string().trim().min(1).max(60).optional(),
  })
  .strict();

export const alertsSchema = z
  .object({
    /** Longest alert accepted, in seconds. */
    max_duration: z.number().positive().max(86_400).default(3600),
    /** Per alert type: the card's colours and heading, e.g. `{ "weather": { "heading": "SEVERE WEATHER" } }`. */
    styles: z
      .object({ emergency: alertStyleSchema.optional(), weather: alertStyleSchema.optional(), system: alertStyleSchema.optional(), custom: alertStyleSchema.optional() })
      .strict()
      .default({}),
  })
  .strict();
export type AlertStyles = z.infer<typeof alertsSchema>['styles'];

/** The media cache (src/cache): files normalised once, aired by copy-splicing. */
export const cacheSchema = z
  .object({
    /** Look airings up in the cache (copy-splice what is there); off = every airing rendered live. */
    enabled: z.boolean().default(true),
    /** Storage budget in GB; least recently aired entries are evicted beyond it. */
    budget_gb: z.number().positive().default(20),
    /** Fill in the background what the timelines air in the next `fill_ahead_hours` (off by default for now). */
    fill_ahead: z.boolean().default(false),
    fill_ahead_hours: z.number().positive().max(168).default(48),
    /**
     * Free space (GB) to leave on the cache's disk (the data disk): below it, least recently
     * aired entries are evicted (never one airing now or next) and the fill pauses (issue 23).
     */
    min_free_gb: z.number().min(0).max(100_000).default(1),
  })
  .strict();

/**
 * Paging the operator (src/notify): monitor warnings appearing and clearing are POSTed as JSON
 * to `webhook`. Set in the config file only; no HTTP request can change where pages go.
 */
export const notifySchema = z
  .object({
    webhook: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2000)
      .optional(),
    /** Sent as `Authorization: Bearer <token>` with every POST. */
    token: z.string().min(1).max(500).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters').optional(),
  })
  .strict();

/**
 * A name shown in guides, lineups and players: no control characters (XML 1.0 forbids most,
 * and a tab or newline breaks an M3U line or an HDHomeRun lineup).
 */
const displayText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** A channel defined in the config file (issue #4); its schedule is validated by src/schedule/model.ts. */
export const channelConfigSchema = z
  .object({
    number: z.number().int().min(1).max(9999),
    name: displayText(100),
    call_sign: displayText(16).optional(),
    logo: z.string().min(1).optional(),
    group: displayText(100).default('Retrovue'),
    quality: z.enum(QUALITY_NAMES).optional(),
    enabled: z.boolean().default(true),
    /** Keep this channel's encoder running with no viewers (instant tune-in, at the cost of its CPU). */
    always_on: z.boolean().default(false),
    /** IANA zone the schedule is anchored in; default: the server's zone. */
    time_zone: z.string().min(1).optional(),
    schedule: z.unknown().optional(),
    /** Station graphics for this channel (src/config/graphics-settings.ts): only what differs from the server-wide `graphics`. */
    graphics: graphicsOverrideSchema.optional(),
    /** This channel's adaptive-bitrate ladder instead of `streaming.ladder` (`[]`: none); config-file channels only. */
    ladder: ladderSchema.optional(),
    /** This channel's audio and subtitle languages (src/config/languages.ts): only what differs from the server-wide `languages`. */
    languages: languagesOverrideSchema.optional(),
  })
  .strict();

/** How much of the timeline the XMLTV guide publishes. */
export const guideSchema = z
  .object({
    /** Days ahead (the timeline itself always holds at least 48 h). */
    days: z.number().min(0.01).max(14).default(2),
    /** Hours of past programmes kept in the guide. */
    history_hours: z.number().min(0).max(72).default(2),
  })
  .strict();

/** `/metrics` (src/metrics): Prometheus scrapes it; open from this machine, from the network with the admin token. */
export const metricsSchema = z
  .object({
    /** Serve /metrics to anyone on the network without the admin token (it names channels and what they air). */
    public: z.boolean().default(false),
  })
  .strict();

/**
 * Capacity (src/capacity): how many cores the station may commit, and when overload degrades
 * channels. README "Capacity".
 */
export const capacitySchema = z
  .object({
    /** The machine's cores (default: os.availableParallelism()). */
    cores: z.number().positive().max(1024).optional(),
    /** The share of the cores the station may commit (the rest is headroom for the server, the cache fill, the OS). */
    headroom: z.number().min(0.05).max(1).default(0.85),
    /** Seconds overloaded before the next degradation step is taken. */
    overload_after: z.number().min(1).max(600).default(15),
    /** Seconds comfortable before the last step taken is undone. */
    recover_after: z.number().min(1).max(3600).default(60),
  })
  .strict();

export const configSchema = z
  .object({
    streaming: streamingSchema.default(() => streamingSchema.parse({})),
    ffmpeg: ffmpegSchema.default(() => ffmpegSchema.parse({})),
    library: librarySchema.default(() => librarySchema.parse({})),
    hdhr: hdhrSchema.default(() => hdhrSchema.parse({})),
    server: serverSchema.default(() => serverSchema.parse({})),
    alerts: alertsSchema.default(() => alertsSchema.parse({})),
    cache: cacheSchema.default(() => cacheSchema.parse({})),
    notify: notifySchema.default(() => notifySchema.parse({})),
    capacity: capacitySchema.default(() => capacitySchema.parse({})),
    channels: z.array(channelConfigSchema).optional(),
    guide: guideSchema.default(() => guideSchema.parse({})),
    metrics: metricsSchema.default(() => metricsSchema.parse({})),
    /** Server-wide station graphics defaults (bug, lower third, up next, branding); channels override them. */
    graphics: graphicsOverrideSchema.default({}),
    /** Server-wide audio and subtitle languages (src/config/languages.ts); channels override them. */
    languages: languagesSchema.default(() => languagesSchema.parse({})),
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export type RetrovueConfig = z.infer<typeof configSchema>;
export type QualityName = (typeof QUALITY_NAMES)[number];
export type StreamingMode = (typeof MODES)[number];
