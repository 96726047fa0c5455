import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load.js';
import { demoLibraryIsPresent, generateDemoLibrary, type DemoFile } from '../demo/generate-demo-library.js';
import { probeToolchain, ToolchainError } from '../ffmpeg/toolchain.js';

/** Where `serve` looks for (and puts) the demo library when no media folder is configured. */
export function defaultDemoDir(dataDir: string): string {
  return path.join(dataDir, 'demo-media');
}

/** Generates the demo library with a progress line per file. */
export async function generateDemoWithProgress(
  ffmpegPath: string,
  outputDir: string,
  write: (line: string) => void,
  size: 'full' | 'tiny' = 'full',
): Promise<DemoFile[]> {
  write(`Generating the demo library in ${outputDir} …\n`);
  const started = Date.now();
  let lastTenth = 0;
  const files = await generateDemoLibrary({
    ffmpegPath,
    outputDir,
    size,
    // Files take up to a minute or two each: a line per tenth of the whole keeps the user informed.
    onRendered: (done, total) => {
      const tenth = Math.floor((done / total) * 10);
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        write(`  … ${tenth * 10}% (${Math.round(done / 60)} of ${Math.round(total / 60)} minutes of video) after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
    },
    onProgress: ({ index, total, file, elapsedMs }) => {
      write(`  [${index}/${total}] ${path.relative(outputDir, file.path)} (${file.durationSeconds.toFixed(0)} s) in ${(elapsedMs / 1000).toFixed(1)} s\n`);
    },
  });
  write(`Demo library ready: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return files;
}

export async function runDemoMediaCommand(dir: string | undefined, flags: { config?: string; data?: string; force?: boolean; size?: 'full' | 'tiny' }): Promise<number> {
  try {
    const config = loadConfig({ config: flags.config, data: flags.data });
    const outputDir = path.resolve(dir ?? defaultDemoDir(config.data_dir));
    const toolchain = await probeToolchain({ ffmpegPath: config.ffmpeg.path, ffprobePath: config.ffmpeg.ffprobe_path, requiredEncoders: ['libx264', 'aac'] });
    if (demoLibraryIsPresent(outputDir) && !flags.force) {
      process.stdout.write(`A complete demo library is already in ${outputDir} (use --force to make it again).\n`);
      return 0;
    }
    await generateDemoWithProgress(toolchain.ffmpegPath, outputDir, (line) => process.stdout.write(line), flags.size);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ToolchainError) {
      process.stderr.write(`retrovue: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
