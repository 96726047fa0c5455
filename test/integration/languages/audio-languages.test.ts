import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamFor, streamFacts } from '../../helpers/hls.js';
import { startServer, tempDir, testConfig, type RunningServer } from '../../helpers/server.js';

const run = promisify(execFile);

/**
 * A channel with two audio language slots (issue 22), on the `.ts` path Plex, Emby and TVs use:
 * every airing carries both slots as separate audio PIDs with ISO 639 language descriptors, in
 * the channel's order; a film with both languages fills each slot with its own track, a file in
 * one language fills the other slot with its sound (never silence), a silent file with silence.
 */
let server: RunningServer;
let media: string;

/** A clip with one tone per audio track, each tagged with a language (first track the default). */
async function clip(file: string, seconds: number, tracks: Array<{ hz: number; language: string }>): Promise<void> {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=160x90:rate=25:duration=${seconds}`];
  for (const t of tracks) args.push('-f', 'lavfi', '-i', `sine=frequency=${t.hz}:duration=${seconds}`);
  args.push('-map', '0:v', ...tracks.flatMap((_, i) => ['-map', `${i + 1}:a`]));
  tracks.forEach((t, i) => args.push(`-metadata:s:a:${i}`, `language=${t.language}`));
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', file);
  await run('ffmpeg', args);
}

const TONES = [300, 440, 880];
const RATE = 8000;
const WINDOW = RATE / 4;

/**
 * Which of the test tones each quarter second of audio stream k carries (Goertzel power at each
 * against the window's energy): the tone, 0 for silence, -1 for a mix (a window across a boundary).
 */
async function tonesOf(file: string, k: number): Promise<number[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', `0:a:${k}`, '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  const labels: number[] = [];
  for (let at = 0; at + WINDOW <= samples.length; at += WINDOW) {
    let energy = 0;
    for (let i = at; i < at + WINDOW; i += 1) energy += samples[i]! ** 2;
    if (energy / WINDOW < 100 ** 2) {
      labels.push(0);
      continue;
    }
    const share = TONES.map((hz) => {
      const coefficient = 2 * Math.cos((2 * Math.PI * hz) / RATE);
      let [s1, s2] = [0, 0];
      for (let i = at; i < at + WINDOW; i += 1) [s1, s2] = [samples[i]! + coefficient * s1 - s2, s1];
      // Power of a pure tone is about (N/2)^2 A^2 / 4 ... against energy N A^2 / 2: normalised to ~1.
      return ((s1 * s1 + s2 * s2 - coefficient * s1 * s2) * 2) / (WINDOW * energy);
    });
    const best = share.indexOf(Math.max(...share));
    labels.push(share[best]! > 0.8 ? TONES[best]! : -1);
  }
  return labels;
}

beforeAll(async () => {
  media = tempDir('languages-media');
  // Loop mode airs them in name order: both languages, English only, silence.
  await clip(path.join(media, 'a-film.mkv'), 4, [{ hz: 440, language: 'eng' }, { hz: 880, language: 'jpn' }]);
  await clip(path.join(media, 'b-english.mp4'), 3, [{ hz: 300, language: 'eng' }]);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'smptebars=size=160x90:rate=25:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', path.join(media, 'c-silent.mp4')]);
  const config = { ...testConfig({ media: [media], dataDir: tempDir('languages-data') }), languages: { audio: ['jpn', 'eng'] } };
  server = await startServer(config);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('audio language slots on /channel/N.ts', () => {
  it('carries one audio PID per slot with its language, each airing filling the slots from its own tracks', async () => {
    // Two passes of the 10 s loop would be more than a test needs: 11 s covers every airing once.
    const { data } = await readStreamFor(`${server.baseUrl}/channel/1.ts`, 11_000);
    const file = path.join(tempDir('languages-capture'), 'channel.ts');
    await writeFile(file, data);
    const { streams } = await streamFacts(file);
    expect(streams.map((s) => s.codec_type)).toEqual(['video', 'audio', 'audio']);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=index:stream_tags=language', '-of', 'json', file]);
    const tagged = (JSON.parse(stdout) as { streams: Array<{ tags?: { language?: string } }> }).streams.map((s) => s.tags?.language);
    expect(tagged).toEqual(['jpn', 'eng']);

    const [japanese, english] = [await tonesOf(file, 0), await tonesOf(file, 1)];
    const pairs = japanese.map((hz, i) => `${hz}/${english[i]}`);
    // The film: its Japanese track (880 Hz) in slot 1 and English (440 Hz) in slot 2, though the file lists English first.
    expect(pairs).toContain('880/440');
    // The English-only file: its one track fills the Japanese slot too (never silence).
    expect(pairs).toContain('300/300');
    // The silent file: silence in both.
    expect(pairs).toContain('0/0');
    // The film's English never in the Japanese slot, nor its Japanese in the English one.
    expect(japanese).not.toContain(440);
    expect(english).not.toContain(880);
  }, 40_000);

  it('the timeline says what fills each slot on each programme, and when the file\'s default track stands in', async () => {
    const { airings } = await (await fetch(`${server.baseUrl}/api/channels/1/timeline`)).json() as { airings: Array<{ title: string; audio?: unknown }> };
    const slotsOf = (title: string) => airings.find((a) => a.title === title)?.audio;
    expect(slotsOf('a-film')).toEqual([{ slot: 'jpn', heard: 'jpn', fallback: false }, { slot: 'eng', heard: 'eng', fallback: false }]);
    expect(slotsOf('b-english')).toEqual([{ slot: 'jpn', heard: 'eng', fallback: true }, { slot: 'eng', heard: 'eng', fallback: false }]);
    expect(slotsOf('c-silent')).toEqual([{ slot: 'jpn', fallback: true }, { slot: 'eng', fallback: true }]);
  });

  it('GET/PUT /api/channels/1/languages: readable names, a bad code refused naming the field, a change stored in ISO 639-2/B', async () => {
    const url = `${server.baseUrl}/api/channels/1/languages`;
    const before = await (await fetch(url)).json() as { own: unknown; effective: { audio: Array<{ code: string; name: string }> } };
    expect(before.own).toEqual({});
    expect(before.effective.audio).toEqual([{ code: 'jpn', name: 'Japanese' }, { code: 'eng', name: 'English' }]);

    const put = (body: unknown) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused = await put({ audio: ['Klingon'] });
    expect(refused.status).toBe(400);
    const problem = await refused.json() as { field?: string; message: string };
    expect(problem.message).toContain('"Klingon" is not an ISO 639 language code');
    expect(problem.field).toMatch(/audio\.0$/);
    expect((await (await fetch(url)).json() as { own: unknown }).own).toEqual({});

    const changed = await put({ audio: ['en'], subtitle_mode: 'on' });
    expect(changed.status).toBe(200);
    const after = await changed.json() as { own: unknown; effective: { audio: unknown; subtitle_mode: string } };
    expect(after.own).toEqual({ audio: ['eng'], subtitle_mode: 'on' });
    expect(after.effective.audio).toEqual([{ code: 'eng', name: 'English' }]);
    expect(((await (await fetch(`${server.baseUrl}/api/channels/1`)).json()) as { languages?: unknown }).languages).toEqual({ audio: ['eng'], subtitle_mode: 'on' });
  });
});
