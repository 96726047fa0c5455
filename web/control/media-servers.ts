import type { ApiRemoteLibrary, ApiSource, ApiSourceCheck, ApiSourceList, ApiSyncProgress } from '../../src/sources/source-api.js';
import { api, ApiError } from './api.js';
import { h, toast } from './dom.js';

/**
 * The library's media servers (Plex, Jellyfin, Emby): the sources added, each with its sync's
 * progress and Sync now / Remove, and the add-source form. The form checks the connection first
 * (POST /api/library/sources/check: the server's name, version and libraries, or the server's
 * problem in the API's words), then the user ticks the libraries, adds path mappings if the
 * files are reachable from here, and saves; the first sync starts at once.
 */
export async function mediaServersPanel(onLibraryChanged: () => void): Promise<HTMLElement> {
  const list = h('ul', { class: 'source-list', id: 'media-sources' });
  const summary = h('summary', {}, 'Media servers');
  const form = addSourceForm(async () => {
    await draw();
    follow();
  });
  const panel = h('details', { class: 'panel sources-panel', id: 'media-servers-panel' }, summary, list, form,
    h('p', { class: 'dim small' }, 'Plex: the server address (http://plex:32400) and an X-Plex-Token. Jellyfin or Emby: the address, an API key and the user whose libraries are imported. Tokens are kept in the data folder (mode 0600) and never shown again.'));

  let polling: ReturnType<typeof setTimeout> | undefined;
  let lastRunning = false;

  async function draw(): Promise<boolean> {
    const { sources } = await api<ApiSourceList>('GET', '/api/library/sources');
    summary.textContent = `Media servers (${sources.length})`;
    list.replaceChildren(...sources.map(sourceRow));
    return sources.some((s) => s.sync.state === 'running');
  }

  function sourceRow(source: ApiSource): HTMLElement {
    const sync = source.sync;
    return h('li', { 'data-source': source.key },
      h('strong', {}, source.server.name ?? source.url), ' ',
      h('span', { class: 'dim small' }, `${source.key} · ${source.type} ${source.server.version ?? ''} · ${source.url} · ${source.items.ok} items${source.items.missing ? `, ${source.items.missing} missing` : ''}`),
      ' ',
      h('button', { class: 'link', disabled: sync.state === 'running', onclick: () => void syncNow(source) }, 'sync now'),
      h('button', { class: 'link', 'aria-label': `Remove ${source.key}`, onclick: () => void remove(source) }, 'remove'),
      syncLine(sync, source));
  }

  function syncLine(sync: ApiSyncProgress, source: ApiSource): HTMLElement {
    if (sync.state === 'running') {
      const done = sync.libraries.reduce((n, l) => n + l.done, 0);
      const total = sync.libraries.reduce((n, l) => n + (l.total ?? 0), 0);
      return h('div', { class: 'sync-line', role: 'status' },
        h('progress', { max: Math.max(total, 1), value: done, 'aria-label': `${source.key} sync progress` }), ' ',
        h('span', { class: 'small' }, `Syncing${sync.full ? ' (full)' : ''}: ${sync.libraries.map((l) => `${l.name ?? l.id} ${l.done}/${l.total ?? '?'}`).join(' · ')}`));
    }
    if (sync.state === 'ok') return h('div', { class: 'sync-line small dim' }, `Synced ${sync.finished_at?.slice(0, 16).replace('T', ' ') ?? ''}: ${sync.added} added, ${sync.updated} updated, ${sync.re_resolved} found again after id changes, ${sync.missing} missing`);
    if (sync.state === 'failed' || source.last_sync.status === 'failed') return h('div', { class: 'sync-line small form-error' }, `Last sync failed: ${sync.error ?? source.last_sync.error ?? ''} (nothing already imported was changed)`);
    if (source.last_sync.finished_at) return h('div', { class: 'sync-line small dim' }, `Last synced ${source.last_sync.finished_at.slice(0, 16).replace('T', ' ')} · every ${source.sync_interval_minutes / 60} h`);
    return h('div', { class: 'sync-line small dim' }, 'Not synced yet');
  }

  async function syncNow(source: ApiSource): Promise<void> {
    try {
      await api('POST', `/api/library/sources/${source.key}/sync?full=true`);
      follow();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), 'error');
    }
  }

  async function remove(source: ApiSource): Promise<void> {
    if (!confirm(`Remove ${source.server.name ?? source.key}? Its items stop airing (they stay in the history as missing) and its token is forgotten.`)) return;
    try {
      const result = await api<{ removed: string; items_missing: number }>('DELETE', `/api/library/sources/${source.key}`);
      toast(`${result.removed} removed: ${result.items_missing} item(s) no longer air`);
      await draw();
      onLibraryChanged();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), 'error');
    }
  }

  /** Polls while a sync runs; the library tree reloads when one finishes. */
  function follow(): void {
    if (polling) clearTimeout(polling);
    const tick = async () => {
      const running = await draw().catch(() => false);
      if (lastRunning && !running) onLibraryChanged();
      lastRunning = running;
      if (running) polling = setTimeout(() => void tick(), 1000);
    };
    void tick();
  }

  lastRunning = await draw();
  if (lastRunning) follow();
  return panel;
}

