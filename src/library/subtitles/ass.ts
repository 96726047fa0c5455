import { checkedCue, finishCues, LineReader, parseClock, ProblemLog, trackFull, type ParsedCues, type ReadCue } from './cue-text.js';

/**
 * Advanced SubStation Alpha (.ass) and SubStation Alpha (.ssa) cues: the `Dialogue:` lines of the
 * [Events] section, read through its `Format:` line (Start, End, and Text, always last, which
 * may hold commas). Styles, positions and effects are the renderer's; only the words are kept.
 */

/** The ASS and SSA default: Layer (or Marked), Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text. */
const DEFAULT_FORMAT = ['layer', 'start', 'end', 'style', 'name', 'marginl', 'marginr', 'marginv', 'effect', 'text'];

export function parseAss(text: string): ParsedCues {
  const problems = new ProblemLog();
  const read: ReadCue[] = [];
  let format = DEFAULT_FORMAT;
  let section = '';
  const lines = new LineReader(text);
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const number = lines.number;
    const head = line.slice(0, 64).trimStart();
    if (head.startsWith('[')) {
      section = head.toLowerCase();
      continue;
    }
    if (section.startsWith('[events') && /^format\s*:/i.test(head)) {
      const fields = line.slice(line.indexOf(':') + 1).split(',').map((field) => field.trim().toLowerCase());
      if (fields.includes('start') && fields.includes('end') && fields.at(-1) === 'text') format = fields;
      else problems.add(`line ${number}: Format line without Start, End and Text last; the standard order is used`);
      continue;
    }
    // Dialogue lines outside [Events] (a damaged header) are read too; Comment lines never.
    if (!/^dialogue\s*:/i.test(head)) continue;
    if (trackFull(read, number, problems)) break;
    const fields = splitFields(line.slice(line.indexOf(':') + 1), format.length);
    if (fields.length < format.length) {
      problems.add(`line ${number}: ${fields.length} of ${format.length} fields, cue dropped`);
      continue;
    }
    const startMs = parseClock(fields[format.indexOf('start')]!);
    const endMs = parseClock(fields[format.indexOf('end')]!);
    if (startMs === undefined || endMs === undefined) {
      problems.add(`line ${number}: timestamps not understood, cue dropped`);
      continue;
    }
    const cue = checkedCue(number, startMs, endMs, fields[format.length - 1]!, 'ass', problems);
    if (cue) read.push(cue);
  }
  return finishCues(read, problems, lines);
}

/** The first count-1 comma-separated fields, and the rest (the text, commas and all) as the last. */
function splitFields(body: string, count: number): string[] {
  const fields: string[] = [];
  let at = 0;
  while (fields.length < count - 1) {
    const comma = body.indexOf(',', at);
    if (comma < 0) return fields;
    fields.push(body.slice(at, comma).trim());
    at = comma + 1;
  }
  fields.push(body.slice(at));
  return fields;
}
