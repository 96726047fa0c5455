import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTENSIONS, sniffImage } from '../library/image-type.js';

/** Extensions of the accepted logo types (an upload is stored under one of them). */
export const LOGO_EXTENSIONS = IMAGE_EXTENSIONS;

/** The first bytes of a file, enough to sniff it. */
function headOf(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const read = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Why a logo named over the API is refused (the API answers 400 naming `logo`). */
export class LogoNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogoNameError';
  }
}

/**
 * The logo file a client names over the API: only a plain file name inside the operator's
 * `server.logo_folder` (no folders, no `..`), that exists and is a PNG, JPEG, GIF or WebP by its
 * bytes. Anything else — a path anywhere on disk, an SVG — is refused, so the API can never
 * make the server read or serve a file the operator did not put there. Returns its full path.
 */
export function logoInFolder(folder: string | undefined, name: string): string {
  if (!folder) throw new LogoNameError('logo: upload the image with PUT /api/channels/{n}/logo (naming a file needs server.logo_folder in the config file)');
  if (/[/\\\u0000-\u001f\u007f]/.test(name) || name.includes('..') || name.startsWith('.') || name.length > 255) {
    throw new LogoNameError(`logo: give a file name inside the logo folder (no folders, no ".."), or upload the image with PUT /api/channels/{n}/logo`);
  }
  const file = path.join(path.resolve(folder), name);
  const info = (() => {
    try {
      return statSync(file);
    } catch {
      return undefined;
    }
  })();
  if (!info?.isFile()) throw new LogoNameError(`logo: there is no file "${name}" in the logo folder`);
  if (!sniffImage(headOf(file))) throw new LogoNameError(`logo: "${name}" is not a PNG, JPEG, GIF or WebP image (SVG is not accepted)`);
  return file;
}
