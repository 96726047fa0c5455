import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { sniffImage } from '../image-type.js';

/**
 * Posters: a local image beside the media (poster.jpg, folder.jpg, <name>-thumb.jpg …) or one
 * a media server holds. Either way an image is only ever served when its bytes say JPEG, PNG or
 * WebP and it is at most MAX_POSTER_BYTES: a file named .jpg that is anything else (an HTML
 * page, an SVG with script) is never sent to a viewer's browser.
 */

export const MAX_POSTER_BYTES = 10 * 1024 * 1024;

/** The image types a poster may be, by their first bytes. */
const POSTER_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * Fetches a media-server item's poster (the sync wires it in serve: it knows the source's
 * address and secret). `serverPath` is media_files.poster_remote, a path on that server; the
 * answer must be the image's bytes and its type, bounded by the fetcher.
 */
export type RemotePosterFetcher = (mediaId: number, serverPath: string) => Promise<{ contentType: string; body: Buffer }>;

/** The poster's content type when the bytes are a JPEG, PNG or WebP; undefined otherwise. */
export function posterType(bytes: Buffer): string | undefined {
  const type = sniffImage(bytes)?.type;
  return type && POSTER_TYPES.has(type) ? type : undefined;
}

export type PosterCheck = { ok: true; contentType: string; sizeBytes: number; mtimeMs: number } | { ok: false; reason: string };

/** Whether a file can be a poster: a regular file, not empty, at most MAX_POSTER_BYTES, a JPEG/PNG/WebP by its bytes. */
export async function checkPosterFile(file: string): Promise<PosterCheck> {
  let handle;
  try {
    // Non-blocking: a named pipe planted under a poster's or an .nfo's name must not hold a thread waiting for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not a file' };
    if (info.size === 0) return { ok: false, reason: 'empty' };
    if (info.size > MAX_POSTER_BYTES) return { ok: false, reason: `larger than ${MAX_POSTER_BYTES} bytes (${info.size})` };
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const contentType = posterType(head.subarray(0, bytesRead));
    if (!contentType) return { ok: false, reason: 'not a JPEG, PNG or WebP image' };
    return { ok: true, contentType, sizeBytes: info.size, mtimeMs: Math.trunc(info.mtimeMs) };
  } catch (error) {
    return { ok: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle?.close();
  }
}

/** Image extensions a sidecar poster may have, in order of preference. */
export const POSTER_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

/** Folder-level poster names (Kodi, Jellyfin, Plex local assets), in order of preference. */
export const FOLDER_POSTER_NAMES = ['poster', 'folder', 'cover', 'default', 'show'];

/** A poster's bytes, read through the same checks (a file replaced since it was checked is checked again). */
export async function readPosterFile(file: string): Promise<{ contentType: string; body: Buffer }> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size === 0 || info.size > MAX_POSTER_BYTES) throw new Error('the poster is no longer a usable file');
    const body = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(body, 0, info.size, 0);
    const contentType = posterType(body.subarray(0, bytesRead));
    if (!contentType) throw new Error('the poster is no longer a JPEG, PNG or WebP image');
    return { contentType, body: body.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}
