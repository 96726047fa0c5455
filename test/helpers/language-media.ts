import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pgsStream, srt } from './subtitle-media.js';

const run = promisify(execFile);
const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

/**
 * The tone of each file's sound (Hz), all different, so where one airing ends and the next begins
 * can be heard in a capture: the film's English track and its Japanese one, then one per file.
 */
export const TONES = { film: 440, filmJapanese: 880, ad: 300, show: 660, pgs: 550, plain: 770 } as const;

/** A cue as the source file places it (seconds into the file). */
export interface SourceCue {
  startSeconds: number;
  endSeconds: number;
  text: string;
}

/** A file of the languages station and what its subtitles say. */
export interface StationFile {
  /** Path relative to the station's root. */
  name: string;
  seconds: number;
  /** English cues a viewer should see (sidecar or embedded text); none for the others. */
  cues: SourceCue[];
}

const time = (s: number) => {
  const ms = Math.round(s * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(ms / 3_600_000))}:${two(Math.floor(ms / 60_000) % 60)}:${two(Math.floor(ms / 1000) % 60)},${String(ms % 1000).padStart(3, '0')}`;
};
const srtOf = (cues: SourceCue[]) => srt(...cues.map((c): [string, string, string] => [time(c.startSeconds), time(c.endSeconds), c.text]));

/**
 * A small station for issue 22's end-to-end checks, aired in loop mode in name order:
 *  - `a-film.mkv`: two audio tracks (English listed first, Japanese) and a sidecar `a-film.en.srt`;
 *  - `b-ads/ad.mp4`: a commercial (its folder is configured as kind commercial): a break, no cue may show;
 *  - `c-show.mp4`: an embedded mov_text English track;
 *  - `d-pgs.mkv`: a PGS picture track only (burn-in material, never soft subtitles);
 *  - `e-plain.mp4`: no subtitles at all.
 * Short clips, 160x90 at 25 fps, so a whole loop lasts a few seconds.
 */
export async function makeLanguageStation(root: string): Promise<{ files: StationFile[]; commercialFolder: string }> {
  const scratch = path.join(root, '..', 'scratch');
  await Promise.all([mkdir(path.join(root, 'b-ads'), { recursive: true }), mkdir(scratch, { recursive: true })]);
  const video = (seconds: number, source = 'testsrc2') => ['-f', 'lavfi', '-i', `${source}=size=160x90:rate=25:duration=${seconds}`];
  const tone = (seconds: number, hz: number) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000:duration=${seconds}`];
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p'];
  const filmCues: SourceCue[] = [
    { startSeconds: 0.4, endSeconds: 1.3, text: 'Good evening, viewers' },
    { startSeconds: 1.7, endSeconds: 2.6, text: 'Tonight: a film in two languages' },
    { startSeconds: 3.0, endSeconds: 3.8, text: 'Stay tuned after the break' },
  ];
  const showCues: SourceCue[] = [
    { startSeconds: 0.5, endSeconds: 1.4, text: 'Welcome back to the show' },
    { startSeconds: 1.8, endSeconds: 2.7, text: 'Embedded text, read by Retrovue' },
    { startSeconds: 3.0, endSeconds: 3.8, text: 'That is all for now' },
  ];
  const files: StationFile[] = [
    { name: 'a-film.mkv', seconds: 4, cues: filmCues },
    { name: 'b-ads/ad.mp4', seconds: 2, cues: [] },
    { name: 'c-show.mp4', seconds: 4, cues: showCues },
    { name: 'd-pgs.mkv', seconds: 2, cues: [] },
    { name: 'e-plain.mp4', seconds: 2, cues: [] },
  ];
  const at = (name: string) => path.join(root, name);
  const [film, ad, show, pgsFile, plain] = files.map((f) => f.seconds) as [number, number, number, number, number];
  const showSrt = path.join(scratch, 'show.srt');
  const pgs = path.join(scratch, 'pgs.sup');
  await Promise.all([writeFile(at('a-film.en.srt'), srtOf(filmCues)), writeFile(showSrt, srtOf(showCues)), writeFile(pgs, pgsStream())]);
  await Promise.all([
    ffmpeg([...video(film), ...tone(film, TONES.film), ...tone(film, TONES.filmJapanese), '-map', '0:v', '-map', '1:a', '-map', '2:a', ...h264, '-c:a', 'aac',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=jpn', at('a-film.mkv')]),
    ffmpeg([...video(ad, 'smptebars'), ...tone(ad, TONES.ad), ...h264, '-c:a', 'aac', at('b-ads/ad.mp4')]),
    ffmpeg([...video(show), ...tone(show, TONES.show), '-i', showSrt, '-map', '0:v', '-map', '1:a', '-map', '2', ...h264, '-c:a', 'aac', '-c:s', 'mov_text',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:s:0', 'language=eng', at('c-show.mp4')]),
    ffmpeg([...video(pgsFile), ...tone(pgsFile, TONES.pgs), '-i', pgs, '-map', '0:v', '-map', '1:a', '-map', '2', ...h264, '-c:a', 'aac', '-c:s', 'copy', '-metadata:s:s:0', 'language=eng', at('d-pgs.mkv')]),
    ffmpeg([...video(plain, 'rgbtestsrc'), ...tone(plain, TONES.plain), ...h264, '-c:a', 'aac', at('e-plain.mp4')]),
  ]);
  return { files, commercialFolder: at('b-ads') };
}

/** A stretch of one tone in a capture, in the stream's own timestamps (seconds). */
export interface ToneRun {
  hz: number;
  from: number;
  to: number;
}

const RATE = 8000;
const WINDOW = 160; // 20 ms
const HOP = 80; // 10 ms

/**
 * Where each tone of `tones` sounds in audio stream `k` of an MPEG-TS capture: windows of 20 ms
 * every 10 ms, each labelled by the tone holding most of its energy (Goertzel power at each
 * frequency against the window's energy; a window across a change holds two and is left out),
 * joined into runs. The capture's audio is continuous (the packager tiles it), so sample n is at
 * the stream's first audio PTS + n / rate.
 */
export async function toneRuns(file: string, k: number, tones: readonly number[]): Promise<ToneRun[]> {
  const { stdout: probe } = await run('ffprobe', ['-v', 'error', '-select_streams', `a:${k}`, '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file]);
  const start = Number(probe.trim().split('\n')[0]);
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-map', `0:a:${k}`, '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  const runs: ToneRun[] = [];
  for (let at = 0; at + WINDOW <= samples.length; at += HOP) {
    let energy = 0;
    for (let i = at; i < at + WINDOW; i += 1) energy += samples[i]! ** 2;
    if (energy / WINDOW < 100 ** 2) continue;
    const share = tones.map((hz) => {
      const coefficient = 2 * Math.cos((2 * Math.PI * hz) / RATE);
      let [s1, s2] = [0, 0];
      for (let i = at; i < at + WINDOW; i += 1) [s1, s2] = [samples[i]! + coefficient * s1 - s2, s1];
      return ((s1 * s1 + s2 * s2 - coefficient * s1 * s2) * 2) / (WINDOW * energy);
    });
    const best = share.indexOf(Math.max(...share));
    if (share[best]! < 0.7) continue;
    const from = start + at / RATE;
    const to = from + WINDOW / RATE;
    const last = runs[runs.length - 1];
    if (last && last.hz === tones[best] && from <= last.to + 0.0001) last.to = to;
    else runs.push({ hz: tones[best]!, from, to });
  }
  return runs;
}

/** A SubRip file's cues as ffmpeg writes them (its caption decoder's font tags and positions removed). */
export function parseSrt(text: string): SourceCue[] {
  const seconds = (t: string): number => {
    const [h, m, rest] = t.trim().split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(rest!.replace(',', '.'));
  };
  return text
    .replace(/\r/g, '')
    .split(/\n\n+/)
    .map((block) => block.trim().split('\n'))
    .filter((lines) => lines.length >= 3 && lines[1]!.includes(' --> '))
    .map((lines) => {
      const [from, to] = lines[1]!.split(' --> ');
      const text = lines
        .slice(2)
        .map((line) => line.replace(/<[^>]*>|\{[^}]*\}/g, '').replace(/\u00a0|\\h/g, ' ').trim())
        .join('\n');
      return { startSeconds: seconds(from!), endSeconds: seconds(to!), text };
    });
}
