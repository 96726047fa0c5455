/**
 * Generates Retrovue's demo library: a few synthetic "shows", commercials and a station ID,
 * rendered entirely from ffmpeg's lavfi test sources, so a fresh install has something to put
 * on air without the user owning any video, and tests have real media with known properties.
 *
 * Every file carries what a viewer (or a test) needs to tell where in the file playout is:
 * a burned-in clock of the file's own running time, a frame counter, the current act, and a
 * beep once per second in the audio. Episodes and movies carry three chapters in the container.
 */
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drawtext } from '../ffmpeg/drawtext.js';
import { escapeFilterValue } from '../ffmpeg/filter-text.js';

export interface DemoFile {
  path: string;
  kind: 'episode' | 'movie' | 'commercial' | 'station_id';
  show?: string;
  season?: number;
  episode?: number;
  title: string;
  durationSeconds: number;
  chapters: Array<{ title: string; startSeconds: number }>;
}

export interface DemoLibraryOptions {
  ffmpegPath: string;
  outputDir: string;
  size?: 'full' | 'tiny';
  onProgress?: (event: { index: number; total: number; file: DemoFile; elapsedMs: number }) => void;
  /** Seconds of video rendered so far over all files, and the library's total (called often). */
  onRendered?: (doneSeconds: number, totalSeconds: number) => void;
  concurrency?: number;
  /**
   * Keep the files a stopped run already completed (serve's first run, after a restart). Without
   * it every file is rendered again (`retrovue demo-media --force`).
   */
  resume?: boolean;
  /**
   * Called as each file is complete in its place, awaited before the next file of its lane starts
   * (serve scans it into the library there). `stage` says which part of the library it belongs to.
   */
  onFileReady?: (file: DemoFile, stage: DemoStage) => Promise<void> | void;
  /** Called once every file of the sign-on stage is in place (also when they all were already). */
  onSignOnReady?: () => Promise<void> | void;
  /** Render the programmes at the lowest CPU priority with one thread per file, so live channels come first. */
  lowPriorityProgrammes?: boolean;
}

/**
 * The library is rendered in two stages. `sign-on`: the commercials and the station ID, about two
 * minutes of video that render in seconds, enough for every demo channel to go on the air with a
 * station break. `programmes`: the shows and movies, first episodes and the first movie first
 * (what the schedule airs first), rendered in the background while the channels already play.
 */
export type DemoStage = 'sign-on' | 'programmes';

/** Written last, so its presence means every file listed in it was completed. */
const MARKER_FILE = '.retrovue-demo-complete';
/**
 * Written first, with the version and size being rendered: a later run that finds it (and no
 * complete marker) keeps the files already in place, which are complete by construction (each is
 * rendered to a hidden partial name and renamed). Without it, files of another version could be kept.
 */
const IN_PROGRESS_FILE = '.retrovue-demo-in-progress';
/** Bump when the catalog or the rendering changes, so an old library is regenerated. */
const LIBRARY_VERSION = 2;

// ---------------------------------------------------------------------------------------------
// Render profiles
// ---------------------------------------------------------------------------------------------

interface RenderProfile {
  size: 'full' | 'tiny';
  width: number;
  height: number;
  fps: number;
  /** Catalog durations are divided by this. */
  durationDivisor: number;
  /** Shortest file the profile produces, so tiny files still hold a title card and 3 acts. */
  minDurationSeconds: number;
  /** x264 constant rate factor: the full library is hours of synthetic video, kept small on disk. */
  crf: number;
}

/**
 * `full` is the first-run station: programmes of real TV lengths (half-hour sitcoms, short
 * cartoons, movies for an hour slot), so the guide reads like TV. Ten frames a second at
 * 480x270 keeps its four hours of video to about two minutes of rendering on two cores and
 * a few hundred MB; playout converts to the channel's own frame rate and size anyway.
 */
const PROFILES: Record<'full' | 'tiny', RenderProfile> = {
  full: { size: 'full', width: 480, height: 270, fps: 10, durationDivisor: 1, minDurationSeconds: 2, crf: 32 },
  tiny: { size: 'tiny', width: 160, height: 90, fps: 30, durationDivisor: 20, minDurationSeconds: 2, crf: 23 },
};

