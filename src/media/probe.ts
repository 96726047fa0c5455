import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildProbeArgs } from '../ffmpeg/command-builder.js';

const run = promisify(execFile);

export interface ProbedVideoStream {
  codec: string;
  width: number;
  height: number;
  frameRate: number | null;
}

export interface ProbedAudioStream {
  codec: string;
  channels: number;
  sampleRate: number;
  language: string | null;
}

export interface ProbedChapter {
  title: string;
  startMs: number;
}

export interface MediaProbe {
  container: string;
  durationMs: number;
  video: ProbedVideoStream | null;
  audio: ProbedAudioStream[];
  chapters: ProbedChapter[];
  tags: Record<string, string>;
}

export type ProbeResult = { ok: true; probe: MediaProbe } | { ok: false; reason: string };

interface FfprobeJson {
  format?: { format_name?: string; duration?: string; tags?: Record<string, string> };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    channels?: number;
    sample_rate?: string;
    duration?: string;
    disposition?: { attached_pic?: number };
    tags?: Record<string, string>;
  }>;
  chapters?: Array<{ start_time?: string; tags?: Record<string, string> }>;
}

function parseRate(rate: string | undefined): number | null {
  if (!rate) return null;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den) return null;
  return num / den;
}

/** Turns ffprobe's JSON into what Retrovue needs, or the reason the file cannot air. */
export function interpretProbe(json: FfprobeJson): ProbeResult {
  const streams = json.streams ?? [];
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!videoStream) return { ok: false, reason: 'no video stream' };
  const durationSeconds = Number(json.format?.duration ?? videoStream.duration ?? NaN);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) return { ok: false, reason: 'unknown or zero duration' };
  const lowerTags = Object.fromEntries(Object.entries(json.format?.tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    ok: true,
    probe: {
      container: json.format?.format_name ?? 'unknown',
      durationMs: Math.round(durationSeconds * 1000),
      video: {
        codec: videoStream.codec_name ?? 'unknown',
        width: videoStream.width ?? 0,
        height: videoStream.height ?? 0,
        frameRate: parseRate(videoStream.avg_frame_rate) ?? parseRate(videoStream.r_frame_rate),
      },
      audio: streams
        .filter((s) => s.codec_type === 'audio')
        .map((s) => ({
          codec: s.codec_name ?? 'unknown',
          channels: s.channels ?? 0,
          sampleRate: Number(s.sample_rate ?? 0),
          language: s.tags?.language ?? null,
        })),
      chapters: (json.chapters ?? []).map((c, i) => ({
        title: c.tags?.title ?? `Chapter ${i + 1}`,
        startMs: Math.round(Number(c.start_time ?? 0) * 1000),
      })),
      tags: lowerTags,
    },
  };
}

/** Runs ffprobe on one file. Never throws for a bad file: it says why the file is unplayable. */
export async function probeMedia(ffprobePath: string, filePath: string): Promise<ProbeResult> {
  try {
    const { stdout } = await run(ffprobePath, buildProbeArgs(filePath), { maxBuffer: 32 * 1024 * 1024, timeout: 60_000 });
    return interpretProbe(JSON.parse(stdout) as FfprobeJson);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const reason = stderr.split('\n').filter(Boolean).pop() ?? (error as Error).message;
    return { ok: false, reason: reason.replace(`${filePath}: `, '') };
  }
}
