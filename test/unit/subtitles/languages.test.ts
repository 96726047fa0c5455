import { describe, expect, it } from 'vitest';
import { isLanguageCode, languageFromWord, languageName, normaliseLanguage } from '../../../src/subtitles/languages.js';

describe('ISO 639 language table', () => {
  it.each([
    ['de', 'ger'], ['deu', 'ger'], ['ger', 'ger'], ['DEU', 'ger'], [' en ', 'eng'], ['eng', 'eng'],
    ['fr', 'fre'], ['fra', 'fre'], ['zh', 'chi'], ['zho', 'chi'], ['nl', 'dut'], ['nld', 'dut'], ['cs', 'cze'], ['ces', 'cze'],
    ['ja', 'jpn'], ['jpn', 'jpn'], ['und', 'und'], ['fil', 'fil'], ['mul', 'mul'],
  ])('normaliseLanguage(%j) is %j (ISO 639-2/B)', (code, expected) => {
    expect(normaliseLanguage(code)).toBe(expected);
    expect(isLanguageCode(code)).toBe(true);
  });

  it.each(['English', 'xx', 'xyz', '', 'en-US', 'e', 'engl'])('%j is not a code', (code) => {
    expect(normaliseLanguage(code)).toBeUndefined();
    expect(isLanguageCode(code)).toBe(false);
  });

  it('names languages in any accepted form, unknown codes as given', () => {
    expect(languageName('jpn')).toBe('Japanese');
    expect(languageName('ja')).toBe('Japanese');
    expect(languageName('deu')).toBe('German');
    expect(languageName('gre')).toBe('Greek');
    expect(languageName('spa')).toBe('Spanish');
    expect(languageName('und')).toBe('Unknown language');
    expect(languageName(null)).toBe('Unknown language');
    expect(languageName('qaa')).toBe('qaa');
  });

  it('reads the words file names use: codes, codes with regions, English and own names', () => {
    expect(languageFromWord('English')).toBe('eng');
    expect(languageFromWord('japanese')).toBe('jpn');
    expect(languageFromWord('pt-BR')).toBe('por');
    expect(languageFromWord('en_US')).toBe('eng');
    expect(languageFromWord('Deutsch')).toBe('ger');
    expect(languageFromWord('Español')).toBe('spa');
    expect(languageFromWord('Castilian')).toBe('spa');
    expect(languageFromWord('Flemish')).toBe('dut');
    expect(languageFromWord('forced')).toBeUndefined();
    expect(languageFromWord('Commentary')).toBeUndefined();
  });

  it('every code in the table names itself and normalises to itself', () => {
    for (const code of ['aar', 'alb', 'arm', 'baq', 'bur', 'geo', 'ice', 'mac', 'mao', 'may', 'per', 'rum', 'slo', 'tib', 'wel']) {
      expect(normaliseLanguage(code)).toBe(code);
      expect(languageName(code)).not.toBe(code);
    }
  });
});
