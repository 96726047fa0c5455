import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { configRefusal, loadConfigContents } from '../../helpers/config-files.js';
import BetterSqlite3 from 'better-sqlite3';
import { ChannelRequestError, ChannelStore } from '../../../src/channels/channel-store.js';
import { allLadderRungs, channelProfiles, resolveLadder, resolveOutputProfile } from '../../../src/config/quality.js';
import { migrate } from '../../../src/db/database.js';

const load = loadConfigContents;
const refusal = configRefusal;

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

  it("lets a config-file channel have its own ladder (or none), and only there", () => {
    const config = load({
      streaming: { ladder: ['low', 'medium'] },
      channels: [
        { number: 1, name: 'One' },
        { number: 2, name: 'Two', ladder: ['medium', 'high'] },
        { number: 3, name: 'Three', ladder: [] },
      ],
    });
    expect(resolveLadder(config, 1).map((r) => r.name)).toEqual(['low', 'medium']);
    expect(resolveLadder(config, 2).map((r) => r.name)).toEqual(['medium', 'high']);
    expect(resolveLadder(config, 3)).toEqual([]);
    expect(resolveLadder(config, 99).map((r) => r.name)).toEqual(['low', 'medium']); // a channel made over the API
    // `retrovue cache fill` fills every profile any ladder has, once each.
    expect(channelProfiles(resolveOutputProfile(config), allLadderRungs(config)).map((p) => p.height)).toEqual([720, 360, 1080]);
    expect(refusal({ channels: [{ number: 1, name: 'One', ladder: ['high'] }] })).toMatch(/channels\.0\.ladder.*at least two rungs/);
    // Over the API the ladder is refused by name, not silently dropped.
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const store = new ChannelStore(db, 'UTC');
    expect(() => store.create({ number: 5, name: 'Five', ladder: ['low', 'high'] })).toThrow(ChannelRequestError);
    expect(() => store.create({ number: 5, name: 'Five', ladder: ['low', 'high'] })).toThrow(/ladder/);
  });
});
