import { api, ApiError } from './api.js';
import { h, toast } from './dom.js';
import { graphicsEditor } from './graphics-editor.js';
import { languageName, normaliseLanguage } from '../../src/subtitles/languages.js';
import type { Channel, ChannelList } from './types.js';

const MAX_LOGO_BYTES = 1024 * 1024;
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC'];
}

/** "jpn, eng" or "jpn eng" as a list of codes. */
const codesOf = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** " · audio Japanese, English · subtitles English" for a channel with languages of its own. */
function languageSummary(channel: Channel): string {
  const own = channel.languages;
  const names = (codes: string[] | undefined) => (codes ?? []).map((c) => languageName(c)).join(', ');
  return [own?.audio?.length ? ` · audio ${names(own.audio)}` : '', own?.subtitles?.length ? ` · subtitles ${names(own.subtitles)}` : ''].join('');
}

/** The channel form, for a new channel (no `channel`) or an existing one. */
function channelForm(channel: Channel | undefined, onDone: () => void): HTMLFormElement {
  // Renumbering keeps the channel's clock, timeline and graphics (a config-file channel is renumbered in the file).
  const number = h('input', { type: 'number', name: 'number', min: 1, max: 9999, required: true, value: channel?.number ?? '', disabled: channel?.source === 'config' });
  const name = h('input', { name: 'name', required: true, maxlength: 100, value: channel?.name ?? '' });
  const callSign = h('input', { name: 'call_sign', maxlength: 16, value: channel?.callSign ?? '', placeholder: 'e.g. RTV3' });
  const group = h('input', { name: 'group', maxlength: 100, value: channel?.group ?? 'Retrovue' });
  const quality = h('select', { name: 'quality' }, h('option', { value: '' }, 'server default'),
    ...(['low', 'medium', 'high'] as const).map((q) => h('option', { value: q, selected: channel?.quality === q }, { low: 'low (360p)', medium: 'medium (720p)', high: 'high (1080p)' }[q])));
  const timeZone = h('input', { name: 'time_zone', list: 'zones', value: channel?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: channel?.enabled ?? true });
  const alwaysOn = h('input', { type: 'checkbox', name: 'always_on', checked: channel?.alwaysOn ?? false });
  // Languages (issue 22): empty lists and "server default" keep the server-wide `languages`.
  const own = channel?.languages;
  const audioLanguages = h('input', { name: 'audio_languages', value: (own?.audio ?? []).join(', '), placeholder: 'server default, e.g. jpn, eng' });
  const subtitleLanguages = h('input', { name: 'subtitle_languages', value: (own?.subtitles ?? []).join(', '), placeholder: 'server default, e.g. eng' });
  const subtitleMode = h('select', { name: 'subtitle_mode' }, h('option', { value: '' }, 'server default'),
    ...(['off', 'forced', 'on', 'burn_in'] as const).map((m) => h('option', { value: m, selected: own?.subtitle_mode === m }, { off: 'offered, off by default', forced: 'forced only (signs, foreign dialogue)', on: 'on by default', burn_in: 'burned into the picture' }[m])));
  const captions = h('select', { name: 'captions' }, h('option', { value: '' }, 'server default'),
    h('option', { value: 'true', selected: own?.captions === true }, 'on (CEA-608 in the video)'), h('option', { value: 'false', selected: own?.captions === false }, 'off'));
  const languageHint = (input: HTMLInputElement) => {
    const hint = h('small', { class: 'dim' });
    const show = () => { hint.textContent = codesOf(input.value).map((c) => normaliseLanguage(c) ? languageName(c) : `"${c}"?`).join(', ') || 'ISO 639 codes, in order'; };
    input.addEventListener('input', show);
    show();
    return hint;
  };
  const error = h('p', { class: 'form-error', role: 'alert' });
  // Capacity (README "Capacity"): what saving would need, asked of the server as the form changes,
  // the same estimate a save is checked with. Over the cores, saving is refused (409) unless forced.
  const capacityNote = h('p', { class: 'dim small capacity-note', 'aria-live': 'polite' });
  const submit = h('button', { class: 'primary', type: 'submit' }, channel ? 'Save' : 'Create channel');
  let force = false;
  const showEstimate = async () => {
    const n = channel?.number ?? Number(number.value);
    const query = new URLSearchParams({ always_on: String(alwaysOn.checked), enabled: String(enabled.checked), ...(n >= 1 ? { channel: String(n) } : {}), ...(quality.value ? { quality: quality.value } : {}) });
    try {
      const estimate = await api<{ wouldNeedCores: number; usableCores: number; committedCores: number; inUseCores: number; refused: boolean }>('GET', `/api/capacity/estimate?${query}`);
      capacityNote.textContent = `Would need ${estimate.wouldNeedCores} of ${estimate.usableCores} usable cores (${estimate.committedCores} committed now, ${estimate.inUseCores} in use)${estimate.refused ? ': over capacity, saving is refused unless you save anyway' : ''}`;
      capacityNote.className = estimate.refused ? 'form-error small capacity-note' : 'dim small capacity-note';
      submit.textContent = estimate.refused ? 'Save anyway (over capacity)' : channel ? 'Save' : 'Create channel';
      force = estimate.refused;
    } catch {
      capacityNote.textContent = '';
    }
  };
  for (const input of [alwaysOn, enabled, quality, number]) input.addEventListener('change', () => void showEstimate());
  void showEstimate();
  const field = (label: string, input: HTMLElement, hint?: string) => h('label', {}, h('span', {}, label), input, hint ? h('small', { class: 'dim' }, hint) : null);

  const form = h('form', { class: 'channel-form panel', id: channel ? `edit-channel-${channel.number}` : 'new-channel' },
    h('h3', {}, channel ? `Edit channel ${channel.number}` : 'New channel'),
    h('datalist', { id: 'zones' }, ...zones().map((z) => h('option', { value: z }))),
    h('div', { class: 'form-grid' }, field('Number', number), field('Name', name), field('Call sign', callSign, 'shown on the logo card and in the guide'),
      field('Group', group, 'M3U group-title'), field('Quality', quality), field('Time zone', timeZone, 'the schedule\'s clock')),
    h('div', { class: 'form-grid' },
      h('label', {}, h('span', {}, 'Audio languages'), audioLanguages, languageHint(audioLanguages)),
      h('label', {}, h('span', {}, 'Subtitle languages'), subtitleLanguages, languageHint(subtitleLanguages)),
      field('Subtitles', subtitleMode), field('Closed captions', captions)),
    h('label', { class: 'inline' }, enabled, ' On the air (listed in the guide, M3U and tuner lineup)'),
    h('label', { class: 'inline' }, alwaysOn, ' Always on (encodes with no viewer: instant tune-in, costs its CPU all the time)'),
    capacityNote,
    error,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: onDone }, 'Cancel')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { name: name.value.trim(), group: group.value.trim() || 'Retrovue', enabled: enabled.checked, always_on: alwaysOn.checked, time_zone: timeZone.value.trim() };
    const renumberTo = channel && Number(number.value) !== channel.number ? Number(number.value) : undefined;
    if (renumberTo !== undefined) body.number = renumberTo;
    if (callSign.value.trim()) body.call_sign = callSign.value.trim();
    if (quality.value) body.quality = quality.value;
    const languages: Record<string, unknown> = {};
    if (codesOf(audioLanguages.value).length) languages.audio = codesOf(audioLanguages.value);
    if (codesOf(subtitleLanguages.value).length) languages.subtitles = codesOf(subtitleLanguages.value);
    if (subtitleMode.value) languages.subtitle_mode = subtitleMode.value;
    if (captions.value) languages.captions = captions.value === 'true';
    if (channel || Object.keys(languages).length) body.languages = languages;
    void (async () => {
      try {
        // Saved over capacity only when the operator pressed "Save anyway" (README "Capacity").
        const forced = force ? '?force=true' : '';
        if (channel) await api('PATCH', `/api/channels/${channel.number}${forced}`, body);
        else await api('POST', `/api/channels${forced}`, { number: Number(number.value), ...body });
        toast(!channel ? `Channel ${number.value} created` : renumberTo !== undefined ? `Channel ${channel.number} is now channel ${renumberTo}` : `Channel ${channel.number} saved`);
        onDone();
      } catch (e) {
        error.textContent = e instanceof ApiError ? `${e.body.field ? `${e.body.field}: ` : ''}${e.message}` : String(e);
        // Refused for capacity (the load changed since the estimate): the numbers are in the message; refresh the note.
        if (e instanceof ApiError && e.status === 409) void showEstimate();
      }
    })();
  });
  return form;
}

