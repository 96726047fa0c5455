import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SourceFacts } from '../ffmpeg/airing-command.js';
import { buildProbeArgs, buildSourceCheckArgs } from '../ffmpeg/ffprobe-args.js';
import { ffprobeInputArgs, resolveMediaInput, sanitiseInputText } from '../ffmpeg/media-input.js';
import { normaliseLanguage } from '../subtitles/languages.js';

/**
 * "Is this file playable", decided in one place: the scanner's full probe (probeMedia) and
 * playout's quick look just before air (checkSource) share the rules below (cover art is not
 * a picture; tt/bb/tb/bt are interlaced) and turn ffprobe's stderr into a reason the same way.
 */

const run = promisify(execFile);

export interface ProbedVideoStream {
  codec: string;
  /** Codec profile as ffprobe names it (e.g. "Main 10"), when known. */
  profile: string | null;
  width: number;
  height: number;
  /** Frames per second as a number (29.97…) and as ffprobe's exact fraction ("30000/1001"). */
  frameRate: number | null;
  frameRateFraction: string | null;
  pixelFormat: string | null;
  /** Bits per sample (8, 10, 12), from the pixel format. */
  bitDepth: number | null;
  /** ffprobe's field_order: progressive, tt, bb, tb, bt or unknown. */
  fieldOrder: string | null;
  interlaced: boolean;
  /** Display aspect ratio such as "16:9"; computed from size and pixel aspect when ffprobe omits it. */
  displayAspect: string | null;
  sampleAspect: string | null;
}

export interface ProbedAudioStream {
  /** Index of the stream in the file (what `-map 0:N` selects). */
  index: number;
  codec: string;
  channels: number;
  channelLayout: string | null;
  sampleRate: number;
  language: string | null;
  title: string | null;
}

export interface ProbedSubtitleStream {
  index: number;
  codec: string;
  language: string | null;
  title: string | null;
  /** The container's dispositions: forced (signs, foreign dialogue only), default, for the hard of hearing. */
  forced: boolean;
  default: boolean;
  hearingImpaired: boolean;
}

export interface ProbedChapter {
  title: string;
  startMs: number;
}

export interface MediaProbe {
  container: string;
  durationMs: number;
  video: ProbedVideoStream | null;
  audio: ProbedAudioStream[];
  subtitles: ProbedSubtitleStream[];
  chapters: ProbedChapter[];
  /** Container tags, keys lower-cased. */
  tags: Record<string, string>;
}

export type ProbeResult = { ok: true; probe: MediaProbe } | { ok: false; reason: string };

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  field_order?: string;
  display_aspect_ratio?: string;
  sample_aspect_ratio?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number; default?: number; forced?: number; hearing_impaired?: number };
  tags?: Record<string, string>;
}

export interface FfprobeJson {
  format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
  streams?: FfprobeStream[];
  chapters?: Array<{ start_time?: string; tags?: Record<string, string> }>;
}

function parseRate(rate: string | undefined): number | null {
  if (!rate) return null;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den) return null;
  return num / den;
}

function lowerKeys(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
}

