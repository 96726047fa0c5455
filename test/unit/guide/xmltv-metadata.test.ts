import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from 'xmlbuilder2';
import { describe, expect, it } from 'vitest';
import type { ChannelInfo } from '../../../src/channels/channel-info.js';
import { guideRating } from '../../../src/guide/rating.js';
import { buildXmltv } from '../../../src/guide/xmltv.js';
import type { Airing, AiringProgram } from '../../../src/timeline/types.js';

const DTD = path.resolve(import.meta.dirname, '../../fixtures/xmltv.dtd');
const DTD_ORDER = ['title', 'sub-title', 'desc', 'credits', 'date', 'category', 'keyword', 'language', 'orig-language', 'length', 'icon', 'url', 'country', 'episode-num', 'video', 'audio', 'previously-shown', 'premiere', 'last-chance', 'new', 'subtitles', 'rating', 'star-rating', 'review', 'image'];
const channel: ChannelInfo = { number: 1, name: 'Test One', callSign: 'TST1', group: 'Retrovue', enabled: true, timeZone: 'UTC' };
const T0 = Date.UTC(2025, 0, 6, 20, 0, 0);

function airing(startMin: number, endMin: number, program: AiringProgram, mediaId = 7): Airing {
  return { startMs: T0 + startMin * 60_000, endMs: T0 + endMin * 60_000, mediaPath: `/m/${mediaId}.mkv`, inPointMs: 0, outPointMs: (endMin - startMin) * 60_000, kind: 'program', title: program.title, mediaId, program };
}

interface Parsed { name: string; attributes: Record<string, string>; text: string; children: Parsed[] }
function parse(xml: string): Parsed[] {
  const walk = (node: { nodeType: number; nodeName: string; textContent: string | null; childNodes: ArrayLike<never>; attributes?: ArrayLike<{ name: string; value: string }> }): Parsed => ({
    name: node.nodeName,
    attributes: Object.fromEntries(Array.from(node.attributes ?? []).map((a) => [a.name, a.value])),
    text: node.textContent ?? '',
    children: Array.from(node.childNodes as ArrayLike<typeof node>).filter((c) => c.nodeType === 1).map(walk),
  });
  return walk(create(xml).root().node as never).children.filter((c) => c.name === 'programme');
}

describe('ratings in the guide: the system a guide client reads', () => {
  it('VCHIP for US TV, MPAA for US film, a country\'s code, else advisory', () => {
    expect(guideRating('TV-PG')).toEqual({ system: 'VCHIP', value: 'TV-PG' });
    expect(guideRating('tv-14')).toEqual({ system: 'VCHIP', value: 'TV-14' });
    expect(guideRating('PG-13')).toEqual({ system: 'MPAA', value: 'PG-13' });
    expect(guideRating('gb/15')).toEqual({ system: 'GB', value: '15' });
    expect(guideRating('DE-12')).toEqual({ system: 'DE', value: '12' });
    expect(guideRating('us/TV-MA')).toEqual({ system: 'VCHIP', value: 'TV-MA' });
    expect(guideRating('12')).toEqual({ system: 'advisory', value: '12' });
  });
});

describe('XMLTV with programme metadata (issue 24)', () => {
  const rich: AiringProgram = {
    id: 'p1', title: 'Galaxy Patrol', subtitle: 'The Move', season: 1, episode: 2, description: 'The crew moves house & <panics>.', category: 'Series',
    genres: ['Animation', 'series', 'Comedy'], rating: 'TV-Y7', airDate: '1986-09-08', posterMediaId: 7,
  };
  const plain: AiringProgram = { id: 'p2', title: 'Night Drive', year: 1999, category: 'Movie' };
  const xml = buildXmltv([{ channel, airings: [airing(0, 30, rich), airing(30, 120, plain, 9)] }], 'http://tv.example:8000');

  it('desc, air date, categories, icon, episode numbers and rating, read back from the document', () => {
    const [first, second] = parse(xml);
    const one = (name: string) => first!.children.filter((c) => c.name === name);
    expect(one('desc')[0]!.text).toBe('The crew moves house & <panics>.');
    expect(one('date')[0]!.text).toBe('19860908');
    // "Series" once (the genre spelled "series" is the same category), then the genres.
    expect(one('category').map((c) => c.text)).toEqual(['Series', 'Animation', 'Comedy']);
    expect(one('icon')[0]!.attributes).toEqual({ src: 'http://tv.example:8000/media/7/poster' });
    expect(one('episode-num').map((c) => [c.attributes.system, c.text])).toEqual([['xmltv_ns', '0.1.'], ['onscreen', 'S01E02']]);
    expect(one('rating')[0]!.attributes).toEqual({ system: 'VCHIP' });
    expect(one('rating')[0]!.children.map((c) => [c.name, c.text])).toEqual([['value', 'TV-Y7']]);
    // Without metadata: the year, one category, no icon, no rating.
    expect(second!.children.map((c) => c.name)).toEqual(['title', 'date', 'category', 'length', 'audio']);
    expect(second!.children.find((c) => c.name === 'date')!.text).toBe('1999');
  });

  it('elements in the DTD\'s order, and the document validates against the XMLTV DTD', () => {
    for (const programme of parse(xml)) {
      const order = programme.children.map((c) => DTD_ORDER.indexOf(c.name));
      expect(order.every((index) => index >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    let hasXmllint = true;
    try {
      execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    } catch {
      hasXmllint = false;
    }
    if (!hasXmllint) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'rv-xmltv-'));
    try {
      const file = path.join(dir, 'guide.xml');
      writeFileSync(file, xml);
      execFileSync('xmllint', ['--noout', '--dtdvalid', DTD, file], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
