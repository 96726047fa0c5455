import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { drawtext } from '../ffmpeg/drawtext.js';

const run = promisify(execFile);

/** Decoders of still images ffmpeg's `movie` source can open for an overlay (no SVG: it needs librsvg). */
const STILL_CODECS = new Set(['png', 'mjpeg', 'webp', 'gif', 'bmp', 'tiff', 'apng']);
/** Larger than this is not a logo; refusing it keeps a renderer's start-up quick. */
const MAX_SIDE = 4096;

export type ImageCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks with ffprobe that a file is a still image the renderer can overlay, so a missing,
 * truncated or wrong-type logo is caught here (and the bug falls back) instead of killing a
 * renderer. Answers are cached by path, size and modification time.
 */
export class ImageValidator {
  private readonly cache = new Map<string, Promise<ImageCheck>>();

  constructor(private readonly tools: { ffmpegPath: string; ffprobePath: string }) {}

  async check(file: string): Promise<ImageCheck> {
    const info = await stat(file).catch(() => undefined);
    if (!info) return { ok: false, reason: `${file} does not exist` };
    if (!info.isFile()) return { ok: false, reason: `${file} is not a file` };
    const key = `${file}|${info.size}|${info.mtimeMs}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.probe(file);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async probe(file: string): Promise<ImageCheck> {
    try {
      const { stdout } = await run(
        this.tools.ffprobePath,
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file],
        { timeout: 10_000 },
      );
      const stream = (JSON.parse(stdout) as { streams?: Array<{ codec_name?: string; width?: number; height?: number }> }).streams?.[0];
      if (!stream?.codec_name) return { ok: false, reason: `${file} has no picture ffmpeg can read` };
      if (!STILL_CODECS.has(stream.codec_name)) return { ok: false, reason: `${file} is ${stream.codec_name}, not a png/jpeg/webp/gif/bmp image` };
      if (!stream.width || !stream.height || stream.width > MAX_SIDE || stream.height > MAX_SIDE) {
        return { ok: false, reason: `${file} is ${stream.width}x${stream.height}; a logo must be at most ${MAX_SIDE} px a side` };
      }
      // Decode it once: a file whose header is fine but whose data is broken fails here.
      await run(this.tools.ffmpegPath, ['-v', 'error', '-xerror', '-i', file, '-frames:v', '1', '-f', 'null', '-'], { timeout: 10_000 });
      return { ok: true };
    } catch (error) {
      const message = ((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0];
      return { ok: false, reason: `${file} cannot be read: ${message}` };
    }
  }
}

/** The ffmpeg arguments that draw a generated bug: the call sign in white, with a soft outline, on transparency. */
export function callSignBugArgs(callSign: string, accent: string, fontFile: string | undefined, outputPath: string): string[] {
  const text = callSign.trim() || 'TV';
  const width = 480;
  const height = 160;
  const size = Math.round(Math.min(112, (width * 0.9) / Math.max(1, text.length * 0.66)));
  const filters = [
    'format=rgba',
    drawtext({
      text,
      x: '(w-text_w)/2',
      y: `(h-text_h)/2-10`,
      fontSize: size,
      color: 'white',
      ...(fontFile ? { font: { file: fontFile } } : {}),
      border: { color: 'black@0.45', width: 3 },
    }),
  ].join(',');
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    // format=rgba inside the source graph: converted later, the transparent background would turn black.
    '-f', 'lavfi', '-i', `color=c=black@0:s=${width}x${height}:d=1,format=rgba`,
    '-vf', filters,
    '-frames:v', '1', '-f', 'image2', '-c:v', 'png',
    outputPath,
  ];
}

/**
 * Generated bugs, drawn once per call sign + accent colour + font and cached under
 * `<dataDir>/graphics/` (named by what is drawn on them, so a branding change draws a new one).
 */
export class GeneratedBugs {
  private readonly drawing = new Map<string, Promise<string>>();

  constructor(private readonly options: { dataDir: string; ffmpegPath: string }) {}

  bugFor(callSign: string, accent: string, fontFile: string | undefined): Promise<string> {
    const key = createHash('sha1').update(JSON.stringify([2, callSign, accent, fontFile ?? ''])).digest('hex').slice(0, 12);
    const target = path.join(this.options.dataDir, 'graphics', `bug-${key}.png`);
    let pending = this.drawing.get(target);
    if (!pending) {
      pending = this.draw(callSign, accent, fontFile, target);
      // A failed drawing is retried at the next airing rather than remembered.
      pending.catch(() => this.drawing.delete(target));
      this.drawing.set(target, pending);
    }
    return pending;
  }

  private async draw(callSign: string, accent: string, fontFile: string | undefined, target: string): Promise<string> {
    if (existsSync(target)) return target;
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp.png`;
    await run(this.options.ffmpegPath, callSignBugArgs(callSign, accent, fontFile, temporary), { timeout: 15_000 });
    await rename(temporary, target);
    return target;
  }
}
