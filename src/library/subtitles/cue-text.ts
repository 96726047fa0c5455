import { MAX_CUE_TEXT_CHARS, MAX_CUES_PER_TRACK, type Cue } from '../../subtitles/cue.js';

/**
 * What the cue readers share: decoding a file's bytes whatever its encoding, turning a cue's
 * marked-up text into plain text, and the bounds every track is held to. Everything here is
 * linear in the input, so a hostile file costs its size and no more.
 */

/** What a reader returns: the cues kept, and a line per cue dropped or cut (naming its line). */
export interface ParsedCues {
  cues: Cue[];
  problems: string[];
}

/** A cue as read, before sorting and bounding: the line it started on, for the problems. */
export interface ReadCue extends Cue {
  line: number;
}

/** Problems listed one by one; past this, one line counts the rest (a log line stays short). */
export const MAX_PROBLEMS_LISTED = 50;

/**
 * Raw text kept per cue before markup is removed: room for generous markup (ASS karaoke tags,
 * font tags on every line) around MAX_CUE_TEXT_CHARS of text, and a bound on the work a 10 MB
 * line can cause.
 */
const RAW_TEXT_LIMIT = MAX_CUE_TEXT_CHARS * 16;

/** Collects problems, listing the first MAX_PROBLEMS_LISTED and counting the others. */
export class ProblemLog {
  private readonly listed: string[] = [];
  private unlisted = 0;

  add(problem: string): void {
    if (this.listed.length < MAX_PROBLEMS_LISTED) this.listed.push(problem);
    else this.unlisted += 1;
  }

  list(): string[] {
    return this.unlisted > 0 ? [...this.listed, `… and ${this.unlisted} more problems`] : [...this.listed];
  }
}

/**
 * Text of a subtitle file. UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such.
 * Bytes that are not UTF-8 are most often a legacy Windows-1252 file: read as that when the file
 * has no valid multi-byte character at all; a UTF-8 file with a few bad bytes keeps its text,
 * each bad byte becoming U+FFFD. Never throws.
 */
export function decodeSubtitleBytes(bytes: Uint8Array): { text: string; problem?: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return { text: new TextDecoder('utf-16le').decode(swapped.swap16()) };
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    const text = new TextDecoder('utf-8').decode(body);
    const validNonAscii = /[^\u0000-\u007f\ufffd]/.test(text);
    if (validNonAscii) return { text, problem: 'not valid UTF-8: bad bytes shown as �' };
    return { text: legacyDecode(body), problem: 'not UTF-8: read as Windows-1252' };
  }
}

/**
 * Windows-1252's 0x80–0x9F (curly quotes, dashes, €…), where it differs from Latin-1; done here
 * because Node's TextDecoder decodes 'windows-1252' as plain Latin-1.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function legacyDecode(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; at += 8192) {
    const chunk = bytes.subarray(at, at + 8192);
    text += String.fromCharCode(...chunk).replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
  }
  return text;
}

/** Most lines read from one file: 20 per cue kept is far more than any real file has. */
export const MAX_LINES_READ = 20 * MAX_CUES_PER_TRACK;

/**
 * A file's lines one at a time (LF, CRLF or, in old Mac files, CR ends), 1-based `number`, so a
 * reader can stop early: past MAX_LINES_READ lines, or once a track is full, the rest of a
 * hostile file is never even split.
 */
export class LineReader {
  number = 0;
  private at = 0;
  private readonly text: string;

  constructor(text: string) {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.text = body.includes('\n') || !body.includes('\r') ? body : body.replace(/\r/g, '\n');
  }

