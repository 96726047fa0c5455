import { existsSync } from 'node:fs';

/** Text inside ffmpeg filtergraphs (drawtext on demo media, slates, logos). */

/**
 * Escapes a value for use as a filter option inside a -filter_complex string. ffmpeg unescapes
 * twice (once when splitting the graph, once when splitting a filter's options), so a value is
 * escaped for the option level first and the graph level second, as its docs describe.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** First existing file among the candidates; undefined lets drawtext fall back to fontconfig. */
function findFont(candidates: string[]): string | undefined {
  return candidates.find((candidate) => existsSync(candidate));
}

export const FONTS = {
  bold: findFont([
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
    '/Library/Fonts/Arial Bold.ttf',
    '/System/Library/Fonts/Supplemental/Arial Bold.ttf',
  ]),
  // Monospaced so the running clock's digits do not jitter sideways.
  mono: findFont([
    '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSansMono-Bold.ttf',
    '/usr/share/fonts/TTF/DejaVuSansMono-Bold.ttf',
    '/System/Library/Fonts/Supplemental/Courier New Bold.ttf',
  ]),
};
