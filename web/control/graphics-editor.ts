import { api, apiBlob, ApiError } from './api.js';
import { h, toast } from './dom.js';
import type { Channel, GraphicsResult } from './types.js';

type Override = Record<string, unknown>;

const CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
const PREVIEW_DELAY_MS = 300;

/** Deep merge of plain objects: `patch` wins, objects merge key by key. */
function merge(base: Override, patch: Override): Override {
  const out: Override = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current) ? merge(current as Override, value as Override) : value;
  }
  return out;
}

/**
 * A channel's station graphics: the common settings as a form, everything as JSON, and a live
 * preview — a real frame drawn by the server's own filter builder with the unsaved settings,
 * redrawn a moment after each change. Save airs them from the channel's next airing.
 */
export async function graphicsEditor(channel: Channel): Promise<HTMLElement> {
  const section = h('div', { class: 'graphics-editor', id: `graphics-${channel.number}` }, h('h4', {}, 'Station graphics'));
  const response = await fetch(`/api/channels/${channel.number}/graphics`);
  if (response.status === 404) {
    section.append(h('p', { class: 'dim' }, 'Graphics are not available on this server.'));
    return section;
  }
  const loaded = (await response.json()) as GraphicsResult;
  let override: Override = loaded.graphics;
  const e = loaded.effective;

  const check = (name: string, checked: boolean) => h('input', { type: 'checkbox', name, checked });
  // The server answers colours as 0xRRGGBB; a colour input wants #rrggbb (it accepts both back).
  const colour = (name: string, value: string) => h('input', { type: 'color', name, value: `#${value.replace(/^(0x|#)/i, '').slice(0, 6).toLowerCase()}` });
  const fields = {
    enabled: check('enabled', e.enabled),
    primary: colour('primary', e.branding.primary),
    accent: colour('accent', e.branding.accent),
    text: colour('text', e.branding.text),
    bug: check('bug', e.bug.enabled),
    corner: h('select', { name: 'corner' }, ...CORNERS.map((c) => h('option', { value: c, selected: c === e.bug.corner }, c))),
    opacity: h('input', { type: 'range', name: 'opacity', min: 0.1, max: 1, step: 0.05, value: e.bug.opacity }),
    size: h('input', { type: 'range', name: 'size', min: 3, max: 30, step: 1, value: e.bug.size_percent }),
    intermittent: check('intermittent', e.bug.mode === 'intermittent'),
    lowerThird: check('lower_third', e.lower_third.enabled),
    upNext: check('up_next', e.up_next.enabled),
    backAfterBreak: check('back_after_break', e.up_next.back_after_break),
  };
  const card = h('select', { name: 'preview-card', 'aria-label': 'Card shown in the preview' },
    h('option', { value: 'lower_third' }, 'lower third'), h('option', { value: 'up_next' }, 'up next'), h('option', { value: 'back_after_break' }, 'back after the break'), h('option', { value: 'none' }, 'bug only'));
  const json = h('textarea', { rows: 12, class: 'mono', 'aria-label': 'Graphics override (JSON)' });
  const image = h('img', { class: 'graphics-preview', alt: `Preview of channel ${channel.number}'s graphics`, width: 480 });
  const status = h('p', { class: 'dim small preview-status', role: 'status' });
  const error = h('p', { class: 'form-error', role: 'alert' });

  /** The form as an override: only what the form shows, merged over the stored override. */
  const fromForm = (): Override =>
    merge(override, {
      enabled: fields.enabled.checked,
      branding: { primary: fields.primary.value, accent: fields.accent.value, text: fields.text.value },
      bug: { enabled: fields.bug.checked, corner: fields.corner.value, opacity: Number(fields.opacity.value), size_percent: Number(fields.size.value), mode: fields.intermittent.checked ? 'intermittent' : 'always' },
      lower_third: { enabled: fields.lowerThird.checked },
      up_next: { enabled: fields.upNext.checked, back_after_break: fields.backAfterBreak.checked },
    });

  let drawn = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const redraw = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void draw(), PREVIEW_DELAY_MS);
  };
  async function draw(): Promise<void> {
    const mine = ++drawn;
    status.textContent = 'drawing…';
    try {
      const blob = await apiBlob('POST', `/api/channels/${channel.number}/graphics/preview`, { graphics: override, card: card.value });
      if (mine !== drawn) return; // a newer edit is already being drawn
      const old = image.src;
      image.src = URL.createObjectURL(blob);
      if (old.startsWith('blob:')) URL.revokeObjectURL(old);
      image.dataset.drawn = String(mine);
      status.textContent = 'preview: a frame as it would air, drawn by the server (a gradient stands in for the programme)';
      error.textContent = '';
    } catch (e) {
      if (mine !== drawn) return;
      status.textContent = '';
      error.textContent = e instanceof ApiError ? `${e.body.field ? `${e.body.field}: ` : ''}${e.message}` : String(e);
    }
  }
  const formChanged = () => {
    override = fromForm();
    json.value = JSON.stringify(override, null, 2);
    redraw();
  };
  for (const input of Object.values(fields)) input.addEventListener('input', formChanged);
  card.addEventListener('change', () => void draw());
  json.value = JSON.stringify(override, null, 2);
  json.addEventListener('input', () => {
    try {
      override = JSON.parse(json.value) as Override;
      error.textContent = '';
      redraw();
    } catch {
      error.textContent = 'The JSON is not valid yet.';
    }
  });

  const row = (label: string, input: HTMLElement) => h('label', {}, h('span', {}, label), input);
  section.append(
    h('div', { class: 'graphics-layout' },
      h('div', { class: 'graphics-form' },
        h('label', { class: 'inline' }, fields.enabled, ' Graphics on this channel'),
        h('div', { class: 'form-grid' }, row('Primary', fields.primary), row('Accent', fields.accent), row('Text', fields.text)),
        h('label', { class: 'inline' }, fields.bug, ' Bug (logo in a corner)'),
        h('div', { class: 'form-grid' }, row('Corner', fields.corner), row('Opacity', fields.opacity), row('Size', fields.size)),
        h('label', { class: 'inline' }, fields.intermittent, ' Bug only now and then (intermittent)'),
        h('label', { class: 'inline' }, fields.lowerThird, ' Lower third when a programme starts'),
        h('label', { class: 'inline' }, fields.upNext, ' "Up next" before it ends'),
        h('label', { class: 'inline' }, fields.backAfterBreak, ' "Back after the break" before each break'),
        h('details', {}, h('summary', {}, 'Advanced (JSON: templates, timings, fonts — see the README)'), json)),
      h('div', { class: 'graphics-preview-box' }, row('Preview', card), image, status)),
    error,
    h('div', { class: 'actions' },
      h('button', { class: 'primary', onclick: () => void api('PUT', `/api/channels/${channel.number}/graphics`, override).then(() => toast('Graphics saved: they air from the next programme'), (err: Error) => toast(err.message, 'error')) }, 'Save graphics')),
  );
  void draw();
  return section;
}
