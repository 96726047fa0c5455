/**
 * ffprobe's command line for the library scanner. The playout engine's ffmpeg command lines
 * (airing renderers, packager) are built in airing-command.ts.
 */

/** ffprobe of one file as JSON: format, streams and chapters. */
export function buildProbeArgs(filePath: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', filePath];
}

/** Streams and field order of one file, just before it airs (fast: no frame decoding). */
export function buildSourceCheckArgs(filePath: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_entries', 'stream=codec_type,field_order:stream_disposition=attached_pic', filePath];
}
