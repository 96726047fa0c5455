/**
 * ffprobe's command line for the library scanner. The playout engine's ffmpeg command lines
 * (airing renderers, packager) are built in airing-command.ts.
 */

/** ffprobe of one file as JSON: format, streams and chapters. */
export function buildProbeArgs(filePath: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', filePath];
}
