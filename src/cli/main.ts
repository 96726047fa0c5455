#!/usr/bin/env node
import { Command, Option } from 'commander';
import { runAlertCommand } from './alert-command.js';
import { runCacheClear, runCacheFill, runCacheStatus } from './cache-command.js';
import { runChaptersAdd, runChaptersList, runChaptersRemove } from './chapters-command.js';
import { runDemoMediaCommand } from './demo-media-command.js';
import { runScanCommand } from './scan-command.js';
import { runServeCommand } from './serve-command.js';
import { runSourcesCommand } from './sources-command.js';
import { runTokenCommand } from './token-command.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const program = new Command()
  .name('retrovue')
  .description('Self-hosted broadcast-TV engine: folders of video become live TV channels.')
  .version('0.1.0');

program
  .command('serve', { isDefault: true })
  .description('serve the channels over HTTP until stopped (SIGINT/SIGTERM stop it cleanly)')
  .option('--config <file>', 'JSON config file')
  .option('--mode <mode>', 'playout mode: loop | concat (an alias of loop) | schedule')
  .option('--channels <n>', 'number of channels')
  .option('--port <port>', 'HTTP port (default 8080)')
  .option('--host <host>', 'address to listen on (default 0.0.0.0)')
  .option('--loops <n>', 'loop mode: stop after N passes over the library (default forever)')
  .option('--quality <quality>', 'low | medium | high')
  .option('--idle-timeout <seconds>', 'stop a channel after this many seconds without viewers (0 = always on)')
  .option('--media <dir>', 'media folder (repeatable)', collect)
  .option('--data <dir>', 'data folder: database, segments, generated media (default ./data)')
  .action(async (flags) => {
    const code = await runServeCommand(flags);
    // Everything was stopped and closed in order (channels, HTTP, database): exit now rather
    // than wait for some library's forgotten timer or socket, so a supervisor (systemd,
    // Docker, a test) sees the process end promptly.
    process.exit(code);
  });

program
  .command('demo-media [dir]')
  .description('generate the demo library (shows with chapters, commercials, a station ID)')
  .option('--config <file>', 'JSON config file (for ffmpeg.path and data_dir)')
  .option('--data <dir>', 'data folder; the library goes to <data>/demo-media unless DIR is given')
  .option('--force', 'generate again even if a complete demo library is there')
  // Undocumented: `tiny` (160x90, durations /20) makes the same catalog in seconds, for tests.
  .addOption(new Option('--size <size>', 'render profile').choices(['full', 'tiny']).default('full').hideHelp())
  .action(async (dir: string | undefined, flags) => {
    process.exitCode = await runDemoMediaCommand(dir, flags);
  });

program
  .command('scan')
  .description('scan the library folders into the database, with progress, and print a summary')
  .option('--config <file>', 'JSON config file')
  .option('--media <dir>', 'media folder (repeatable)', collect)
  .option('--data <dir>', 'data folder: database, segments, generated media (default ./data)')
  .option('--json', 'print the summary as JSON')
  .action(async (flags) => {
    process.exitCode = await runScanCommand(flags);
  });

const chapters = program.command('chapters').description('list and edit the chapter markers (break points) of a media file');
const chapterOptions = (command: Command) =>
  command
    .option('--config <file>', 'JSON config file')
    .option('--data <dir>', 'data folder (default ./data)')
    .option('--json', 'print JSON');
chapterOptions(chapters.command('list <media>').description('list the chapters of a media file (id or path)')).action((media: string, flags) => {
  process.exitCode = runChaptersList(media, flags);
});
chapterOptions(chapters.command('add <media> <time> <title>').description('add a chapter at TIME (ms, or [h:]mm:ss[.mmm])')).action(
  (media: string, time: string, title: string, flags) => {
    process.exitCode = runChaptersAdd(media, time, title, flags);
  },
);
chapterOptions(chapters.command('remove <media> <chapter-id>').description('remove a chapter; an imported one stays removed after rescans')).action(
  (media: string, chapterId: string, flags) => {
    process.exitCode = runChaptersRemove(media, chapterId, flags);
  },
);