  next(): string | undefined {
    if (this.at > this.text.length || this.number >= MAX_LINES_READ) return undefined;
    let end = this.text.indexOf('\n', this.at);
    if (end < 0) end = this.text.length;
    const line = this.text.slice(this.at, end > this.at && this.text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    this.at = end + 1;
    this.number += 1;
    return line;
  }

  /** Whether reading stopped at the line bound with text left (said once, as a problem). */
  get cutShort(): boolean {
    return this.number >= MAX_LINES_READ && this.at <= this.text.length;
  }
}

/**
 * Milliseconds of a clock like 01:02:03,456 / 01:02:03.456 / 02:03.456 / 1:02:03.45 (ASS's
 * centiseconds): the fraction is read as a fraction. Negative clocks come back negative (the
 * caller drops the cue and says so); anything else unreadable is undefined.
 */
export function parseClock(clock: string): number | undefined {
  const match = /^(-)?(?:(\d{1,7}):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?$/.exec(clock.trim());
  if (!match) return undefined;
  const [, minus, hours, minutes, seconds, fraction] = match;
  if (Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const ms = (Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 + (fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0);
  return minus ? -ms : ms;
}

export type Markup = 'html' | 'ass';

/**
 * Plain text of a cue. `html` (SRT, WebVTT): HTML-like tags (<i>, <font …>, <c.x>, <v Name>,
 * <00:01.000>) and ASS override blocks some SRT files carry ({\an8}) go; `ass`: every {…} block
 * goes (overrides and comments alike, as renderers hide them), drawings ({\p1}…{\p0}) with
 * them, \N becomes a line break and \h a space. Control characters go; everything else (' : \ %
 * { …) is kept verbatim: escaping is the renderer's job. Empty lines are dropped.
 * `cut` says the text was longer than MAX_CUE_TEXT_CHARS and was cut.
 */
export function cleanCueText(raw: string, markup: Markup, decodeEntities = false): { text: string; cut: boolean } {
  let text = raw;
  let cut = false;
  if (text.length > RAW_TEXT_LIMIT) {
    // A half tag at the cut would otherwise survive as text.
    text = text.slice(0, RAW_TEXT_LIMIT).replace(/<[a-zA-Z/][^<>]*$|\{[^}]*$/, '');
    cut = true;
  }
  if (markup === 'ass') text = assPlain(text);
  else {
    text = text.replace(/\{\\[^{}]*\}/g, '').replace(/<\/?(?:[a-zA-Z][^<>]*|\d[^<>]*)>/g, '');
    if (decodeEntities) text = decodeHtmlEntities(text);
  }
  text = text
    .replace(/\t/g, ' ')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('\n');
  if (text.length > MAX_CUE_TEXT_CHARS) {
    let end = MAX_CUE_TEXT_CHARS;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1; // never half a surrogate pair
    text = text.slice(0, end).trimEnd();
    cut = true;
  }
  return { text, cut };
}

function assPlain(text: string): string {
  let out = '';
  let drawing = false;
  let at = 0;
  for (const block of text.matchAll(/\{([^}]*)\}/g)) {
    if (!drawing) out += text.slice(at, block.index);
    const mode = /\\p(\d+)/.exec(block[1]!);
    if (mode) drawing = Number(mode[1]) > 0;
    at = block.index + block[0].length;
  }
  if (!drawing) out += text.slice(at);
  return out.replace(/\\N/g, '\n').replace(/\\n/g, ' ').replace(/\\h/g, ' ');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', lrm: '\u200e', rlm: '\u200f' };

/** WebVTT's character references: the named ones it defines and numeric ones. */
function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,6});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * A cue read at `line`, checked: negative or empty spans are dropped, and so is a cue left with
 * no text once markup is gone (ASS drawings, a lone {\an8}); a long text is cut. Each drop and
 * cut is logged with its line. Undefined when the cue is dropped.
 */
export function checkedCue(line: number, startMs: number, endMs: number, raw: string, markup: Markup, problems: ProblemLog, decodeEntities = false): ReadCue | undefined {
  if (startMs < 0 || endMs < 0) {
    problems.add(`line ${line}: negative time, cue dropped`);
    return undefined;
  }
  if (endMs <= startMs) {
    problems.add(`line ${line}: ends (${endMs} ms) before it starts (${startMs} ms), cue dropped`);
    return undefined;
  }
  const { text, cut } = cleanCueText(raw, markup, decodeEntities);
  if (text.length === 0) return undefined;
  if (cut) problems.add(`line ${line}: text cut to ${MAX_CUE_TEXT_CHARS} characters`);
  return { line, startMs, endMs, text };
}

/**
 * Whether a reader holding `read` cues must stop before the cue starting at `line` (said once).
 */
export function trackFull(read: ReadCue[], line: number, problems: ProblemLog): boolean {
  if (read.length < MAX_CUES_PER_TRACK) return false;
  problems.add(`line ${line}: this cue and every one after it dropped: a track keeps its first ${MAX_CUES_PER_TRACK}`);
  return true;
}

/**
 * The track as the channel side gets it: sorted by start (then end), exact duplicates (ASS
 * shadow layers) once, at most MAX_CUES_PER_TRACK cues, overlaps kept. (Readers stop at the
 * bound already, keeping the file's first cues; the cut here is for any other caller.)
 */
export function finishCues(read: ReadCue[], problems: ProblemLog, lines?: LineReader): ParsedCues {
  if (lines?.cutShort) problems.add(`line ${lines.number}: stopped reading after ${MAX_LINES_READ} lines; the rest dropped`);
  const sorted = read.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || a.line - b.line);
  const cues: Cue[] = [];
  let dropped = 0;
  let firstDroppedLine = 0;
  const seen = new Set<string>();
  for (const cue of sorted) {
    const key = `${cue.startMs}/${cue.endMs}/${cue.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (cues.length >= MAX_CUES_PER_TRACK) {
      if (dropped === 0) firstDroppedLine = cue.line;
      dropped += 1;
      continue;
    }
    cues.push({ startMs: cue.startMs, endMs: cue.endMs, text: cue.text });
  }
  if (dropped > 0) problems.add(`line ${firstDroppedLine}: ${dropped} cues past the first ${MAX_CUES_PER_TRACK} dropped`);
  return { cues, problems: problems.list() };
}
