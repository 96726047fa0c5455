import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a well-formed fixture is, so tests compare the library's facts with the recipe. */
export interface GoodFixture {
  relPath: string;
  seconds: number;
  video: { codec: string; width: number; height: number; frameRate: string; aspect: string; interlaced: boolean; bitDepth: number };
  audio: Array<{ codec: string; channels: number; language?: string }>;
  subtitles: Array<{ codec: string; language: string }>;
  chapters: Array<{ title: string; ms: number }>;
  expect: { kind: string; title: string; show?: string; season?: number; episode?: number; year?: number };
  /** ffmpeg arguments after the lavfi inputs (codecs, container options). */
  args: string[];
  audioLayout?: 'mono' | 'stereo' | '5.1';
  tags?: Record<string, string>;
  srt?: boolean;
}

export interface BrokenFixture {
  relPath: string;
  how: 'empty' | 'truncated' | 'text';
}

const SECONDS = 2;
const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/**
 * The messy home library of issue 3, tiny: every container (MP4, MKV, AVI, MOV, MPEG-PS),
 * codec (H.264, HEVC 10-bit, MPEG-2 interlaced, MPEG-4 Part 2), frame rate (23.976, 25,
 * 29.97, 60), shape (16:9, 4:3, vertical), audio layout (5.1, stereo, mono, none), a
 * unicode name, chapters, subtitles and tags, plus three files that cannot air.
 */
export const GOOD_FIXTURES: GoodFixture[] = [
  {
    relPath: 'shows/Test Show/Season 1/Test Show - S01E01 - Pilot.mp4',
    seconds: SECONDS,
    video: { codec: 'h264', width: 128, height: 72, frameRate: '24000/1001', aspect: '16:9', interlaced: false, bitDepth: 8 },
    audio: [{ codec: 'aac', channels: 2 }],
    audioLayout: 'stereo',
    subtitles: [],
    chapters: [
      { title: 'Cold open', ms: 0 },
      { title: 'Act 1', ms: 800 },
      { title: 'Act 2', ms: 1500 },
    ],
    expect: { kind: 'episode', title: 'Pilot', show: 'Test Show', season: 1, episode: 1 },
    args: [...x264, '-c:a', 'aac'],
  },
  {
    relPath: 'shows/Test Show/Season 1/Test Show - S01E02 - Sequel.mkv',
    seconds: SECONDS,
    video: { codec: 'hevc', width: 128, height: 72, frameRate: '25/1', aspect: '16:9', interlaced: false, bitDepth: 10 },
    audio: [{ codec: 'aac', channels: 6, language: 'eng' }],
    audioLayout: '5.1',
    subtitles: [{ codec: 'subrip', language: 'fre' }],
    srt: true,
    chapters: [
      { title: 'Intro', ms: 0 },
      { title: 'Middle', ms: 1000 },
    ],
    expect: { kind: 'episode', title: 'Sequel', show: 'Test Show', season: 1, episode: 2 },
    args: ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=none', '-c:a', 'aac', '-c:s', 'srt',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:s:0', 'language=fre'],
  },
  {
    relPath: 'shows/Émission/Saison 2/Émission - S02E03 - Café ☕ 日本.mp4',
    seconds: SECONDS,
    video: { codec: 'h264', width: 64, height: 48, frameRate: '60/1', aspect: '4:3', interlaced: false, bitDepth: 8 },
    audio: [{ codec: 'aac', channels: 1 }],
    audioLayout: 'mono',
    subtitles: [],
    chapters: [],
    expect: { kind: 'episode', title: 'Café ☕ 日本', show: 'Émission', season: 2, episode: 3 },
    args: [...x264, '-c:a', 'aac'],
  },
  {
    relPath: 'shows/Old Show/Season 1/03 - Interlaced.mpg',
    seconds: SECONDS,
    video: { codec: 'mpeg2video', width: 64, height: 48, frameRate: '30000/1001', aspect: '4:3', interlaced: true, bitDepth: 8 },
    audio: [{ codec: 'mp2', channels: 2 }],
    audioLayout: 'stereo',
    subtitles: [],
    chapters: [],
    expect: { kind: 'episode', title: 'Interlaced', show: 'Old Show', season: 1, episode: 3 },
    args: ['-c:v', 'mpeg2video', '-flags', '+ildct+ilme', '-top', '1', '-c:a', 'mp2'],
  },
  {
    relPath: 'movies/Retro Movie (1987).avi',
    seconds: SECONDS,
    video: { codec: 'mpeg4', width: 64, height: 48, frameRate: '30000/1001', aspect: '4:3', interlaced: false, bitDepth: 8 },
    audio: [{ codec: 'pcm_s16le', channels: 1 }],
    audioLayout: 'mono',
    subtitles: [],
    chapters: [],
    expect: { kind: 'movie', title: 'Retro Movie', year: 1987 },
    args: ['-c:v', 'mpeg4', '-c:a', 'pcm_s16le'],
  },
  {
    relPath: 'commercials/Soda Pop.mov',
    seconds: SECONDS,
    video: { codec: 'h264', width: 72, height: 128, frameRate: '60/1', aspect: '9:16', interlaced: false, bitDepth: 8 },
    audio: [],
    subtitles: [],
    chapters: [],
    expect: { kind: 'commercial', title: 'Soda Pop' },
    args: [...x264],
  },
  {
    relPath: 'bumpers/Retro Station ID.mp4',
    seconds: SECONDS,
    video: { codec: 'h264', width: 64, height: 48, frameRate: '25/1', aspect: '4:3', interlaced: false, bitDepth: 8 },
    audio: [{ codec: 'aac', channels: 2 }],
    audioLayout: 'stereo',
    subtitles: [],
    chapters: [],
    expect: { kind: 'station_id', title: 'Retro Station ID' },
    args: [...x264, '-c:a', 'aac'],
  },
  {
    relPath: 'promos/promo_tonight.mp4',
    seconds: SECONDS,
    video: { codec: 'h264', width: 64, height: 48, frameRate: '25/1', aspect: '4:3', interlaced: false, bitDepth: 8 },
    audio: [{ codec: 'aac', channels: 2 }],
    audioLayout: 'stereo',
    subtitles: [],
    chapters: [],
    // The title tag beats the file name.
    tags: { title: 'Tonight on Retrovue' },
    expect: { kind: 'promo', title: 'Tonight on Retrovue' },
    args: [...x264, '-c:a', 'aac'],
  },
];

