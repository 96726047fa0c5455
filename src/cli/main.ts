#!/usr/bin/env node
import { Command } from 'commander';
import { runDemoMediaCommand } from './demo-media-command.js';
import { runServeCommand } from './serve-command.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const program = new Command()
  .name('retrovue')
  .description('Self-hosted broadcast-TV engine: folders of video become live TV channels.')
  .version('0.1.0');

program
  .command('serve', { isDefault: true })
  .description('serve the channels over HTTP until stopped (SIGINT/SIGTERM stop it cleanly)')
  .option('--config <file>', 'JSON config file')
  .option('--mode <mode>', 'playout mode: loop | concat | schedule')
  .option('--channels <n>', 'number of channels')
  .option('--port <port>', 'HTTP port (default 8080)')
  .option('--host <host>', 'address to listen on (default 0.0.0.0)')
  .option('--loops <n>', 'loop mode: stop after N passes over the library (default forever)')
  .option('--quality <quality>', 'low | medium | high')
  .option('--idle-timeout <seconds>', 'stop a channel after this many seconds without viewers (0 = always on)')
  .option('--media <dir>', 'media folder (repeatable)', collect)
  .option('--data <dir>', 'data folder: database, segments, generated media (default ./data)')
  .action(async (flags) => {
    process.exitCode = await runServeCommand(flags);
  });

program
  .command('demo-media [dir]')
  .description('generate the demo library (shows with chapters, commercials, a station ID)')
  .option('--config <file>', 'JSON config file (for ffmpeg.path and data_dir)')
  .option('--data <dir>', 'data folder; the library goes to <data>/demo-media unless DIR is given')
  .option('--force', 'generate again even if a complete demo library is there')
  .action(async (dir: string | undefined, flags) => {
    process.exitCode = await runDemoMediaCommand(dir, flags);
  });

await program.parseAsync(process.argv);
