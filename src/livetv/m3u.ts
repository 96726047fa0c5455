import { guideChannelId, type ChannelInfo } from '../channels/channel-info.js';
import { channelLogoUrl, channelStreamUrl } from './hdhr-documents.js';

export const M3U_FORMATS = ['ts', 'hls'] as const;
export type M3uFormat = (typeof M3U_FORMATS)[number];

/**
 * An attribute value inside `key="…"`: IPTV apps split on the quote and the line, and have no
 * escape syntax, so quotes become apostrophes and line breaks spaces.
 */
function attribute(value: string): string {
  return value.replace(/"/g, "'").replace(/[\r\n]+/g, ' ');
}

/** The display title after the comma ends the line, so it must not contain a line break. */
function title(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

/**
 * The M3U playlist IPTV apps (TiviMate, VLC, Kodi, Channels DVR) read: `url-tvg` points at the
 * guide, and `tvg-id` is exactly the XMLTV channel id (guideChannelId) so guide and stream match.
 */
export function buildM3u(channels: ChannelInfo[], baseUrl: string, format: M3uFormat): string {
  const guideUrl = `${baseUrl}/xmltv.xml`;
  const lines = [`#EXTM3U url-tvg="${guideUrl}" x-tvg-url="${guideUrl}"`];
  for (const channel of [...channels].filter((c) => c.enabled).sort((a, b) => a.number - b.number)) {
    const attributes = [
      ['tvg-id', guideChannelId(channel.number)],
      ['tvg-chno', String(channel.number)],
      ['tvg-name', channel.name],
      ['tvg-logo', channelLogoUrl(baseUrl, channel.number)],
      ['group-title', channel.group],
    ]
      .map(([key, value]) => `${key}="${attribute(value!)}"`)
      .join(' ');
    lines.push(`#EXTINF:-1 ${attributes},${title(channel.name)}`);
    lines.push(channelStreamUrl(baseUrl, channel.number, format));
  }
  return `${lines.join('\n')}\n`;
}