export const BROKEN_FIXTURES: BrokenFixture[] = [
  { relPath: 'broken/empty.mp4', how: 'empty' },
  { relPath: 'broken/truncated.mp4', how: 'truncated' },
  { relPath: 'broken/notes.mp4', how: 'text' },
];

function chaptersMetadata(fixture: GoodFixture): string {
  const lines = [';FFMETADATA1'];
  fixture.chapters.forEach((chapter, i) => {
    const end = fixture.chapters[i + 1]?.ms ?? fixture.seconds * 1000;
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${chapter.ms}`, `END=${end}`, `title=${chapter.title}`);
  });
  return `${lines.join('\n')}\n`;
}

const PAN: Record<NonNullable<GoodFixture['audioLayout']>, string> = {
  mono: 'pan=mono|c0=c0',
  stereo: 'pan=stereo|c0=c0|c1=c0',
  '5.1': 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0',
};

async function makeGood(root: string, fixture: GoodFixture, scratch: string, index: number): Promise<void> {
  const file = path.join(root, fixture.relPath);
  await mkdir(path.dirname(file), { recursive: true });
  const { width, height, frameRate } = fixture.video;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${frameRate}:duration=${fixture.seconds}`];
  const maps = ['-map', '0:v'];
  let next = 1;
  if (fixture.audioLayout) {
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${fixture.seconds},${PAN[fixture.audioLayout]}`);
    maps.push('-map', `${next++}:a`);
  }
  if (fixture.srt) {
    const srt = path.join(scratch, `subs-${index}.srt`);
    await writeFile(srt, '1\n00:00:00,000 --> 00:00:01,000\nBonjour\n', 'utf8');
    args.push('-i', srt);
    maps.push('-map', `${next++}:s`);
  }
  if (fixture.chapters.length > 0) {
    const meta = path.join(scratch, `chapters-${index}.txt`);
    await writeFile(meta, chaptersMetadata(fixture), 'utf8');
    args.push('-f', 'ffmetadata', '-i', meta);
    maps.push('-map_chapters', String(next++));
  }
  args.push(...maps, ...fixture.args, '-t', String(fixture.seconds));
  for (const [key, value] of Object.entries(fixture.tags ?? {})) args.push('-metadata', `${key}=${value}`);
  args.push(file);
  await run('ffmpeg', args);
}

async function makeBroken(root: string, fixture: BrokenFixture, goodSource: string): Promise<void> {
  const file = path.join(root, fixture.relPath);
  await mkdir(path.dirname(file), { recursive: true });
  if (fixture.how === 'empty') await writeFile(file, '');
  if (fixture.how === 'text') await writeFile(file, 'This is a shopping list, not a video.\n');
  // The first part of an MP4 whose index (moov) is written last: what an interrupted copy leaves.
  if (fixture.how === 'truncated') {
    const whole = await readFile(goodSource);
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
  }
}

/** Generates the whole library under `root` (a few seconds on 2 cores). */
export async function generateMessyLibrary(root: string, scratch: string): Promise<void> {
  await mkdir(scratch, { recursive: true });
  // Two at a time: the machine has two cores and other tests may be encoding.
  for (let i = 0; i < GOOD_FIXTURES.length; i += 2) {
    await Promise.all(GOOD_FIXTURES.slice(i, i + 2).map((fixture, j) => makeGood(root, fixture, scratch, i + j)));
  }
  for (const fixture of BROKEN_FIXTURES) await makeBroken(root, fixture, path.join(root, GOOD_FIXTURES[0]!.relPath));
}
