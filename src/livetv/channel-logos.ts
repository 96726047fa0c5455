import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ChannelInfo } from '../channels/channel-info.js';
import { sniffImage } from '../library/image-type.js';
import { drawtext } from '../ffmpeg/drawtext.js';
import type { Logger } from '../logging/logger.js';

const run = promisify(execFile);

/**
 * A logo file larger than this is not read (the call-sign card is shown): uploads are at most
 * 1 MiB, and a logo is read whole for each request.
 */
const MAX_SERVED_LOGO_BYTES = 8 * 1024 * 1024;

/** 16:9, the shape Plex's and TiviMate's channel tiles show best. */
export const CARD_WIDTH = 480;
export const CARD_HEIGHT = 270;
/** Bumped when the card design changes, so cached cards are drawn again. */
const CARD_DESIGN_VERSION = 1;

/** Station colours, picked by channel number so neighbours differ. */
const CARD_COLOURS = ['0x1d3557', '0x7b2cbf', '0x2a9d8f', '0xc1121f', '0xe76f51', '0x264653', '0x6a4c93', '0x0b6e4f'];

export interface LogoFile {
  path: string;
  /** The image as read, and its type as its bytes say (never as its name says). */
  bytes: Buffer;
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

  /**
   * The channel's logo as served at `/channel/{n}/logo`: only ever bytes that are a PNG, JPEG,
   * GIF or WebP, with the type they sniff as. Anything else its logo path names (an SVG, which
   * could run script on the server's origin; a text file; a missing file) is not sent: the
   * call-sign card is, and the log says why. An SVG is refused rather than converted: ffmpeg
   * reads SVG only when built with librsvg, and the fix is the operator's (a PNG of it).
   */
  async logoFor(channel: ChannelInfo): Promise<LogoFile> {
    const uploaded = await this.uploadedLogo(channel);
    if (uploaded) return uploaded;
    const card = await this.callSignCard(channel);
    return { path: card, bytes: await readFile(card), contentType: 'image/png', source: 'generated' };
  }

  private async uploadedLogo(channel: ChannelInfo): Promise<LogoFile | undefined> {
    if (!channel.logoPath) return undefined;
    const refuse = (reason: string) => {
      // A broken logo should not blank the channel's tile: say why and show the card instead.
      this.options.log.warn({ channel: channel.number, logoPath: channel.logoPath }, `channel logo ${reason}: showing the call-sign card`);
      return undefined;
    };
    const info = await stat(channel.logoPath).catch(() => undefined);
    if (!info?.isFile()) return refuse('file is missing');
    if (info.size > MAX_SERVED_LOGO_BYTES) return refuse(`is larger than ${MAX_SERVED_LOGO_BYTES / 1048576} MiB`);
    // Read once and sniffed as read: what is checked is what is sent.
    const bytes = await readFile(channel.logoPath).catch(() => undefined);
    if (!bytes) return refuse('file cannot be read');
    const image = sniffImage(bytes);
    if (!image) return refuse('is not a PNG, JPEG, GIF or WebP image (SVG is never served: it can carry script)');
    return { path: channel.logoPath, bytes, contentType: image.type, source: 'uploaded' };
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