/**
 * Catalog duration -> profile duration. Rounded to 0.1 s, a whole number of frames at 10 and 30 fps,
 * so the video stream ends exactly where the returned duration says.
 */
function scaleDuration(seconds: number, profile: RenderProfile): number {
  const scaled = Math.round((seconds / profile.durationDivisor) * 10) / 10;
  return Math.max(profile.minDurationSeconds, scaled);
}

// ---------------------------------------------------------------------------------------------
// Catalog: what the demo library contains (durations are for the full profile)
// ---------------------------------------------------------------------------------------------

/** How a show's picture is synthesised; each show gets a distinct look so they are easy to tell apart. */
type Look = 'testsrc2' | 'mandelbrot' | 'life';

interface ShowSpec {
  name: string;
  look: Look;
  /** Base tone; each show sounds different so audio mix-ups are audible. */
  toneHz: number;
  /** Background of the title card. */
  cardColor: string;
  episodes: Array<{ title: string; durationSeconds: number }>;
}

const SHOWS: ShowSpec[] = [
  {
    name: 'Signal Hill',
    look: 'testsrc2',
    toneHz: 440,
    cardColor: '0x1B2A49',
    episodes: [
      { title: 'Pilot', durationSeconds: 1300 },
      { title: 'Interference', durationSeconds: 1330 },
      { title: 'Static Night', durationSeconds: 1290 },
    ],
  },
  {
    name: 'Fractal Frontier',
    look: 'mandelbrot',
    toneHz: 523.25,
    cardColor: '0x3B1F4A',
    episodes: [
      { title: 'Into the Set', durationSeconds: 1340 },
      { title: 'Infinite Coastline', durationSeconds: 1290 },
    ],
  },
  {
    name: 'Life on the Grid',
    look: 'life',
    toneHz: 329.63,
    cardColor: '0x0F3B2E',
    // Cartoon shorts: two make a half hour, one a quarter hour.
    episodes: [
      { title: 'Generation Zero', durationSeconds: 660 },
      { title: 'Gliders', durationSeconds: 690 },
    ],
  },
];

interface SpotSpec {
  name: string;
  tagline: string;
  durationSeconds: number;
  /** Bright background colour. */
  color: string;
  textColor: string;
  /** The two alternating notes of the commercial's jingle. */
  jingleHz: [number, number];
}

const COMMERCIALS: SpotSpec[] = [
  { name: 'Sparkle Cola', tagline: 'Taste the fizz!', durationSeconds: 15, color: '0xFF2D55', textColor: 'white', jingleHz: [660, 880] },
  { name: 'Zoom Sneakers', tagline: 'Run faster than your shadow', durationSeconds: 20, color: '0xFFCC00', textColor: 'black', jingleHz: [587.33, 739.99] },
  { name: 'Moonbeam Mattress', tagline: 'Sleep on a cloud tonight', durationSeconds: 30, color: '0x5AC8FA', textColor: 'black', jingleHz: [392, 493.88] },
  { name: 'QuickFix Glue', tagline: 'Holds anything. Fast.', durationSeconds: 10, color: '0x4CD964', textColor: 'black', jingleHz: [698.46, 1046.5] },
  { name: 'Polar Pops', tagline: 'The coolest treat in town', durationSeconds: 15, color: '0xAF52DE', textColor: 'white', jingleHz: [523.25, 783.99] },
  { name: 'Comet Cleaners', tagline: 'Spotless at the speed of light', durationSeconds: 20, color: '0xFF9500', textColor: 'black', jingleHz: [440, 554.37] },
];

interface MovieSpec {
  title: string;
  year: number;
  /** Lengths that fit an hour slot with its breaks, as TV movies edited for time do. */
  durationSeconds: number;
  toneHz: number;
  cardColor: string;
  /** Slowly drifting colour fields: a calm picture that compresses to almost nothing. */
  palette: [string, string, string];
}

const MOVIES: MovieSpec[] = [
  { title: 'Harbor Lights', year: 1992, durationSeconds: 2460, toneHz: 293.66, cardColor: '0x10324A', palette: ['0x10324A', '0xE9C46A', '0x2A9D8F'] },
  { title: 'The Long Signal', year: 1987, durationSeconds: 2700, toneHz: 349.23, cardColor: '0x4A1010', palette: ['0x4A1010', '0xF4A261', '0x264653'] },
];

