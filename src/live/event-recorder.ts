import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import type { Logger } from '../logging/logger.js';

/**
 * Records a live event as it aired (issue 25): the channel's own MPEG-TS, read like a `.ts`
 * viewer (so the recording is what viewers saw: normalised, with the station's graphics and
 * every camera cut, on one continuous clock), written to `<data folder>/recordings/`, then
 * remuxed (no re-encode) to an MP4 with a chapter at each camera taken, named after the event.
 * The recordings folder is then scanned into the library, so the event can re-air in a later
 * block (its chapters are its break points there).
 */
export interface EventRecorderOptions {
  dir: string;
  ffmpegPath: string;
  log: Logger;
  /** A finished recording, in the recordings folder: add the folder to the library and scan it. */
  onRecorded: (file: string) => void;
  now?: () => number;
}

interface Recording {
  title: string;
  startedAtMs: number;
  part: string;
  out: WriteStream;
  stream: Readable;
  /** Chapters: where each camera's stretch starts (ms into the recording) and its name. */
  chapters: Array<{ atMs: number; title: string }>;
}

/** Characters kept in a recording's file name (the title otherwise), so any title makes a safe name. */
const safeName = (title: string) => title.replace(/[^\p{L}\p{N} ._-]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 80) || 'Live event';

export class EventRecorder {
  private readonly recordings = new Map<number, Recording>();
  private readonly now: () => number;

  constructor(private readonly options: EventRecorderOptions) {
    this.now = options.now ?? Date.now;
  }

  isRecording(channel: number): boolean {
    return this.recordings.has(channel);
  }

  /** Starts recording the channel's stream (a viewer of it), its first chapter named `camera`. */
  async start(channel: number, title: string, camera: string, stream: Readable): Promise<void> {
    if (this.recordings.has(channel)) return;
    await mkdir(this.options.dir, { recursive: true });
    const startedAtMs = this.now();
    const part = path.join(this.options.dir, `.channel-${channel}-${startedAtMs}.ts.part`);
    const out = createWriteStream(part);
    out.on('error', (error) => this.options.log.warn({ err: error, channel, file: part }, 'recording: cannot write; the recording stops'));
    stream.pipe(out);
    this.recordings.set(channel, { title, startedAtMs, part, out, stream, chapters: [{ atMs: 0, title: camera }] });
    this.options.log.info({ channel, title }, 'recording the live event');
  }

  /** A camera taken: a chapter starts here. */
  mark(channel: number, camera: string): void {
    const recording = this.recordings.get(channel);
    if (recording) recording.chapters.push({ atMs: this.now() - recording.startedAtMs, title: camera });
  }

  /** Stops the channel's recording and makes its MP4; resolves with its path (undefined: none, or it failed: logged). */
  async stop(channel: number): Promise<string | undefined> {
    const recording = this.recordings.get(channel);
    if (!recording) return undefined;
    this.recordings.delete(channel);
    recording.stream.unpipe(recording.out);
    recording.stream.destroy();
    await new Promise<void>((resolve) => recording.out.end(resolve));
    const durationMs = this.now() - recording.startedAtMs;
    const stamp = new Date(recording.startedAtMs).toISOString().slice(0, 16).replace('T', ' ').replace(':', '.');
    const file = path.join(this.options.dir, `${safeName(recording.title)} (${stamp}).mp4`);
    const metadata = `${recording.part}.chapters.txt`;
    try {
      await writeFile(metadata, chapterMetadata(recording.title, recording.chapters, durationMs));
      await remux(this.options.ffmpegPath, recording.part, metadata, `${file}.part.mp4`);
      await rename(`${file}.part.mp4`, file);
      this.options.log.info({ channel, file, seconds: Math.round(durationMs / 1000), chapters: recording.chapters.length }, 'live event recorded');
      this.options.onRecorded(file);
      return file;
    } catch (error) {
      this.options.log.warn({ err: error, channel, title: recording.title }, 'recording: could not make the file');
      return undefined;
    } finally {
      await Promise.all([rm(recording.part, { force: true }), rm(metadata, { force: true }), rm(`${file}.part.mp4`, { force: true })]);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.recordings.keys()].map((channel) => this.stop(channel)));
  }
}

/** ffmpeg's FFMETADATA1 with one chapter per camera stretch (times in ms); the special characters escaped. */
export function chapterMetadata(title: string, chapters: ReadonlyArray<{ atMs: number; title: string }>, durationMs: number): string {
  const escape = (text: string) => text.replace(/[=;#\\\n]/g, (c) => `\\${c}`);
  const lines = [';FFMETADATA1', `title=${escape(title)}`];
  chapters.forEach((chapter, i) => {
    const end = i + 1 < chapters.length ? chapters[i + 1]!.atMs : durationMs;
    if (end <= chapter.atMs) return;
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(chapter.atMs)}`, `END=${Math.round(end)}`, `title=${escape(chapter.title)}`);
  });
  return `${lines.join('\n')}\n`;
}

function remux(ffmpegPath: string, input: string, metadata: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-fflags', '+genpts+discardcorrupt', '-i', input, '-i', metadata, '-map', '0:v:0', '-map', '0:a?', '-map_metadata', '1', '-map_chapters', '1', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', output], { stdio: ['ignore', 'ignore', 'pipe'], background: true });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-1000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not remux the recording: ${stderr.trim() || `exit ${code}`}`))));
  });
}