program
  .command('alert [message]')
  .description('break into programming with an emergency alert (talks to the running server)')
  .option('--type <type>', 'emergency | weather | system | custom', 'emergency')
  .option('--priority <n>', '1 (lowest) to 10 (highest); a higher priority pre-empts a lower one')
  .option('--channels <list>', 'channel numbers, e.g. 1,2, or all')
  .option('--duration <seconds>', 'how long the alert holds the air')
  .option('--list', 'show the alerts on the air, waiting, and recent')
  .option('--cancel <id>', 'end an alert early')
  .option('--server <url>', 'the running server (default: --host/--port, else RETROVUE_SERVER, else the config file\'s host and port)')
  .option('--host <host>', 'the running server\'s address, as given to `serve --host` (0.0.0.0 is reached on loopback)')
  .option('--port <port>', 'the running server\'s port, as given to `serve --port`')
  .option('--token <token>', 'admin token for a server on another machine (default: RETROVUE_TOKEN, else the data folder\'s admin-token, which is sent only to its own server: loopback on the configured port, streaming.host or server.public_url)')
  .option('--config <file>', 'JSON config file (for streaming.host and streaming.port, data_dir)')
  .option('--data <dir>', 'data folder holding admin-token (default ./data)')
  .option('--json', 'print JSON')
  .action(async (message: string | undefined, flags) => {
    process.exitCode = await runAlertCommand(message, flags);
  });

program
  .command('sources [action] [args...]')
  .description('media servers the library imports from (talks to the running server): list | add plex|jellyfin|emby URL | sync KEY | remove KEY')
  .option('--user <name>', 'add: the Jellyfin/Emby user whose libraries are imported')
  .option('--library <id>', 'add: a library id to import (repeatable; default every library of shows and movies)', collect)
  .option('--map <from=to>', 'add: a path mapping, SERVER_FOLDER=LOCAL_FOLDER (repeatable)', collect)
  .option('--interval <minutes>', 'add: sync every this many minutes (default 360)')
  .option('--full', 'sync: list everything and mark what the server no longer has')
  .option('--wait', 'sync: follow the sync until it ends')
  .option('--server <url>', 'the running server (default: --host/--port, else RETROVUE_SERVER, else the config file\'s host and port)')
  .option('--host <host>', 'the running server\'s address, as given to `serve --host`')
  .option('--port <port>', 'the running server\'s port, as given to `serve --port`')
  .option('--token <token>', 'admin token for a server on another machine (default: RETROVUE_TOKEN, else the data folder\'s admin-token, sent only to its own server)')
  .option('--config <file>', 'JSON config file (for streaming.host and streaming.port, data_dir)')
  .option('--data <dir>', 'data folder holding admin-token (default ./data)')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nThe token or API key of `add` is read from RETROVUE_SOURCE_SECRET or stdin, never a flag:\n  echo "$PLEX_TOKEN" | retrovue sources add plex http://plex:32400 --map /data/media=/mnt/media')
  .action(async (action: string | undefined, args: string[], flags) => {
    process.exitCode = await runSourcesCommand(action, args, flags);
  });

program
  .command('token')
  .description('print the admin token that writes from the network need (created on first use)')
  .option('--rotate', 'replace the token; the old one stops working at once, also on a running server')
  .option('--config <file>', 'JSON config file (for data_dir)')
  .option('--data <dir>', 'data folder (default ./data)')
  .option('--json', 'print JSON')
  .action((flags) => {
    process.exitCode = runTokenCommand(flags);
  });

const cache = program.command('cache').description('the media cache: files normalised once, aired without re-encoding');
const cacheOptions = (command: Command) =>
  command
    .option('--config <file>', 'JSON config file')
    .option('--data <dir>', 'data folder (default ./data)')
    .option('--json', 'print JSON');
cacheOptions(cache.command('status').description('entries and bytes against the budget')).action(async (flags) => {
  process.exitCode = await runCacheStatus(flags);
});
cacheOptions(cache.command('fill [files...]').description('cache every playable library file, or just FILES (commercials, bumpers and IDs first), with progress and a summary'))
  .option('--quality <quality>', 'low | medium | high (default streaming.quality)')
  .action(async (files: string[], flags) => {
    process.exitCode = await runCacheFill({ ...flags, files });
  });
cacheOptions(cache.command('clear').description('delete every cached file')).action(async (flags) => {
  process.exitCode = await runCacheClear(flags);
});

await program.parseAsync(process.argv);
