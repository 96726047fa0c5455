import { describe, expect, it } from 'vitest';
import { cleanText, mapBounded, parseServerUrl, serverUrl } from '../../../../src/sources/bounded-http.js';
import { overlapOf, pages } from '../../../../src/sources/clients/paging.js';
import { SourceError } from '../../../../src/sources/media-server.js';

describe('server addresses', () => {
  it('keeps http(s) addresses, without a trailing slash, with a base path', () => {
    expect(parseServerUrl('http://plex:32400')).toBe('http://plex:32400');
    expect(parseServerUrl(' https://media.example.com/jellyfin/ ')).toBe('https://media.example.com/jellyfin');
    expect(parseServerUrl('http://[::1]:8096/')).toBe('http://[::1]:8096');
  });

  it.each([
    ['ftp://plex/', /http:\/\/ or https:\/\//],
    ['file:///etc/passwd', /http:\/\/ or https:\/\//],
    ['http://me:secret@plex:32400', /user name or password/],
    ['http://plex:32400/?X-Plex-Token=abc', /query or fragment/],
    ['http://plex:32400/#token', /query or fragment/],
    ['plex:32400', /http:\/\/ or https:\/\//],
    ['', /is not a URL/],
  ])('refuses %s', (raw, message) => {
    try {
      parseServerUrl(raw, 'Plex');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(SourceError);
      expect((error as SourceError).code).toBe('invalid_url');
      expect((error as SourceError).message).toMatch(message);
      expect((error as SourceError).message).not.toMatch(/secret|abc/);
    }
  });

  it('joins base, path and query', () => {
    expect(serverUrl('http://h:1/base', '/Items', { a: 1, b: undefined, c: 'x y' })).toBe('http://h:1/base/Items?a=1&c=x+y');
    expect(serverUrl('http://h:1', '/p?x=1', { y: 2 })).toBe('http://h:1/p?x=1&y=2');
  });
});

describe('text from a server', () => {
  it('keeps quotes, emoji and right-to-left text; drops C0 controls but tab and newline', () => {
    expect(cleanText('"A" \'b\' 🎬 \u202Bשלום\u202C\ttab\nline\r\u0000\u0007\u001b')).toBe('"A" \'b\' 🎬 \u202Bשלום\u202C\ttab\nline');
    expect(cleanText('   ')).toBeUndefined();
    expect(cleanText(42)).toBeUndefined();
  });
});

describe('bounded concurrency', () => {
  it('runs at most the limit at once and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

describe('paging', () => {
  const walk = async (fetchPage: (start: number, size: number) => Promise<{ items: string[]; total?: number }>, maxPages = 10) => {
    const got: string[] = [];
    for await (const page of pages(fetchPage, (id) => id, { pageSize: 3, maxPages, what: 'Test server' })) got.push(...page.items);
    return got;
  };
  const list = Array.from({ length: 8 }, (_, i) => `i${i}`);

  it('walks to the announced total', async () => {
    const starts: number[] = [];
    expect(await walk(async (start, size) => (starts.push(start), { items: list.slice(start, start + size), total: 8 }))).toEqual(list);
    expect(starts).toEqual([0, 3, 6]);
  });

  it('without a total, stops at a short or empty page', async () => {
    expect(await walk(async (start, size) => ({ items: list.slice(start, start + size) }))).toEqual(list);
    expect(await walk(async (start, size) => ({ items: list.slice(0, 6).slice(start, start + size) }))).toEqual(list.slice(0, 6));
  });

  it('stops at an empty page even when the total promised more', async () => {
    expect(await walk(async (start, size) => ({ items: list.slice(start, start + size), total: 1000 }))).toEqual(list);
  });

  it('drops items a shifting list repeats across pages', async () => {
    // An item added meanwhile shifts the list by one: the next page starts with one already seen.
    expect(await walk(async (start, size) => ({ items: start === 0 ? ['a', 'b', 'c'] : ['c', 'd'], total: 5 }))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('pages overlap, so an item deleted on the server mid-walk does not hide the one that slides over the page boundary', async () => {
    const server = Array.from({ length: 50 }, (_, i) => `e${i}`);
    const starts: number[] = [];
    const got: string[] = [];
    const fetchPage = async (start: number, size: number) => {
      starts.push(start);
      // After the first page is read, an episode on it is deleted: everything after moves up one.
      if (starts.length === 2) server.splice(5, 1);
      return { items: server.slice(start, start + size), total: server.length };
    };
    for await (const page of pages(fetchPage, (id) => id, { pageSize: 20, maxPages: 10, what: 'Test server' })) got.push(...page.items);
    expect(starts[1]).toBe(20 - overlapOf(20));
    // e20 slid to index 19: back-to-back pages (next start 20) would have skipped it.
    expect(got).toContain('e20');
    expect(new Set(got)).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `e${i}`)));
    expect(got.length).toBe(50);
  });

  it('without a total, the overlap coming back alone is the end of the list, not a repeating server', async () => {
    const server = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const got: string[] = [];
    for await (const page of pages(async (start, size) => ({ items: server.slice(start, start + size) }), (id) => id, { pageSize: 20, maxPages: 10, what: 'Test server' })) got.push(...page.items);
    expect(got).toEqual(server);
  });

  it('refuses a server that repeats a whole page, and one that never ends', async () => {
    await expect(walk(async () => ({ items: ['a', 'b', 'c'], total: 100 }))).rejects.toMatchObject({ code: 'too_many_pages', message: expect.stringMatching(/already sent/) });
    await expect(walk(async (start) => ({ items: [`${start}`, `${start}b`, `${start}c`], total: start + 100 }), 4)).rejects.toMatchObject({
      code: 'too_many_pages',
      message: 'Test server kept paginating past 4 pages of 3 (12 items); stopped',
    });
  });
});
