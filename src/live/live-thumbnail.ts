import { spawnFfmpeg } from '../ffmpeg/process-registry.js';

const MAX_JPEG_BYTES = 4 * 1024 * 1024;

export class LiveThumbnailError extends Error {
  constructor(
    readonly code: 'no_picture' | 'busy',
    message: string,
  ) {
    super(message);
    this.name = 'LiveThumbnailError';
  }
}

/**
 * One JPEG frame decoded from a few seconds of a source's MPEG-TS (its first whole picture:
 * ffmpeg skips to the first keyframe), at the source's size up to 640 px wide. Bounded: the
 * input is what the ring holds, the answer at most 4 MiB, the run at most `timeoutMs`.
 */
export function decodeThumbnail(ffmpegPath: string, ts: Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', '1', '-vf', "scale='min(640,iw)':-2", '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'ignore'], background: true },
    );
    const parts: Buffer[] = [];
    let bytes = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdin!.on('error', () => undefined); // it may stop reading once it has its frame
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_JPEG_BYTES) child.kill('SIGKILL');
      else parts.push(chunk);
    });
    child.once('error', (error) => reject(new LiveThumbnailError('no_picture', error.message)));
    child.once('close', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(parts);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg);
      else reject(new LiveThumbnailError('no_picture', 'no picture could be decoded from the source in the last seconds'));
    });
    child.stdin!.end(ts);
  });
}