const STATION_ID = { name: 'Retrovue 1 Station ID', card: 'RETROVUE 1', tagline: 'Your channel. Always on.', durationSeconds: 8, toneHz: 1000 };

/** Length of an episode's opening title card: 3 s, shorter when the whole episode is tiny. */
function titleCardSeconds(durationSeconds: number): number {
  return Math.min(3, Math.round(durationSeconds * 250) / 1000);
}

/**
 * Three acts of roughly a third each. Starts are on 0.1 s, a whole frame at 30 fps, so the
 * keyframe forced at each chapter start lands exactly on it.
 */
function actStarts(durationSeconds: number): number[] {
  return [0, 0.33, 0.66].map((fraction) => Math.round(durationSeconds * fraction * 10) / 10);
}

// ---------------------------------------------------------------------------------------------
// Filtergraph text helpers
// ---------------------------------------------------------------------------------------------

interface TextSpec {
  /** Literal text (drawn as is), or a %{...} expansion template when `expand` is set. */
  text: string;
  expand?: boolean;
  x: string;
  y: string;
  fontSize: number;
  color?: string;
  font?: 'bold' | 'mono';
  /** Semi-transparent box behind the text, for legibility over busy patterns. */
  box?: boolean;
  /** Timeline expression, e.g. lt(t,3). */
  enable?: string;
}

/** One caption, through the project's drawtext builder; `box` is the demo's legibility box. */
function caption(spec: TextSpec): string {
  const { box, ...rest } = spec;
  return drawtext({ ...rest, ...(box ? { box: { color: 'black@0.6', borderWidth: Math.max(1, Math.round(spec.fontSize / 5)) } } : {}) });
}

/** Font size as a fraction of frame height, so tiny files keep the same layout. */
function fontSize(profile: RenderProfile, fractionOfHeight: number): number {
  return Math.max(6, Math.round(profile.height * fractionOfHeight));
}

/** Margin from the frame edges. */
function margin(profile: RenderProfile): number {
  return Math.max(2, Math.round(profile.height / 30));
}

/** The running clock and frame counter every file carries, bottom left. */
function clockOverlay(profile: RenderProfile): string {
  return caption({
    text: '%{pts:hms}  #%{n}',
    expand: true,
    x: String(margin(profile)),
    y: `h-th-${margin(profile)}`,
    fontSize: fontSize(profile, 1 / 14),
    font: 'mono',
    box: true,
  });
}

// ---------------------------------------------------------------------------------------------
// Filtergraphs per kind of file
// ---------------------------------------------------------------------------------------------

const TESTSRC2_STAMP_HEIGHT = 40;

/**
 * The moving picture behind a show. The expensive generators (mandelbrot, life) are rendered at
 * reduced size and/or rate and scaled up, which keeps the whole library well under a minute.
 */
function showBackground(look: Look, episodeNumber: number, profile: RenderProfile): string {
  const { width: w, height: h, fps } = profile;
  const size = (divisor: number) => `${Math.max(16, Math.round(w / divisor))}x${Math.max(16, Math.round(h / divisor))}`;
  const upscale = (flags: string) => `scale=${w}:${h}:flags=${flags},fps=${fps}`;
  switch (look) {
    case 'testsrc2':
      // testsrc2 stamps its own clock, a fixed-size bitmap ~36 px tall, in the top-left corner,
      // under our show label. Render it taller and crop that strip off.
      return `testsrc2=size=${w}x${h + TESTSRC2_STAMP_HEIGHT}:rate=${fps},crop=${w}:${h}:0:${TESTSRC2_STAMP_HEIGHT}`;
    case 'mandelbrot':
      // maxiter is far below the default 7189: the deep iterations cost seconds per episode and
      // are invisible at this size. Each episode starts at a different spot of the set.
      return `mandelbrot=size=${size(3)}:rate=${fps / 2}:maxiter=256:start_scale=${episodeNumber === 1 ? 3 : 1.5},${upscale('bilinear')}`;
    case 'life':
      return (
        `life=size=${size(4)}:rate=${fps / 2}:seed=${episodeNumber * 7919}:ratio=0.3:mold=8:` +
        `life_color=0x7CFFB2:death_color=0x062A1F:mold_color=0x0E5A40,${upscale('neighbor')}`
      );
  }
}

