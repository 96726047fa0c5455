import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
import { dropLastUnit } from '../../src/streaming/mpegts.js';
import { sleep } from './server.js';
// m3u8-parser ships no types; the part used here is small and described below.
// @ts-expect-error no declaration file
import { Parser } from 'm3u8-parser';

const run = promisify(execFile);

export interface ParsedSegment {
  uri: string;
  duration: number;
  discontinuity: boolean;
  sequence: number;
  programDateTime?: number;
}

export interface ParsedPlaylist {
  mediaSequence: number;
  discontinuitySequence: number;
  targetDuration: number;
  endList: boolean;
  segments: ParsedSegment[];
}

/** Parses a media playlist with a real client-side parser (m3u8-parser, as video.js uses). */
export function parsePlaylist(text: string): ParsedPlaylist {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const manifest = parser.manifest as {
    mediaSequence?: number;
    discontinuitySequence?: number;
    targetDuration?: number;
    endList?: boolean;
    segments: Array<{ uri: string; duration: number; discontinuity?: boolean; programDateTime?: number }>;
  };
  const mediaSequence = manifest.mediaSequence ?? 0;
  return {
    mediaSequence,
    discontinuitySequence: manifest.discontinuitySequence ?? 0,
    targetDuration: manifest.targetDuration ?? 0,
    endList: manifest.endList ?? false,
    segments: manifest.segments.map((s, i) => ({
      uri: s.uri,
      duration: s.duration,
      discontinuity: Boolean(s.discontinuity),
      sequence: mediaSequence + i,
      programDateTime: s.programDateTime,
    })),
  };
}

