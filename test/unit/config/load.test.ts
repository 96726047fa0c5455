import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { resolveOutputProfile } from '../../../src/config/quality.js';

function configFile(contents: unknown): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return { dir, file };
}

/** The ConfigError message loadConfig throws (fails the test if it does not throw one). */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('config loading', () => {
  it('has a built-in default for everything (the seed values)', () => {
    const config = loadConfig({});
    expect(config.streaming).toMatchObject({ mode: 'loop', port: 8080, host: '0.0.0.0', channels: 1, segment_duration: 10, playlist_size: 6, idle_timeout: 60 });
    expect(config.streaming.loops).toBeUndefined();
    expect(config.ffmpeg).toMatchObject({ path: 'ffmpeg', video_codec: 'libx264', audio_codec: 'aac' });
    expect(config.data_dir).toBe(path.resolve('./data'));
  });

  it('takes a flag over the file, and the file over the default', () => {
    const { file } = configFile({ streaming: { port: 9000, quality: 'high', channels: 3 } });
    const fromFile = loadConfig({ config: file });
    expect(fromFile.streaming.port).toBe(9000);
    expect(fromFile.streaming.quality).toBe('high');
    expect(fromFile.streaming.segment_duration).toBe(10); // default, untouched by the file

    const withFlags = loadConfig({ config: file, port: '9100', quality: 'low' });
    expect(withFlags.streaming.port).toBe(9100);
    expect(withFlags.streaming.quality).toBe('low');
    expect(withFlags.streaming.channels).toBe(3); // the file still applies where no flag is given
  });

  it('resolves relative paths in the file against the file, and on the command line against the cwd', () => {
    const { dir, file } = configFile({ data_dir: 'state', library: { paths: ['tv'] } });
    const config = loadConfig({ config: file });
    expect(config.data_dir).toBe(path.join(dir, 'state'));
    expect(config.library.paths).toEqual([path.join(dir, 'tv')]);
    const flagged = loadConfig({ config: file, data: 'elsewhere', media: ['a', 'b'] });
    expect(flagged.data_dir).toBe(path.resolve('elsewhere'));
    expect(flagged.library.paths).toEqual([path.resolve('a'), path.resolve('b')]);
  });

  it('refuses a bad flag value naming the flag and the reason', () => {
    const quality = refusal(() => loadConfig({ quality: 'ultra' }));
    expect(quality).toContain('--quality');
    expect(quality).toMatch(/low|medium|high/);
    expect(refusal(() => loadConfig({ port: 'eighty' }))).toMatch(/--port: must be a number/);
    expect(refusal(() => loadConfig({ port: '70000' }))).toContain('--port');
    expect(refusal(() => loadConfig({ loops: '0' }))).toContain('--loops');
    expect(refusal(() => loadConfig({ mode: 'shuffle' }))).toContain('--mode');
  });

  it('refuses a bad file value naming the key and the file', () => {
    const { file } = configFile({ streaming: { segment_duration: 0 }, ffmpeg: { resolution: '1281x720' } });
    const message = refusal(() => loadConfig({ config: file }));
    // Every problem at once, each with its key.
    expect(message).toContain(`streaming.segment_duration (in ${file})`);
    expect(message).toContain(`ffmpeg.resolution (in ${file})`);
    expect(message).toMatch(/even/);
  });

  it('refuses an unknown key (a typo is not silently ignored)', () => {
    const { file } = configFile({ streaming: { segment_duraton: 4 } });
    const message = refusal(() => loadConfig({ config: file }));
    expect(message).toContain('streaming');
    expect(message).toContain('"segment_duraton"');
    expect(refusal(() => loadConfig({ config: configFile({ stremaing: {} }).file }))).toContain('"stremaing"');
  });

  it('names the flag rather than the key when the bad value came from a flag', () => {
    const { file } = configFile({ streaming: { quality: 'low' } });
    const message = refusal(() => loadConfig({ config: file, quality: 'ultra' }));
    expect(message).toContain('--quality');
    expect(message).not.toContain(`(in ${file})`);
  });

  it('refuses unreadable or malformed files with the file named', () => {
    expect(refusal(() => loadConfig({ config: '/nonexistent/retrovue.json' }))).toContain('/nonexistent/retrovue.json');
    const { file } = configFile('{ "streaming": ');
    expect(refusal(() => loadConfig({ config: file }))).toMatch(/not valid JSON/);
    expect(refusal(() => loadConfig({ config: configFile('[1, 2]').file }))).toMatch(/must be a JSON object/);
  });

  it('writes nothing, not even the data folder, whether it accepts or refuses', () => {
    const { dir, file } = configFile({ data_dir: 'data', streaming: { quality: 'ultra' } });
    refusal(() => loadConfig({ config: file }));
    loadConfig({ config: configFile({ data_dir: path.join(dir, 'data') }).file });
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('lets ffmpeg.bitrate and ffmpeg.resolution override the quality preset', () => {
    const { file } = configFile({ streaming: { quality: 'medium' }, ffmpeg: { bitrate: '1500k' } });
    const profile = resolveOutputProfile(loadConfig({ config: file }));
    expect(profile).toMatchObject({ width: 1280, height: 720, videoBitrate: '1500k' });
    const resized = resolveOutputProfile(loadConfig({ config: configFile({ ffmpeg: { resolution: '320x180' } }).file, quality: 'high' }));
    expect(resized).toMatchObject({ width: 320, height: 180, videoBitrate: '4000k' });
  });
});