interface EpisodeContext {
  show: ShowSpec;
  episodeNumber: number;
  title: string;
  durationSeconds: number;
  acts: number[];
}

/** Burned-in show name and act label (on top) plus the opening title card. */
function episodeVideoFilters(episode: EpisodeContext, profile: RenderProfile): string[] {
  const m = margin(profile);
  const card = titleCardSeconds(episode.durationSeconds);
  const cardOn = `lt(t,${card})`;
  const code = episodeCode(1, episode.episodeNumber);
  // Act number from the running time, so one drawtext covers all three acts.
  const actExpr = `1+gte(t,${episode.acts[1]})+gte(t,${episode.acts[2]})`;
  return [
    caption({ text: episode.show.name, x: String(m), y: String(m), fontSize: fontSize(profile, 1 / 18), box: true }),
    caption({ text: `${code}  Act %{eif:${actExpr}:d}`, expand: true, x: `w-tw-${m}`, y: String(m), fontSize: fontSize(profile, 1 / 18), box: true }),
    `drawbox=x=0:y=0:w=iw:h=ih:color=${episode.show.cardColor}:t=fill:enable=${escapeFilterValue(cardOn)}`,
    caption({ text: episode.show.name, x: '(w-tw)/2', y: 'h*0.25', fontSize: fontSize(profile, 1 / 9), enable: cardOn }),
    caption({ text: code, x: '(w-tw)/2', y: 'h*0.45', fontSize: fontSize(profile, 1 / 12), color: '0xFFD60A', enable: cardOn }),
    caption({ text: episode.title, x: '(w-tw)/2', y: 'h*0.6', fontSize: fontSize(profile, 1 / 14), enable: cardOn }),
  ];
}

function episodeFilterGraph(episode: EpisodeContext, profile: RenderProfile): string {
  const video = [
    showBackground(episode.show.look, episode.episodeNumber, profile),
    ...episodeVideoFilters(episode, profile),
    clockOverlay(profile),
    'format=yuv420p',
  ].join(',');
  // beep_factor: a short higher beep every second, an audible sync marker against the clock.
  const audio = `sine=frequency=${episode.show.toneHz}:beep_factor=2:sample_rate=48000,pan=stereo|c0=c0|c1=c0`;
  return `${video}[v];${audio}[a]`;
}

/** A movie: its title and the act on top, a title card with the year, the running clock. */
function movieFilterGraph(movie: MovieSpec, index: number, acts: number[], durationSeconds: number, profile: RenderProfile): string {
  const m = margin(profile);
  const cardOn = `lt(t,${titleCardSeconds(durationSeconds)})`;
  const actExpr = `1+gte(t,${acts[1]})+gte(t,${acts[2]})`;
  const video = [
    `gradients=size=${profile.width}x${profile.height}:rate=${profile.fps}:c0=${movie.palette[0]}:c1=${movie.palette[1]}:c2=${movie.palette[2]}:nb_colors=3:speed=0.02:seed=${index + 3}`,
    caption({ text: movie.title, x: String(m), y: String(m), fontSize: fontSize(profile, 1 / 18), box: true }),
    caption({ text: `Part %{eif:${actExpr}:d}`, expand: true, x: `w-tw-${m}`, y: String(m), fontSize: fontSize(profile, 1 / 18), box: true }),
    `drawbox=x=0:y=0:w=iw:h=ih:color=${movie.cardColor}:t=fill:enable=${escapeFilterValue(cardOn)}`,
    caption({ text: movie.title, x: '(w-tw)/2', y: 'h*0.35', fontSize: fontSize(profile, 1 / 9), enable: cardOn }),
    caption({ text: String(movie.year), x: '(w-tw)/2', y: 'h*0.55', fontSize: fontSize(profile, 1 / 12), color: '0xFFD60A', enable: cardOn }),
    clockOverlay(profile),
    'format=yuv420p',
  ].join(',');
  const audio = `sine=frequency=${movie.toneHz}:beep_factor=2:sample_rate=48000,pan=stereo|c0=c0|c1=c0`;
  return `${video}[v];${audio}[a]`;
}

