import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { FONTS } from '../ffmpeg/filter-text.js';
import type { Logger } from '../logging/logger.js';
import type { Airing, ChannelTimeline } from '../timeline/types.js';
import type { GraphicsSettings } from '../config/graphics-settings.js';
import { buildOverlayFilter, type BugLayer, type FrameSize, type OverlaySpec } from './filter-graph.js';
import { GeneratedBugs, ImageValidator } from './images.js';
import { planGraphics, type GraphicsPlan, type Window } from './windows.js';

/** What the renderer adds to its graph: a `[gin]…[gout]` fragment (see filter-graph.ts). */
export interface RenderGraphics {
  filter: string;
  /**
   * Set when all the renderer draws is the channel's always-on bug (no card, no intermittent
   * bug in the slice): the same picture on every frame of every such airing, so it may be burned
   * into a per-channel cache variant (src/cache) named by `key` — the bug's settings, the frame
   * and the image file's identity (path, size, mtime): a new logo is a new variant.
   */
  staticBug?: StaticBug;
  /**
   * Set when the slice draws more than its static picture (the always-on bug, or nothing): the
   * wall-clock spans where it does (cards, an intermittent bug's windows), sorted. Outside them
   * the picture is `staticBug`'s variant, or the bare copy when there is no `staticBug`, so the
   * media cache renders only these spans live (src/cache/splice-plan.ts, boundByLiveSpans).
   */
  liveSpans?: Window[];
}

export interface StaticBug {
  key: string;
  /** The bug-only filter fragment (the same for any slice: the bug is on the whole time). */
  filter: string;
}

/** The channel as graphics needs it, read fresh for every airing (a change airs from the next one). */
export interface GraphicsChannel {
  number: number;
  name: string;
  callSign: string;
  timeZone: string;
  /** Uploaded logo, if any. */
  logoPath?: string;
  settings: GraphicsSettings;
}

export interface GraphicsRequest {
  timeline: ChannelTimeline;
  airing: Airing;
  /** The part of the airing this renderer draws (fromMs > airing.startMs when joining mid-airing). */
  slice: Window;
  frame: FrameSize;
}

/**
 * The plan (wall-clock windows) as the filter builder wants it: windows in the renderer's own
 * time (0 = the slice's first frame), the bug only with an image, cards only with a font
 * (without text a band would be an empty box).
 */
export function overlaySpecFor(
  plan: GraphicsPlan,
  slice: Window,
  settings: GraphicsSettings,
  frame: FrameSize,
  bugImage: string | undefined,
  fontFile: string | undefined,
): OverlaySpec {
  const local = (w: Window) => ({ from: (w.fromMs - slice.fromMs) / 1000, to: (Math.min(w.toMs, slice.toMs) - slice.fromMs) / 1000 });
  const cards = fontFile
    ? plan.cards.map((c) => ({ kind: c.kind, line1: c.line1, line2: c.line2, ...local(c) })).filter((c) => c.to > 0 && c.to > c.from)
    : [];
  const bug: BugLayer | undefined =
    bugImage && plan.bug.length > 0
      ? {
          image: bugImage,
          corner: settings.bug.corner,
          marginPercent: settings.bug.margin_percent,
          sizePercent: settings.bug.size_percent,
          opacity: settings.bug.opacity,
          windows: settings.bug.mode === 'always' ? 'always' : plan.bug.map(local),
        }
      : undefined;
  return { frame, fadeSeconds: settings.fade_seconds, branding: settings.branding, fontFile, cards, ...(bug ? { bug } : {}) };
}

/** How far around an airing the planner looks for the pieces of its programme and the next one. */
const LOOK_BACK_MS = 30 * 60_000;
const LOOK_AHEAD_MS = 6 * 3600_000;
const FONT_EXTENSIONS = new Set(['.ttf', '.otf', '.ttc']);

