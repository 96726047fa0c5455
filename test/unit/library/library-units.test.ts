import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChapterTime } from '../../../src/cli/chapters-command.js';
import { configSchema } from '../../../src/config/schema.js';
import { classify, libraryLayout } from '../../../src/library/folder-rules.js';
import { parseMediaName } from '../../../src/library/name-parser.js';
import { interpretProbe, probeFailureReason } from '../../../src/library/probe.js';
import { progressBar, summaryLine } from '../../../src/library/progress.js';

const kindOf = (file: string, root = '/tv', rules: Parameters<typeof classify>[2] = []) => classify(file, root, rules, parseMediaName(file));

describe('classify (kind and tags)', () => {
  it.each([
    ['/tv/Commercials/80s/Soda.mp4', 'commercial'],
    ['/tv/ads/Soda.mp4', 'commercial'],
    ['/tv/Bumpers/Back soon.mp4', 'bumper'],
    ['/tv/bumpers/WRTV Station ID.mp4', 'station_id'],
    ['/tv/Station IDs/Night.mp4', 'station_id'],
    ['/tv/promos/Tonight.mp4', 'promo'],
    ['/tv/Movies/Anything.mkv', 'movie'],
    ['/tv/Shows/Cheers/Season 1/Cheers - S01E01 - Pilot.mkv', 'episode'],
    ['/tv/RoboCop (1987).mkv', 'movie'],
    ['/tv/home video.mp4', 'other'],
  ])('%s is %s', (file, kind) => {
    expect(kindOf(file).kind).toBe(kind);
  });

  it('looks only at folders from the scanned root down (a root named "commercials" counts, its parents do not)', () => {
    expect(kindOf('/srv/commercials/library/x.mp4', '/srv/commercials/library').kind).toBe('other');
    expect(kindOf('/srv/tv/commercials/x.mp4', '/srv/tv/commercials').kind).toBe('commercial');
  });

  it('lets the deepest folder rule with a kind win, and adds up the tags of every rule that matches', () => {
    const rules = [
      { path: '/tv', kind: 'promo' as const, tags: ['all'] },
      { path: '/tv/Commercials/80s', kind: 'bumper' as const, tags: ['80s'] },
      { path: '/tv/Commercials', tags: ['ads'] },
    ];
    expect(kindOf('/tv/Commercials/80s/Soda.mp4', '/tv', rules)).toEqual({ kind: 'bumper', tags: ['all', 'ads', '80s'] });
    expect(kindOf('/tv/Commercials/Other.mp4', '/tv', rules)).toEqual({ kind: 'promo', tags: ['all', 'ads'] });
    expect(kindOf('/elsewhere/x.mp4', '/elsewhere', rules)).toEqual({ kind: 'other', tags: [] });
  });
});

describe('libraryLayout', () => {
  it('resolves folder rules against the config file, and scans each folder once', () => {
    const config = configSchema.parse({
      library: { paths: ['/srv/tv', '/srv/tv'], folders: [{ path: 'ads', kind: 'commercial' }, { path: '/srv/tv/bumpers', kind: 'bumper' }] },
    });
    const layout = libraryLayout(config, '/etc/retrovue/config.json');
    expect(layout.roots).toEqual(['/srv/tv', path.resolve('/etc/retrovue/ads')]);
    expect(layout.rules.map((r) => r.path)).toEqual(['/etc/retrovue/ads', '/srv/tv/bumpers']);
  });

  it('refuses a folder rule with an unknown kind, naming the key', () => {
    const result = configSchema.safeParse({ library: { folders: [{ path: 'x', kind: 'sitcom' }] } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['library', 'folders', 0, 'kind']);
  });
});

describe('probe interpretation', () => {
  it('says why a file cannot air', () => {
    expect(interpretProbe({ streams: [{ codec_type: 'audio', codec_name: 'mp3' }], format: { duration: '3' } })).toEqual({ ok: false, reason: 'no video stream' });
    expect(interpretProbe({ streams: [{ codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } }] })).toEqual({ ok: false, reason: 'no video stream' });
    expect(interpretProbe({ streams: [{ codec_type: 'video', codec_name: 'h264' }], format: { duration: '0' } })).toEqual({ ok: false, reason: 'unknown or zero duration' });
  });

  it('computes the display aspect from size and pixel aspect when ffprobe leaves it out', () => {
    const result = interpretProbe({ streams: [{ codec_type: 'video', codec_name: 'mpeg2video', width: 720, height: 480, sample_aspect_ratio: '32:27', field_order: 'bb' }], format: { duration: '1' } });
    expect(result.ok && result.probe.video).toMatchObject({ displayAspect: '16:9', interlaced: true, fieldOrder: 'bb' });
  });

  it('turns ffprobe stderr into one readable reason', () => {
    const stderr = '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d94397b1c0] moov atom not found\n/x/a.mp4: Invalid data found when processing input\n';
    expect(probeFailureReason(stderr, '/x/a.mp4')).toBe('moov atom not found; Invalid data found when processing input');
  });
});

describe('chapter times and scan output', () => {
  it.each([
    ['90500', 90_500],
    ['1:30.5', 90_500],
    ['0:01:30.500', 90_500],
    ['1:00:00', 3_600_000],
    ['0:01.2', 1_200],
  ])('%s is %i ms', (text, ms) => {
    expect(parseChapterTime(text)).toBe(ms);
  });

  it.each(['', 'soon', '1:75', '-5', '1.5', '1:2:3:4'])('"%s" is not a time', (text) => {
    expect(parseChapterTime(text)).toBeUndefined();
  });

  const summary = { found: 12, added: 9, updated: 1, unchanged: 2, missing: 1, unplayable: 2, unplayableFiles: [], probed: 10, elapsedMs: 1234 };

  it('summarises a scan in one line', () => {
    expect(summaryLine(summary)).toBe('Scanned 12 files in 1.2 s: 9 added, 1 updated, 2 unchanged, 1 missing, 2 unplayable (10 probed)');
  });

  it('draws a progress bar on a terminal and nothing elsewhere', () => {
    const written: string[] = [];
    const terminal = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const bar = progressBar(terminal);
    bar.update({ probed: 5, toProbe: 10, found: 12, currentFile: '/tv/Show/Ep 5.mkv' });
    bar.update({ probed: 10, toProbe: 10, found: 12, currentFile: '/tv/Show/Ep 10.mkv' });
    bar.done();
    expect(written[0]).toMatch(/^\rProbing \[#{14}\.{14}\] 5\/10 Ep 5\.mkv/);
    expect(written[1]).toMatch(/^\rProbing \[#{28}\] 10\/10 Ep 10\.mkv/);
    expect(written.at(-1)).toBe('\n');

    const piped: string[] = [];
    const pipe = progressBar({ isTTY: false, write: (s: string) => piped.push(s) } as unknown as NodeJS.WriteStream);
    pipe.update({ probed: 1, toProbe: 2, found: 2 });
    pipe.done();
    expect(piped).toEqual([]);
  });
});