/** ffprobe writes "und" for an unset language; Retrovue stores no language instead. */
function language(tags: Record<string, string> | undefined): string | null {
  const value = lowerKeys(tags).language;
  return value && value !== 'und' ? value : null;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** "1:1" style ratios; ffprobe says "0:1" or "N/A" when it does not know. */
function knownRatio(ratio: string | undefined): string | null {
  if (!ratio || !/^\d+:\d+$/.test(ratio) || ratio.startsWith('0:')) return null;
  return ratio;
}

function displayAspect(stream: FfprobeStream): string | null {
  const known = knownRatio(stream.display_aspect_ratio);
  if (known) return known;
  if (!stream.width || !stream.height) return null;
  const [sarW, sarH] = (knownRatio(stream.sample_aspect_ratio) ?? '1:1').split(':').map(Number) as [number, number];
  const w = stream.width * sarW;
  const h = stream.height * sarH;
  const d = gcd(w, h);
  return `${w / d}:${h / d}`;
}

function bitDepth(pixelFormat: string | undefined): number | null {
  if (!pixelFormat) return null;
  const match = /(\d+)(le|be)$/.exec(pixelFormat);
  return match ? Number(match[1]) : 8;
}

const INTERLACED_FIELD_ORDERS = new Set(['tt', 'bb', 'tb', 'bt']);

/** tt/bb/tb/bt are the interlaced field orders; "progressive" and "unknown" are not. */
function isInterlaced(fieldOrder: string | undefined | null): boolean {
  return INTERLACED_FIELD_ORDERS.has(fieldOrder ?? '');
}

/** The stream that airs: the first video stream that is not cover art (a one-frame "video" in MP4/MKV). */
function pictureStream<S extends FfprobeStream>(streams: S[]): S | undefined {
  return streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
}

function describeVideo(stream: FfprobeStream): ProbedVideoStream {
  const fieldOrder = stream.field_order ?? null;
  const exactRate = parseRate(stream.avg_frame_rate) !== null ? stream.avg_frame_rate! : parseRate(stream.r_frame_rate) !== null ? stream.r_frame_rate! : null;
  return {
    codec: stream.codec_name ?? 'unknown',
    profile: stream.profile ?? null,
    width: stream.width ?? 0,
    height: stream.height ?? 0,
    frameRate: exactRate ? parseRate(exactRate) : null,
    frameRateFraction: exactRate,
    pixelFormat: stream.pix_fmt ?? null,
    bitDepth: bitDepth(stream.pix_fmt),
    fieldOrder,
    interlaced: isInterlaced(fieldOrder),
    displayAspect: displayAspect(stream),
    sampleAspect: knownRatio(stream.sample_aspect_ratio),
  };
}

/** Turns ffprobe's JSON into what Retrovue needs, or the reason the file cannot air. */
export function interpretProbe(json: FfprobeJson): ProbeResult {
  const streams = json.streams ?? [];
  const videoStream = pictureStream(streams);
  if (!videoStream) return { ok: false, reason: 'no video stream' };
  const durationSeconds = Number(json.format?.duration ?? videoStream.duration ?? NaN);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) return { ok: false, reason: 'unknown or zero duration' };
  return {
    ok: true,
    probe: {
      container: json.format?.format_name ?? 'unknown',
      durationMs: Math.round(durationSeconds * 1000),
      video: describeVideo(videoStream),
      audio: streams
        .filter((s) => s.codec_type === 'audio')
        .map((s) => ({
          index: s.index ?? 0,
          codec: s.codec_name ?? 'unknown',
          channels: s.channels ?? 0,
          channelLayout: s.channel_layout && s.channel_layout !== 'unknown' ? s.channel_layout : null,
          sampleRate: Number(s.sample_rate ?? 0),
          language: language(s.tags),
          title: lowerKeys(s.tags).title ?? null,
        })),
      subtitles: streams
        .filter((s) => s.codec_type === 'subtitle')
        .map((s) => ({
          index: s.index ?? 0,
          codec: s.codec_name ?? 'unknown',
          language: language(s.tags),
          title: lowerKeys(s.tags).title ?? null,
          forced: s.disposition?.forced === 1,
          default: s.disposition?.default === 1,
          hearingImpaired: s.disposition?.hearing_impaired === 1,
        })),
      chapters: (json.chapters ?? []).map((c, i) => ({
        title: c.tags?.title?.trim() || `Chapter ${i + 1}`,
        startMs: Math.round(Number(c.start_time ?? 0) * 1000),
      })),
      tags: lowerKeys(json.format?.tags),
    },
  };
}

/**
 * ffprobe's complaint, readable: "[mov,mp4,… @ 0x55…] moov atom not found" and
 * "/path/file.mp4: Invalid data found…" lose their prefixes and are joined.
 */
