import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import { renderTemplate, type TemplateValues } from '../config/template-language.js';
import { buildOverlayFilter, type FrameSize } from './filter-graph.js';
import type { CardPlan } from './windows.js';
import { overlaySpecFor, type GraphicsChannel, type GraphicsPlanner } from './planner.js';

/** Which card a preview shows beside the bug. */
export const PREVIEW_CARDS = ['lower_third', 'up_next', 'back_after_break', 'none'] as const;
export type PreviewCard = (typeof PREVIEW_CARDS)[number];

/** A programme to fill the templates with, so the preview reads like the real thing. */
const SAMPLE: TemplateValues = { show: 'Signal Hill', title: 'Pilot', season: 1, episode: 1, year: 1987, next_title: 'Harbor Lights', next_start: '8:00 PM', time: '7:30 PM' };

/** The preview's one frame sits in a minute-long slice; the card and bug cover all of it. */
const SLICE = { fromMs: 0, toMs: 60_000 };

/** The card as the planner would plan it for SAMPLE, on screen from before the frame to the slice's end. */
function sampleCard(kind: Exclude<PreviewCard, 'none'>, channel: GraphicsChannel): CardPlan {
  const { settings } = channel;
  const values: TemplateValues = { ...SAMPLE, channel: channel.name, call_sign: channel.callSign };
  const lines = kind === 'lower_third' ? settings.lower_third.episode : kind === 'up_next' ? settings.up_next.template : settings.up_next.break_template;
  // Begun before the frame: it shows at full opacity (no fade-in).
  return { kind, fromMs: SLICE.fromMs - 10_000, toMs: SLICE.toMs, line1: renderTemplate(lines.line1, values), line2: renderTemplate(lines.line2, values) };
}

/**
 * One PNG frame of the channel's graphics as they would air, drawn by the same filter builder
 * the renderers use, over a gradient backdrop at the channel's output size: what the control
 * room shows while the user edits (unsaved settings included), without touching the air.
 */
export async function renderGraphicsPreview(
  planner: GraphicsPlanner,
  channel: GraphicsChannel,
  card: PreviewCard,
  frame: FrameSize,
  ffmpegPath: string,
): Promise<Buffer> {
  const { settings } = channel;
  const fontFile = settings.enabled ? await planner.fontFor(channel) : undefined;
  const wantsBug = settings.enabled && settings.bug.enabled;
  const image = wantsBug ? await planner.bugImageFor(channel, fontFile) : undefined;
  // A plan like the planner's, turned into the renderers' filter by the renderers' own code
  // (cards only with a font, the bug only with an image).
  const plan = { bug: wantsBug ? [SLICE] : [], cards: settings.enabled && card !== 'none' ? [sampleCard(card, channel)] : [], dropped: [] };
  const overlay = buildOverlayFilter(overlaySpecFor(plan, SLICE, { ...settings, bug: { ...settings.bug, mode: 'always' } }, frame, image, fontFile));
  // A soft, scene-like backdrop (not a test card with its own text) so the layers read as on air.
  const background = `gradients=size=${frame.width}x${frame.height}:rate=${frame.frameRate}:c0=0x1d3557:c1=0x457b9d:c2=0xa8dadc:c3=0xe76f51:nb_colors=4:speed=0.01:seed=7`;
  const graph = overlay ? `${background}[gin];${overlay}` : `${background}[gout]`;
  return runForPng(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-filter_complex', graph, '-map', '[gout]', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
}

function runForPng(ffmpegPath: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && chunks.length ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg could not draw the preview: ${stderr.trim() || `exit ${code}`}`))));
  });
}
