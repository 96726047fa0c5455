import { api, ApiError } from './api.js';
import { clockText, h, toast } from './dom.js';
import type { AlertList, AlertView, ChannelList } from './types.js';

const STATE_TEXT: Record<AlertView['state'], string> = { on_air: 'ON AIR', queued: 'waiting', ended: 'ended', cancelled: 'cancelled' };

/** Compose and send alerts; watch them on the air, waiting and past; end one early. */
export async function renderAlertsPage(root: HTMLElement, isCurrent: () => boolean): Promise<void> {
  const channels = (await api<ChannelList>('GET', '/api/channels')).channels.filter((c) => c.enabled);
  const message = h('textarea', { id: 'alert-message', rows: 3, maxlength: 1000, required: true, placeholder: 'Severe thunderstorm warning for the county until 9 PM.' });
  const type = h('select', { id: 'alert-type' }, ...['emergency', 'weather', 'system', 'custom'].map((t) => h('option', { value: t }, t)));
  const priority = h('input', { id: 'alert-priority', type: 'number', min: 1, max: 10, value: 5 });
  const duration = h('input', { id: 'alert-duration', type: 'number', min: 5, max: 3600, value: 60 });
  const all = h('input', { type: 'checkbox', id: 'alert-all', checked: true });
  const boxes = channels.map((c) => h('label', { class: 'day-box' }, h('input', { type: 'checkbox', value: c.number, class: 'alert-channel' }), `${c.number} ${c.callSign}`));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'panel alert-form', id: 'alert-form' }, h('h3', {}, 'New alert'),
    h('label', {}, h('span', {}, 'Message'), message),
    h('div', { class: 'form-grid' }, h('label', {}, h('span', {}, 'Type'), type), h('label', {}, h('span', {}, 'Priority (1–10; higher pre-empts lower)'), priority), h('label', {}, h('span', {}, 'Duration (seconds)'), duration)),
    h('div', { class: 'days' }, h('label', { class: 'day-box' }, all, 'All channels'), ...boxes),
    error, h('button', { class: 'primary danger-fill', type: 'submit', id: 'send-alert' }, 'Send alert'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const picked = boxes.map((b) => b.querySelector('input')!).filter((i) => i.checked).map((i) => Number(i.value));
    void api<AlertView>('POST', '/api/alerts', { message: message.value, type: type.value, priority: Number(priority.value), duration: Number(duration.value), channels: all.checked ? 'all' : picked })
      .then((alert) => { toast(`Alert #${alert.id} sent`); message.value = ''; error.textContent = ''; void refresh(); },
        (e: Error) => { error.textContent = e instanceof ApiError ? `${e.body.field ? `${e.body.field}: ` : ''}${e.message}` : e.message; });
  });
  const lists = h('div', { class: 'alert-lists', id: 'alert-lists' });
  root.append(h('div', { class: 'toolbar' }, h('h2', {}, 'Emergency alerts')), h('div', { class: 'alerts-layout' }, form, lists));

  const row = (alert: AlertView) => h('li', { class: `alert-row state-${alert.state}`, 'data-alert': alert.id },
    h('span', { class: 'badge' }, STATE_TEXT[alert.state]), h('strong', {}, `#${alert.id} `), alert.message,
    h('div', { class: 'dim small' }, `${alert.type} · priority ${alert.priority} · channels ${alert.channels.join(', ')} · ${clockText(alert.issuedAtMs)}–${clockText(alert.cancelledAtMs ?? alert.endsAtMs)}`),
    alert.state === 'on_air' || alert.state === 'queued'
      ? h('button', { class: 'danger cancel-alert', onclick: () => void api('DELETE', `/api/alerts/${alert.id}`).then(() => { toast(`Alert #${alert.id} cancelled`); void refresh(); }, (e: Error) => toast(e.message, 'error')) }, 'Cancel')
      : null);
  const section = (title: string, id: string, alerts: AlertView[]) => h('section', { class: 'panel', id }, h('h3', {}, `${title} (${alerts.length})`),
    alerts.length ? h('ul', { class: 'alert-list' }, ...alerts.map(row)) : h('p', { class: 'dim' }, 'none'));

  async function refresh(): Promise<void> {
    const list = await api<AlertList>('GET', '/api/alerts');
    lists.replaceChildren(section('On the air', 'alerts-active', list.active), section('Waiting', 'alerts-queued', list.queued), section('History', 'alerts-history', list.history.slice(0, 20)));
  }
  await refresh();
  const timer = setInterval(() => (isCurrent() ? void refresh() : clearInterval(timer)), 2000);
}
