import { api, ApiError } from './api.js';
import { durationText, h, toast } from './dom.js';
import type { Chapter, MediaItem } from './types.js';

async function allMedia(query: string): Promise<MediaItem[]> {
  const items: MediaItem[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api<{ total: number; items: MediaItem[] }>('GET', `/api/media?${query}&limit=500&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

const label = (m: MediaItem) => m.title ?? m.path.split('/').pop() ?? m.path;

/**
 * The library as Retrovue sees it: shows → seasons → episodes, movies, the break material,
 * and the files that cannot air with the reason. Selecting a file opens its chapter strip:
 * click the strip to add a break point, drag a mark to move it, × to remove it.
 */
export async function renderLibraryPage(root: HTMLElement): Promise<void> {
  const [all, problems] = await Promise.all([allMedia('status=ok'), Promise.all([allMedia('status=unplayable'), allMedia('status=missing')]).then((lists) => lists.flat())]);
  const tree = h('nav', { class: 'panel library-tree', id: 'library-tree', 'aria-label': 'Library' });
  const detail = h('section', { class: 'panel media-detail', id: 'media-detail' }, h('p', { class: 'dim' }, 'Choose a file to see it and edit its chapter marks (where commercial breaks go).'));
  const byKind = (kind: string) => all.filter((m) => m.kind === kind);
  root.append(h('div', { class: 'toolbar' }, h('h2', {}, 'Library'), h('span', { class: 'dim' }, `${all.length} playable files, ${problems.length} with problems · rescan with \`retrovue scan\``)), h('div', { class: 'library-layout' }, tree, detail));

  const fileButton = (m: MediaItem, text = label(m)) => h('button', { class: 'file', onclick: () => void showFile(m), 'data-media': m.id }, text, h('span', { class: 'dim' }, ` ${durationText(m.durationMs)}`));
  const group = (title: string, children: HTMLElement[], open = false) => h('details', { open }, h('summary', {}, `${title} (${children.length})`), ...children);

  const shows = new Map<string, Map<number, MediaItem[]>>();
  for (const e of byKind('episode')) {
    const show = shows.get(e.show ?? 'Unknown') ?? new Map<number, MediaItem[]>();
    shows.set(e.show ?? 'Unknown', show);
    show.set(e.season ?? 0, [...(show.get(e.season ?? 0) ?? []), e]);
  }
  const showNodes = [...shows].sort(([a], [b]) => a.localeCompare(b)).map(([show, seasons]) =>
    group(show, [...seasons].sort(([a], [b]) => a - b).map(([season, episodes]) =>
      group(`Season ${season}`, episodes.sort((a, b) => (a.episode ?? 0) - (b.episode ?? 0)).map((e) => fileButton(e, `E${String(e.episode ?? 0).padStart(2, '0')} ${label(e)}`))))));
  tree.append(
    group('Shows', showNodes, true),
    group('Movies', byKind('movie').map((m) => fileButton(m, `${label(m)}${m.year ? ` (${m.year})` : ''}`))),
    group('Commercials', byKind('commercial').map((m) => fileButton(m))),
    group('Bumpers, station IDs, promos', [...byKind('bumper'), ...byKind('station_id'), ...byKind('promo')].map((m) => fileButton(m))),
    group('Problems', problems.map((m) => h('div', { class: 'problem', 'data-media': m.id }, h('span', { class: 'badge bad' }, m.status), ` ${m.path}`, h('div', { class: 'dim small' }, m.reason ?? 'no reason recorded'))), problems.length > 0),
  );

  async function showFile(media: MediaItem): Promise<void> {
    const { chapters } = await api<{ chapters: Chapter[] }>('GET', `/api/media/${media.id}/chapters`);
    const duration = media.durationMs ?? 1;
    const strip = h('div', { class: 'chapter-strip', id: 'chapter-strip', title: 'Click to add a chapter mark here' });
    const list = h('ol', { class: 'chapter-list' });
    const reload = () => void showFile(media);
    for (const chapter of [...chapters].sort((a, b) => a.timestampMs - b.timestampMs)) {
      const mark = h('div', { class: `chapter-mark source-${chapter.source}`, style: `left:${(chapter.timestampMs / duration) * 100}%`, tabindex: 0, role: 'slider', 'aria-label': `${chapter.title} at ${durationText(chapter.timestampMs)}`, 'aria-valuenow': chapter.timestampMs, 'data-chapter': chapter.id });
      mark.addEventListener('pointerdown', (event) => dragMark(event, chapter, mark));
      mark.addEventListener('keydown', (event) => {
        const step = event.shiftKey ? 10_000 : 1000;
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') void moveChapter(chapter, chapter.timestampMs + (event.key === 'ArrowLeft' ? -step : step));
        if (event.key === 'Delete') void removeChapter(chapter);
      });
      strip.append(mark);
      list.append(h('li', {}, `${durationText(chapter.timestampMs)} — ${chapter.title} `, h('span', { class: 'dim small' }, chapter.source), h('button', { class: 'link', 'aria-label': `Remove ${chapter.title}`, onclick: () => void removeChapter(chapter) }, '×')));
    }
    strip.addEventListener('click', (event) => {
      if (event.target !== strip) return;
      const box = strip.getBoundingClientRect();
      const at = Math.round(((event.clientX - box.left) / box.width) * duration);
      void addChapter(at, `Break at ${durationText(at)}`);
    });

    async function addChapter(timestampMs: number, title: string): Promise<void> {
      try {
        await api('POST', `/api/media/${media.id}/chapters`, { title, timestampMs });
        toast(`Chapter added at ${durationText(timestampMs)}; the next compiled airings break there`);
      } catch (e) {
        toast(e instanceof ApiError ? e.message : String(e), 'error');
      }
      reload();
    }
    async function removeChapter(chapter: Chapter): Promise<void> {
      await api('DELETE', `/api/media/${media.id}/chapters/${chapter.id}`).catch((e: Error) => toast(e.message, 'error'));
      reload();
    }
    /** A move is a remove and an add: chapter ids are not stable across a move. */
    async function moveChapter(chapter: Chapter, to: number): Promise<void> {
      const clamped = Math.max(0, Math.min(duration - 1, Math.round(to)));
      try {
        await api('POST', `/api/media/${media.id}/chapters`, { title: chapter.title, timestampMs: clamped });
        await api('DELETE', `/api/media/${media.id}/chapters/${chapter.id}`);
      } catch (e) {
        toast(e instanceof ApiError ? e.message : String(e), 'error');
      }
      reload();
    }
    function dragMark(event: PointerEvent, chapter: Chapter, mark: HTMLElement): void {
      event.preventDefault();
      const box = strip.getBoundingClientRect();
      const at = (x: number) => Math.max(0, Math.min(1, (x - box.left) / box.width)) * duration;
      const onMove = (e: PointerEvent) => (mark.style.left = `${(at(e.clientX) / duration) * 100}%`);
      const onUp = (e: PointerEvent) => {
        window.removeEventListener('pointermove', onMove);
        window.removeEventListener('pointerup', onUp);
        if (Math.abs(e.clientX - event.clientX) > 2) void moveChapter(chapter, at(e.clientX));
      };
      window.addEventListener('pointermove', onMove);
      window.addEventListener('pointerup', onUp);
    }

    detail.replaceChildren(
      h('h3', {}, label(media)), h('p', { class: 'dim small' }, `${media.kind} · ${durationText(media.durationMs)} · ${media.path}`),
      h('h4', {}, 'Chapter marks'), strip, h('div', { class: 'strip-scale dim small' }, h('span', {}, '0:00'), h('span', {}, durationText(duration))),
      chapters.length ? list : h('p', { class: 'dim' }, 'No chapter marks: breaks go after the programme. Click the strip to add one.'),
    );
  }
}
