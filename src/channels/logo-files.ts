import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/** The image types a logo may be, told by their first bytes (never by a name or a claimed type). */
const SIGNATURES: Array<{ type: string; ext: string; matches: (b: Buffer) => boolean }> = [
  { type: 'image/png', ext: '.png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: '.jpg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', ext: '.gif', matches: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { type: 'image/webp', ext: '.webp', matches: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** Extensions of the accepted image types (an upload is stored under one of them). */
export const LOGO_EXTENSIONS = SIGNATURES.map((signature) => signature.ext);

/**
 * What a file's bytes say it is, if it is PNG, JPEG, GIF or WebP. SVG is never one: it is a
 * document that can carry script, and a logo is served from the server's own origin.
 */
export function sniffImage(bytes: Buffer): { type: string; ext: string } | undefined {
  return SIGNATURES.find((signature) => signature.matches(bytes));
}

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