/**
 * Decides, for each airing a renderer is about to draw, what graphics go into its picture:
 * reads the channel's current settings, finds the programme's first/last piece and the next
 * programme on the timeline, checks the logo and font, and builds the filter fragment. Any
 * problem drops only the element it concerns, with a log line saying why; the airing plays.
 */
export class GraphicsPlanner {
  private readonly images: ImageValidator;
  private readonly bugs: GeneratedBugs;
  /** Warnings already logged (a broken logo is reported once, not at every airing). */
  private readonly warned = new Set<string>();

  constructor(
    private readonly options: {
      ffmpegPath: string;
      ffprobePath: string;
      dataDir: string;
      log: Logger;
      /** False when this ffmpeg has no drawtext (no libfreetype): cards are skipped. */
      canDrawText: boolean;
    },
  ) {
    this.images = new ImageValidator(options);
    this.bugs = new GeneratedBugs(options);
  }

  private warnOnce(channel: number, message: string, details: Record<string, unknown> = {}): void {
    const key = `${channel}|${message}|${JSON.stringify(details)}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log.warn({ channel, ...details }, message);
  }

  /** The branding font if it is there and readable, else the built-in one; undefined = no text. */
  async fontFor(channel: GraphicsChannel): Promise<string | undefined> {
    if (!this.options.canDrawText) {
      this.warnOnce(channel.number, 'this ffmpeg cannot draw text (no drawtext filter): graphics cards are off');
      return undefined;
    }
    const wanted = channel.settings.branding.font;
    if (wanted) {
      const usable =
        FONT_EXTENSIONS.has(path.extname(wanted).toLowerCase()) &&
        (await stat(wanted).then((s) => s.isFile(), () => false)) &&
        (await access(wanted, constants.R_OK).then(() => true, () => false));
      if (usable) return wanted;
      this.warnOnce(channel.number, 'branding font is missing or not a .ttf/.otf/.ttc file: using the built-in font', { font: wanted });
    }
    if (FONTS.bold) return FONTS.bold;
    this.warnOnce(channel.number, 'no font found (install fonts-dejavu or set graphics.branding.font): graphics cards are off');
    return undefined;
  }

  /** The bug's image: branding logo, else the uploaded channel logo, else a generated call-sign bug. */
  async bugImageFor(channel: GraphicsChannel, fontFile: string | undefined): Promise<string | undefined> {
    for (const [what, candidate] of [
      ['graphics.branding.logo', channel.settings.branding.logo],
      ['channel logo', channel.logoPath],
    ] as const) {
      if (!candidate) continue;
      const check = await this.images.check(candidate);
      if (check.ok) return candidate;
      this.warnOnce(channel.number, `${what} cannot be used for the bug: ${check.reason}; falling back`, { logo: candidate });
    }
    try {
      const generated = await this.bugs.bugFor(channel.callSign, channel.settings.branding.accent, fontFile);
      const check = await this.images.check(generated);
      if (check.ok) return generated;
      this.warnOnce(channel.number, `generated bug is unusable: ${check.reason}; no bug`);
    } catch (error) {
      this.warnOnce(channel.number, `could not draw the call-sign bug: ${(error as Error).message.split('\n')[0]}; no bug`);
    }
    return undefined;
  }

  /** The graphics of one renderer, or undefined when it draws none. Never throws: graphics must not stop an airing. */
  async graphicsFor(channel: GraphicsChannel | undefined, request: GraphicsRequest): Promise<RenderGraphics | undefined> {
    if (!channel || !channel.settings.enabled) return undefined;
    try {
      return await this.build(channel, request);
    } catch (error) {
      this.options.log.warn({ channel: channel.number, err: error, title: request.airing.title }, 'graphics could not be planned: this airing plays without them');
      return undefined;
    }
  }

  private async build(channel: GraphicsChannel, request: GraphicsRequest): Promise<RenderGraphics | undefined> {
    const { airing, slice, timeline } = request;
    const settings = channel.settings;
    const previous = timeline.airingsBetween(airing.startMs - LOOK_BACK_MS, airing.startMs).filter((a) => a.endMs <= airing.startMs);
    const following = timeline.airingsBetween(airing.endMs, airing.endMs + LOOK_AHEAD_MS, 200).filter((a) => a.startMs >= airing.endMs);
    const plan = planGraphics({
      airing,
      slice,
      previous,
      following,
      settings,
      channel: { name: channel.name, callSign: channel.callSign, timeZone: channel.timeZone },
    });
    if (plan.dropped.length) this.options.log.debug({ channel: channel.number, title: airing.title, dropped: plan.dropped }, 'graphics left out');

    const needsFont = plan.cards.some((c) => c.toMs > slice.fromMs);
    const fontFile = needsFont || plan.bug.length > 0 ? await this.fontFor(channel) : undefined;
    const image = plan.bug.length > 0 ? await this.bugImageFor(channel, fontFile) : undefined;
    const spec = overlaySpecFor(plan, slice, settings, request.frame, image, fontFile);
    const filter = buildOverlayFilter(spec);
    if (!filter) return undefined;
    const staticBug = spec.bug?.windows === 'always' ? await staticBugOf(spec, settings) : undefined;
    // An always-on bug that cannot be a variant (its image vanished) is drawn live throughout.
    if (spec.bug?.windows === 'always' && !staticBug) return { filter };
    const liveSpans = liveSpansOf(spec, slice);
    return { filter, ...(staticBug ? { staticBug } : {}), ...(liveSpans.length > 0 ? { liveSpans } : {}) };
  }

  /**
   * The channel's always-on bug as a cache variant (key and bug-only filter), or undefined when
   * it has none (graphics or the bug off, an intermittent bug, no usable image). What the
   * background fill renders into the channel's cached copies.
   */
  async staticBugFor(channel: GraphicsChannel, frame: FrameSize): Promise<StaticBug | undefined> {
    const settings = channel.settings;
    if (!settings.enabled || !settings.bug.enabled || settings.bug.mode !== 'always') return undefined;
    try {
      const fontFile = await this.fontFor(channel);
      const image = await this.bugImageFor(channel, fontFile);
      if (!image) return undefined;
      const whole = { fromMs: 0, toMs: 1000 };
      return await staticBugOf(overlaySpecFor({ bug: [whole], cards: [], dropped: [] }, whole, settings, frame, image, fontFile), settings);
    } catch (error) {
      this.options.log.warn({ channel: channel.number, err: error }, 'static bug could not be planned: no cache variant');
      return undefined;
    }
  }
}

/** Where the overlay draws more than an always-on bug, in wall-clock ms (see RenderGraphics.liveSpans). */
function liveSpansOf(spec: OverlaySpec, slice: Window): Window[] {
  const renderer = [...spec.cards, ...(spec.bug && spec.bug.windows !== 'always' ? spec.bug.windows : [])];
  return renderer
    .map((w) => ({ fromMs: Math.max(slice.fromMs, Math.floor(slice.fromMs + w.from * 1000)), toMs: Math.min(slice.toMs, Math.ceil(slice.fromMs + w.to * 1000)) }))
    .filter((w) => w.toMs > w.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs);
}

/** The variant of a bug-only overlay: its key and its filter (see RenderGraphics.staticBug). */
async function staticBugOf(spec: OverlaySpec, settings: GraphicsSettings): Promise<StaticBug | undefined> {
  const bug = spec.bug;
  if (!bug) return undefined;
  const image = await stat(bug.image).catch(() => undefined);
  if (!image) return undefined;
  const filter = buildOverlayFilter({ ...spec, cards: [] });
  if (!filter) return undefined;
  const identity = {
    image: { path: bug.image, size: image.size, mtimeMs: Math.round(image.mtimeMs) },
    corner: bug.corner,
    margin: bug.marginPercent,
    size: bug.sizePercent,
    opacity: bug.opacity,
    frame: spec.frame,
    fade: settings.fade_seconds,
  };
  return { key: `bug-${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16)}`, filter };
}
