/**
 * A channel's identity as viewers and Live TV clients see it (guide, M3U, HDHomeRun lineup).
 * Channels are numbered from 1; `number` is the guide number and the `/channel/{n}` path.
 */
export interface ChannelInfo {
  number: number;
  name: string;
  /** Short station name, e.g. "RTV1"; shown on generated logos and as the XMLTV display name. */
  callSign: string;
  /** M3U group-title. */
  group: string;
  /** Uploaded logo image on disk, if any; otherwise a call-sign card is generated. */
  logoPath?: string;
  enabled: boolean;
  /** IANA time zone the channel's schedule is anchored in. */
  timeZone: string;
}

/** Where the server looks channels up (the channel store, src/channels/channel-store.ts). */
export interface ChannelDirectory {
  list(): ChannelInfo[];
  get(channelNumber: number): ChannelInfo | undefined;
}

/**
 * The channel's id in the guide: XMLTV `channel id` and M3U `tvg-id` must be equal strings so
 * IPTV apps and media servers match guide to stream. Dotted, RFC 2838-like, as XMLTV suggests.
 */
export function guideChannelId(channelNumber: number): string {
  return `${channelNumber}.retrovue`;
}
