import { api, ApiError } from './api.js';
import { h, toast } from './dom.js';
import { graphicsEditor } from './graphics-editor.js';
import type { Channel, ChannelList } from './types.js';

const MAX_LOGO_BYTES = 1024 * 1024;
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC'];
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
  const error = h('p', { class: 'form-error', role: 'alert' });
  const field = (label: string, input: HTMLElement, hint?: string) => h('label', {}, h('span', {}, label), input, hint ? h('small', { class: 'dim' }, hint) : null);

  const form = h('form', { class: 'channel-form panel', id: channel ? `edit-channel-${channel.number}` : 'new-channel' },
    h('h3', {}, channel ? `Edit channel ${channel.number}` : 'New channel'),
    h('datalist', { id: 'zones' }, ...zones().map((z) => h('option', { value: z }))),
    h('div', { class: 'form-grid' }, field('Number', number), field('Name', name), field('Call sign', callSign, 'shown on the logo card and in the guide'),
      field('Group', group, 'M3U group-title'), field('Quality', quality), field('Time zone', timeZone, 'the schedule\'s clock')),
    h('label', { class: 'inline' }, enabled, ' On the air (listed in the guide, M3U and tuner lineup)'),
    h('label', { class: 'inline' }, alwaysOn, ' Always on (encodes with no viewer: instant tune-in, costs its CPU all the time)'),
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, channel ? 'Save' : 'Create channel'), h('button', { type: 'button', onclick: onDone }, 'Cancel')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { name: name.value.trim(), group: group.value.trim() || 'Retrovue', enabled: enabled.checked, always_on: alwaysOn.checked, time_zone: timeZone.value.trim() };
    const renumberTo = channel && Number(number.value) !== channel.number ? Number(number.value) : undefined;
    if (renumberTo !== undefined) body.number = renumberTo;
    if (callSign.value.trim()) body.call_sign = callSign.value.trim();
    if (quality.value) body.quality = quality.value;
    void (async () => {
      try {
        if (channel) await api('PATCH', `/api/channels/${channel.number}`, body);
        else await api('POST', '/api/channels', { number: Number(number.value), ...body });
        toast(!channel ? `Channel ${number.value} created` : renumberTo !== undefined ? `Channel ${channel.number} is now channel ${renumberTo}` : `Channel ${channel.number} saved`);
        onDone();
      } catch (e) {
        error.textContent = e instanceof ApiError ? `${e.body.field ? `${e.body.field}: ` : ''}${e.message}` : String(e);
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
        h('div', { class: 'dim small' }, `${channel.quality ?? 'default'} quality · ${channel.timeZone} · ${channel.schedule.blocks.length} block${channel.schedule.blocks.length === 1 ? '' : 's'} · ${channel.enabled ? 'on the air' : 'off'}${channel.alwaysOn ? ' · always on' : ''}${channel.source === 'config' ? ' · from the config file (re-applied at start)' : ''}`)),
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
