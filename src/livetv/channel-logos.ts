import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ChannelInfo } from '../channels/channel-info.js';
import { drawtext } from '../ffmpeg/drawtext.js';
import type { Logger } from '../logging/logger.js';

const run = promisify(execFile);

/** Image types a channel's uploaded logo may have, by file extension. */
const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

/** 16:9, the shape Plex's and TiviMate's channel tiles show best. */
export const CARD_WIDTH = 480;
export const CARD_HEIGHT = 270;
/** Bumped when the card design changes, so cached cards are drawn again. */
const CARD_DESIGN_VERSION = 1;

/** Station colours, picked by channel number so neighbours differ. */
const CARD_COLOURS = ['0x1d3557', '0x7b2cbf', '0x2a9d8f', '0xc1121f', '0xe76f51', '0x264653', '0x6a4c93', '0x0b6e4f'];

export interface LogoFile {
  path: string;
  contentType: string;
  /** 'uploaded' = the channel's own image; 'generated' = a call-sign card. */
  source: 'uploaded' | 'generated';
}

/** One centred line of the card (the project's drawtext builder: escaped, expansion=none). */
function cardText(text: string, fontSize: number, y: string, colour: string): string {
  return drawtext({ text, fontSize, x: '(w-text_w)/2', y, color: colour, font: 'bold' });
}

/** The ffmpeg arguments that draw a channel's card: call sign large, channel number below. */
export function callSignCardArgs(channel: ChannelInfo, outputPath: string, withText = true, brandColour?: string): string[] {
  const colour = brandColour ?? CARD_COLOURS[(channel.number - 1) % CARD_COLOURS.length]!;
  const callSign = channel.callSign.trim() || `CH ${channel.number}`;
  // Long call signs shrink so they still fit the card.
  const callSignSize = Math.round(Math.min(110, (CARD_WIDTH * 0.85) / Math.max(1, callSign.length * 0.62)));
  const filters = withText
    ? [cardText(callSign, callSignSize, '(h-text_h)/2-24', 'white'), cardText(`CHANNEL ${channel.number}`, 30, 'h-60', 'white@0.8')].join(',')
    : 'null';
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=${colour}:s=${CARD_WIDTH}x${CARD_HEIGHT}:d=1`,
    '-vf', filters,
    '-frames:v', '1', '-f', 'image2', '-c:v', 'png',
    outputPath,
  ];
}

/**
 * Serves each channel's logo: its uploaded image when it has one on disk, else a call-sign
 * card drawn once with ffmpeg and cached under `<dataDir>/logos/` (named by what is drawn on
 * it, so renaming a channel or changing its branding colour draws a new card and the old one
 * is simply left unused).
 */
export class ChannelLogos {
  private readonly drawing = new Map<string, Promise<string>>();

  constructor(
    private readonly options: {
      dataDir: string;
      ffmpegPath: string;
      log: Logger;
      /** The channel's branding colour when one is set (station graphics), so its card matches its bug and lower thirds. */
      brandColour?: (channelNumber: number) => string | undefined;
    },
  ) {}

  private cardPath(channel: ChannelInfo, colour: string | undefined): string {
    const key = createHash('sha1').update(JSON.stringify([CARD_DESIGN_VERSION, channel.number, channel.callSign, colour ?? null])).digest('hex').slice(0, 12);
    return path.join(this.options.dataDir, 'logos', `channel-${channel.number}-${key}.png`);
  }

  async logoFor(channel: ChannelInfo): Promise<LogoFile> {
    const uploaded = await this.uploadedLogo(channel);
    if (uploaded) return uploaded;
    return { path: await this.callSignCard(channel), contentType: 'image/png', source: 'generated' };
  }

  private async uploadedLogo(channel: ChannelInfo): Promise<LogoFile | undefined> {
    if (!channel.logoPath) return undefined;
    const contentType = IMAGE_TYPES[path.extname(channel.logoPath).toLowerCase()];
    const isFile = await stat(channel.logoPath).then((s) => s.isFile(), () => false);
    if (contentType && isFile) return { path: channel.logoPath, contentType, source: 'uploaded' };
    // A broken logo should not blank the channel's tile: say why and show the card instead.
    this.options.log.warn(
      { channel: channel.number, logoPath: channel.logoPath },
      isFile ? 'channel logo is not a png/jpeg/gif/webp/svg file: showing the call-sign card' : 'channel logo file is missing: showing the call-sign card',
    );
    return undefined;
  }

  /** The cached card, drawing it first if needed; concurrent requests share one ffmpeg run. */
  callSignCard(channel: ChannelInfo): Promise<string> {
    const colour = this.options.brandColour?.(channel.number);
    const target = this.cardPath(channel, colour);
    const pending = this.drawing.get(target);
    if (pending) return pending;
    const job = this.drawCard(channel, target, colour).finally(() => this.drawing.delete(target));
    this.drawing.set(target, job);
    return job;
  }

  private async drawCard(channel: ChannelInfo, target: string, colour: string | undefined): Promise<string> {
    if (existsSync(target)) return target;
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp.png`;
    try {
      await run(this.options.ffmpegPath, callSignCardArgs(channel, temporary, true, colour), { timeout: 15_000 });
    } catch (error) {
      // An ffmpeg without drawtext (no libfreetype) still gets a plain station-colour card.
      this.options.log.warn({ err: error, channel: channel.number }, 'could not draw the call sign on the logo card: using a plain card');
      await run(this.options.ffmpegPath, callSignCardArgs(channel, temporary, false, colour), { timeout: 15_000 });
    }
    await rename(temporary, target);
    return target;
  }
}
