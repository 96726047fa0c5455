import { describe, expect, it } from 'vitest';
import { languagesOverrideSchema, languagesSchema, resolveLanguages } from '../../../src/config/languages.js';
import { configSchema } from '../../../src/config/schema.js';

describe('languages config (server-wide defaults, channel overrides)', () => {
  it('defaults: the file\'s own audio track, no subtitles, captions on', () => {
    expect(configSchema.parse({}).languages).toEqual({ audio: [], subtitles: [], subtitle_mode: 'off', captions: true });
  });

  it('keeps ISO 639-2/B codes, whatever ISO 639 form they were written in', () => {
    expect(languagesSchema.parse({ audio: ['ja', 'ENG', 'deu'] }).audio).toEqual(['jpn', 'eng', 'ger']);
  });

  it('refuses a name, an unknown code, a repeated language and a bad mode, naming the key', () => {
    const problems = (input: unknown) => {
      const result = configSchema.safeParse({ languages: input });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ audio: ['Japanese'] })).toEqual(['languages.audio.0: "Japanese" is not an ISO 639 language code (e.g. "eng", "jpn", "spa", or "en", "ja", "es")']);
    expect(problems({ subtitles: ['xx'] })[0]).toMatch(/^languages\.subtitles\.0: "xx" is not/);
    expect(problems({ audio: ['eng', 'en'] })[0]).toMatch(/^languages\.audio: each language may appear only once/);
    expect(problems({ subtitle_mode: 'sometimes' })[0]).toMatch(/^languages\.subtitle_mode: /);
    expect(problems({ audio: 'eng' })[0]).toMatch(/^languages\.audio: /);
  });

  it('a channel overrides key by key', () => {
    const defaults = languagesSchema.parse({ audio: ['eng'], subtitles: ['eng'], subtitle_mode: 'on' });
    const own = languagesOverrideSchema.parse({ audio: ['jpn', 'eng'] });
    expect(resolveLanguages(defaults, own)).toEqual({ audio: ['jpn', 'eng'], subtitles: ['eng'], subtitleMode: 'on', captions: true });
    expect(resolveLanguages(defaults, undefined).audio).toEqual(['eng']);
  });
});
