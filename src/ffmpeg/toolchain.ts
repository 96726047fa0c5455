import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What Retrovue learned about the installed ffmpeg, once, at start. */
export interface Toolchain {
  ffmpegPath: string;
  ffprobePath: string;
  version: string;
  encoders: Set<string>;
  hwaccels: string[];
  filters: Set<string>;
}

export const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y ffmpeg';

export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainError';
  }
}

/** The ffprobe that belongs to a given ffmpeg: beside it when given as a path, else on PATH. */
export function siblingFfprobe(ffmpegPath: string): string {
  if (!ffmpegPath.includes(path.sep)) return 'ffprobe';
  const candidate = path.join(path.dirname(ffmpegPath), path.basename(ffmpegPath).replace(/ffmpeg/, 'ffprobe'));
  return existsSync(candidate) ? candidate : 'ffprobe';
}

async function capture(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      throw new ToolchainError(
        `${binary} was not found or is not executable. Retrovue needs ffmpeg and ffprobe: install them with\n    ${INSTALL_HINT}\n` +
          `or point the config key ffmpeg.path at your ffmpeg binary.`,
      );
    }
    throw new ToolchainError(`${binary} ${args.join(' ')} failed: ${(error as Error).message}`);
  }
}

/** Names in the listing printed by `ffmpeg -encoders` / `-filters` (the second column). */
function parseListing(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^\s*[A-Z.|]{3,}\s+(\S+)\s/.exec(line);
    if (match && match[1] !== '=') names.add(match[1]!);
  }
  return names;
}

/**
 * Finds ffmpeg/ffprobe, reads their version, encoders, filters and hardware accelerators,
 * and refuses to go on when something Retrovue needs is missing.
 */
export async function probeToolchain(options: {
  ffmpegPath: string;
  ffprobePath?: string;
  requiredEncoders: string[];
}): Promise<Toolchain> {
  const ffmpegPath = options.ffmpegPath;
  const ffprobePath = options.ffprobePath ?? siblingFfprobe(ffmpegPath);
  const versionText = await capture(ffmpegPath, ['-hide_banner', '-version']);
  await capture(ffprobePath, ['-hide_banner', '-version']);
  const version = /ffmpeg version (\S+)/.exec(versionText)?.[1] ?? 'unknown';
  const [encodersText, filtersText, hwaccelText] = await Promise.all([
    capture(ffmpegPath, ['-hide_banner', '-encoders']),
    capture(ffmpegPath, ['-hide_banner', '-filters']),
    capture(ffmpegPath, ['-hide_banner', '-hwaccels']),
  ]);
  const encoders = parseListing(encodersText);
  const filters = parseListing(filtersText);
  const hwaccels = hwaccelText
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  const missing = options.requiredEncoders.filter((name) => !encoders.has(name));
  if (missing.length > 0) {
    throw new ToolchainError(
      `ffmpeg ${version} at ${ffmpegPath} lacks the encoder(s) ${missing.join(', ')} that the configuration asks for ` +
        `(ffmpeg.video_codec / ffmpeg.audio_codec). Debian's ffmpeg has libx264 and aac: ${INSTALL_HINT}`,
    );
  }
  return { ffmpegPath, ffprobePath, version, encoders, filters, hwaccels };
}
