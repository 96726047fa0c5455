import type { OutputProfile } from '../config/quality.js';
import { keyframeGridExpression, type SegmentGrid } from '../hls/segment-grid.js';
import { mapAudioSlots, type SlotSource, type SourceAudioTrack } from './audio-slots.js';
import { drawtext } from './drawtext.js';
import { escapeFilterValue } from './filter-text.js';
import { ffmpegInputArgs, type MediaInput } from './media-input.js';

/**
 * Command lines of the playout engine (see docs/architecture.md):
 *  - one *airing renderer* per airing: decodes the source slice (or draws a slate) and
 *    encodes it to the channel's profile as MPEG-TS on stdout, with timestamps already
 *    placed on the channel's clock;
 *  - one *packager* per channel run: reads the renderers' output, one after another, from
 *    stdin and cuts it into live HLS without re-encoding.
 * Pure functions, unit-tested: every argument is decided here.
 */

/** What the renderer knows about the source, probed just before air (src/library/probe.ts). */
export interface SourceFacts {
  hasAudio: boolean;
  interlaced: boolean;
  /**
   * The file's audio tracks in ffmpeg's order (`0:a:k`), when the check read them: which one
   * fills each of the channel's language slots (src/ffmpeg/audio-slots.ts). Absent: the first.
   */
  audioTracks?: SourceAudioTrack[];
}

export interface AiringRenderSpec {
  /**
   * The file and where in it to start; absent = a slate. `input` is how ffmpeg reads it when
   * that is not the local file at `path` (a media server's URL, src/ffmpeg/media-input.ts).
   * `live`: a live source's MPEG-TS fed on stdin as it arrives (`liveInputArgs`; no seek).
   */
  source?: { path: string; input?: MediaInput; startSeconds: number; facts: SourceFacts; live?: boolean };
  /** Text of the slate when there is no source. */
  slateText?: string;
  /** A slate with no text (black, no drawtext): the fallback when the drawn slate fails. */
  plainSlate?: boolean;
  /** The channel's branding for the drawn slate (graphics `branding`); absent = the built-in look. */
  slateStyle?: SlateStyle;
  /** Exact length on the channel's clock. */
  durationSeconds: number;
  /** Channel-clock time of the first frame: output timestamps start here. */
  clockSeconds: number;
  /** Seconds from the start of the encoder run to this airing (for the keyframe grid). */
  runSeconds: number;
  grid: SegmentGrid;
  profile: OutputProfile;
  /** EBU R128 loudness target in LUFS, or null to leave levels alone. */
  loudnessTarget: number | null;
  /**
   * Station graphics (src/graphics): a filter-graph fragment that reads `[gin]` and writes
   * `[gout]`, drawn on the normalised picture before tpad/trim. Absent = the bare picture.
   */
  graphics?: { filter: string };
  /**
   * Subtitles drawn into the source's picture (src/playout/burn-in.ts), only with a source:
   *  - `text`: an ASS script (our file, cue times from the renderer's time zero) drawn by libass
   *    at the channel's frame size, after normalisation (crisp, placed on the channel's frame);
   *  - `picture`: the file's picture subtitle stream `[0:<streamIndex>]` (PGS, VobSub, DVB),
   *    scaled to the source picture's size and laid over it before normalisation, so it is
   *    letterboxed and scaled exactly as the video is.
   */
  burnIn?: { kind: 'text'; file: string } | { kind: 'picture'; streamIndex: number };
  /**
   * A drawn card instead of a source (an emergency alert): lavfi graphs for the picture and the
   * sound, at the profile's size, rate and sample rate. Without it and without a source: a slate.
   */
  card?: { video: string; audio: string };
  /**
   * Where the output goes instead of the live renderer's stdout, and how its keyframes are
   * forced (src/cache fills a file with keyframes on the file's own grid). Absent = live.
   */
  fileOutput?: {
    keyframes: string;
    muxerArgs: string[];
    path: string;
    /**
     * Start the sound this many samples before the picture, with silence (a cache file's first
     * picture can then be spliced with AAC frames from before it, as the live renderer's sound
     * starts up to a frame before its first picture).
     */
    audioLeadSamples?: number;
  };
}

export const AAC_FRAME_SAMPLES = 1024;