/** Checks the file here first (type and size), so a wrong file is refused before it is sent. */
async function uploadLogo(channel: Channel, file: File): Promise<void> {
  if (!LOGO_TYPES.includes(file.type)) throw new Error(`${file.name} is not a PNG, JPEG, GIF or WebP image`);
  if (file.size > MAX_LOGO_BYTES) throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; a logo may be at most 1 MiB`);
  await api('PUT', `/api/channels/${channel.number}/logo`, file, file.type);
}

export async function renderChannelsPage(root: HTMLElement): Promise<void> {
  const rerender = () => {
    root.replaceChildren();
    void renderChannelsPage(root);
  };
  const channels = (await api<ChannelList>('GET', '/api/channels')).channels;
  const formSlot = h('div', { id: 'channel-form-slot' });
  root.append(
    h('div', { class: 'toolbar' }, h('h2', {}, 'Channels'), h('span', { class: 'dim' }, `${channels.length} channel${channels.length === 1 ? '' : 's'}`),
      h('button', { class: 'primary', id: 'new-channel-button', onclick: () => formSlot.replaceChildren(channelForm(undefined, rerender)) }, '+ New channel')),
    formSlot,
  );
  const cards = h('div', { class: 'channel-cards' });
  for (const channel of channels) {
    const fileInput = h('input', { type: 'file', accept: LOGO_TYPES.join(','), hidden: true });
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file) void uploadLogo(channel, file).then(() => { toast('Logo uploaded'); rerender(); }, (e: Error) => toast(e.message, 'error'));
    });
    const details = h('div', { class: 'channel-more', hidden: true });
    const card = h('article', { class: `channel-card panel${channel.enabled ? '' : ' off'}`, 'data-channel': channel.number },
      h('img', { class: 'channel-logo', src: `/channel/${channel.number}/logo?v=${encodeURIComponent(channel.logoPath ?? 'card')}`, alt: `${channel.callSign} logo` }),
      h('div', { class: 'channel-main' },
        h('div', {}, h('span', { class: 'chan-number' }, channel.number), ' ', h('strong', {}, channel.name), ' ', h('span', { class: 'dim' }, channel.callSign)),
        h('div', { class: 'dim small' }, `${channel.quality ?? 'default'} quality · ${channel.timeZone} · ${channel.schedule.blocks.length} block${channel.schedule.blocks.length === 1 ? '' : 's'} · ${channel.enabled ? 'on the air' : 'off'}${channel.alwaysOn ? ' · always on' : ''}${languageSummary(channel)}${channel.source === 'config' ? ' · from the config file (re-applied at start)' : ''}`)),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/schedule/${channel.number}` }, 'Schedule'),
        h('button', { onclick: () => formSlot.replaceChildren(channelForm(channel, rerender)) }, 'Edit'),
        h('button', { onclick: () => fileInput.click() }, 'Logo…'),
        channel.logoPath ? h('button', { onclick: () => void api('DELETE', `/api/channels/${channel.number}/logo`).then(rerender, (e: Error) => toast(e.message, 'error')) }, 'Remove logo') : null,
        h('button', { onclick: async () => { details.hidden = !details.hidden; if (!details.hidden && !details.childElementCount) details.append(await graphicsEditor(channel)); } }, 'Graphics'),
        h('button', { class: 'danger', onclick: () => {
          if (!confirm(`Delete channel ${channel.number} "${channel.name}"? Its schedule goes with it.`)) return;
          void api('DELETE', `/api/channels/${channel.number}`).then(() => { toast(`Channel ${channel.number} deleted`); rerender(); }, (e: Error) => toast(e.message, 'error'));
        } }, 'Delete'), fileInput),
      details);
    cards.append(card);
  }
  root.append(cards);
}