function commercialFilterGraph(spot: SpotSpec, profile: RenderProfile): string {
  const { width: w, height: h, fps } = profile;
  const video = [
    `color=c=${spot.color}:size=${w}x${h}:rate=${fps}`,
    caption({ text: spot.name, x: '(w-tw)/2', y: 'h*0.3', fontSize: fontSize(profile, 1 / 7), color: spot.textColor }),
    // The tagline scrolls like a ticker: something always moves, so frozen playout is obvious.
    caption({ text: spot.tagline, x: 'w-mod(t*w/4,w+tw)', y: 'h*0.55', fontSize: fontSize(profile, 1 / 12), color: spot.textColor }),
    caption({ text: 'AD', x: `w-tw-${margin(profile)}`, y: String(margin(profile)), fontSize: fontSize(profile, 1 / 18), box: true }),
    clockOverlay(profile),
    'format=yuv420p',
  ].join(',');
  // Two notes alternating every quarter second, in both channels.
  const [low, high] = spot.jingleHz;
  const note = `0.25*sin(2*PI*if(lt(mod(t,0.5),0.25),${low},${high})*t)`;
  const audio = `aevalsrc=exprs=${escapeFilterValue(`${note}|${note}`)}:sample_rate=48000:channel_layout=stereo`;
  return `${video}[v];${audio}[a]`;
}

function stationIdFilterGraph(profile: RenderProfile): string {
  const { width: w, height: h, fps } = profile;
  const video = [
    `smptebars=size=${w}x${h}:rate=${fps}`,
    `drawbox=x=iw*0.1:y=ih*0.3:w=iw*0.8:h=ih*0.38:color=black@0.75:t=fill`,
    caption({ text: STATION_ID.card, x: '(w-tw)/2', y: 'h*0.34', fontSize: fontSize(profile, 1 / 6) }),
    caption({ text: STATION_ID.tagline, x: '(w-tw)/2', y: 'h*0.55', fontSize: fontSize(profile, 1 / 16), color: '0xFFD60A' }),
    clockOverlay(profile),
    'format=yuv420p',
  ].join(',');
  // Classic bars and 1 kHz tone.
  const audio = `sine=frequency=${STATION_ID.toneHz}:sample_rate=48000,pan=stereo|c0=c0|c1=c0`;
  return `${video}[v];${audio}[a]`;
}

// ---------------------------------------------------------------------------------------------
// Planning: catalog + profile -> concrete render jobs
// ---------------------------------------------------------------------------------------------

interface RenderJob {
  file: DemoFile;
  filterGraph: string;
  /** Container tags, passed as -metadata key=value. */
  tags: Record<string, string>;
}