/**
 * Where an airing sits on the channel's two grids: video frames at k/fps and AAC frames at
 * m*1024/rate of the channel clock. Airings start on whole milliseconds, on neither grid.
 *
 * Video: counted from each airing's own start, the frame before a boundary and the one after
 * it would be less (or more) than a frame apart, and a CFR consumer (a player, Plex's
 * transcoder) sees two frames on one tick. On the grid every frame is exactly one frame after
 * the previous one, airing after airing; an airing's first frame is the first grid point at or
 * after its start (at most one frame late, never accumulating).
 *
 * Audio: the AAC encoder's output starts one frame (1024 samples, priming) before its input
 * and covers whole frames. An airing whose audio starts on the AAC grid at A and encodes up
 * to one frame before the next airing's A' ends exactly where the next airing's priming
 * packet begins: packets tile with no gap and no overlap. (A gap would matter: the packager
 * packs several AAC frames into one PES with one timestamp, so a gap inside it vanishes and
 * the next airing's sound plays early by the gap.) The last 1024 samples of a slot are given
 * to the next airing's priming, i.e. 21 ms of each airing's tail is not heard.
 *
 * Lip sync: the source's sound is shifted to start with its first picture (videoStart), to
 * the sample, whatever the two grids did.
 *
 * All values are relative to `baseSeconds`, the video grid point at or before the airing's
 * start: the renderer's time zero (its -output_ts_offset).
 */
export interface GridPlacement {
  baseSeconds: number;
  /** 0 when the airing starts on the video grid, else 1. */
  videoLeadFrames: number;
  /** Video frames in the slot (grid points in [start, end)). */
  frames: number;
  /** Output audio starts this many samples after base (on the AAC grid). */
  audioStartSamples: number;
  /** Samples to encode: the AAC-grid slot less the one frame the next airing primes into. */
  audioSamples: number;
  /** Source sound's first sample relative to the audio start: > 0 delay by it, < 0 skip -it. */
  audioContentShiftSamples: number;
}

export function placeOnGrids(clockSeconds: number, durationSeconds: number, frameRate: number, sampleRate: number): GridPlacement {
  // A microsecond of tolerance: clock times are whole milliseconds, grid points are not.
  const eps = 1e-6;
  const endSeconds = clockSeconds + durationSeconds;
  const baseIndex = Math.floor(clockSeconds * frameRate + eps);
  const firstIndex = Math.ceil(clockSeconds * frameRate - eps);
  const endIndex = Math.ceil(endSeconds * frameRate - eps);
  const baseSamples = Math.round((baseIndex * sampleRate) / frameRate);
  const aacIndex = (seconds: number) => Math.ceil((seconds * sampleRate) / AAC_FRAME_SAMPLES - eps);
  const audioStart = aacIndex(clockSeconds) * AAC_FRAME_SAMPLES;
  const audioEnd = aacIndex(endSeconds) * AAC_FRAME_SAMPLES;
  const videoStartSamples = baseSamples + Math.round(((firstIndex - baseIndex) * sampleRate) / frameRate);
  return {
    baseSeconds: baseIndex / frameRate,
    videoLeadFrames: firstIndex - baseIndex,
    frames: Math.max(1, endIndex - firstIndex),
    audioStartSamples: audioStart - baseSamples,
    audioSamples: Math.max(AAC_FRAME_SAMPLES, audioEnd - audioStart - AAC_FRAME_SAMPLES),
    audioContentShiftSamples: videoStartSamples - audioStart,
  };
}

/** Scale into the frame keeping aspect (letterbox/pillarbox), square pixels, constant frame rate. */
export function normaliseVideoChain(profile: Pick<OutputProfile, 'width' | 'height' | 'frameRate'>, interlaced: boolean): string {
  const { width, height, frameRate } = profile;
  return [
    // bwdif only touches frames flagged interlaced; progressive ones pass through.
    ...(interlaced ? ['bwdif=mode=send_frame:deint=interlaced'] : []),
    `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black`,
    'setsar=1',
    `fps=${frameRate}`,
    'format=yuv420p',
  ].join(',');
}

/**
 * The slate's picture. The drawn one is a card with text (needs drawtext, i.e. ffmpeg built with
 * libfreetype); the plain one is black with no filter at all, the fallback when the drawn slate
 * cannot start.
 */
