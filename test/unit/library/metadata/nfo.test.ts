import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanText, MAX_NFO_BYTES, normaliseRating, parseNfo, readNfoFile } from '../../../../src/library/metadata/nfo.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rv-nfo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const details = (xml: string, expect: 'tvshow' | 'item' = 'item') => {
  const result = parseNfo(xml, expect);
  if (!result.ok) throw new Error(`expected a usable .nfo, got: ${result.reason}`);
  return result.details;
};

describe('.nfo sidecars (Kodi/Jellyfin style)', () => {
  it('an episode: title, show, numbers, plot, genres, certification, air date and ids', () => {
    const d = details(`<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<episodedetails>
  <title>The Move &amp; the Shake</title>
  <showtitle>Galaxy Patrol</showtitle>
  <season>2</season>
  <episode>7</episode>
  <plot>The crew moves house.
  Chaos follows.</plot>
  <genre>Comedy</genre>
  <genre>Science Fiction / Family</genre>
  <mpaa>US:TV-PG</mpaa>
  <aired>1987-10-04</aired>
  <uniqueid type="tvdb" default="true">123456</uniqueid>
  <uniqueid type="imdb">tt0094001</uniqueid>
  <uniqueid type="tmdb">98765</uniqueid>
</episodedetails>`);
    expect(d).toEqual({
      kind: 'episode', title: 'The Move & the Shake', showTitle: 'Galaxy Patrol', season: 2, episode: 7,
      plot: 'The crew moves house.\nChaos follows.', genres: ['Comedy', 'Science Fiction', 'Family'], rating: 'TV-PG',
      airDate: '1987-10-04', year: 1987, ids: { tvdb: '123456', imdb: 'tt0094001', tmdb: '98765' },
    });
  });

  it('a show and a movie; outline when there is no plot; legacy <id> and <imdbid>; "Rated" dropped', () => {
    const show = details('<tvshow><title>Galaxy Patrol</title><plot>A patrol in space.</plot><mpaa>TV-Y7</mpaa><genre>Animation</genre><id>70327</id><premiered>1986-09-01</premiered></tvshow>', 'tvshow');
    expect(show).toMatchObject({ kind: 'tvshow', title: 'Galaxy Patrol', plot: 'A patrol in space.', rating: 'TV-Y7', genres: ['Animation'], ids: { tvdb: '70327' }, year: 1986 });
    const movie = details('<movie><title>Night Drive</title><outline>A short drive.</outline><year>1999</year><mpaa>Rated PG-13</mpaa><id>tt0111111</id><tmdbid>42</tmdbid></movie>');
    expect(movie).toMatchObject({ kind: 'movie', title: 'Night Drive', plot: 'A short drive.', year: 1999, rating: 'PG-13', ids: { imdb: 'tt0111111', tmdb: '42' } });
    const legacy = details('<movie><title>X</title><imdbid>tt0222222</imdbid></movie>');
    expect(legacy.ids).toEqual({ imdb: 'tt0222222' });
  });

  it('a file with two episodes: one programme, the first one\'s numbers, both titles and plots', () => {
    const d = details(`<episodedetails><title>Part One</title><season>1</season><episode>1</episode><plot>First half.</plot></episodedetails>
<episodedetails><title>Part Two</title><season>1</season><episode>2</episode><plot>Second half.</plot></episodedetails>`);
    expect(d).toMatchObject({ kind: 'episode', title: 'Part One / Part Two', season: 1, episode: 1, plot: 'First half.\n\nSecond half.' });
  });

  it('a link-only .nfo gives the ids alone; a link after the XML adds its id', () => {
    expect(details('https://www.imdb.com/title/tt0088247/\n')).toEqual({ kind: 'ids-only', genres: [], ids: { imdb: 'tt0088247' } });
    expect(details('https://www.themoviedb.org/movie/218-the-terminator').ids).toEqual({ tmdb: '218' });
    expect(details('<movie><title>T</title></movie>\nhttps://www.imdb.com/title/tt0088247/').ids).toEqual({ imdb: 'tt0088247' });
    expect(parseNfo('nothing useful here', 'item')).toEqual({ ok: false, reason: 'neither XML nor a link with an IMDb, TMDb or TheTVDB id' });
  });

  it('a broken file is refused with a reason: mismatched or unclosed tags, bad attributes, the wrong root', () => {
    expect(parseNfo('<episodedetails><title>X</plot></episodedetails>', 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/not well-formed XML: <\/plot>/) });
    expect(parseNfo('<episodedetails><title>X</title>', 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/<episodedetails> is never closed/) });
    expect(parseNfo('<movie><title a="1>X</title></movie>', 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/not well-formed XML/) });
    expect(parseNfo('<tvshow><title>S</title></tvshow>', 'item')).toEqual({ ok: false, reason: 'has no <episodedetails> or <movie> element' });
    expect(parseNfo('<movie><title>M</title></movie>', 'tvshow')).toEqual({ ok: false, reason: 'has no <tvshow> element' });
  });

  it('hostile files: a DOCTYPE or entity (XXE, billion laughs) is refused before parsing; huge files refused', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY x SYSTEM "file:///etc/passwd">]><movie><title>&x;</title></movie>';
    expect(parseNfo(xxe, 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/DOCTYPE or ENTITY/) });
    const laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><movie><title>&lol2;</title></movie>';
    expect(parseNfo(laughs, 'item').ok).toBe(false);
    // An undeclared entity is left as text, never resolved.
    expect(details('<movie><title>&foo;</title></movie>').title).toBe('&foo;');
    expect(parseNfo(`<movie><plot>${'a'.repeat(MAX_NFO_BYTES)}</plot></movie>`, 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/larger than/) });
    // Deep nesting and floods of elements are refused before the parser sees them, fast.
    const started = Date.now();
    expect(parseNfo(`<movie><title>${'<a>'.repeat(50_000)}x${'</a>'.repeat(50_000)}</title></movie>`, 'item')).toEqual({ ok: false, reason: 'nests elements more than 32 deep' });
    expect(parseNfo(`<movie>${'<genre>g</genre>'.repeat(60_000)}</movie>`, 'item')).toEqual({ ok: false, reason: 'has more than 20000 elements' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('control characters are dropped (raw and as character references), long fields capped', () => {
    const d = details('<movie><title>Bad\u0001Title&#7;</title><plot>' + 'word '.repeat(2000) + '</plot><genre>\u0000</genre></movie>');
    expect(d.title).toBe('BadTitle');
    expect(d.plot!.length).toBeLessThanOrEqual(4000);
    expect(d.plot!.endsWith('…')).toBe(true);
    expect(d.genres).toEqual([]);
    expect(cleanText('  a \u0085 b  ')).toBe('a b');
    expect(details(`<movie><title>${'T'.repeat(1000)}</title></movie>`).title!.length).toBeLessThanOrEqual(300);
  });

  it('numbers and dates that are not numbers or dates are ignored', () => {
    const d = details('<episodedetails><title>T</title><season>two</season><episode>-1</episode><aired>yesterday</aired><year>99999</year></episodedetails>');
    expect(d).toEqual({ kind: 'episode', title: 'T', genres: [], ids: {} });
  });

  it('ratings: the first of several, without "Rated" or a US prefix; a country prefix kept', () => {
    expect(normaliseRating('US:TV-14 / GB:15')).toBe('TV-14');
    expect(normaliseRating('Rated R')).toBe('R');
    expect(normaliseRating('GB:15')).toBe('GB:15');
    expect(normaliseRating('   ')).toBeUndefined();
  });

  it('reads files: bounded, a missing one gives its reason', async () => {
    const file = path.join(dir, 'ep.nfo');
    writeFileSync(file, '\ufeff<episodedetails><title>BOM first</title></episodedetails>');
    expect(await readNfoFile(file, 'item')).toMatchObject({ ok: true, details: { title: 'BOM first' } });
    const big = path.join(dir, 'big.nfo');
    writeFileSync(big, Buffer.alloc(MAX_NFO_BYTES + 1, 0x20));
    expect(await readNfoFile(big, 'item')).toMatchObject({ ok: false, reason: expect.stringMatching(/larger than/) });
    expect(await readNfoFile(path.join(dir, 'none.nfo'), 'item')).toEqual({ ok: false, reason: 'cannot be read (ENOENT)' });
  });
});
