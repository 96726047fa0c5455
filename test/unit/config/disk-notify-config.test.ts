import { describe, expect, it } from 'vitest';
import { configRefusal, loadConfigContents } from '../../helpers/config-files.js';

const load = loadConfigContents;
const refusal = configRefusal;

describe('cache.min_free_gb and notify (issue 23)', () => {
  it('defaults to a 1 GB floor and no paging', () => {
    const config = load({});
    expect(config.cache.min_free_gb).toBe(1);
    expect(config.notify).toEqual({});
  });

  it('takes a floor and a webhook with its token', () => {
    const config = load({ cache: { min_free_gb: 5 }, notify: { webhook: 'https://pager.example/hook', token: 'abc' } });
    expect(config.cache.min_free_gb).toBe(5);
    expect(config.notify).toEqual({ webhook: 'https://pager.example/hook', token: 'abc' });
  });

  it('refuses bad values, naming the key', () => {
    expect(refusal({ cache: { min_free_gb: -1 } })).toMatch(/cache\.min_free_gb/);
    expect(refusal({ cache: { min_free_gb: 'lots' } })).toMatch(/cache\.min_free_gb/);
    expect(refusal({ notify: { webhook: 'ftp://pager.example/' } })).toMatch(/notify\.webhook.*http:\/\/ or https:\/\//);
    expect(refusal({ notify: { webhook: 'not a url' } })).toMatch(/notify\.webhook/);
    expect(refusal({ notify: { token: 'a\nb' } })).toMatch(/notify\.token/);
    expect(refusal({ notify: { url: 'https://x/' } })).toMatch(/notify/);
  });
});