/** Colours (ffmpeg `0xRRGGBB`) and font of a channel's drawn slate. */
export interface SlateStyle {
  background: string;
  accent: string;
  text: string;
  /** A font file known to exist; absent = the built-in bold font. */
  fontFile?: string;
}

function slateVideoSource(spec: AiringRenderSpec): string {
  const { width, height, frameRate } = spec.profile;
  if (spec.plainSlate) return `color=c=black:s=${width}x${height}:r=${frameRate}`;
  const size = Math.max(12, Math.round(height / 18));
  const style = spec.slateStyle;
  const centred = { x: '(w-text_w)/2', font: style?.fontFile ? { file: style.fontFile } : ('bold' as const) };
  return [
    `color=c=${style?.background ?? '0x1d3557'}:s=${width}x${height}:r=${frameRate}`,
    // A branded slate carries the channel's accent rule above the text, as its cards do.
    ...(style ? [`drawbox=x=iw*0.2:y=ih/2-${size * 2}:w=iw*0.6:h=${Math.max(2, Math.round(size / 6))}:color=${style.accent}@1:t=fill`] : []),
    drawtext({ ...centred, text: spec.slateText ?? 'We are experiencing technical difficulties', y: '(h-text_h)/2', fontSize: size, color: style?.text ?? 'white' }),
    drawtext({ ...centred, text: 'Please stand by', y: `(h-text_h)/2+${size * 2}`, fontSize: Math.round(size * 0.7), color: style?.accent ?? '0xf1faee' }),
  ].join(',');
}

/** Encoder settings shared by every airing, so the packager sees one uniform stream. */
function encoderArgs(spec: AiringRenderSpec, keyframeRunStart: number): string[] {
  const args = encoderSettings(spec.profile);
  const forced = spec.fileOutput ? spec.fileOutput.keyframes : keyframeGridExpression(spec.grid, keyframeRunStart);
  // Keyframes go before the audio settings, as they always have (golden command lines).
  args.splice(args.indexOf('-c:a'), 0, '-force_key_frames', forced);
  return args;
}

/** The profile's codec settings without keyframe forcing (shared by live renderers and cache fills). */
export function encoderSettings(profile: OutputProfile): string[] {
  const args = ['-c:v', profile.videoCodec, '-b:v', profile.videoBitrate];
  if (profile.videoCodec === 'libx264') {
    args.push('-preset', profile.preset, '-profile:v', 'high', '-maxrate', profile.videoBitrate);
    args.push('-bufsize', doubleBitrate(profile.videoBitrate), '-sc_threshold', '0');
  }
  // No B-frames: decode order equals presentation order, so one airing's last frame can never
  // be decoded after the next airing's first (DTS stays monotonic across the splice).
  args.push('-bf', '0', '-g', String(profile.frameRate * 60));
  args.push('-c:a', profile.audioCodec, '-b:a', profile.audioBitrate, '-ar', String(profile.audioSampleRate), '-ac', String(profile.audioChannels));
  return args;
}

function doubleBitrate(bitrate: string): string {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(bitrate);
  return match ? `${Number(match[1]) * 2}${match[2]}` : bitrate;
}

/** Loudness normalisation (EBU R128) and back to the profile's rate and layout. */
export function audioLevelChain(loudnessTarget: number | null, sampleRate: number): string {
  const steps: string[] = [];
  if (loudnessTarget !== null) steps.push(`loudnorm=I=${loudnessTarget}:LRA=11:TP=-2`);
  steps.push(`aresample=${sampleRate}`, 'aformat=sample_fmts=fltp:channel_layouts=stereo');
  return steps.join(',');
}

/** The source track (or silence) of each of the profile's audio slots for this airing. */
export function audioSlotsOf(spec: Pick<AiringRenderSpec, 'source' | 'profile'>): SlotSource[] {
  const languages = spec.profile.audioLanguages ?? [];
  const facts = spec.source?.facts;
  const tracks: SourceAudioTrack[] = facts?.audioTracks ?? (facts?.hasAudio ? [{ default: true }] : []);
  return mapAudioSlots(languages, facts?.hasAudio === false ? [] : tracks);
}