export function probeFailureReason(stderr: string, filePath: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '').replace(`${filePath}: `, '').trim())
    .filter(Boolean);
  return [...new Set(lines)].join('; ');
}

/** Runs ffprobe on one file. Never throws for a bad file: it says why the file is unplayable. */
export async function probeMedia(ffprobePath: string, filePath: string): Promise<ProbeResult> {
  try {
    const { stdout } = await run(ffprobePath, buildProbeArgs(filePath), { maxBuffer: 32 * 1024 * 1024, timeout: 60_000 });
    return interpretProbe(JSON.parse(stdout) as FfprobeJson);
  } catch (error) {
    const failure = error as { stderr?: string; killed?: boolean; message: string; code?: string };
    if (failure.code === 'ENOENT') throw new Error(`cannot run ffprobe (${ffprobePath}): not found`);
    if (failure.killed) return { ok: false, reason: 'ffprobe timed out after 60 s' };
    return { ok: false, reason: probeFailureReason(String(failure.stderr ?? ''), filePath) || failure.message };
  }
}

export type SourceCheck = { ok: true; facts: SourceFacts } | { ok: false; reason: string };

/** Reads the quick check's stream list: is there a picture, is there sound, is it interlaced. */
export function interpretSourceStreams(json: Pick<FfprobeJson, 'streams'>): SourceCheck {
  const streams = json.streams ?? [];
  const video = pictureStream(streams);
  if (!video) return { ok: false, reason: 'no video stream' };
  const audio = streams.filter((s) => s.codec_type === 'audio');
  // Every audio track with its language and default flag: which fills each of the channel's
  // language slots is decided from these (src/ffmpeg/audio-slots.ts).
  const audioTracks = audio.map((s) => {
    const tags = lowerKeys(s.tags);
    // "en", "deu" and "ger" all become the channel config's form ("eng", "ger").
    const tagged = language(s.tags);
    const code = tagged ? (normaliseLanguage(tagged) ?? tagged.toLowerCase()) : undefined;
    return { default: s.disposition?.default === 1, ...(code ? { language: code } : {}), ...(tags.title ? { title: tags.title } : {}) };
  });
  return { ok: true, facts: { hasAudio: audio.length > 0, interlaced: isInterlaced(video.field_order), audioTracks } };
}

/**
 * Looks at a file just before it airs (streams only, no frame decoding). The library knew it
 * was fine when it was scanned; by air time it may be gone or damaged, and the channel must then
 * show a slate, not go black. Never throws: any failure is a reason to show the slate.
 *
 * A media server's item (src/ffmpeg/media-input.ts) is checked over HTTP, each wait bounded (a
 * dead or hung server fails the check in seconds); its reason names the item, never the URL,
 * and carries no secret.
 */
export async function checkSource(ffprobePath: string, filePath: string): Promise<SourceCheck> {
  const resolved = resolveMediaInput(filePath);
  if (!resolved.ok) return { ok: false, reason: resolved.reason };
  const { input } = resolved;
  const readFrom = input.kind === 'file' ? input.path : input.url;
  try {
    const { stdout } = await run(ffprobePath, buildSourceCheckArgs(ffprobeInputArgs(input)), { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return interpretSourceStreams(JSON.parse(stdout) as FfprobeJson);
  } catch (error) {
    const failure = error as { stderr?: string; message: string; killed?: boolean; code?: number | string };
    const said = probeFailureReason(String(failure.stderr ?? ''), readFrom);
    if (input.kind === 'file') return { ok: false, reason: said || failure.message };
    // (execFile's own message quotes the command line, headers and all: never used for a stream.)
    const reason = said || (failure.killed ? 'the check timed out after 10 s' : `ffprobe failed (${failure.code ?? 'no answer'})`);
    return { ok: false, reason: `${input.label}: ${sanitiseInputText(reason, input)}` };
  }
}
