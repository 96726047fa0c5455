import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/server.js';

const run = promisify(execFile);

/** Every file under `dir` (relative paths), hidden ones included. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) => statSync(path.join(dir, entry)).isFile());
}

interface Probe {
  format: { duration: string };
  streams: Array<{ codec_type: string; codec_name: string; channels?: number }>;
  chapters: Array<{ start_time: string; tags?: { title?: string } }>;
}

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', file]);
  return JSON.parse(stdout) as Probe;
}

describe('retrovue serve refuses bad configuration before doing anything', () => {
  it('refuses --quality ultra naming the flag, and writes nothing to the data dir', async () => {
    const work = tempDir('cli');
    const data = path.join(work, 'data');
    const result = await runCli(['serve', '--quality', 'ultra', '--data', data, '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--quality');
    expect(result.stderr).toMatch(/"low"|low/);
    expect(existsSync(data)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('refuses a non-numeric --port naming the flag', async () => {
    const data = path.join(tempDir('cli'), 'data');
    const result = await runCli(['serve', '--port', 'eighty', '--data', data]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--port: must be a number');
    expect(existsSync(data)).toBe(false);
  });

  it('refuses an unknown key in the config file, naming it and the file, and writes nothing', async () => {
    const work = tempDir('cli');
    const config = path.join(work, 'config.json');
    writeFileSync(config, JSON.stringify({ streaming: { segment_duraton: 4 }, data_dir: 'data' }));
    const result = await runCli(['serve', '--config', config]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('"segment_duraton"');
    expect(result.stderr).toContain(config);
    expect(listFiles(work)).toEqual(['config.json']);
  });

  it('refuses a bad value in the config file naming the key and the reason', async () => {
    const work = tempDir('cli');
    const config = path.join(work, 'config.json');
    writeFileSync(config, JSON.stringify({ streaming: { playlist_size: 1 }, ffmpeg: { bitrate: 'fast' }, data_dir: 'data' }));
    const result = await runCli(['serve', '--config', config]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('streaming.playlist_size');
    expect(result.stderr).toMatch(/ffmpeg\.bitrate.*must look like "800k"/);
    expect(listFiles(work)).toEqual(['config.json']);
  });

  it('says in --help that concat is an alias of loop', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('--mode <mode> playout mode: loop | concat (an alias of loop) | schedule');
  });

  it('refuses a mode that is not built yet with a clear message', async () => {
    const data = path.join(tempDir('cli'), 'data');
    const result = await runCli(['serve', '--mode', 'nonsense', '--data', data]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--mode');
    expect(existsSync(data)).toBe(false);
  });
});

describe('retrovue demo-media DIR (tiny render profile, same catalog)', () => {
  let dir: string;
  let output: { code: number | null; stdout: string; stderr: string };
  const probes = new Map<string, Probe>();

  beforeAll(async () => {
    dir = path.join(tempDir('demo'), 'library');
    output = await runCli(['demo-media', dir, '--size', 'tiny'], 90_000);
    for (const file of listFiles(dir).filter((f) => f.endsWith('.mp4'))) probes.set(file, await probe(path.join(dir, file)));
  });

  it('succeeds with a progress line per file', () => {
    expect(output.code, output.stderr).toBe(0);
    const progress = output.stdout.split('\n').filter((line) => /^\s*\[\d+\/\d+\]/.test(line));
    expect(progress).toHaveLength(probes.size);
    for (const file of probes.keys()) expect(progress.some((line) => line.includes(file))).toBe(true);
    expect(output.stdout).toMatch(new RegExp(`Demo library ready: ${probes.size} files`));
  });

  it('holds at least 3 shows of 2 episodes, each episode with 3 chapters', () => {
    const episodes = [...probes.keys()].filter((f) => f.startsWith('shows/'));
    const byShow = new Map<string, string[]>();
    for (const file of episodes) byShow.set(file.split('/')[1]!, [...(byShow.get(file.split('/')[1]!) ?? []), file]);
    expect(byShow.size).toBeGreaterThanOrEqual(3);
    for (const [show, files] of byShow) {
      expect(files.length, show).toBeGreaterThanOrEqual(2);
      for (const file of files) {
        expect(file).toMatch(/S\d\dE\d\d/);
        const chapters = probes.get(file)!.chapters;
        expect(chapters, file).toHaveLength(3);
        expect(chapters.map((c) => Number(c.start_time))).toEqual([...chapters.map((c) => Number(c.start_time))].sort((a, b) => a - b));
        expect(chapters.every((c) => c.tags?.title)).toBe(true);
      }
    }
  });

  it('holds at least 4 commercials and a station ID', () => {
    const commercials = [...probes.keys()].filter((f) => f.startsWith('commercials/'));
    expect(commercials.length).toBeGreaterThanOrEqual(4);
    expect([...probes.keys()].some((f) => f.startsWith('bumpers/') && /station id/i.test(f))).toBe(true);
  });

  it('gives every file H.264 video and stereo AAC audio', () => {
    expect(probes.size).toBeGreaterThanOrEqual(11);
    for (const [file, info] of probes) {
      expect(info.streams.find((s) => s.codec_type === 'video')?.codec_name, file).toBe('h264');
      expect(info.streams.find((s) => s.codec_type === 'audio'), file).toMatchObject({ codec_name: 'aac', channels: 2 });
      expect(Number(info.format.duration)).toBeGreaterThan(1);
    }
  });

  it('leaves a complete library alone when run again', async () => {
    const before = listFiles(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs]);
    const again = await runCli(['demo-media', dir, '--size', 'tiny']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already/);
    expect(listFiles(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs])).toEqual(before);
  });

  it('refuses an unknown render profile', async () => {
    const result = await runCli(['demo-media', path.join(tempDir('demo'), 'x'), '--size', 'huge']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--size/);
  });
});
