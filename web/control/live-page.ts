import { api, ApiError } from './api.js';
import { clockText, h, toast } from './dom.js';
import type { ChannelList } from './types.js';

/** A live source as `/api/live/sources` answers (src/server/routes/live-source-routes.ts). */
interface LiveSource {
  id: string;
  name: string;
  url: string;
  kind: 'pull' | 'push';
  protocol: string;
  key: 'set' | null;
  status: {
    state: 'waiting' | 'connected' | 'lost';
    since: string;
    last_error: string | null;
    bytes_per_second: number;
    video: { codec: string; width: number; height: number; fps: number | null } | null;
    audio: { codec: string; channels: number | null; sample_rate: number | null } | null;
    refused_publishers: number;
  };
}
interface WithKey { source: LiveSource; key: string | null; publish_url: string | null }
interface Take { channel: number; source: string; title: string; started_at: string; ends_at: string; until_stopped: boolean }

/** hls.js as the server ships it (/vendor/hls.min.js, the guide's player), loaded once when the switcher first opens. */
interface HlsPlayer { loadSource(url: string): void; attachMedia(video: HTMLVideoElement): void; destroy(): void }
type HlsClass = { new (config?: object): HlsPlayer; isSupported(): boolean };
let hlsLoaded: Promise<HlsClass | undefined> | undefined;
function loadHls(): Promise<HlsClass | undefined> {
  hlsLoaded ??= new Promise((resolve) => {
    const script = h('script', { src: '/vendor/hls.min.js' });
    script.addEventListener('load', () => resolve((window as unknown as { Hls?: HlsClass }).Hls));
    script.addEventListener('error', () => resolve(undefined));
    document.head.append(script);
  });
  return hlsLoaded;
}

const STATE_TEXT: Record<LiveSource['status']['state'], string> = { connected: 'ON', waiting: 'waiting', lost: 'LOST' };

/**
 * The director's page, the switcher (issue 25): every live source with its picture (a thumbnail
 * every 2 s), state and streams; "take" one to the chosen channel now — click its picture or
 * press its number (1–9): a camera cut when the channel is already live (a take or its live
 * block), going live otherwise — and "back to schedule" ends the take. Adding a push source
 * shows its key and publish URL once.
 */
