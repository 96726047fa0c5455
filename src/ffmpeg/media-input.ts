import { existsSync } from 'node:fs';
import { redact, registerSecret } from '../logging/redact.js';

/**
 * The one place a library path becomes what ffmpeg and ffprobe read.
 *
 * A library row's path is a local file, or — for an item streamed from a media server (Plex,
 * Jellyfin, Emby: src/sources/) — `media-server:<source id>:<uuid>`, stable for the row's life
 * whatever the server does to its own ids. Such a path means nothing to ffmpeg: it is resolved,
 * at the moment it is read, into the server's direct-play URL and the headers that authorise it
 * (the secret travels in a header, never in the URL), by the resolver the station registers
 * (`setMediaServerResolver`: the sync's, which looks up the row, its source and the secret and
 * asks the source's client). Everything that reads media — the renderers, the pre-air check,
 * the cache fill, thumbnails, subtitle extraction, the compiled timeline's "is it still there" —
 * goes through here, so a remote item airs, caches and previews like a local one.
 *
 * Here rather than in src/sources: the library, the cache, playout and the schedule read media,
 * and src/sources imports the library (a folder cycle, INV-ARCH-1); ffmpeg is below them all.
 */

export const MEDIA_SERVER_PREFIX = 'media-server:';

export type MediaInput =
  | { kind: 'file'; path: string }
  /** `label` names the item in logs and slates ("plex-1: The Office S01E01"); the URL and headers never are. */
  | { kind: 'http'; url: string; headers: Record<string, string>; label: string };

/** What the station's resolver answers for a media-server path. */
export interface MediaServerStream {
  url: string;
  headers: Record<string, string>;
  label: string;
  /**
   * The version of the remote file, for caches keyed by a file's identity (the media cache,
   * thumbnails): the row's size and the server's last change to it (there is no local mtime).
   */
  identity?: { sizeBytes: number; mtimeMs: number };
}

/** The station's answer for a media-server path: how to stream it, or why it cannot be (in words a user can act on). */
export type MediaServerResolver = (mediaPath: string) => MediaServerStream | { unavailable: string };

export type ResolvedInput = { ok: true; input: MediaInput; identity?: { sizeBytes: number; mtimeMs: number } } | { ok: false; reason: string };

/**
 * How long ffmpeg waits for a read (or a connection) from a media server before it gives up:
 * a dead or hung server is noticed this long after the data it already sent runs out, and the
 * channel shows the slate instead of a frozen picture (src/playout/airing-chain.ts).
 */
export const HTTP_READ_TIMEOUT_SECONDS = 2;

/** `media-server:<source id>:<uuid>`: what the sync writes as a streamed item's path. */
export function mediaServerPath(sourceId: number, uuid: string): string {
  return `${MEDIA_SERVER_PREFIX}${sourceId}:${uuid}`;
}

export function isMediaServerPath(mediaPath: string): boolean {
  return mediaPath.startsWith(MEDIA_SERVER_PREFIX);
}

/** The source id and the row's uuid of a media-server path, or undefined when it is not one. */
export function parseMediaServerPath(mediaPath: string): { sourceId: number; uuid: string } | undefined {
  const match = /^media-server:(\d+):([A-Za-z0-9-]{1,64})$/.exec(mediaPath);
  return match ? { sourceId: Number(match[1]), uuid: match[2]! } : undefined;
}

let registered: MediaServerResolver | undefined;

/**
 * The station's resolver (serve sets it once the sources are loaded; tests set their own).
 * Process-wide on purpose: every reader of media (renderers, the cache, thumbnails, subtitles,
 * the timelines) must resolve a path the same way, and none of them is handed the station.
 */
export function setMediaServerResolver(resolver: MediaServerResolver | undefined): void {
  registered = resolver;
}

const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/** A header value is one line of printable text: no CR, LF or NUL that could smuggle in another header. */
const HEADER_VALUE = /^[\x20-\x7e\t]{0,2048}$/;

/**
 * `mediaPath` as ffmpeg reads it: a local file as it is, a media-server path through the resolver
 * (its answer checked: an http(s) URL with no credentials in it, one-line headers). Never throws:
 * what cannot be streamed is `{ ok: false, reason }`, a reason for the slate and the log, with
 * any secret hidden. Header values are registered with the log redactor as they pass.
 */