/**
 * The source's picture, normalised to the channel's frame, with burned-in subtitles if any. Text:
 * libass's `subtitles` filter on the normalised picture, its file path escaped for the filter
 * graph (the cue text is in the file, never in the graph). Pictures: the subtitle stream (its
 * canvas, e.g. a PGS stream's 1920x1080 or a DVD's 720x576) scaled to the video's size by
 * scale2ref, then overlaid; at its end the video passes on alone (eof_action=pass, repeatlast=0).
 */
function sourcePicture(burnIn: AiringRenderSpec['burnIn'], normalise: string): string {
  if (burnIn?.kind === 'text') return `[0:v:0]${normalise},subtitles=filename=${escapeFilterValue(burnIn.file)}`;
  if (burnIn?.kind === 'picture') {
    return `[0:${burnIn.streamIndex}][0:v:0]scale2ref=w=main_w:h=main_h[bsub][bvid];[bvid][bsub]overlay=eof_action=pass:repeatlast=0,${normalise}`;
  }
  return `[0:v:0]${normalise}`;
}

/** Filter label suffix of slot k: the first keeps the name `[a]` the golden command lines have. */
const slotLabel = (k: number): string => (k === 0 ? '' : String(k));

/**
 * A live source's MPEG-TS on stdin (a live block, src/playout/airing-chain.ts feeds it as the
 * ingest receives it). No seek and no -re: it arrives in real time. The stream is joined
 * mid-way, so timestamps are generated where missing and corrupt packets dropped, and the
 * probe is kept short (nobuffer, 1 s, 500 kB) because every second of it is a second of delay
 * before the channel shows the source.
 */
export function liveInputArgs(): string[] {
  return ['-fflags', '+genpts+discardcorrupt+nobuffer', '-probesize', '500000', '-analyzeduration', '1000000', '-f', 'mpegts', '-i', 'pipe:0'];
}

