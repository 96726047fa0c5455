/**
 * ffprobe's command lines: the scanner's full probe and playout's quick pre-air check (both
 * read in src/library/probe.ts). The renderers' and the packager's ffmpeg command lines are
 * built in airing-command.ts.
 */

/** ffprobe of one file as JSON: format, streams and chapters. */
export function buildProbeArgs(filePath: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', filePath];
}

/**
 * Streams and field order of one file, just before it airs (fast: no frame decoding). `input`
 * is the file's path, or what ffprobe reads for a media server's item (`ffprobeInputArgs`:
 * bounded waits, the authorising headers and the URL, src/ffmpeg/media-input.ts).
 */
export function buildSourceCheckArgs(input: string | readonly string[]): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,field_order:stream_tags=language,title:stream_disposition=attached_pic,default', ...(typeof input === 'string' ? [input] : input)];
}
