import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChannelRequestError, ChannelStore } from '../../../src/channels/channel-store.js';
import { configSchema } from '../../../src/config/schema.js';
import { migrate } from '../../../src/db/database.js';
import { ChannelOutputs } from '../../../src/playout/channel-outputs.js';

function store(): ChannelStore {
  const db = new BetterSqlite3(':memory:');
  migrate(db);
  const channels = new ChannelStore(db, 'UTC');
  channels.create({ number: 3, name: 'Anime', languages: { audio: ['ja', 'eng'], subtitles: ['eng'], subtitle_mode: 'forced' } });
  return channels;
}

describe('a channel\'s own languages (config file, API, control room)', () => {
  it('are stored as sent, in ISO 639-2/B, and read back after a restart of the store', () => {
    const channels = store();
    expect(channels.get(3)!.languages).toEqual({ audio: ['jpn', 'eng'], subtitles: ['eng'], subtitle_mode: 'forced' });
  });

  it('a patch replaces them whole; {} puts the channel back on the server-wide languages', () => {
    const channels = store();
    expect(channels.update(3, { languages: { captions: false } }).languages).toEqual({ captions: false });
    expect(channels.update(3, { languages: {} }).languages).toBeUndefined();
    expect(channels.get(3)!.languages).toBeUndefined();
  });

  it('a bad code or mode is a 400 naming the field, and changes nothing', () => {
    const channels = store();
    const attempt = (languages: unknown) => {
      try {
        channels.update(3, { languages });
      } catch (error) {
        return error as ChannelRequestError;
      }
      throw new Error('accepted');
    };
    const badCode = attempt({ audio: ['Klingon'] });
    expect(badCode.status).toBe(400);
    expect(badCode.field).toBe('languages.audio.0');
    expect(badCode.message).toContain('"Klingon" is not an ISO 639 language code');
    expect(attempt({ subtitle_mode: 'sometimes' }).field).toBe('languages.subtitle_mode');
    expect(attempt({ audio: ['eng'], typo: true }).message).toMatch(/unknown key/);
    expect(channels.get(3)!.languages?.audio).toEqual(['jpn', 'eng']);
  });

  it('the channel\'s profile carries its audio slots over the server-wide ones; its ladder rungs too', () => {
    const channels = store();
    const config = configSchema.parse({ languages: { audio: ['eng'] }, streaming: { ladder: ['low', 'medium'] } });
    const outputs = new ChannelOutputs(config, { qualityOf: () => undefined, languagesOf: (n) => channels.get(n)?.languages });
    expect(outputs.profileOf(3).audioLanguages).toEqual(['jpn', 'eng']);
    expect(outputs.ladderOf(3).map((rung) => rung.profile.audioLanguages)).toEqual([['jpn', 'eng'], ['jpn', 'eng']]);
    expect(outputs.languagesOf(3)).toEqual({ audio: ['jpn', 'eng'], subtitles: ['eng'], subtitleMode: 'forced', captions: true });
    // A channel with no languages of its own airs the server's.
    expect(outputs.profileOf(9).audioLanguages).toEqual(['eng']);
  });
});