export async function renderLivePage(root: HTMLElement, isCurrent: () => boolean): Promise<void> {
  const channels = (await api<ChannelList>('GET', '/api/channels')).channels.filter((c) => c.enabled);
  const channel = h('select', { id: 'live-channel' }, ...channels.map((c) => h('option', { value: c.number }, `${c.number} ${c.callSign}`)));
  const minutes = h('input', { id: 'live-minutes', type: 'number', min: 1, max: 720, placeholder: 'until stopped' });
  const title = h('input', { id: 'live-title', maxlength: 120, placeholder: 'the source\'s name' });
  const onAir = h('div', { id: 'live-on-air', class: 'dim' });
  const sources = h('div', { class: 'monitor-grid', id: 'live-sources' });
  const controls = h('section', { class: 'panel' }, h('h3', {}, 'Take to air'),
    h('div', { class: 'form-grid' }, h('label', {}, h('span', {}, 'Channel'), channel), h('label', {}, h('span', {}, 'Minutes (blank: until stopped)'), minutes), h('label', {}, h('span', {}, 'Title in the lower third and status'), title)),
    onAir, h('p', { class: 'dim small' }, 'Click a source\'s picture, or press its number (1–9), to take it to the channel now.'));

  const id = h('input', { id: 'new-live-id', required: true, pattern: '[a-z0-9-]{1,32}', placeholder: 'studio' });
  const name = h('input', { id: 'new-live-name', required: true, maxlength: 80, placeholder: 'Studio A' });
  const url = h('input', { id: 'new-live-url', required: true, maxlength: 2000, placeholder: 'rtmp://0.0.0.0:1935/live or srt://0.0.0.0:9000?mode=listener' });
  const added = h('div', { id: 'new-live-key' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'panel', id: 'new-live-form' }, h('h3', {}, 'Add a source'),
    h('div', { class: 'form-grid' }, h('label', {}, h('span', {}, 'Id'), id), h('label', {}, h('span', {}, 'Name'), name), h('label', {}, h('span', {}, 'URL (push: Retrovue listens; pull: it connects)'), url)),
    error, added, h('button', { class: 'primary', type: 'submit' }, 'Add source'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void api<WithKey>('POST', '/api/live/sources', { id: id.value, name: name.value, url: url.value }).then((answer) => {
      error.textContent = '';
      added.replaceChildren(answer.key ? h('p', {}, 'Publish to ', h('code', {}, answer.publish_url ?? ''), ' — the key is shown only now: ', h('code', {}, answer.key)) : h('p', { class: 'dim' }, 'Added: Retrovue connects to it.'));
      void refresh();
    }, (e: Error) => (error.textContent = e instanceof ApiError ? `${e.body.field ? `${e.body.field}: ` : ''}${e.message}` : e.message));
  });
  // The programme monitor: what the chosen channel airs, as viewers get it (muted, low latency).
  const programme = h('video', { id: 'live-programme', class: 'live-thumb', muted: true, autoplay: true, playsinline: true });
  programme.muted = true;
  root.append(h('div', { class: 'toolbar' }, h('h2', {}, 'Live')), h('div', { class: 'live-top' }, controls, h('section', { class: 'panel' }, h('h3', {}, 'Programme'), programme)), sources, form);
  let player: HlsPlayer | undefined;
  const watch = async () => {
    player?.destroy();
    player = undefined;
    const url = `/channel/${channel.value}.m3u8`;
    const Hls = await loadHls();
    if (!isCurrent()) return;
    if (Hls?.isSupported()) {
      player = new Hls({ liveSyncDurationCount: 2 });
      player.attachMedia(programme);
      player.loadSource(url);
    } else programme.src = url; // Safari plays HLS itself
    void programme.play().catch(() => undefined);
  };
  void watch();

  let listed: LiveSource[] = [];
  const take = (source: LiveSource) => {
    const n = Number(channel.value);
    const body: Record<string, unknown> = { source: source.id };
    if (minutes.value) body.minutes = Number(minutes.value);
    if (title.value.trim()) body.title = title.value.trim();
    // On a channel already live (a take, or its live block) this is a camera cut; otherwise it goes live.
    void api('POST', `/api/channels/${n}/live/take`, { camera: source.id })
      .catch((e: Error) => (e instanceof ApiError && e.status === 409 ? api('POST', `/api/channels/${n}/live`, body) : Promise.reject(e)))
      .then(() => { toast(`Channel ${n}: ${source.name} on the air`); void refresh(); }, (e: Error) => toast(e.message, 'error'));
  };
  const card = (source: LiveSource, index: number) => {
    const s = source.status;
    const picture = s.state === 'connected'
      ? h('img', { class: 'live-thumb', alt: `${source.name} now`, src: `/api/live/sources/${source.id}/thumbnail?at=${Date.now()}`, width: 320, height: 180 })
      : h('div', { class: 'live-thumb empty' }, s.state === 'lost' ? 'source lost' : 'waiting for the source');
    const button = h('button', { class: 'live-take', 'data-source': source.id, title: index < 9 ? `Take (key ${index + 1})` : 'Take', onclick: () => take(source) }, picture);
    return h('article', { class: `panel monitor-card live-card state-${s.state}`, 'data-source': source.id },
      h('div', { class: 'monitor-head' }, h('span', { class: 'chan-number' }, index < 9 ? index + 1 : '·'), h('strong', {}, source.name), h('span', { class: `badge ${s.state === 'connected' ? 'state-live' : 'bad'}` }, STATE_TEXT[s.state])),
      button,
      h('div', { class: 'dim small' }, `${source.kind} ${source.protocol} · ${s.video ? `${s.video.width}×${s.video.height}${s.video.fps ? ` ${s.video.fps} fps` : ''} ${s.video.codec}` : 'no video'} · ${s.audio ? `${s.audio.codec} ${s.audio.channels ?? '?'} ch` : 'no audio'} · ${Math.round((s.bytes_per_second * 8) / 1000)} kb/s`),
      s.last_error ? h('div', { class: 'small last-error' }, `Last error: ${s.last_error}`) : null,
      s.refused_publishers ? h('div', { class: 'warning-line' }, `⚠ ${s.refused_publishers} publisher(s) refused (wrong key)`) : null,
      h('div', {},
        source.kind === 'push' ? h('button', { class: 'link', onclick: () => void api<WithKey>('POST', `/api/live/sources/${source.id}/rotate-key`).then((a) => added.replaceChildren(h('p', {}, `${source.name}: new key `, h('code', {}, a.key ?? ''), ' — publish to ', h('code', {}, a.publish_url ?? ''))), (e: Error) => toast(e.message, 'error')) }, 'New key') : null,
        h('button', { class: 'link danger', onclick: () => confirm(`Remove ${source.name}?`) && void api('DELETE', `/api/live/sources/${source.id}`).then(() => void refresh(), (e: Error) => toast(e.message, 'error')) }, 'Remove')));
  };

  async function refresh(): Promise<void> {
    listed = (await api<{ sources: LiveSource[] }>('GET', '/api/live/sources')).sources;
    sources.replaceChildren(...(listed.length ? listed.map(card) : [h('p', { class: 'dim panel' }, 'No live sources yet: add one below.')]));
    const n = Number(channel.value);
    const current = n ? (await api<{ take: Take | null }>('GET', `/api/channels/${n}/live`)).take : null;
    onAir.replaceChildren(current
      ? h('p', {}, h('span', { class: 'badge state-live' }, 'LIVE'), ` ${current.title} (${current.source}) since ${clockText(Date.parse(current.started_at))}${current.until_stopped ? ', until stopped' : ` until ${clockText(Date.parse(current.ends_at))}`} `,
        h('button', { class: 'danger', id: 'live-stop', onclick: () => void api('DELETE', `/api/channels/${n}/live`).then(() => { toast(`Channel ${n} back to its schedule`); void refresh(); }, (e: Error) => toast(e.message, 'error')) }, 'Back to schedule'))
      : h('p', { class: 'dim' }, `Channel ${n || '–'} is on its schedule.`));
  }
  channel.addEventListener('change', () => {
    void refresh();
    void watch();
  });
  const onKey = (event: KeyboardEvent) => {
    if (!isCurrent()) {
      player?.destroy();
      return document.removeEventListener('keydown', onKey);
    }
    const target = event.target as HTMLElement | null;
    if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
    const index = Number(event.key) - 1;
    if (Number.isInteger(index) && index >= 0 && index < 9 && listed[index]) take(listed[index]!);
  };
  document.addEventListener('keydown', onKey);
  await refresh();
  const timer = setInterval(() => {
    if (isCurrent()) return void refresh().catch(() => undefined);
    clearInterval(timer);
    player?.destroy();
  }, 2000);
}
