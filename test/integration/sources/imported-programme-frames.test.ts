import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPlaylist, frameColours, saveTo, type ParsedSegment } from '../../helpers/hls.js';
import { makeClips } from '../../helpers/media.js';
import { startFakePlex, type FakePlex } from '../../helpers/media-servers/fake-plex.js';
import type { FakeMediaItem } from '../../helpers/media-servers/seed.js';
import { sleep, startServer, tempDir, testConfig, waitFor, type RunningServer } from '../../helpers/server.js';

/**
 * The real-frame proof: a programme imported from a media server (the fake Plex, PMS
 * 1.41 shapes) airs with its breaks at the chapter marks the SERVER gave — the file itself has
 * none — and the guide carries the server's title, episode title, description, genres and rating.
 *
 * The programme is three solid acts (green, blue, yellow); the station's one commercial (a local
 * file in a `commercials` folder) is red; what a break has left over is the slate. A schedule of
 * one-minute blocks airs the 42 s episode once a minute, so each minute is act 1 (5 s), a break,
 * act 2 (20 s), a break, act 3 (17 s), a break: the spare 18 s spread over three breaks of 6 s.
 * The test reads the timeline, then the channel's real HLS segments around a chapter mark,
 * placing every decoded frame on the wall clock by EXT-X-PROGRAM-DATE-TIME.
 */
const run = promisify(execFile);
const DTD = fileURLToPath(new URL('../../fixtures/xmltv.dtd', import.meta.url));

const ACTS = [
  { colour: 'green', startMs: 0, endMs: 5_000 },
  { colour: 'blue', startMs: 5_000, endMs: 25_000 },
  { colour: 'yellow', startMs: 25_000, endMs: 42_000 },
] as const;
const EPISODE_MS = 42_000;
/** The server's marks inside the episode: where it breaks. */
const CHAPTER_MARKS: number[] = [ACTS[1].startMs, ACTS[2].startMs];
/** (60 s − 42 s) over three breaks (two chapter marks and the end), whole seconds each. */
const BREAK_MS = 6_000;