function episodeCode(season: number, episode: number): string {
  return `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}

/**
 * Names a scanner can parse without reading the file. Characters that are illegal in file
 * names on common filesystems are dropped (the catalog avoids them anyway).
 */
function safeFileName(name: string): string {
  return name.replace(/[<>:"/\\|?*]/g, '').trim();
}

function planEpisodes(outputDir: string, profile: RenderProfile): RenderJob[] {
  return SHOWS.flatMap((show) =>
    show.episodes.map((spec, i) => {
      const episodeNumber = i + 1;
      const season = 1;
      const durationSeconds = scaleDuration(spec.durationSeconds, profile);
      const acts = actStarts(durationSeconds);
      const showDir = safeFileName(show.name);
      const fileName = `${showDir} - ${episodeCode(season, episodeNumber)} - ${safeFileName(spec.title)}.mp4`;
      const file: DemoFile = {
        path: path.join(outputDir, 'shows', showDir, `Season ${season}`, fileName),
        kind: 'episode',
        show: show.name,
        season,
        episode: episodeNumber,
        title: spec.title,
        durationSeconds,
        chapters: acts.map((startSeconds, act) => ({ title: `Act ${act + 1}`, startSeconds })),
      };
      const context: EpisodeContext = { show, episodeNumber, title: spec.title, durationSeconds, acts };
      return {
        file,
        filterGraph: episodeFilterGraph(context, profile),
        tags: {
          title: spec.title,
          show: show.name,
          season_number: String(season),
          episode_sort: String(episodeNumber),
          episode_id: episodeCode(season, episodeNumber),
          media_type: '10', // iTunes "TV show"
        },
      };
    }),
  );
}

function planMovies(outputDir: string, profile: RenderProfile): RenderJob[] {
  return MOVIES.map((movie, index) => {
    const durationSeconds = scaleDuration(movie.durationSeconds, profile);
    const acts = actStarts(durationSeconds);
    return {
      file: {
        path: path.join(outputDir, 'movies', `${safeFileName(movie.title)} (${movie.year}).mp4`),
        kind: 'movie',
        title: movie.title,
        durationSeconds,
        chapters: acts.map((startSeconds, part) => ({ title: `Part ${part + 1}`, startSeconds })),
      },
      filterGraph: movieFilterGraph(movie, index, acts, durationSeconds, profile),
      tags: { title: movie.title, date: String(movie.year), media_type: '9' }, // iTunes "movie"
    };
  });
}

function planCommercials(outputDir: string, profile: RenderProfile): RenderJob[] {
  return COMMERCIALS.map((spot) => ({
    file: {
      path: path.join(outputDir, 'commercials', `${safeFileName(spot.name)}.mp4`),
      kind: 'commercial',
      title: spot.name,
      durationSeconds: scaleDuration(spot.durationSeconds, profile),
      chapters: [],
    },
    filterGraph: commercialFilterGraph(spot, profile),
    tags: { title: spot.name, comment: 'Retrovue demo commercial' },
  }));
}

function planStationId(outputDir: string, profile: RenderProfile): RenderJob {
  return {
    file: {
      path: path.join(outputDir, 'bumpers', `${safeFileName(STATION_ID.name)}.mp4`),
      kind: 'station_id',
      title: STATION_ID.name,
      durationSeconds: scaleDuration(STATION_ID.durationSeconds, profile),
      chapters: [],
    },
    filterGraph: stationIdFilterGraph(profile),
    tags: { title: STATION_ID.name, comment: 'Retrovue demo station ID' },
  };
}

function planLibrary(outputDir: string, profile: RenderProfile): RenderJob[] {
  return [...planEpisodes(outputDir, profile), ...planMovies(outputDir, profile), ...planCommercials(outputDir, profile), planStationId(outputDir, profile)];
}

// ---------------------------------------------------------------------------------------------
// Rendering one file
// ---------------------------------------------------------------------------------------------

/** Escapes a value for an ffmetadata file, where = ; # \ and newlines are special. */
function escapeFfmetadata(value: string): string {
  return value.replace(/[=;#\\\n]/g, (c) => `\\${c}`);
}

/** ffmetadata text with one [CHAPTER] per chapter; each ends where the next starts (the last at the file's end). */
export function chaptersFfmetadata(chapters: Array<{ title: string; startSeconds: number }>, durationSeconds: number): string {
  const endMs = Math.round(durationSeconds * 1000);
  const lines = [';FFMETADATA1'];
  chapters.forEach((chapter, i) => {
    const next = chapters[i + 1];
    lines.push(
      '[CHAPTER]',
      'TIMEBASE=1/1000',
      `START=${Math.round(chapter.startSeconds * 1000)}`,
      `END=${next ? Math.round(next.startSeconds * 1000) : endMs}`,
      `title=${escapeFfmetadata(chapter.title)}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** Where a file is written until it is complete: hidden, and not ending in .mp4, so no scanner picks it up. */
function partialPath(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.partial`);
}

function ffmpegArgs(job: RenderJob, profile: RenderProfile, metadataFile: string | undefined, outputPath: string): string[] {
  const { file } = job;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  // The only file input; everything else is generated inside the filtergraph.
  if (metadataFile) args.push('-f', 'ffmetadata', '-i', metadataFile);
  args.push('-filter_complex', job.filterGraph, '-map', '[v]', '-map', '[a]');
  if (metadataFile) {
    // Chapters (with their titles) come from the ffmetadata input. `-map_metadata -1` would also
    // drop the chapter titles, so its (empty) global metadata is mapped instead.
    // The mp4 muxer stores chapters twice, as a Nero chpl atom and as a QuickTime chapter text
    // track, which ffprobe lists as a third (data) stream.
    args.push('-map_chapters', '0', '-map_metadata', '0');
  }
  for (const [key, value] of Object.entries(job.tags)) args.push('-metadata', `${key}=${value}`);
  const gop = profile.fps * 2;
  args.push(
    '-t', file.durationSeconds.toFixed(3),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', String(profile.crf), '-pix_fmt', 'yuv420p', '-r', String(profile.fps),
    // Regular 2 s GOPs plus a keyframe on every chapter start, so playout can cut cleanly there.
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
  );
  const chapterTimes = file.chapters.map((chapter) => chapter.startSeconds.toFixed(3));
  if (chapterTimes.length > 0) args.push('-force_key_frames', chapterTimes.join(','));
  // The AAC encoder's default coder costs more than the whole picture here; 'fast' halves it for a test tone.
  args.push('-c:a', 'aac', '-aac_coder', 'fast', '-b:a', '64k', '-ar', '48000', '-ac', '2', '-f', 'mp4', outputPath);
  return args;
}

const STDERR_TAIL_CHARS = 4000;

/**
 * Runs ffmpeg; rejects with the tail of its stderr when it fails, which is where the reason is.
 * `onTime` gets the output's running time in seconds from ffmpeg's `-progress` reports.
 */
function runFfmpeg(ffmpegPath: string, args: string[], onTime?: (seconds: number) => void, background = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(ffmpegPath, ['-nostats', '-progress', 'pipe:1', ...args], { stdio: ['ignore', 'pipe', 'pipe'], background });
    let progress = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      progress += chunk;
      const lines = progress.split('\n');
      progress = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^out_time_us=(\d+)/.exec(line);
        if (match) onTime?.(Number(match[1]) / 1e6);
      }
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // Keep only the tail: a misbehaving ffmpeg can print without end.
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error) => reject(new Error(`could not start ${ffmpegPath}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${signal ?? `code ${code}`}: ${stderr.trim() || '(no stderr output)'}`));
    });
  });
}

/** Renders one job to a partial file, then renames it into place, so a half-written file never looks complete. */
async function renderFile(job: RenderJob, profile: RenderProfile, ffmpegPath: string, scratchDir: string, jobIndex: number, onTime?: (seconds: number) => void, background = false): Promise<void> {
  const finalPath = job.file.path;
  const tempPath = partialPath(finalPath);
  await mkdir(path.dirname(finalPath), { recursive: true });
  let metadataFile: string | undefined;
  if (job.file.chapters.length > 0) {
    metadataFile = path.join(scratchDir, `chapters-${jobIndex}.txt`);
    await writeFile(metadataFile, chaptersFfmetadata(job.file.chapters, job.file.durationSeconds), 'utf8');
  }
  try {
    // In the background one thread per file: two lanes then use at most the two cores a small
    // machine has, at nice 19, and a live channel's renderer always gets its share first.
    const args = ffmpegArgs(job, profile, metadataFile, tempPath);
    if (background) {
      args.splice(args.indexOf('-c:v'), 0, '-threads', '1');
      args.unshift('-filter_complex_threads', '1');
    }
    await runFfmpeg(ffmpegPath, args, onTime, background);
    await rename(tempPath, finalPath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw new Error(`failed to generate demo file ${finalPath}: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. On the first failure no new
 * items are started; the ones in flight are awaited and the first error is rethrown.
 */
async function runPool<T>(items: T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await worker(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (failure) throw failure.error;
}

interface Marker {
  version: number;
  size: 'full' | 'tiny';
  /** Paths relative to the library folder. */
  files: string[];
}

/**
 * The order files are rendered in. Sign-on first (commercials, the station ID: short, so every
 * channel has its breaks within seconds); then what the demo station airs first: each show's
 * first episode and the first movie by title (the pools' order, src/schedule/pools.ts); then
 * the rest, longest first so the two lanes end together.
 */
function renderOrder(jobs: RenderJob[]): Array<{ job: RenderJob; index: number; stage: DemoStage }> {
  const all = jobs.map((job, index) => ({ job, index }));
  const isSignOn = (job: RenderJob) => job.file.kind === 'commercial' || job.file.kind === 'station_id';
  const firstMovie = jobs.filter((job) => job.file.kind === 'movie').sort((a, b) => a.file.title.localeCompare(b.file.title))[0];
  const airsFirst = (job: RenderJob) => job.file.episode === 1 || job.file === firstMovie?.file;
  const byLength = (a: { job: RenderJob }, b: { job: RenderJob }) => b.job.file.durationSeconds - a.job.file.durationSeconds;
  const signOn = all.filter(({ job }) => isSignOn(job)).sort(byLength);
  const first = all.filter(({ job }) => !isSignOn(job) && airsFirst(job)).sort(byLength);
  const rest = all.filter(({ job }) => !isSignOn(job) && !airsFirst(job)).sort(byLength);
  return [...signOn.map((x) => ({ ...x, stage: 'sign-on' as const })), ...[...first, ...rest].map((x) => ({ ...x, stage: 'programmes' as const }))];
}

/** The in-progress marker says a stopped run of this same version and size left these files: keep them. */
function canResume(outputDir: string, profile: RenderProfile): boolean {
  try {
    const marker = JSON.parse(readFileSync(path.join(outputDir, IN_PROGRESS_FILE), 'utf8')) as Partial<Marker>;
    return marker.version === LIBRARY_VERSION && marker.size === profile.size;
  } catch {
    return false;
  }
}

/**
 * Generates the demo library into `outputDir` and returns its files in catalog order: episodes
 * by show, movies, commercials, then the station ID. Without `resume` every file is rendered
 * again; with it, the files a stopped run of the same version completed are kept.
 */
export async function generateDemoLibrary(options: DemoLibraryOptions): Promise<DemoFile[]> {
  const profile = PROFILES[options.size ?? 'full'];
  const outputDir = path.resolve(options.outputDir);
  const concurrency = options.concurrency ?? 2;
  const jobs = planLibrary(outputDir, profile);
  const markerPath = path.join(outputDir, MARKER_FILE);
  const inProgressPath = path.join(outputDir, IN_PROGRESS_FILE);

  await mkdir(outputDir, { recursive: true });
  const resuming = options.resume === true && !existsSync(markerPath) && canResume(outputDir, profile);
  // The library is incomplete from the moment the first file is overwritten.
  await rm(markerPath, { force: true });
  await writeFile(inProgressPath, `${JSON.stringify({ version: LIBRARY_VERSION, size: profile.size })}\n`, 'utf8');
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'retrovue-demo-'));
  const started = Date.now();
  let completed = 0;
  try {
    const order = renderOrder(jobs);
    const totalSeconds = jobs.reduce((sum, job) => sum + job.file.durationSeconds, 0);
    const doneByJob = new Map<number, number>();
    const rendered = (index: number, seconds: number) => {
      doneByJob.set(index, Math.min(seconds, jobs[index]!.file.durationSeconds));
      options.onRendered?.([...doneByJob.values()].reduce((a, b) => a + b, 0), totalSeconds);
    };
    const finished = async ({ job, index, stage }: (typeof order)[number]) => {
      rendered(index, job.file.durationSeconds);
      completed += 1;
      options.onProgress?.({ index: completed, total: jobs.length, file: job.file, elapsedMs: Date.now() - started });
      await options.onFileReady?.(job.file, stage);
    };
    const render = async (entry: (typeof order)[number]) => {
      const { job, index, stage } = entry;
      if (resuming && existsSync(job.file.path)) return finished(entry);
      const background = stage === 'programmes' && options.lowPriorityProgrammes === true;
      await renderFile(job, profile, options.ffmpegPath, scratchDir, index, (seconds) => rendered(index, seconds), background);
      await finished(entry);
    };
    // The stages one after the other: every channel's breaks exist before any programme renders.
    await runPool(order.filter((entry) => entry.stage === 'sign-on'), concurrency, render);
    await options.onSignOnReady?.();
    await runPool(order.filter((entry) => entry.stage === 'programmes'), concurrency, render);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }

  const marker: Marker = {
    version: LIBRARY_VERSION,
    size: profile.size,
    files: jobs.map((job) => path.relative(outputDir, job.file.path)),
  };
  // The complete marker stays last; the in-progress one goes after it.
  await writeFile(markerPath, `${JSON.stringify(marker, null, 2)}\n`, 'utf8');
  rmSync(inProgressPath, { force: true });
  return jobs.map((job) => job.file);
}

/** True when `outputDir` holds a completed demo library of the current version with all its files. */
export function demoLibraryIsPresent(outputDir: string): boolean {
  const markerPath = path.join(outputDir, MARKER_FILE);
  if (!existsSync(markerPath)) return false;
  try {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as Partial<Marker>;
    if (marker.version !== LIBRARY_VERSION || !Array.isArray(marker.files)) return false;
    return marker.files.every((file) => typeof file === 'string' && existsSync(path.join(outputDir, file)));
  } catch {
    return false;
  }
}
