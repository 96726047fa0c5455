import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { spawnFfmpeg } from '../../ffmpeg/process-registry.js';
import { ffmpegInputArgs, resolveMediaInput, sanitiseInputText, type MediaInput } from '../../ffmpeg/media-input.js';

/**
 * An embedded text track, extracted once by ffmpeg into a file under the data folder, keyed by
 * the media file's identity (its id stands for its path; size and mtime for its version) and
 * the stream: a changed file is extracted again, an unchanged one never (across restarts too).
 */

export interface EmbeddedSource {
  mediaId: number;
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  streamIndex: number;
}

/** `<dir>/<media id>/<size>-<mtime>-s<stream>.<srt|ass>`. */
export function extractedPath(dir: string, source: EmbeddedSource, format: 'srt' | 'ass'): string {
  return path.join(dir, String(source.mediaId), `${source.sizeBytes}-${Math.round(source.mtimeMs)}-s${source.streamIndex}.${format}`);
}

/**
 * ffmpeg's arguments: the one stream, as ASS (ass, ssa) or converted to SubRip (every other text
 * codec). The input is a local file or a media server's stream (src/ffmpeg/media-input.ts).
 */
export function extractArgs(input: string | MediaInput, streamIndex: number, format: 'srt' | 'ass', output: string): string[] {
  const media: MediaInput = typeof input === 'string' ? { kind: 'file', path: input } : input;
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...ffmpegInputArgs(media), '-map', `0:${streamIndex}`, '-c:s', format === 'ass' ? 'ass' : 'srt', '-f', format, output];
}

/** Extraction that did not finish in time or could not start: worth trying again later. */
export class ExtractionInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionInterrupted';
  }
}

/**
 * The extracted file for the source: the cached one, or made now. Throws ExtractionInterrupted
 * (timeout, ffmpeg missing) or an Error with ffmpeg's complaint (the stream cannot be read).
 */
export async function extractTrack(ffmpegPath: string, dir: string, source: EmbeddedSource, format: 'srt' | 'ass', timeoutMs: number): Promise<string> {
  const file = extractedPath(dir, source, format);
  const cached = await stat(file).catch(() => undefined);
  if (cached?.isFile()) return file;
  await mkdir(path.dirname(file), { recursive: true });
  await forgetOtherVersions(file, source.streamIndex);
  const partial = `${file}.${process.pid}.${Date.now()}.part`;
  // A media server's item is read from its server; one that cannot be reached now may be later.
  const resolved = resolveMediaInput(source.path);
  if (!resolved.ok) throw new ExtractionInterrupted(`${source.path} cannot be read now: ${resolved.reason}`);
  try {
    await runFfmpeg(ffmpegPath, extractArgs(resolved.input, source.streamIndex, format, partial), timeoutMs, resolved.input);
    await rename(partial, file);
    return file;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Extractions of an older version of the file, for this stream, go when a new one is made. */
async function forgetOtherVersions(file: string, streamIndex: number): Promise<void> {
  const folder = path.dirname(file);
  const suffix = new RegExp(`-s${streamIndex}\\.(srt|ass)(\\..*\\.part)?$`);
  const names = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => suffix.test(name) && path.join(folder, name) !== file).map((name) => rm(path.join(folder, name), { force: true })));
}

/**
 * Started as every ffmpeg is (registered, dies with the server), killed past its time. At the
 * encoders' priority, not nice 19 like a cache fill: an extraction is asked for by a channel
 * about to air the file, and its cues are due within seconds; starved behind busy encoders it
 * took longer than that and a cold channel aired its first programme uncaptioned. It only
 * demuxes (a text stream out of the file), so it costs the encoders little.
 */
function runFfmpeg(ffmpegPath: string, args: string[], timeoutMs: number, input: MediaInput): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ExtractionInterrupted(`cannot run ffmpeg (${ffmpegPath}): ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      if (timedOut) return reject(new ExtractionInterrupted(`ffmpeg took over ${Math.round(timeoutMs / 1000)} s to extract the track`));
      // Killed from outside (the server going down): nothing is known about the track.
      if (signal) return reject(new ExtractionInterrupted(`ffmpeg was stopped (${signal})`));
      const lines = stderr.trim().split('\n').filter(Boolean);
      const reason = sanitiseInputText(lines.at(-1) ?? `exit code ${code}`, input);
      // A media server that failed mid-read says nothing lasting about the track.
      if (input.kind === 'http') return reject(new ExtractionInterrupted(`ffmpeg could not read the track from ${input.label}: ${reason}`));
      reject(new Error(`ffmpeg could not extract the track: ${reason}`));
    });
  });
}
