import { z } from 'zod';
import { someOf } from './message-text.js';
import { TEMPLATE_FIELDS, templateProblem } from './template-language.js';

/**
 * Station graphics settings (issue 12): what the bug, the lower third and the "up next" card
 * do, and the branding they are drawn in. Three layers, each only naming what it changes:
 * the built-in defaults below, the server-wide `graphics` key of the config file, and a
 * channel's own `channels[].graphics` (config file or `PUT /api/channels/{n}/graphics`).
 * The effective settings are the three merged and validated as a whole.
 */

/** Airing kinds a bug may be asked to show during (it always shows during programmes). */
export const BREAK_KINDS = ['commercial', 'bumper', 'station_id', 'promo', 'filler', 'slate'] as const;
export const CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;

const colour = z
  .string()
  .regex(/^(#|0x)?[0-9a-fA-F]{6}$/, 'must be a hex colour such as "#1d3557"')
  .transform((value) => `0x${value.replace(/^(#|0x)/, '').toLowerCase()}`);

const template = z
  .string()
  .max(200)
  .superRefine((value, ctx) => {
    const problem = templateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (fields: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(' ')})` });
  });

/** Two lines: the big one (show or movie title) and the small one under it. */
const twoLines = z.object({ line1: template, line2: template }).strict();

const brandingShape = {
  /** Band and card background. */
  primary: colour,
  /** Stripes, labels ("UP NEXT") and highlights. */
  accent: colour,
  text: colour,
  /** A .ttf/.otf file; absent or missing = the built-in DejaVu Sans Bold. */
  font: z.string().min(1).nullable(),
  /** An image for the bug; absent = the channel's uploaded logo, else a generated call-sign bug. */
  logo: z.string().min(1).nullable(),
};

const bugShape = {
  enabled: z.boolean(),
  corner: z.enum(CORNERS),
  /** Distance from the frame edges, percent of the frame height. */
  margin_percent: z.number().min(0).max(20),
  /** Width of the bug, percent of the frame width. */
  size_percent: z.number().min(2).max(40),
  opacity: z.number().min(0.05).max(1),
  mode: z.enum(['always', 'intermittent']),
  /** intermittent: shown every N minutes of the channel's clock... */
  every_minutes: z.number().min(1).max(240),
  /** ...for D seconds, fading in and out. */
  for_seconds: z.number().min(2).max(3600),
  /** Break kinds during which the bug stays on (default: none, as on real TV). */
  show_during: z.array(z.enum(BREAK_KINDS)),
};

const lowerThirdShape = {
  enabled: z.boolean(),
  /** Seconds after the programme starts. */
  delay_seconds: z.number().min(0).max(3600),
  duration_seconds: z.number().min(2).max(120),
  episode: twoLines,
  movie: twoLines,
};

const upNextShape = {
  enabled: z.boolean(),
  /** The card appears this many seconds before the programme ends... */
  before_end_seconds: z.number().min(3).max(600),
  /** ...and stays this long (cut at the programme's end). */
  duration_seconds: z.number().min(2).max(120),
  template: twoLines,
  /** Also before each commercial break inside a programme. */
  back_after_break: z.boolean(),
  break_template: twoLines,
};

function section<T extends z.ZodRawShape>(shape: T) {
  return { full: z.object(shape).strict(), partial: z.object(shape).partial().strict() };
}

const branding = section(brandingShape);
const bug = section(bugShape);
const lowerThird = section(lowerThirdShape);
const upNext = section(upNextShape);

/** Every setting present: what the planner works from. */
export const graphicsSchema = z
  .object({
    enabled: z.boolean(),
    fade_seconds: z.number().min(0).max(5),
    branding: branding.full,
    bug: bug.full,
    lower_third: lowerThird.full,
    up_next: upNext.full,
  })
  .strict();

/** What a config file or a PUT may say: any subset, each part validated on its own. */
export const graphicsOverrideSchema = z
  .object({
    enabled: z.boolean().optional(),
    fade_seconds: z.number().min(0).max(5).optional(),
    branding: branding.partial.optional(),
    bug: bug.partial.optional(),
    lower_third: lowerThird.partial.optional(),
    up_next: upNext.partial.optional(),
  })
  .strict();

export type GraphicsSettings = z.infer<typeof graphicsSchema>;
export type GraphicsOverride = z.input<typeof graphicsOverrideSchema>;

/**
 * The built-in look: a navy band with a gold stripe and white type (the local-news palette),
 * a white call-sign bug at 80 % in the lower right, a lower third 5 s into each programme for
 * 8 s, and "up next" 30 s before the end.
 */
export const DEFAULT_GRAPHICS: z.input<typeof graphicsSchema> = {
  enabled: true,
  fade_seconds: 0.5,
  branding: { primary: '#14213d', accent: '#fca311', text: '#ffffff', font: null, logo: null },
  bug: {
    enabled: true,
    corner: 'bottom-right',
    margin_percent: 5,
    size_percent: 11,
    opacity: 0.8,
    mode: 'always',
    every_minutes: 10,
    for_seconds: 30,
    show_during: [],
  },
  lower_third: {
    enabled: true,
    delay_seconds: 5,
    duration_seconds: 8,
    episode: { line1: '{show}', line2: '[S{season} E{episode} · ]{title}' },
    movie: { line1: '{title}', line2: '[({year}) · ]{channel}' },
  },
  up_next: {
    enabled: true,
    before_end_seconds: 30,
    duration_seconds: 10,
    template: { line1: 'UP NEXT', line2: '{next_title}[ · {next_start}]' },
    back_after_break: false,
    break_template: { line1: '{show}', line2: 'continues after the break' },
  },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Later layers win key by key; arrays and values replace. */
export function mergeGraphics(...layers: Array<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeGraphics(out[key], value) : value;
    }
  }
  return out;
}

/** One line per problem, each naming its field, e.g. `bug.opacity: Too big: expected number to be <=1`. */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${someOf(issue.keys.map((k) => `"${k}"`))}` : issue.message;
      return where ? `${where}: ${message}` : message;
    })
    .slice(0, 10)
    .join('; ');
}

export class GraphicsConfigError extends Error {
  /** The first offending key, e.g. `graphics.bug.opacity` (the API's `field`). */
  readonly field: string | undefined;

  constructor(message: string) {
    super(message);
    this.name = 'GraphicsConfigError';
    this.field = /^([\w.[\]]+): /.exec(message)?.[1];
  }
}

/** Validates an override (config-file entry or PUT body); throws naming the field. */
export function parseGraphicsOverride(input: unknown, prefix = 'graphics'): GraphicsOverride {
  const parsed = graphicsOverrideSchema.safeParse(input ?? {});
  if (!parsed.success) throw new GraphicsConfigError(describeZodError(parsed.error, prefix));
  return parsed.data;
}

/** Defaults ← server-wide ← channel, validated whole. */
export function effectiveGraphics(serverWide: unknown, channel: unknown): GraphicsSettings {
  const parsed = graphicsSchema.safeParse(mergeGraphics(DEFAULT_GRAPHICS, serverWide, channel));
  if (!parsed.success) throw new GraphicsConfigError(describeZodError(parsed.error, 'graphics'));
  return parsed.data;
}