/** One airing (or slate) rendered to the channel's profile as MPEG-TS on stdout. */
export function buildAiringRenderArgs(spec: AiringRenderSpec): string[] {
  const { profile } = spec;
  const grid = placeOnGrids(spec.clockSeconds, spec.durationSeconds, profile.frameRate, profile.audioSampleRate);
  const inputs: string[] = [];
  let videoIn: string;
  // One sound per language slot (src/ffmpeg/audio-slots.ts): the same count and order on every
  // airing, slates and cards included, so the packager maps stream k onto one PID for the run.
  const slots = audioSlotsOf(spec);
  let audioIns: string[];
  if (spec.source) {
    const { startSeconds } = spec.source;
    inputs.push(...(spec.source.live ? liveInputArgs() : ffmpegInputArgs(spec.source.input ?? { kind: 'file', path: spec.source.path }, startSeconds > 0 ? startSeconds : undefined)));
    videoIn = sourcePicture(spec.burnIn, normaliseVideoChain(profile, spec.source.facts.interlaced));
    if (slots.some((slot) => slot.track !== undefined)) {
      // async=1 stretches/pads audio to its timestamps so a source whose audio is shorter
      // than its video cannot pull picture and sound apart. Each slot is levelled on its own
      // (loudness differs between a dub and the original).
      audioIns = slots.map((slot) => `[0:a:${slot.track ?? 0}]aresample=${profile.audioSampleRate}:async=1:first_pts=0,${audioLevelChain(spec.loudnessTarget, profile.audioSampleRate)}`);
    } else {
      // A silent source still gets its audio tracks: players expect one stream layout throughout.
      inputs.push('-f', 'lavfi', '-i', `anullsrc=r=${profile.audioSampleRate}:cl=stereo`);
      audioIns = slots.map(() => '[1:a]anull');
    }
  } else if (spec.card) {
    inputs.push('-f', 'lavfi', '-i', spec.card.video);
    inputs.push('-f', 'lavfi', '-i', spec.card.audio);
    videoIn = '[0:v]format=yuv420p';
    audioIns = slots.map(() => '[1:a]aformat=sample_fmts=fltp:channel_layouts=stereo');
  } else {
    inputs.push('-f', 'lavfi', '-i', slateVideoSource(spec));
    inputs.push('-f', 'lavfi', '-i', `anullsrc=r=${profile.audioSampleRate}:cl=stereo`);
    videoIn = '[0:v]format=yuv420p';
    audioIns = slots.map(() => '[1:a]anull');
  }
  // tpad/apad extend a source that ends early (its slot is the timeline's, not the file's);
  // trim ends exactly on the slot, so the next airing starts on its timeline second.
  // Time zero of this output is the video grid point at or before the airing's start (see
  // placeOnGrids): video starts on the frame grid (whole frames in the fps filter's 1/fps time
  // base), sound on the AAC grid (whole samples), lined up with the first picture.
  const videoStart = grid.videoLeadFrames > 0 ? `PTS-STARTPTS+${grid.videoLeadFrames}` : 'PTS-STARTPTS';
  const lead = spec.fileOutput?.audioLeadSamples ?? 0;
  const shift = grid.audioContentShiftSamples + lead;
  const lineUp = shift > 0 ? `,adelay=delays=${shift}S:all=1` : shift < 0 ? `,atrim=start_sample=${-shift},asetpts=PTS-STARTPTS` : '';
  const audioStartSamples = grid.audioStartSamples - lead;
  const audioStart = audioStartSamples > 0 ? `PTS-STARTPTS+${audioStartSamples}` : audioStartSamples < 0 ? `PTS-STARTPTS-${-audioStartSamples}` : 'PTS-STARTPTS';
  // Graphics sit between normalisation and tpad/trim: drawn in the renderer's own time, and a
  // source that ends early is padded with its last frame as broadcast (graphics included).
  const picture = spec.graphics ? `${videoIn}[gin];${spec.graphics.filter};[gout]` : `${videoIn},`;
  const graph = [
    `${picture}tpad=stop=-1:stop_mode=clone,trim=end_frame=${grid.frames},setpts=${videoStart}[v]`,
    ...audioIns.map((audioIn, k) => `${audioIn}${lineUp},apad,atrim=end_sample=${grid.audioSamples + lead},asetpts=${audioStart}[a${slotLabel(k)}]`),
  ].join(';');
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'level+error', '-nostats',
    '-progress', 'pipe:3',
    ...inputs,
    '-filter_complex', graph,
    '-map', '[v]', ...audioIns.flatMap((_, k) => ['-map', `[a${slotLabel(k)}]`]),
    // ISO 639 language descriptors in the PMT: Plex, TVs and the HLS renditions read them.
    ...slots.flatMap((slot, k) => (slot.language ? [`-metadata:s:a:${k}`, `language=${slot.language}`] : [])),
    // The keyframe grid is run-relative; this output's zero is `base`, up to a frame before the airing.
    ...encoderArgs(spec, spec.runSeconds - (spec.clockSeconds - grid.baseSeconds)),
    // Microseconds: a grid point (k/fps) rounded to milliseconds would be off the 90 kHz grid.
    '-output_ts_offset', grid.baseSeconds.toFixed(6),
    // Each renderer's continuity counters start over; flagging the first packet of each PID
    // as a discontinuity tells the packager's demuxer the jump is intended, not corruption.
    '-mpegts_flags', '+initial_discontinuity',
    ...(spec.fileOutput ? [...spec.fileOutput.muxerArgs, '-f', 'mpegts', '-y', spec.fileOutput.path] : ['-f', 'mpegts', 'pipe:1']),
  ];
}

/**
 * The channel's packager: MPEG-TS from the renderers on stdin, timestamps kept as the renderers
 * placed them (-copyts), remuxed without re-encoding into one continuous MPEG-TS on stdout
 * (one muxer: continuity counters run on, PAT/PMT repeat every 100 ms). Node paces it
 * (PackagerOutput), cuts the HLS segments from it (Segmenter) and fans it out to `.ts`
 * viewers (TsStreamFanout). Each packet is flushed as written, so nothing waits in ffmpeg's
 * output buffer.
 */
export function buildPackagerArgs(): string[] {
  return [
    '-hide_banner', '-loglevel', 'level+warning', '-nostats',
    '-progress', 'pipe:3', '-stats_period', '2',
    '-copyts',
    '-probesize', '1000000', '-analyzeduration', '1000000',
    '-f', 'mpegts', '-i', 'pipe:0',
    // Every audio stream: one per language slot (src/ffmpeg/audio-slots.ts).
    '-map', '0:v:0', '-map', '0:a', '-c', 'copy',
    '-flush_packets', '1',
    '-f', 'mpegts', 'pipe:1',
  ];
}