export async function fetchPlaylist(url: string): Promise<{ playlist: ParsedPlaylist; response: Response; text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${text}`);
  return { playlist: parsePlaylist(text), response, text };
}

/**
 * Watches a live playlist for `ms` like a player that polls every `pollMs`: fetches each newly
 * listed segment once and returns them in sequence order. `onPoll` runs after every poll
 * (e.g. to sample the server's processes while it plays).
 */
export async function captureHlsSegments(playlistUrl: string, ms: number, pollMs: number, onPoll?: () => void): Promise<Array<{ segment: ParsedSegment; data: Buffer }>> {
  const collected = new Map<number, { segment: ParsedSegment; data: Buffer }>();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const { playlist } = await fetchPlaylist(playlistUrl);
    for (const segment of playlist.segments) {
      if (collected.has(segment.sequence)) continue;
      const data = Buffer.from(await (await fetch(new URL(segment.uri, playlistUrl))).arrayBuffer());
      collected.set(segment.sequence, { segment, data });
    }
    onPoll?.();
    await sleep(pollMs);
  }
  return [...collected.values()].sort((a, b) => a.segment.sequence - b.segment.sequence);
}

export interface PacketTimes {
  video: number[];
  audio: number[];
}

/** Presentation times (seconds) of every video and audio packet in an MPEG-TS file, via ffprobe. */
export async function packetTimes(file: string): Promise<PacketTimes> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time', '-of', 'csv=p=0', file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const times: PacketTimes = { video: [], audio: [] };
  for (const line of stdout.split('\n')) {
    const [type, pts] = line.split(',');
    if ((type === 'video' || type === 'audio') && pts && pts !== 'N/A') times[type].push(Number(pts));
  }
  return times;
}

export interface StreamFacts {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

export async function streamFacts(file: string): Promise<{ streams: StreamFacts[]; startTime: number; duration: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  const json = JSON.parse(stdout) as { streams: StreamFacts[]; format: { start_time: string; duration: string } };
  return { streams: json.streams, startTime: Number(json.format.start_time), duration: Number(json.format.duration) };
}

/** Decodes a whole file; returns ffmpeg's error output (empty when it decoded cleanly). */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr.trim();
}

/** The average RGB colour of the first video frame of a file. */
export async function firstFrameColour(file: string): Promise<[number, number, number]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('exit', () => {
      const data = Buffer.concat(chunks);
      if (data.length < 3) reject(new Error(`no frame decoded from ${file}`));
      else resolve([data[0]!, data[1]!, data[2]!]);
    });
  });
}

/**
 * A capture cut off at an arbitrary byte ends inside a frame; the decoder would rightly call that
 * frame corrupt. ffmpeg's muxer writes each PES contiguously, so cutting at the last packet that
 * starts a unit leaves only whole frames (the capture's artefact, not the stream's).
 */
export function wholeUnitsOnly(data: Buffer): Buffer {
  return Buffer.concat(dropLastUnit([data]));
}

/**
 * Reads an HTTP stream for `ms` milliseconds, then hangs up; returns the bytes (whole units
 * only when it hung up mid-stream) and headers.
 */
export function readStreamFor(url: string, ms: number): Promise<{ data: Buffer; headers: http.IncomingHttpHeaders; status: number; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let firstByteMs = -1;
    const request = http.get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = Date.now() - started;
        chunks.push(chunk);
      });
      const finish = (cut: boolean) => {
        const data = Buffer.concat(chunks);
        resolve({ data: cut ? wholeUnitsOnly(data) : data, headers: response.headers, status: response.statusCode ?? 0, firstByteMs });
      };
      const timer = setTimeout(() => {
        request.destroy();
        finish(true);
      }, ms);
      response.once('end', () => {
        clearTimeout(timer);
        finish(false);
      });
    });
    request.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

export async function saveTo(file: string, data: Buffer | ArrayBuffer): Promise<string> {
  await writeFile(file, Buffer.from(data as ArrayBuffer));
  return file;
}

export interface DecodedFrame {
  /** Presentation time in the stream's own timestamps (seconds). */
  pts: number;
  rgb: [number, number, number];
}

/**
 * Every video frame of an MPEG-TS file, decoded and averaged to one RGB colour, with its
 * presentation time. Frames come out in decode order; with no B-frames (as the playout engine
 * encodes) that is presentation order, so the n-th frame pairs with the n-th video packet.
 */
export async function frameColours(file: string): Promise<DecodedFrame[]> {
  const times = (await packetTimes(file)).video;
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:v:0', '-vsync', 'passthrough', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const data = stdout as unknown as Buffer;
  const count = Math.floor(data.length / 3);
  if (count !== times.length) throw new Error(`${file}: decoded ${count} frames but found ${times.length} video packets`);
  return times.map((pts, i) => ({ pts, rgb: [data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!] }));
}

export interface QuietStretch {
  start: number;
  end: number;
}

/**
 * Black picture and silent sound stretches (ffmpeg's blackdetect and silencedetect), in the
 * stream's own timestamps: content-based landmarks for where an airing begins and ends.
 */
export async function blackAndSilence(file: string): Promise<{ black: QuietStretch[]; silence: QuietStretch[] }> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner', '-nostats', '-copyts', '-i', file,
    '-vf', 'blackdetect=d=0.5:pix_th=0.1', '-af', 'silencedetect=n=-50dB:d=0.5', '-f', 'null', '-',
  ], { maxBuffer: 16 * 1024 * 1024 });
  const black = [...stderr.matchAll(/black_start:([\d.]+) black_end:([\d.]+)/g)].map((m) => ({ start: Number(m[1]), end: Number(m[2]) }));
  const silence: QuietStretch[] = [];
  let openStart: number | undefined;
  for (const line of stderr.split('\n')) {
    const started = /silence_start: (-?[\d.]+)/.exec(line);
    if (started) openStart = Number(started[1]);
    const ended = /silence_end: ([\d.]+)/.exec(line);
    if (ended && openStart !== undefined) {
      silence.push({ start: openStart, end: Number(ended[1]) });
      openStart = undefined;
    }
  }
  return { black, silence };
}

/**
 * Reloads the variant playlists of a master playlist together, like a player that may switch at
 * any segment, for `ms`: every segment listed by several variants must have the same duration,
 * the same instant (PROGRAM-DATE-TIME) and the same discontinuity flag in each. Returns what
 * differed (empty when the variants are in lockstep), the number of reloads, and every segment
 * seen per variant (absolute URI, duration and discontinuity flag, by sequence number).
 */
export async function watchVariantsInLockstep(variantUrls: string[], ms: number, pollMs = 1000): Promise<{ mismatches: string[]; reloads: number; segments: Array<Map<number, { uri: string; duration: number; discontinuity: boolean }>> }> {
  const segments = variantUrls.map(() => new Map<number, { uri: string; duration: number; discontinuity: boolean }>());
  const mismatches: string[] = [];
  let reloads = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Fetched together: a segment published between two requests may be on one list only.
    const lists = (await Promise.all(variantUrls.map((u) => fetchPlaylist(u)))).map((r) => r.playlist);
    const [first, ...others] = lists as [ParsedPlaylist, ...ParsedPlaylist[]];
    for (const [i, other] of others.entries()) {
      // One rung may be a segment ahead of another when they are fetched, and during the cold-start
      // ramp one longer segment retires several short ones: the windows need only overlap.
      if (!other.segments.some((s) => first.segments.some((f) => f.sequence === s.sequence))) {
        mismatches.push(`variant ${i + 1} lists ${other.mediaSequence}…, variant 0 ${first.mediaSequence}…: no segment in common`);
      }
      for (const s of other.segments) {
        const f = first.segments.find((x) => x.sequence === s.sequence);
        if (f && (Math.abs(f.duration - s.duration) > 0.0005 || f.programDateTime !== s.programDateTime || f.discontinuity !== s.discontinuity)) {
          mismatches.push(`segment ${s.sequence}: variant 0 ${f.duration} s at ${f.programDateTime}, variant ${i + 1} ${s.duration} s at ${s.programDateTime}`);
        }
      }
    }
    reloads += 1;
    lists.forEach((list, i) => list.segments.forEach((s) => segments[i]!.set(s.sequence, { uri: new URL(s.uri, variantUrls[i]).toString(), duration: s.duration, discontinuity: s.discontinuity })));
    await sleep(pollMs);
  }
  return { mismatches, reloads, segments };
}
