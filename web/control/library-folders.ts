import { api, ApiError } from './api.js';
import { h, toast } from './dom.js';
import type { LibraryFolder as Folder, LibraryFolderList, LibraryFolderRemoved } from './types.js';

const KINDS: Array<[string, string]> = [
  ['', 'from the names (shows, movies…)'],
  ['episode', 'episodes'],
  ['movie', 'movies'],
  ['commercial', 'commercials'],
  ['bumper', 'bumpers'],
  ['station_id', 'station IDs'],
  ['promo', 'promos'],
];

/**
 * The library's media folders: the config file's (listed; changed in the file) and those added
 * here, by their path on the server. Adding one starts a rescan (`onScanStarted` follows it);
 * removing one takes its files off the air from the next compiled programmes.
 */
export async function foldersPanel(onScanStarted: () => void, onRemoved: () => void): Promise<HTMLElement> {
  const list = h('ul', { class: 'folder-list', id: 'library-folders' });
  const pathInput = h('input', { name: 'folder-path', placeholder: '/srv/tv/shows', required: true, 'aria-label': 'Folder path on the server', class: 'mono' });
  const kind = h('select', { name: 'folder-kind', 'aria-label': 'What the folder holds' }, ...KINDS.map(([value, text]) => h('option', { value }, text)));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const summary = h('summary', {}, 'Media folders');
  const panel = h('details', { class: 'panel folders-panel', id: 'folders-panel' }, summary, list,
    h('form', { class: 'folder-add', id: 'add-folder' }, pathInput, kind, h('button', { class: 'primary', type: 'submit' }, 'Add folder')), error,
    h('p', { class: 'dim small' }, 'A path on the machine Retrovue runs on. Show folders are read from their names (Show/Season 1/Show - S01E02.mkv, Movie (1987).mkv); a folder of commercials or bumpers can say so here.'));

  async function draw(): Promise<void> {
    const { folders } = await api<LibraryFolderList>('GET', '/api/library/folders');
    summary.textContent = `Media folders (${folders.length})`;
    list.replaceChildren(...folders.map((folder) => h('li', { 'data-folder': folder.path },
      h('span', { class: 'mono' }, folder.path), ' ',
      h('span', { class: 'dim small' }, [folder.kind ? `${folder.kind}s` : null, folder.source === 'config' ? 'config file' : null, folder.exists ? null : 'NOT FOUND'].filter(Boolean).join(' · ')),
      folder.source === 'control_room'
        ? h('button', { class: 'link', 'aria-label': `Remove ${folder.path}`, onclick: () => void remove(folder) }, 'remove')
        : null)));
  }
  async function remove(folder: Folder): Promise<void> {
    if (!confirm(`Take ${folder.path} out of the library? Its files stop airing from the next programmes compiled (nothing is deleted from disk).`)) return;
    try {
      const result = await api<LibraryFolderRemoved>('DELETE', `/api/library/folders?path=${encodeURIComponent(folder.path)}`);
      toast(`${folder.path} removed: ${result.filesMissing} file(s) no longer air`);
      await draw();
      onRemoved();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : String(e), 'error');
    }
  }
  panel.querySelector('form')!.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        await api('POST', '/api/library/folders', { path: pathInput.value.trim(), ...(kind.value ? { kind: kind.value } : {}) });
        toast(`${pathInput.value.trim()} added: scanning it now`);
        pathInput.value = '';
        error.textContent = '';
        await draw();
        onScanStarted();
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.message : String(e);
      }
    })();
  });
  await draw();
  return panel;
}
