import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../src/bench/watchers.js';
import { masterPlaylistErrors } from '../../helpers/hls-validator.js';
import { parsePlaylist, readStreamFor } from '../../helpers/hls.js';
import { makeLanguageStation, parseSrt, TONES, toneRuns, type SourceCue, type StationFile } from '../../helpers/language-media.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * Issue 22 end to end, as viewers see it: one loop channel with two audio languages (Japanese
 * first), English subtitles shown by default and captions in the video, airing a film with a
 * sidecar `.srt` and two audio tracks, a commercial (a break: no cue may show), a show with an
 * embedded mov_text track, a PGS-only file and a file with no subtitles.
 *
 *  - HLS: the master playlist is valid RFC 8216 with both audio renditions, the subtitles and
 *    CC1; every rendition answers; WebVTT and audio-only segments are what they claim.
 *  - hls.js in Chromium on a page from another origin lists the tracks, switches audio without a
 *    stall, and shows each cue within 100 ms of where its file puts it (the timeline's airing
 *    start + the cue's time in the file), mapped to the player's clock through its own fragments'
 *    EXT-X-PROGRAM-DATE-TIME, across airing boundaries and a break.
 *  - `/channel/1.ts`: both audio PIDs tagged, and ffmpeg's own CEA-608 decoder reads back the
 *    cue texts in order within 200 ms. The capture's clock is tied to the wall clock by what it
 *    sounds like (each file has its own tone, so airing starts are heard to 10 ms), not by
 *    anything the server says about itself.
 */

let server: RunningServer;
let browser: Browser;
let files: StationFile[];
let work: string;

interface ApiAiring {
  title: string;
  kind: string;
  start: string;
  end: string;
  mediaPath: string;
  inPointMs: number;
}
interface Airing {
  title: string;
  kind: string;
  startMs: number;
  endMs: number;
  /** Where in its file the airing starts. */
  inPointMs: number;
  file: StationFile;
}
/** A cue where the timeline puts it on the wall clock. */
interface WallCue {
  startMs: number;
  endMs: number;
  text: string;
  airing: Airing;
}

/** The channel's airings around the test (loop mode: fixed once the channel exists). */
let airings: Airing[];

const ENGLISH_TONE_OF: Record<string, number> = { 'a-film': TONES.film, ad: TONES.ad, 'c-show': TONES.show, 'd-pgs': TONES.pgs, 'e-plain': TONES.plain };

/** Every cue of the timeline's programme airings overlapping [fromMs, toMs), placed as the subtitle timeline places them. */
function expectedCues(fromMs: number, toMs: number): WallCue[] {
  return airings
    .filter((a) => a.kind === 'program')
    .flatMap((airing) =>
      airing.file.cues.map((cue: SourceCue) => ({
        startMs: Math.max(airing.startMs, airing.startMs + cue.startSeconds * 1000 - airing.inPointMs),
        endMs: Math.min(airing.endMs, airing.startMs + cue.endSeconds * 1000 - airing.inPointMs),
        text: cue.text,
        airing,
      })),
    )
    .filter((c) => c.endMs > c.startMs && c.startMs < toMs && c.endMs > fromMs)
    .sort((a, b) => a.startMs - b.startMs);
}

const breaksBetween = (fromMs: number, toMs: number) => airings.filter((a) => a.kind === 'commercial' && a.startMs < toMs && a.endMs > fromMs);

const url = (p: string) => `${server.baseUrl}${p}`;

beforeAll(async () => {
  work = tempDir('languages-hls');
  const root = path.join(work, 'media');
  const station = await makeLanguageStation(root);
  files = station.files;
  const base = testConfig({ media: [root], dataDir: path.join(work, 'data'), streaming: { channels: 1 } });
  const config = {
    ...base,
    library: { ...base.library, folders: [{ path: station.commercialFolder, kind: 'commercial' }] },
    languages: { audio: ['jpn', 'eng'], subtitles: ['eng'], subtitle_mode: 'on', captions: true },
  };
  [server, browser] = await Promise.all([startServer(config), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })]);
  const now = Date.now();
  const timeline = (await (await fetch(url(`/api/channels/1/timeline?from=${now - 60_000}&to=${now + 120_000}`))).json()) as { airings: ApiAiring[] };
  airings = timeline.airings.map((a) => ({
    title: a.title,
    kind: a.kind,
    startMs: Date.parse(a.start),
    endMs: Date.parse(a.end),
    inPointMs: a.inPointMs,
    file: files.find((f) => a.mediaPath.endsWith(`/${f.name}`))!,
  }));
  expect(airings.map((a) => `${a.title}:${a.kind}`).slice(0, 5).sort()).toEqual(['a-film:program', 'ad:commercial', 'c-show:program', 'd-pgs:program', 'e-plain:program']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.concurrent('languages on HLS and MPEG-TS (issue 22)', () => {
  it('serves a valid master playlist with both audio languages, English subtitles and CC1, every rendition answering', async () => {
    const response = await fetch(url('/channel/1.m3u8'));
    expect(response.status).toBe(200);
    const master = await response.text();
    expect(masterPlaylistErrors(master)).toEqual([]);
    const media = master
      .split('\n')
      .filter((l) => l.startsWith('#EXT-X-MEDIA:'))
      .map((l) => Object.fromEntries([...l.slice(13).matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')])));
    const audio = media.filter((m) => m.TYPE === 'AUDIO');
    expect(audio.map((m) => [m.LANGUAGE, m.DEFAULT])).toEqual([['ja', 'YES'], ['en', 'NO']]);
    const subtitles = media.filter((m) => m.TYPE === 'SUBTITLES');
    expect(subtitles.map((m) => [m.LANGUAGE, m.DEFAULT])).toEqual([['en', 'YES']]);
    expect(media.filter((m) => m.TYPE === 'CLOSED-CAPTIONS').map((m) => [m.LANGUAGE, m['INSTREAM-ID']])).toEqual([['en', 'CC1']]);
    expect(master).toMatch(/#EXT-X-STREAM-INF:.*AUDIO="[^"]+".*SUBTITLES="[^"]+".*CLOSED-CAPTIONS="[^"]+"/);

    // Every rendition's playlist and the variant's answer; each lists the same segments (siblings).
    const variant = master.split('\n').find((l) => l && !l.startsWith('#'))!;
    const uris = [variant, ...media.filter((m) => m.URI).map((m) => m.URI!)].map((u) => new URL(u, url('/channel/1.m3u8')).toString());
    const lists = await Promise.all(uris.map(async (u) => ({ u, response: await fetch(u) })));
    for (const { u, response: r } of lists) expect(r.status, u).toBe(200);
    const [video, japanese, english, vtt] = await Promise.all(lists.map(async ({ u, response: r }) => ({ u, playlist: parsePlaylist(await r.text()) })));
    expect(video!.playlist.segments.length).toBeGreaterThan(0);

    // WebVTT: the header and the timestamp map in every segment; the cue lines parse.
    const vttSegments = vtt!.playlist.segments.slice(-3);
    for (const s of vttSegments) {
      const r = await fetch(new URL(s.uri, vtt!.u));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/vtt/);
      const body = await r.text();
      expect(body.split('\n')[0]).toBe('WEBVTT');
      expect(body.split('\n')[1]).toMatch(/^X-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:\d{2,}:\d{2}:\d{2}\.\d{3}$/);
      for (const line of body.split('\n').filter((l) => l.includes('-->'))) expect(line).toMatch(/^\d{2,}:\d{2}:\d{2}\.\d{3} --> \d{2,}:\d{2}:\d{2}\.\d{3}$/);
    }

    // Audio-only segments: one audio stream, in the slot's language.
    for (const [list, language] of [[japanese!, 'jpn'], [english!, 'eng']] as const) {
      const segment = list.playlist.segments.at(-1)!;
      const r = await fetch(new URL(segment.uri, list.u));
      expect(r.status).toBe(200);
      const file = path.join(work, `audio-${language}.ts`);
      await writeFile(file, Buffer.from(await r.arrayBuffer()));
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:stream_tags=language', '-of', 'json', file]);
      const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; tags?: { language?: string } }> }).streams;
      expect(streams.map((s) => [s.codec_type, s.codec_name, s.tags?.language])).toEqual([['audio', 'aac', language]]);
    }
  });

  it('hls.js on another origin: lists the tracks, switches audio without a stall, shows every cue on time, none in the break', async () => {
    const page = `<!doctype html><body style="margin:0;background:#000"><video id="v" muted autoplay playsinline width="640" height="360"></video>
<script src="${server.baseUrl}/vendor/hls.min.js"></script>
<script>
  const s = window.s = { frags: {}, waiting: 0, stalls: 0, fatal: [], switchedAt: null, audioSwitched: [], audioFrags: [], cues: {} };
  const v = document.getElementById('v');
  const hls = window.hls = new Hls({ liveSyncDurationCount: 2 });
  hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => {
    if (d.frag.type === 'main') s.frags[d.frag.sn] = { start: d.frag.start, duration: d.frag.duration, pdt: d.frag.programDateTime };
    if (d.frag.type === 'audio') s.audioFrags.push(d.frag.url);
  });
  hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (_e, d) => s.audioSwitched.push(d.id));
  hls.on(Hls.Events.ERROR, (_e, d) => {
    if (d.details === 'bufferStalledError') { if (s.switchedAt !== null) s.stalls++; }
    else if (d.fatal) s.fatal.push(d.details);
  });
  v.addEventListener('waiting', () => { if (s.switchedAt !== null) s.waiting++; });
  // hls.js removes cues behind the back buffer: keep every cue seen, by track kind.
  setInterval(() => {
    for (const track of v.textTracks) for (const cue of track.cues || []) {
      s.cues[track.kind + '|' + cue.startTime.toFixed(3) + '|' + cue.text] = { kind: track.kind, start: cue.startTime, end: cue.endTime, text: cue.text };
    }
  }, 100);
  hls.loadSource(${JSON.stringify(url('/channel/1.m3u8'))});
  hls.attachMedia(v);
</script>`;
    const origin = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const tab = await browser.newPage();
    try {
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      await tab.goto(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/`);
      // Tracks as hls.js lists them from the master playlist.
      const tracks = await (
        await tab.waitForFunction(() => {
          const hls = (window as unknown as { hls: { audioTracks: Array<{ lang: string; name: string }>; subtitleTracks: Array<{ lang: string }>; audioTrack: number; subtitleTrack: number } }).hls;
          const v = document.getElementById('v') as HTMLVideoElement;
          return hls.audioTracks.length > 0 && v.currentTime > 0.5
            ? { audio: hls.audioTracks.map((t) => t.lang), subtitles: hls.subtitleTracks.map((t) => t.lang), audioTrack: hls.audioTrack, subtitleTrack: hls.subtitleTrack }
            : false;
        }, undefined, { timeout: 20_000, polling: 100 })
      ).jsonValue();
      expect(tracks).toEqual({ audio: ['ja', 'en'], subtitles: ['en'], audioTrack: 0, subtitleTrack: 0 });

      type State = { frags: Record<string, { start: number; duration: number; pdt: number }>; waiting: number; stalls: number; fatal: string[]; audioSwitched: number[]; audioFrags: string[]; cues: Record<string, { kind: string; start: number; end: number; text: string }> };
      const state = () => tab.evaluate(() => ({ s: (window as unknown as { s: State }).s, t: (document.getElementById('v') as HTMLVideoElement).currentTime }));
      /** The player's clock to the wall clock and back, through the fragments hls.js buffered (their PTS-based start and PROGRAM-DATE-TIME). */
      const toWall = (frags: State['frags'], t: number) => {
        const f = Object.values(frags).find((x) => t >= x.start - 0.001 && t < x.start + x.duration);
        return f ? f.pdt + (t - f.start) * 1000 : undefined;
      };
      const toMedia = (frags: State['frags'], wallMs: number) => {
        const f = Object.values(frags).find((x) => wallMs >= x.pdt - 1 && wallMs < x.pdt + x.duration * 1000);
        return f ? f.start + (wallMs - f.pdt) / 1000 : undefined;
      };

      // Switch to English while playing; from here on the picture must not stop.
      const before = await state();
      const startWall = toWall(before.s.frags, before.t)!;
      expect(startWall).toBeDefined();
      const switchedAt = Date.now();
      await tab.evaluate(() => {
        const w = window as unknown as { hls: { audioTrack: number }; s: { switchedAt: number } };
        w.s.switchedAt = performance.now();
        w.hls.audioTrack = 1;
      });

      // Play on until a film with cues, a break and a show with cues have gone by (three boundaries).
      const covered = (playWall: number) =>
        airings.some((a, i) => a.title === 'a-film' && airings[i + 1]?.kind === 'commercial' && airings[i + 2]?.title === 'c-show' && a.startMs + 2_700 >= startWall && airings[i + 2]!.endMs + 300 <= playWall);
      let last = before;
      for (let waited = 0; waited < 40_000; waited += 250) {
        last = await state();
        const playWall = toWall(last.s.frags, last.t);
        if (playWall !== undefined && covered(playWall)) break;
        await tab.waitForTimeout(250);
      }
      const endWall = toWall(last.s.frags, last.t)!;
      expect(covered(endWall), `played ${startWall} → ${endWall}`).toBe(true);

      // Audio: switched to English, fetched from the English rendition, and no stall since.
      const elapsed = (Date.now() - switchedAt) / 1000;
      expect(last.s.audioSwitched).toContain(1);
      expect(last.s.audioFrags.some((u) => u.includes('.aud-1.ts'))).toBe(true);
      expect(last.s.fatal).toEqual([]);
      expect({ waiting: last.s.waiting, stalls: last.s.stalls }).toEqual({ waiting: 0, stalls: 0 });
      expect(last.t - before.t).toBeGreaterThan(elapsed - 1);

      // Every cue the timeline places between the start and the end of play, within 100 ms.
      const seen = Object.values(last.s.cues).filter((c) => c.kind === 'subtitles');
      const wanted = expectedCues(startWall + 200, endWall - 1_000);
      const report: string[] = [];
      const errors: number[] = [];
      for (const cue of wanted) {
        const at = toMedia(last.s.frags, cue.startMs);
        const until = toMedia(last.s.frags, cue.endMs - 1);
        if (at === undefined || until === undefined) continue; // before the first buffered fragment
        const match = seen.filter((c) => c.text === cue.text).sort((x, y) => Math.abs(x.start - at) - Math.abs(y.start - at))[0];
        if (!match) {
          report.push(`missing "${cue.text}" at ${at.toFixed(3)}`);
          continue;
        }
        errors.push(match.start - at, match.end - until);
        report.push(`"${cue.text}" (${cue.airing.title}) start ${((match.start - at) * 1000).toFixed(0)} ms, end ${((match.end - until) * 1000).toFixed(0)} ms`);
      }
      const captions = Object.values(last.s.cues).filter((c) => c.kind === 'captions');
      console.log(`hls.js subtitle cues vs source (${elapsed.toFixed(1)} s after the audio switch, ${last.s.waiting} waiting, ${last.s.stalls} stalls; ${captions.length} CEA-608 cues parsed by hls.js too):\n  ${report.join('\n  ')}`);
      expect(report.filter((r) => r.startsWith('missing'))).toEqual([]);
      expect(wanted.length).toBeGreaterThanOrEqual(5);
      expect(new Set(wanted.map((c) => c.airing.title))).toEqual(new Set(['a-film', 'c-show']));
      expect(Math.max(...errors.map(Math.abs))).toBeLessThanOrEqual(0.1);

      // The break shows no cue, and nothing shows that no file says.
      let breaksWatched = 0;
      for (const span of breaksBetween(startWall, endWall)) {
        const [from, to] = [toMedia(last.s.frags, span.startMs), toMedia(last.s.frags, span.endMs - 1)];
        if (from === undefined || to === undefined) continue;
        breaksWatched += 1;
        expect(seen.filter((c) => c.start < to - 0.05 && c.end > from + 0.05), `cues during the break at ${from}`).toEqual([]);
      }
      expect(breaksWatched).toBeGreaterThanOrEqual(1);
      const texts = new Set(files.flatMap((f) => f.cues.map((c) => c.text)));
      expect(seen.filter((c) => !texts.has(c.text))).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await tab.close();
      origin.close();
    }
  });

  it('/channel/1.ts: two tagged audio PIDs, and CEA-608 captions ffmpeg reads back in order within 200 ms', async () => {
    const captureStart = Date.now();
    const { data } = await readStreamFor(url('/channel/1.ts'), 19_000);
    const file = path.join(work, 'capture.ts');
    await writeFile(file, data);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,start_time:stream_tags=language', '-of', 'json', file]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; start_time: string; tags?: { language?: string } }> }).streams;
    expect(streams.map((s) => [s.codec_type, s.tags?.language])).toEqual([['video', undefined], ['audio', 'jpn'], ['audio', 'eng']]);
    const videoStart = Number(streams[0]!.start_time);

    // The capture's clock against the wall clock, from what it sounds like: each airing start is
    // where the English slot's tone changes to the next file's.
    const runs = await toneRuns(file, 1, Object.values(ENGLISH_TONE_OF));
    const starts: Array<{ pts: number; title: string }> = [];
    for (let i = 1; i < runs.length; i++) {
      const [before, after] = [runs[i - 1]!, runs[i]!];
      if (before.hz === after.hz || after.from - before.to > 0.05) continue;
      starts.push({ pts: (before.to + after.from) / 2, title: Object.entries(ENGLISH_TONE_OF).find(([, hz]) => hz === after.hz)![0] });
    }
    expect(starts.length).toBeGreaterThanOrEqual(3);
    // Pair each heard start with the timeline's airing of that title nearest the capture's rough
    // clock (a .ts viewer gets the picture of about now; a title comes back every 14 s).
    const guess = captureStart + (starts[0]!.pts - videoStart) * 1000;
    const first = airings.filter((a) => a.title === starts[0]!.title).sort((x, y) => Math.abs(x.startMs - guess) - Math.abs(y.startMs - guess))[0]!;
    const rough = starts[0]!.pts - first.startMs / 1000;
    const offsets = starts.map((s) => {
      const airing = airings.filter((a) => a.title === s.title).sort((x, y) => Math.abs(x.startMs / 1000 + rough - s.pts) - Math.abs(y.startMs / 1000 + rough - s.pts))[0]!;
      return s.pts - airing.startMs / 1000;
    });
    const offset = [...offsets].sort((a, b) => a - b)[Math.floor(offsets.length / 2)]!;
    // Every airing starts where the timeline says, to a frame or two.
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeLessThan(0.08);

    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'movie=capture.ts[out0+subcc]', '-map', '0:s', '-f', 'srt', 'capture.srt'], { cwd: work });
    // ffmpeg's SRT counts from the capture's first picture.
    const decoded = parseSrt(await readFile(path.join(work, 'capture.srt'), 'utf8')).map((c) => ({ ...c, startMs: (videoStart + c.startSeconds - offset) * 1000, endMs: (videoStart + c.endSeconds - offset) * 1000 }));
    const firstWall = (videoStart - offset) * 1000;
    const lastWall = firstWall + (runs.at(-1)!.to - videoStart) * 1000;
    // Every cue from the capture's start on (the channel starts with it: this test's requests are
    // its first viewers), in order. A cue loads in about 0.6 s of 608 pairs, so one starting less
    // than that after the stream itself is shown late by nature: timed from the first second on.
    const wanted = expectedCues(firstWall, lastWall - 1_500).filter((c) => c.startMs >= firstWall);
    const what = JSON.stringify({ decoded: decoded.map((c) => [c.text, Math.round(c.startMs - firstWall)]), wanted: wanted.map((c) => [c.text, Math.round(c.startMs - firstWall)]) });
    const matched = wanted.map((cue) => {
      const index = decoded.findIndex((c) => c.text === cue.text && Math.abs(c.startMs - cue.startMs) < 1_000);
      expect(index, `"${cue.text}" at ${Math.round(cue.startMs - firstWall)} ms into the capture: ${what}`).toBeGreaterThanOrEqual(0);
      return { cue, index, start: decoded[index]!.startMs - cue.startMs, end: decoded[index]!.endMs - cue.endMs };
    });
    // In order, and nothing shown in between that the files do not say then.
    expect(matched.map((m) => m.index)).toEqual(matched.map((m, i) => matched[0]!.index + i));
    console.log(`CEA-608 on /channel/1.ts vs source (capture clock from its sound; airing starts spread ${((Math.max(...offsets) - Math.min(...offsets)) * 1000).toFixed(0)} ms):\n  ${matched.map((m) => `"${m.cue.text}" ${((m.cue.startMs - firstWall) / 1000).toFixed(1)} s in: start ${m.start.toFixed(0)} ms, end ${m.end.toFixed(0)} ms`).join('\n  ')}`);
    expect(wanted.length).toBeGreaterThanOrEqual(6);
    for (const m of matched.filter((m) => m.cue.startMs >= firstWall + 1_000)) {
      expect(Math.abs(m.start), `start of "${m.cue.text}"`).toBeLessThanOrEqual(200);
      expect(Math.abs(m.end), `end of "${m.cue.text}"`).toBeLessThanOrEqual(200);
    }
    // What the HLS renditions say the clock is (a WebVTT segment's X-TIMESTAMP-MAP at its
    // PROGRAM-DATE-TIME, the mapping the hls.js check above relies on) is what the picture says.
    const subtitles = parsePlaylist(await (await fetch(url('/channel/1/sub-eng.m3u8'))).text()).segments.at(-1)!;
    const map = /MPEGTS:(\d+)/.exec(await (await fetch(url(`/channel/1/${subtitles.uri}`))).text())!;
    const claimed = Number(map[1]) / 90_000 - subtitles.programDateTime! / 1000;
    const wrap = 2 ** 33 / 90_000;
    const drift = ((((claimed - offset) % wrap) + wrap * 1.5) % wrap) - wrap / 2;
    console.log(`playlist clock (PROGRAM-DATE-TIME + X-TIMESTAMP-MAP) vs the capture's sound: ${(drift * 1000).toFixed(0)} ms`);
    expect(Math.abs(drift)).toBeLessThan(0.05);
    // No caption during a break.
    for (const span of breaksBetween(firstWall, lastWall)) expect(decoded.filter((c) => c.startMs < span.endMs - 50 && c.endMs > span.startMs + 50)).toEqual([]);
  });

  /** The README's picture: `RETROVUE_LANGUAGES_SCREENSHOT=docs/screenshots/languages-player.png` takes it. */
  it.skipIf(!process.env.RETROVUE_LANGUAGES_SCREENSHOT)('the web page: audio and subtitle menus, a cue on screen (screenshot)', async () => {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await tab.goto(url('/'));
      await tab.locator('#track-menus').waitFor({ state: 'visible', timeout: 20_000 });
      expect(await tab.locator('#audio-menu option').allTextContents()).toEqual(['Japanese', 'English']);
      expect(await tab.locator('#subtitle-menu option').allTextContents()).toEqual(['Off', 'English']);
      expect(await tab.locator('#subtitle-menu').inputValue()).toBe('0');
      // A cue on screen, well inside its time, then the picture.
      await tab.waitForFunction(() => {
        const video = document.querySelector('video')!;
        const track = [...video.textTracks].find((t) => t.kind === 'subtitles' && t.mode === 'showing');
        const cue = track?.activeCues?.[0];
        return cue !== undefined && video.currentTime > cue.startTime + 0.2 && video.currentTime < cue.endTime - 0.3;
      }, undefined, { timeout: 30_000, polling: 50 });
      await tab.screenshot({ path: process.env.RETROVUE_LANGUAGES_SCREENSHOT! });
    } finally {
      await tab.close();
    }
  });
});
