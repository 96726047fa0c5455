/**
 * The image types Retrovue serves (channel logos, posters), told by their first bytes, never by
 * a name or a claimed type. A leaf module: the library's posters and the channels' logos both
 * use it, so neither folder imports the other for it.
 */
const SIGNATURES: Array<{ type: string; ext: string; matches: (b: Buffer) => boolean }> = [
  { type: 'image/png', ext: '.png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: '.jpg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', ext: '.gif', matches: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { type: 'image/webp', ext: '.webp', matches: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** Extensions of the accepted image types (an upload is stored under one of them). */
export const IMAGE_EXTENSIONS = SIGNATURES.map((signature) => signature.ext);

/**
 * What a file's bytes say it is, if it is PNG, JPEG, GIF or WebP. SVG is never one: it is a
 * document that can carry script, and images are served from the server's own origin.
 */
export function sniffImage(bytes: Buffer): { type: string; ext: string } | undefined {
  return SIGNATURES.find((signature) => signature.matches(bytes));
}
