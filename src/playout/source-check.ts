import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildSourceCheckArgs, type SourceFacts } from '../ffmpeg/airing-command.js';

const run = promisify(execFile);

export type SourceCheck = { ok: true; facts: SourceFacts } | { ok: false; reason: string };

interface StreamsJson {
  streams?: Array<{ codec_type?: string; field_order?: string; disposition?: { attached_pic?: number } }>;
}

const INTERLACED_FIELD_ORDERS = new Set(['tt', 'bb', 'tb', 'bt']);

/** Reads ffprobe's stream list: is there a picture, is there sound, is it interlaced. */
export function interpretSourceStreams(json: StreamsJson): SourceCheck {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) return { ok: false, reason: 'no video stream' };
  return {
    ok: true,
    facts: {
      hasAudio: streams.some((s) => s.codec_type === 'audio'),
      interlaced: INTERLACED_FIELD_ORDERS.has(video.field_order ?? ''),
    },
  };
}

/**
 * Looks at a file just before it airs. The library knew it was fine when it was scanned;
 * by air time it may be gone or damaged, and the channel must then show a slate, not go black.
 */
export async function checkSource(ffprobePath: string, filePath: string): Promise<SourceCheck> {
  try {
    const { stdout } = await run(ffprobePath, buildSourceCheckArgs(filePath), { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return interpretSourceStreams(JSON.parse(stdout) as StreamsJson);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const reason = stderr.split('\n').filter(Boolean).pop() ?? (error as Error).message;
    return { ok: false, reason: reason.replace(`${filePath}: `, '') };
  }
}
