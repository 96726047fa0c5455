import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { channelProfiles, resolveLadder, resolveOutputProfile } from '../../../src/config/quality.js';

function load(contents: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-ladder-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(contents));
  return loadConfig({ config: file });
}

function refusal(contents: unknown): string {
  try {
    load(contents);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('streaming.ladder (adaptive bitrate)', () => {
  it('is empty by default: one media playlist, as before', () => {
    expect(loadConfig({}).streaming.ladder).toEqual([]);
    expect(resolveLadder(loadConfig({}))).toEqual([]);
  });

  it('resolves each rung from its quality preset, in the order given', () => {
    const ladder = resolveLadder(load({ streaming: { ladder: ['low', 'medium', 'high'] } }));
    expect(ladder.map((r) => [r.name, r.profile.width, r.profile.height, r.profile.videoBitrate, r.profile.audioBitrate])).toEqual([
      ['low', 640, 360, '800k', '96k'],
      ['medium', 1280, 720, '2000k', '128k'],
      ['high', 1920, 1080, '4000k', '160k'],
    ]);
  });

  it("lets a rung's own resolution and bitrate override its preset (and ffmpeg.resolution)", () => {
    const config = load({ ffmpeg: { resolution: '320x180', bitrate: '300k' }, streaming: { quality: 'low', ladder: ['low', { quality: 'medium', resolution: '480x270', bitrate: '500k' }] } });
    const [low, medium] = resolveLadder(config);
    // A plain rung is its quality as a channel of that quality gets it: here the channel's own profile.
    expect(low!.profile).toEqual(resolveOutputProfile(config));
    expect(medium!.profile).toMatchObject({ width: 480, height: 270, videoBitrate: '500k', audioBitrate: '128k' });
    // What the cache fills for such a channel: its own profile once, then the other rung.
    expect(channelProfiles(resolveOutputProfile(config), resolveLadder(config)).map((p) => `${p.width}x${p.height}`)).toEqual(['320x180', '480x270']);
  });

  it('refuses a bad ladder naming the key and the reason', () => {
    expect(refusal({ streaming: { ladder: ['low', 'ultra'] } })).toMatch(/streaming\.ladder\.1.*/);
    expect(refusal({ streaming: { ladder: ['low', 'low'] } })).toMatch(/streaming\.ladder.*each quality may appear only once/);
    expect(refusal({ streaming: { ladder: ['low'] } })).toMatch(/streaming\.ladder.*at least two rungs/);
    expect(refusal({ streaming: { ladder: ['low', { quality: 'high', resolution: '1921x1080' }] } })).toMatch(/streaming\.ladder\.1.*/);
    expect(refusal({ streaming: { ladder: ['low', { quality: 'high', size: '1920x1080' }] } })).toMatch(/streaming\.ladder\.1/);
  });
});
