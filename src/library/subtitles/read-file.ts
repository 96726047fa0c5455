import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parseAss } from './ass.js';
import { decodeSubtitleBytes, type ParsedCues } from './cue-text.js';
import { parseSrt, parseWebVtt } from './timed-text.js';

/** Biggest subtitle file read: a feature film's SRT is about 100 KB, a heavy karaoke ASS a few MB. */
export const MAX_SUBTITLE_FILE_BYTES = 20 * 1024 * 1024;

export type SubtitleFormat = 'srt' | 'vtt' | 'ass';

/** A subtitle file's extensions, and the format each names. */
export const SUBTITLE_EXTENSIONS: ReadonlyMap<string, SubtitleFormat> = new Map([
  ['.srt', 'srt'],
  ['.vtt', 'vtt'],
  ['.ass', 'ass'],
  ['.ssa', 'ass'],
]);

/** The ffprobe codec name of a sidecar in this format (what the library records for it). */
export const SIDECAR_CODECS: Record<SubtitleFormat, string> = { srt: 'subrip', vtt: 'webvtt', ass: 'ass' };

/** Problems a track's `warning` shows (the log line has the same first ones). */
const WARNING_PROBLEMS = 5;

/** A read track: its cues and problems, or (`fatal`) why it has none. */
export type SubtitleRead = ParsedCues & { fatal?: string };

/**
 * The cues of a subtitle file's text. The content decides over the name when they disagree (a
 * WebVTT file named .srt, an ASS script named .srt): the readers differ in what they drop.
 */
export function parseSubtitleText(text: string, hint: SubtitleFormat): ParsedCues {
  const start = text.slice(0, 4096);
  if (/^\ufeff?WEBVTT/.test(start)) return parseWebVtt(text);
  if (/^\s*\[(Script Info|V4\+? Styles|Events)\]/im.test(start)) return parseAss(text);
  return hint === 'vtt' ? parseWebVtt(text) : hint === 'ass' ? parseAss(text) : parseSrt(text);
}

/** The cues of subtitle bytes, whatever their encoding; the decoding's problem comes first. */
export function parseSubtitleBytes(bytes: Uint8Array, hint: SubtitleFormat): SubtitleRead {
  const decoded = decodeSubtitleBytes(bytes);
  const parsed = parseSubtitleText(decoded.text, hint);
  const problems = decoded.problem ? [decoded.problem, ...parsed.problems] : parsed.problems;
  return parsed.cues.length > 0 ? { cues: parsed.cues, problems } : { cues: [], problems, fatal: 'no cue could be read' };
}

export function formatOf(file: string): SubtitleFormat | undefined {
  return SUBTITLE_EXTENSIONS.get(path.extname(file).toLowerCase());
}

/**
 * Reads and parses one subtitle file. Never throws: an unreadable file, something that is not a
 * plain file (a FIFO would block a plain open), or a file over `maxBytes` comes back `fatal`.
 */
export async function readSubtitleFile(file: string, format: SubtitleFormat, maxBytes = MAX_SUBTITLE_FILE_BYTES): Promise<SubtitleRead> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { cues: [], problems: [], fatal: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { cues: [], problems: [], fatal: 'not a plain file' };
    if (info.size > maxBytes) return { cues: [], problems: [], fatal: `too large (${megabytes(info.size)}; at most ${megabytes(maxBytes)})` };
    // Read at most one byte past the bound: a file growing while read is cut, never unbounded.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) return { cues: [], problems: [], fatal: `too large (over ${megabytes(maxBytes)})` };
    return parseSubtitleBytes(buffer.subarray(0, filled), format);
  } catch (error) {
    return { cues: [], problems: [], fatal: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "line 40: …; line 77: … (and more)": what the library shows of a track's dropped or cut cues. */
export function warningOf(problems: string[]): string | null {
  if (problems.length === 0) return null;
  const shown = problems.slice(0, WARNING_PROBLEMS).join('; ');
  return problems.length > WARNING_PROBLEMS ? `${shown} (and more)` : shown;
}
