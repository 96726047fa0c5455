import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FONTS } from '../../../src/ffmpeg/filter-text.js';
import { callSignBugArgs, ImageValidator } from '../../../src/graphics/images.js';
import { tempDir } from '../../helpers/server.js';

const run = promisify(execFile);

/** RGBA bytes of a PNG, via ffmpeg. */
async function rgba(file: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { encoding: 'buffer', maxBuffer: 8 * 1024 * 1024 });
  return stdout as unknown as Buffer;
}

describe('bug images (real ffmpeg)', () => {
  it('the generated call-sign bug is white type on a transparent background', async () => {
    const file = path.join(tempDir('bug'), 'bug.png');
    await run('ffmpeg', callSignBugArgs('RTV1', '0xfca311', FONTS.bold, file));
    const pixels = await rgba(file);
    // 480x160: the corner is fully transparent, some pixels (the letters) are opaque white.
    expect(pixels[3]).toBe(0);
    let opaqueWhite = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] === 255 && pixels[i]! > 240 && pixels[i + 1]! > 240 && pixels[i + 2]! > 240) opaqueWhite += 1;
    expect(opaqueWhite).toBeGreaterThan(1000);
  });

  it('a missing, truncated or non-image logo is refused with a reason; a good one passes', async () => {
    const dir = tempDir('logos');
    const good = path.join(dir, 'good.png');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=64x64:d=1', '-frames:v', '1', good]);
    const { readFile, writeFile } = await import('node:fs/promises');
    const truncated = path.join(dir, 'truncated.png');
    await writeFile(truncated, (await readFile(good)).subarray(0, 60));
    const text = path.join(dir, 'logo.png.txt');
    await writeFile(text, 'not an image');
    const validator = new ImageValidator({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' });
    expect(await validator.check(good)).toEqual({ ok: true });
    expect(await validator.check(path.join(dir, 'missing.png'))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not exist/) });
    expect(await validator.check(truncated)).toMatchObject({ ok: false });
    expect(await validator.check(text)).toMatchObject({ ok: false });
  });
});