function addSourceForm(saved: () => Promise<void>): HTMLElement {
  const type = h('select', { name: 'source-type', 'aria-label': 'Media server type' }, h('option', { value: 'plex' }, 'Plex'), h('option', { value: 'jellyfin' }, 'Jellyfin'), h('option', { value: 'emby' }, 'Emby'));
  const url = h('input', { name: 'source-url', placeholder: 'http://192.168.1.10:32400', required: true, 'aria-label': 'Server address', class: 'mono' });
  const token = h('input', { name: 'source-token', type: 'password', placeholder: 'X-Plex-Token', autocomplete: 'off', 'aria-label': 'Plex token' });
  const apiKey = h('input', { name: 'source-api-key', type: 'password', placeholder: 'API key', autocomplete: 'off', 'aria-label': 'API key', hidden: true });
  const user = h('input', { name: 'source-user', placeholder: 'user name', 'aria-label': 'User', hidden: true });
  const check = h('button', { type: 'submit', class: 'primary' }, 'Check connection');
  const error = h('p', { class: 'form-error', role: 'alert', id: 'source-error' });
  const answer = h('div', { class: 'source-answer', id: 'source-answer', hidden: true });
  const mappings = h('div', { class: 'mapping-rows', id: 'path-mappings' });
  const interval = h('select', { name: 'source-interval', 'aria-label': 'Sync every' }, ...[1, 3, 6, 12, 24].map((hours) => h('option', { value: hours * 60, selected: hours === 6 }, `every ${hours} h`)));
  const save = h('button', { type: 'button', class: 'primary', id: 'save-source' }, 'Save and sync');

  const showFields = () => {
    const plex = type.value === 'plex';
    token.hidden = !plex;
    apiKey.hidden = plex;
    user.hidden = plex;
    url.placeholder = plex ? 'http://192.168.1.10:32400' : 'http://192.168.1.10:8096';
    answer.hidden = true;
  };
  type.addEventListener('change', showFields);

  const connection = () => (type.value === 'plex' ? { type: 'plex', url: url.value.trim(), token: token.value.trim() } : { type: type.value, url: url.value.trim(), api_key: apiKey.value.trim(), user: user.value.trim() });

  const mappingRow = (from = '', to = '') => {
    const row = h('div', { class: 'mapping-row' },
      h('input', { class: 'mono', name: 'mapping-from', placeholder: '/data/media (on the media server)', value: from, 'aria-label': 'Folder on the media server' }), ' → ',
      h('input', { class: 'mono', name: 'mapping-to', placeholder: '/mnt/media (here)', value: to, 'aria-label': 'Same folder on this machine' }));
    row.append(h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'remove'));
    mappings.append(row);
  };

  function drawAnswer(check: ApiSourceCheck): void {
    const box = (library: ApiRemoteLibrary) => h('label', { class: 'library-choice' },
      h('input', { type: 'checkbox', name: 'library', value: library.id, checked: library.kind !== 'other' }), ` ${library.name} `,
      h('span', { class: 'dim small' }, `${library.kind}${library.item_count !== null ? `, ${library.item_count} items` : ''}`));
    answer.replaceChildren(
      h('p', {}, '✓ ', h('strong', { id: 'source-server-name' }, check.server.name), h('span', { class: 'dim' }, ` version ${check.server.version}`)),
      h('fieldset', { class: 'library-choices' }, h('legend', {}, 'Libraries to import'), ...check.libraries.map(box)),
      h('fieldset', {}, h('legend', {}, 'Path mappings (optional: read files from disk instead of streaming them)'), mappings,
        h('button', { type: 'button', class: 'link', onclick: () => mappingRow() }, '+ add a mapping')),
      h('div', { class: 'actions' }, interval, save));
    answer.hidden = false;
  }

  const form = h('form', { class: 'source-add', id: 'add-source' },
    h('div', { class: 'actions' }, type, url, token, apiKey, user, check), error, answer);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      error.textContent = '';
      check.toggleAttribute('disabled', true);
      try {
        drawAnswer(await api<ApiSourceCheck>('POST', '/api/library/sources/check', connection()));
      } catch (e) {
        answer.hidden = true;
        error.textContent = e instanceof ApiError ? e.message : String(e);
      } finally {
        check.toggleAttribute('disabled', false);
      }
    })();
  });

  save.addEventListener('click', () => {
    void (async () => {
      error.textContent = '';
      const libraries = [...answer.querySelectorAll<HTMLInputElement>('input[name="library"]:checked')].map((box) => box.value);
      const pathMappings = [...mappings.querySelectorAll('.mapping-row')]
        .map((row) => ({ from: (row.querySelector('[name="mapping-from"]') as HTMLInputElement).value.trim(), to: (row.querySelector('[name="mapping-to"]') as HTMLInputElement).value.trim() }))
        .filter((m) => m.from || m.to);
      try {
        const added = await api<{ source: ApiSource }>('POST', '/api/library/sources', { ...connection(), libraries, path_mappings: pathMappings, sync_interval_minutes: Number(interval.value) });
        toast(`${added.source.server.name ?? added.source.key} added: syncing ${libraries.length} librar${libraries.length === 1 ? 'y' : 'ies'}`);
        form.reset();
        mappings.replaceChildren();
        answer.hidden = true;
        showFields();
        await saved();
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.message : String(e);
      }
    })();
  });
  return form;
}