export function resolveMediaInput(mediaPath: string, resolver: MediaServerResolver | undefined = registered): ResolvedInput {
  if (!isMediaServerPath(mediaPath)) return { ok: true, input: { kind: 'file', path: mediaPath } };
  if (!resolver) return { ok: false, reason: 'no media server source is loaded for this item' };
  let answer: ReturnType<MediaServerResolver>;
  try {
    answer = resolver(mediaPath);
  } catch (error) {
    return { ok: false, reason: redact(`the media server source could not be read: ${(error as Error).message}`) };
  }
  if ('unavailable' in answer) return { ok: false, reason: redact(answer.unavailable) };
  for (const value of Object.values(answer.headers)) registerSecret(value);
  let url: URL;
  try {
    url = new URL(answer.url);
  } catch {
    return { ok: false, reason: `the media server gave no usable address for ${answer.label}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `the media server's address for ${answer.label} is not http(s)` };
  // A secret belongs in a header: ffmpeg prints URLs in its errors, and a URL is easily shown.
  if (url.username || url.password) return { ok: false, reason: `the media server's address for ${answer.label} carries credentials` };
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return { ok: false, reason: `the media server's headers for ${answer.label} are not valid HTTP headers` };
  }
  const input: MediaInput = { kind: 'http', url: url.href, headers: { ...answer.headers }, label: answer.label };
  return { ok: true, input, ...(answer.identity ? { identity: answer.identity } : {}) };
}

/**
 * Whether a library path can be read now, cheaply (no network): a local file exists; a
 * media-server item's source is loaded and the resolver can stream it. Whether the server
 * answers is found out when the airing's check runs (src/library/probe.ts) — a slow or dead
 * server then gives the slate with its reason, and the airing is tried again.
 */
export function mediaAvailable(mediaPath: string, resolver: MediaServerResolver | undefined = registered): boolean {
  if (!isMediaServerPath(mediaPath)) return existsSync(mediaPath);
  return resolveMediaInput(mediaPath, resolver).ok;
}

/** ffmpeg's `-headers` value: one `Name: value` line each, CRLF-terminated. */
function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
}

/** Options every read of a media server gets: bounded waits, range requests, the authorising headers. */
function httpOptions(input: Extract<MediaInput, { kind: 'http' }>): string[] {
  return [
    // Microseconds. Without it a server that stops sending mid-body hangs ffmpeg for ever.
    '-rw_timeout', String(HTTP_READ_TIMEOUT_SECONDS * 1_000_000),
    // Byte ranges: an airing joined mid-programme seeks, and a reconnect resumes where it was.
    '-seekable', '1',
    ...(Object.keys(input.headers).length > 0 ? ['-headers', headerLines(input.headers)] : []),
  ];
}

/**
 * ffmpeg's arguments for one input: the options that go before it, the seek (`-ss`, when
 * `startSeconds` is given), and `-i`.
 *
 * A media-server input also gets:
 *  - `-rw_timeout 2 s`: a dead or hung server ends the renderer within 2 s of its data running out;
 *  - `-reconnect 1 -reconnect_on_network_error 1 -reconnect_delay_max 0`: one immediate
 *    reconnect (with a range request from where it was), so a connection the server closed
 *    while a renderer started ahead of its turn sat idle is picked up again, unseen. Only one:
 *    ffmpeg 5.1 with a longer delay keeps reconnecting to a hung server for ever (measured);
 *  - `-xerror`: a read that fails for good is an error, not the end of the file. Without it
 *    ffmpeg takes a cut connection for the end of its input and exits 0, and the renderer pads
 *    the rest of the slot with a frozen picture instead of the slate (measured on 5.1). The
 *    price: a damaged spot in a remote file also ends the renderer (a few seconds of slate and
 *    a try from past it) where a local file's would be a glitch in the picture.
 */
export function ffmpegInputArgs(input: MediaInput, startSeconds?: number): string[] {
  // An input seek (fast: to the keyframe before, then decoded up to it), when asked for.
  const seek = startSeconds === undefined ? [] : ['-ss', startSeconds.toFixed(3)];
  if (input.kind === 'file') return [...seek, '-i', input.path];
  return ['-xerror', ...httpOptions(input), '-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '0', ...seek, '-i', input.url];
}

/**
 * ffprobe's arguments for one input (placed where ffprobe takes its input): a quick check
 * needs no reconnect, only bounded waits and the headers.
 */
export function ffprobeInputArgs(input: MediaInput): string[] {
  if (input.kind === 'file') return [input.path];
  return [...httpOptions(input), input.url];
}

/** How an input is named in logs and reasons: the file, or the item's label (never the URL). */
export function describeInput(input: MediaInput): string {
  return input.kind === 'file' ? input.path : input.label;
}

/** ffmpeg's text about an input, made fit for a log or a status answer: the URL named by its label, secrets hidden. */
export function sanitiseInputText(text: string, input: MediaInput | undefined): string {
  const named = input?.kind === 'http' ? text.split(input.url).join(input.label) : text;
  return redact(named);
}
