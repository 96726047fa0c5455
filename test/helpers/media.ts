import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TinyClip {
  name: string;
  seconds: number;
  /** lavfi colour for a solid picture, or 'testsrc2' for a moving pattern. */
  picture?: string;
  size?: string;
  rate?: number;
  toneHz?: number;
  audio?: boolean;
  /** Audio layout of the tone (default mono, as ffmpeg's sine source makes it). */
  layout?: 'mono' | 'stereo' | '5.1';
  /** Audio sample rate (default 44100). */
  sampleRate?: number;
  /** Encode as interlaced (top field first), as broadcast captures are. */
  interlaced?: boolean;
}

/** Writes small H.264/AAC clips made from ffmpeg's test sources; returns their paths. */
export async function makeClips(dir: string, clips: TinyClip[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    clips.map(async (clip) => {
      const size = clip.size ?? '160x90';
      const rate = clip.rate ?? 25;
      const file = path.join(dir, clip.name);
      const video =
        !clip.picture || clip.picture === 'testsrc2'
          ? `testsrc2=size=${size}:rate=${rate}:duration=${clip.seconds}`
          : `color=c=${clip.picture}:size=${size}:rate=${rate}:duration=${clip.seconds}`;
      const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', video];
      if (clip.audio !== false) {
        args.push('-f', 'lavfi', '-i', `sine=frequency=${clip.toneHz ?? 440}:sample_rate=${clip.sampleRate ?? 44100}:duration=${clip.seconds}`);
      }
      args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(rate), '-pix_fmt', 'yuv420p');
      // x264 codes fields when told, and the container then says top field first.
      if (clip.interlaced) args.push('-flags', '+ilme+ildct', '-x264opts', 'tff=1', '-field_order', 'tt');
      if (clip.audio !== false) {
        if (clip.layout && clip.layout !== 'mono') args.push('-af', `aformat=channel_layouts=${clip.layout}`);
        args.push('-c:a', 'aac', '-shortest');
      }
      args.push(file);
      await run('ffmpeg', args);
      return file;
    }),
  );
}
