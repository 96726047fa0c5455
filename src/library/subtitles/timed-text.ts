import { checkedCue, finishCues, LineReader, parseClock, ProblemLog, trackFull, type ParsedCues, type ReadCue } from './cue-text.js';

/**
 * SubRip (.srt) and WebVTT (.vtt) cues. Both are blocks of "start --> end" then text lines up to
 * a blank line, so one reader serves both, leniently: a cue number or identifier before the
 * timing line is skipped, either decimal mark is accepted, WebVTT's NOTE/STYLE/REGION blocks and
 * cue settings are ignored. What cannot be read is dropped and named by its line.
 */

/** Longest line that can be a timing line (with WebVTT cue settings); longer ones are text. */
const TIMING_LINE_MAX = 256;
const TIMING = /^\s*(\S+)\s*-->\s*(\S+)/;

export function parseSrt(text: string): ParsedCues {
  return parseTimedBlocks(text, 'srt');
}

export function parseWebVtt(text: string): ParsedCues {
  return parseTimedBlocks(text, 'vtt');
}

interface OpenCue {
  line: number;
  startMs: number;
  endMs: number;
  text: string[];
  chars: number;
}

function parseTimedBlocks(text: string, format: 'srt' | 'vtt'): ParsedCues {
  const problems = new ProblemLog();
  const lines = new LineReader(text);
  const read: ReadCue[] = [];
  let open: OpenCue | undefined;
  /** Inside a block that is not a cue (a WebVTT NOTE, STYLE or REGION, an unreadable timing). */
  let skipping = false;

  const close = () => {
    if (!open) return;
    const cue = checkedCue(open.line, open.startMs, open.endMs, open.text.join('\n'), 'html', problems, format === 'vtt');
    if (cue) read.push(cue);
    open = undefined;
  };

  let line = lines.next();
  if (format === 'vtt') {
    if (/^WEBVTT(?:[ \t].*)?$/.test(line?.slice(0, TIMING_LINE_MAX) ?? '')) line = lines.next();
    else problems.add('line 1: no WEBVTT header; read anyway');
  }
  for (; line !== undefined; line = lines.next()) {
    const number = lines.number;
    if (line.trim() === '') {
      close();
      skipping = false;
      continue;
    }
    const timing = line.length <= TIMING_LINE_MAX && line.includes('-->') ? TIMING.exec(line) : null;
    if (timing) {
      // A cue without the blank line before the next one: its last line was the next cue's number.
      if (open && /^\d+$/.test(open.text.at(-1)?.trim() ?? '')) open.text.pop();
      close();
      skipping = false;
      if (trackFull(read, number, problems)) break;
      const startMs = parseClock(timing[1]!);
      const endMs = parseClock(timing[2]!);
      if (startMs === undefined || endMs === undefined) {
        problems.add(`line ${number}: timestamps not understood, cue dropped`);
        skipping = true;
        continue;
      }
      open = { line: number, startMs, endMs, text: [], chars: 0 };
      continue;
    }
    if (open) {
      // A cue's text is bounded (cleanCueText cuts it): lines past a generous limit are not kept.
      if (open.chars <= 65_536) open.text.push(line.length > 65_536 ? line.slice(0, 65_536) : line);
      open.chars += line.length;
      continue;
    }
    if (skipping) continue;
    if (format === 'vtt' && /^(NOTE|STYLE|REGION)(?:\s|$)/.test(line)) skipping = true;
    // Otherwise a cue number or identifier, or stray text between cues: nothing to keep.
  }
  close();
  return finishCues(read, problems, lines);
}