type Rgb = [number, number, number];
/** What each picture averages to, as the renderer's x264 and the test's 1×1 scale give it back. */
const PALETTE: Record<string, Rgb> = {
  green: [0, 128, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  red: [255, 0, 0],
  slate: [0x1d, 0x35, 0x57],
};
/** The palette colour nearest a frame's average, or 'other' when none is near (a mixed or wrong picture). */
function colourName(rgb: Rgb): string {
  let best = 'other';
  let bestDistance = 60 ** 2;
  for (const [name, ref] of Object.entries(PALETTE)) {
    const distance = rgb.reduce((sum, v, i) => sum + (v - ref[i]!) ** 2, 0);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

interface TimelineAiring { kind: string; title: string; start: string; end: string; mediaId?: number; inPointMs: number; outPointMs: number; program?: { title: string } }

describe('a programme imported from a media server airs with its breaks at the server\'s chapter marks (real frames)', () => {
  const token = 'plex-token-frames-5e6f7a8b';
  let work: string;
  let plex: FakePlex;
  let server: RunningServer;
  let episodeId: number;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const call = async (method: string, p: string, body?: unknown) => {
    const response = await fetch(url(p), { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
  };
  const timeline = async (fromMs: number, toMs: number) =>
    (await call('GET', `/api/channels/2/timeline?from=${fromMs}&to=${toMs}`)).body.airings as TimelineAiring[];
  /** Full one-minute blocks (the first, compiled from "now", is cut short): their starts. */
  const minuteStarts = (airings: TimelineAiring[]) =>
    airings.filter((a) => a.kind === 'program' && a.mediaId === episodeId && a.inPointMs === 0 && Date.parse(a.start) % 60_000 === 0).map((a) => Date.parse(a.start));

  beforeAll(async () => {
    work = tempDir('imported-frames');
    const episodeFile = path.join(work, 'server-side', 'The Heist.mp4');
    const commercialsDir = path.join(work, 'library', 'commercials');
    const acts = ACTS.map((act, i) => `color=c=${act.colour}:size=160x90:rate=10:duration=${(act.endMs - act.startMs) / 1000}[a${i}]`).join(';');
    await Promise.all([
      // Three solid acts in one file, with no chapters of its own: the breaks can only come from the import.
      mkdir(path.dirname(episodeFile), { recursive: true }).then(() =>
        run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=44100:duration=${EPISODE_MS / 1000}`,
          '-filter_complex', `${acts};[a0][a1][a2]concat=n=3:v=1:a=0[v]`, '-map', '[v]', '-map', '0:a', '-map_chapters', '-1',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', episodeFile]),
      ),
      makeClips(commercialsDir, [{ name: 'Red Cola.mp4', seconds: 3, picture: 'red', rate: 10 }]),
    ]);
    const episode: FakeMediaItem = {
      kind: 'episode',
      library: '1',
      show: 'Night Shift',
      season: 2,
      episode: 3,
      title: 'The Heist',
      overview: 'The crew plans & pulls off the heist of the century.',
      showOverview: 'A hospital after dark.',
      genres: ['Drama', 'Crime'],
      rating: 'TV-14',
      year: 1991,
      airDate: '1991-10-04',
      guids: { tvdb: '424242', imdb: 'tt0424242' },
      chapters: ACTS.map((act, i) => ({ title: `Act ${i + 1}`, startMs: act.startMs, endMs: act.endMs })),
      markers: [],
      durationMs: EPISODE_MS,
      file: episodeFile,
    };
    plex = await startFakePlex({ token, friendlyName: 'Den Plex', libraries: [{ id: '1', name: 'TV Shows', type: 'shows' }], items: [episode] });
    server = await startServer({
      ...testConfig({ media: [path.join(work, 'library')], dataDir: path.join(work, 'data'), streaming: { mode: 'schedule' } }),
      guide: { days: 0.25, history_hours: 0 },
    } as ReturnType<typeof testConfig>);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await plex?.stop();
  });

  it('imports the episode with the server\'s chapters (the file has none)', async () => {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_chapters', '-of', 'json', plex.items()[0]!.file]);
    expect(JSON.parse(stdout).chapters).toEqual([]);
    const added = await call('POST', '/api/library/sources', { type: 'plex', url: plex.url, token, libraries: ['1'] });
    expect(added.status).toBe(201);
    const done = await waitFor('plex-1 synced', async () => {
      const { body } = await call('GET', '/api/library/sources/plex-1/sync');
      if (body.state === 'failed') throw new Error(`sync failed: ${body.error}`);
      return body.state === 'ok' ? body : undefined;
    }, 30_000, 200);
    expect(done).toMatchObject({ added: 1, missing: 0 });
    const library = await waitFor('the episode and the commercial in the library', async () => {
      const { body } = await call('GET', '/api/media?limit=100');
      const items = (body?.items ?? []) as Array<{ id: number; title: string; kind: string; show?: string }>;
      const found = items.find((i) => i.title === 'The Heist');
      return found && items.some((i) => i.kind === 'commercial') ? found : undefined;
    }, 30_000, 250);
    expect(library).toMatchObject({ kind: 'episode', show: 'Night Shift' });
    episodeId = library.id;
    const chapters = (await call('GET', `/api/media/${episodeId}/chapters`)).body.chapters.map((c: { timestampMs: number }) => c.timestampMs);
    expect(chapters).toEqual([0, 5_000, 25_000]);
  });

  it('the timeline splits every airing of it exactly at the imported chapter marks, a commercial opening each break', async () => {
    // One-minute blocks from a few minutes ago to three hours on, in UTC, so every full minute airs the episode once.
    const first = DateTime.utc().startOf('minute').minus({ minutes: 5 });
    const blocks = Array.from({ length: 180 }, (_, i) => {
      const at = first.plus({ minutes: i });
      return { name: `Night Shift ${at.toFormat('HH:mm')}`, start: at.toFormat('HH:mm'), minutes: 1, content: { type: 'show', show: 'Night Shift' } };
    });
    const created = await call('POST', '/api/channels', { number: 2, name: 'Imports', call_sign: 'IMP', time_zone: 'UTC', schedule: { blocks } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const now = Date.now();
    const to = now + 5 * 60_000;
    const airings = await timeline(now, to);
    // Whole minutes inside the window (the first block, compiled from "now", is cut short).
    const starts = minuteStarts(airings).filter((minute) => minute + 60_000 <= to);
    expect(starts.length).toBeGreaterThanOrEqual(4);
    for (const minute of starts) {
      const inMinute = airings.filter((a) => Date.parse(a.start) >= minute && Date.parse(a.start) < minute + 60_000);
      const programme = inMinute.filter((a) => a.kind === 'program');
      // The episode in three pieces, cut at the server's marks, each where its act starts on the wall clock.
      expect(programme.map((a) => [a.mediaId, a.inPointMs, a.outPointMs, Date.parse(a.start) - minute])).toEqual(
        ACTS.map((act, i) => [episodeId, act.startMs, act.endMs, act.startMs + i * BREAK_MS]),
      );
      expect(programme.every((a) => a.program?.title === 'Night Shift')).toBe(true);
      // Between the pieces and after the last, a break of 6 s opening with the commercial.
      for (let i = 0; i < ACTS.length; i += 1) {
        const breakStart = minute + ACTS[i]!.endMs + i * BREAK_MS;
        const inBreak = inMinute.filter((a) => Date.parse(a.start) >= breakStart && Date.parse(a.end) <= breakStart + BREAK_MS);
        expect(inBreak[0], `break ${i + 1} at ${new Date(breakStart).toISOString()}`).toMatchObject({ kind: 'commercial', title: 'Red Cola', start: new Date(breakStart).toISOString() });
        expect(Date.parse(inBreak.at(-1)!.end)).toBe(breakStart + BREAK_MS);
        expect(inBreak.every((a) => a.kind !== 'program')).toBe(true);
      }
    }
  });

  it('real frames: the act before the mark, the red commercial from the mark, the next act after the break', async () => {
    // The first chapter mark far enough ahead for the cold channel to be on the air by then: where
    // a piece of the episode ends at a mark and a break follows (the first, cut-short block may have none).
    await fetchPlaylist(url('/channel/2.m3u8'));
    const tunedAt = Date.now();
    const airings = await timeline(tunedAt, tunedAt + 3 * 60_000);
    const pieceAt = airings.findIndex((a, i) =>
      a.kind === 'program' && a.mediaId === episodeId && Date.parse(a.end) >= tunedAt + 6_000 &&
      CHAPTER_MARKS.includes(a.outPointMs) && airings[i + 1]?.kind === 'commercial');
    expect(pieceAt).toBeGreaterThanOrEqual(0);
    const act = ACTS.findIndex((x) => x.endMs === airings[pieceAt]!.outPointMs) + 1;
    const mark = { act, atMs: Date.parse(airings[pieceAt]!.end) };
    const nextPiece = airings.slice(pieceAt + 1).find((a) => a.kind === 'program')!;
    expect(nextPiece).toMatchObject({ mediaId: episodeId, inPointMs: airings[pieceAt]!.outPointMs });
    const nextActAt = Date.parse(nextPiece.start);
    const windowFrom = mark.atMs - 2_000;
    const windowTo = nextActAt + 2_000;
    const windowAirings = airings.filter((a) => Date.parse(a.end) > windowFrom && Date.parse(a.start) < windowTo);

    // Watch the live playlist as a player does until segments cover the window; fetch each once.
    const segments = new Map<number, { segment: ParsedSegment; file: string }>();
    const covered = () => [...segments.values()].some(({ segment }) => segment.programDateTime! + segment.duration * 1000 >= windowTo);
    const deadline = windowTo + 30_000;
    while (!covered() && Date.now() < deadline) {
      const { playlist } = await fetchPlaylist(url('/channel/2.m3u8'));
      for (const segment of playlist.segments) {
        if (segments.has(segment.sequence) || segment.programDateTime === undefined) continue;
        if (segment.programDateTime + segment.duration * 1000 < windowFrom) continue;
        const data = await (await fetch(url(`/channel/${segment.uri}`))).arrayBuffer();
        segments.set(segment.sequence, { segment, file: await saveTo(path.join(work, `segment-${segment.sequence}.ts`), data) });
      }
      await sleep(500);
    }
    expect(covered(), 'segments up to two seconds into the act after the break').toBe(true);

    // Every decoded frame of the window, on the wall clock: its segment's PROGRAM-DATE-TIME plus its offset in the segment.
    const frames: Array<{ atMs: number; colour: string }> = [];
    for (const { segment, file } of [...segments.values()].sort((a, b) => a.segment.sequence - b.segment.sequence)) {
      const decoded = await frameColours(file);
      if (decoded.length === 0) continue;
      const firstPts = decoded[0]!.pts;
      for (const frame of decoded) frames.push({ atMs: segment.programDateTime! + (frame.pts - firstPts) * 1000, colour: colourName(frame.rgb) });
    }
    const framesBetween = (fromMs: number, toMs: number) => frames.filter((f) => f.atMs >= fromMs && f.atMs < toMs);
    const listed = (list: typeof frames) => list.map((f) => `${new Date(f.atMs).toISOString().slice(17, 23)} ${f.colour}`).join(', ');
    const before = ACTS[mark.act - 1]!.colour;
    const after = ACTS[mark.act]!.colour;

    // The second before the mark is the act before it; from the mark (give or take a frame at 10 fps) the commercial.
    const lastSecond = framesBetween(mark.atMs - 1_000, mark.atMs - 150);
    expect(lastSecond.length).toBeGreaterThanOrEqual(5);
    expect(lastSecond.every((f) => f.colour === before), listed(lastSecond)).toBe(true);
    const breakOpens = framesBetween(mark.atMs + 150, mark.atMs + 1_000);
    expect(breakOpens.length).toBeGreaterThanOrEqual(5);
    expect(breakOpens.every((f) => f.colour === 'red'), listed(breakOpens)).toBe(true);
    // The break ends where the timeline says, and the next act follows it.
    const nextAct = framesBetween(nextActAt + 150, nextActAt + 1_500);
    expect(nextAct.length).toBeGreaterThanOrEqual(8);
    expect(nextAct.every((f) => f.colour === after), listed(nextAct)).toBe(true);
    // And every airing in the window shows its own picture throughout (a frame's grace at each edge).
    const expected = (a: TimelineAiring) => (a.kind === 'program' ? ACTS.find((act) => act.startMs === a.inPointMs)!.colour : a.kind === 'commercial' ? 'red' : a.kind === 'slate' ? 'slate' : a.kind);
    for (const airing of windowAirings) {
      const inside = framesBetween(Math.max(windowFrom, Date.parse(airing.start) + 150), Math.min(windowTo, Date.parse(airing.end) - 150));
      expect(inside.every((f) => f.colour === expected(airing)), `${airing.kind} ${airing.title} ${airing.start}–${airing.end}: ${listed(inside)}`).toBe(true);
    }
  }, 120_000);

  it('the XMLTV guide has the programme with the server\'s title, episode title, description, genres and rating (DTD-valid)', async () => {
    const response = await fetch(url('/xmltv.xml'));
    expect(response.status).toBe(200);
    const xml = await response.text();
    const file = path.join(work, 'guide.xml');
    await writeFile(file, xml);
    await run('xmllint', ['--noout', '--dtdvalid', DTD, file]);
    const programmes = [...xml.matchAll(/<programme start="([^"]+)" stop="([^"]+)" channel="2\.retrovue">([\s\S]*?)<\/programme>/g)].map((m) => ({
      startMs: DateTime.fromFormat(m[1]!, 'yyyyLLddHHmmss ZZZ').toMillis(),
      stopMs: DateTime.fromFormat(m[2]!, 'yyyyLLddHHmmss ZZZ').toMillis(),
      body: m[3]!,
    }));
    // A full minute's programme: the episode with its three breaks folded in.
    const whole = programmes.filter((p) => p.startMs % 60_000 === 0 && p.stopMs - p.startMs === 60_000 && p.body.includes('Night Shift'));
    expect(whole.length).toBeGreaterThan(3);
    const programme = whole[0]!.body;
    expect(programme).toContain('<title lang="en">Night Shift</title>');
    expect(programme).toContain('<sub-title lang="en">The Heist</sub-title>');
    expect(programme).toContain('<desc lang="en">The crew plans &amp; pulls off the heist of the century.</desc>');
    expect([...programme.matchAll(/<category lang="en">([^<]*)<\/category>/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['Drama', 'Crime']));
    expect(programme).toContain('<episode-num system="onscreen">S02E03</episode-num>');
    expect(programme).toMatch(/<rating system="VCHIP">\s*<value>TV-14<\/value>\s*<\/rating>/);
  });
});
