import { allMedia, api, ApiError } from './api.js';
import { foldersPanel } from './library-folders.js';
import { mediaServersPanel } from './media-servers.js';
import { durationText, h, toast } from './dom.js';
import { subtitleList } from './subtitle-list.js';
import type { Chapter, ChapterEdit, ChapterList, MediaDetail, MediaItem, ScanStatus } from './types.js';


const label = (m: MediaItem) => m.title ?? m.path.split('/').pop() ?? m.path;

/** "12 added, 1 updated, 40 unchanged, 0 missing, 2 unplayable": a finished scan in a line. */
export function scanSummaryText(summary: NonNullable<ScanStatus['summary']>): string {
  return `${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.missing} missing, ${summary.unplayable} unplayable (${summary.found} files, ${(summary.elapsedMs / 1000).toFixed(1)} s)`;
}


/** "; channel 1 breaks there from Fri 00:00" — where a chapter edit reaches the air. */
function rescheduledText(edit: ChapterEdit): string {
  const list = edit.rescheduled ?? [];
  if (list.length === 0) return '; no channel airs it before its next compile';
  const when = (iso: string) => new Date(iso).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return `; ${list.map((r) => `channel ${r.channel} from ${when(r.effectiveFrom)}`).join(', ')} (the next block on)`;
}

const AUTO_TITLE = /^Break at \d+(:\d\d)+$/;
const thumbnailUrl = (mediaId: number, atMs: number) => `/api/media/${mediaId}/thumbnail?at=${Math.max(0, Math.round(atMs))}`;

/**
 * The library as Retrovue sees it: shows → seasons → episodes, movies, the break material,
 * and the files that cannot air with the reason; Rescan runs the server's scan with a progress
 * bar. Selecting a file opens its chapter strip, with a picture at every mark: click the strip
 * to add a break point, drag a mark (or ←/→ on a focused one) to move it, × to remove it;
 * below it, the file's subtitle tracks (languages, forced/SDH, pictures and problems marked).
 */
export async function renderLibraryPage(root: HTMLElement): Promise<void> {
  const tree = h('nav', { class: 'panel library-tree', id: 'library-tree', 'aria-label': 'Library' });
  const detail = h('section', { class: 'panel media-detail', id: 'media-detail' }, h('p', { class: 'dim' }, 'Choose a file to see it and edit its chapter marks (where commercial breaks go).'));
  const counts = h('span', { class: 'dim', id: 'library-counts' });
  const progress = h('progress', { id: 'scan-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Library scan progress' });
  const scanStatus = h('span', { class: 'dim small', id: 'scan-status', role: 'status' });
  const rescan = h('button', { id: 'rescan', class: 'primary', title: 'Look for new, changed and vanished files in the library folders', onclick: () => void startScan() }, 'Rescan');
  root.append(h('div', { class: 'toolbar' }, h('h2', {}, 'Library'), counts, h('span', { class: 'scan-box' }, progress, scanStatus), rescan));
  root.append(await foldersPanel(() => void followScan(), () => void loadTree()), await mediaServersPanel(() => void loadTree()), h('div', { class: 'library-layout' }, tree, detail));

  async function loadTree(): Promise<void> {
    const [all, problems] = await Promise.all([allMedia('status=ok'), Promise.all([allMedia('status=unplayable'), allMedia('status=missing')]).then((lists) => lists.flat())]);
    counts.textContent = `${all.length} playable files, ${problems.length} with problems`;
    const byKind = (kind: string) => all.filter((m) => m.kind === kind);
    const fileButton = (m: MediaItem, text = label(m)) => h('button', { class: 'file', onclick: () => void showFile(m), 'data-media': m.id }, text, h('span', { class: 'dim' }, ` ${durationText(m.durationMs)}`));
    // A reload (after a rescan, a folder added) keeps the groups the user had opened.
    const wasOpen = new Set([...tree.querySelectorAll<HTMLElement>('details[open]')].map((d) => d.dataset.group));
    const firstDraw = tree.childElementCount === 0;
    const group = (title: string, children: HTMLElement[], open = false, key = title) =>
      h('details', { open: firstDraw ? open : wasOpen.has(key), 'data-group': key }, h('summary', {}, `${title} (${children.length})`), ...children);
    const shows = new Map<string, Map<number, MediaItem[]>>();
    for (const e of byKind('episode')) {
      const show = shows.get(e.show ?? 'Unknown') ?? new Map<number, MediaItem[]>();
      shows.set(e.show ?? 'Unknown', show);
      show.set(e.season ?? 0, [...(show.get(e.season ?? 0) ?? []), e]);
    }
    const showNodes = [...shows].sort(([a], [b]) => a.localeCompare(b)).map(([show, seasons]) =>
      group(show, [...seasons].sort(([a], [b]) => a - b).map(([season, episodes]) =>
        group(`Season ${season}`, episodes.sort((a, b) => (a.episode ?? 0) - (b.episode ?? 0)).map((e) => fileButton(e, `E${String(e.episode ?? 0).padStart(2, '0')} ${label(e)}`)), false, `${show} / Season ${season}`))));
    tree.replaceChildren(
      group('Shows', showNodes, true),
      group('Movies', byKind('movie').map((m) => fileButton(m, `${label(m)}${m.year ? ` (${m.year})` : ''}`))),
      group('Commercials', byKind('commercial').map((m) => fileButton(m))),
      group('Bumpers, station IDs, promos', [...byKind('bumper'), ...byKind('station_id'), ...byKind('promo')].map((m) => fileButton(m))),
      group('Other', byKind('other').map((m) => fileButton(m))),
      group('Problems', problems.map((m) => h('div', { class: 'problem', 'data-media': m.id }, h('span', { class: 'badge bad' }, m.status), ` ${m.path}`, h('div', { class: 'dim small' }, m.reason ?? 'no reason recorded'))), problems.length > 0),
    );
  }

  // ---- rescan with a progress bar (polls GET /api/library/scan while it runs)
  function drawScan(scan: ScanStatus): void {
    progress.hidden = scan.state === 'idle';
    rescan.toggleAttribute('disabled', scan.state === 'running');
    progress.dataset.state = scan.state;
    if (scan.state === 'running') {
      // Until the folders are walked the total is unknown: an indeterminate bar.
      if (scan.total > 0) {
        progress.max = scan.total;
        progress.value = scan.processed;
      } else progress.removeAttribute('value');
      scanStatus.textContent = scan.total > 0 ? `Scanning: ${scan.processed}/${scan.total} probed${scan.currentFile ? ` · ${scan.currentFile.split('/').pop()}` : ''}` : 'Scanning: looking for files…';
    } else if (scan.state === 'done' && scan.summary) {
      progress.max = 1;
      progress.value = 1;
      scanStatus.textContent = `Scan finished: ${scanSummaryText(scan.summary)}`;
    } else if (scan.state === 'failed') {
      scanStatus.textContent = `Scan failed: ${scan.error ?? 'unknown error'}`;
    }
  }
  async function followScan(): Promise<void> {
    for (;;) {
      if (!root.isConnected) return;
      const scan = await api<ScanStatus>('GET', '/api/library/scan');
      // The bar says "done" once the tree shows what the scan found, not before.
      if (scan.state === 'done') await loadTree();
      drawScan(scan);
      if (scan.state !== 'running') {
        if (scan.state === 'done') {
          toast(`Library rescanned: ${scan.summary ? scanSummaryText(scan.summary) : 'done'}`);
        } else toast(`Library scan failed: ${scan.error ?? 'unknown error'}`, 'error');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  async function startScan(): Promise<void> {
    try {
      drawScan(await api<ScanStatus>('POST', '/api/library/scan'));
    } catch (e) {
      // 409: one is running already (another tab, the CLI): follow that one.
      if (!(e instanceof ApiError && e.status === 409)) return toast(e instanceof ApiError ? e.message : String(e), 'error');
    }
    await followScan();
  }

  await loadTree();
  const scan = await api<ScanStatus>('GET', '/api/library/scan');
  if (scan.state === 'running') void followScan();
  else if (scan.state === 'done') drawScan(scan);

  async function showFile(media: MediaItem, focusChapter?: number): Promise<void> {
    const [{ chapters }, { subtitles }] = await Promise.all([api<ChapterList>('GET', `/api/media/${media.id}/chapters`), api<MediaDetail>('GET', `/api/media/${media.id}`)]);
    const duration = media.durationMs ?? 1;
    const percent = (ms: number) => `${(ms / duration) * 100}%`;
    const strip = h('div', { class: 'chapter-strip', id: 'chapter-strip', title: 'Click to add a chapter mark here' });
    const thumbs = h('div', { class: 'chapter-thumbs', id: 'chapter-thumbs', 'aria-hidden': 'true' });
    const list = h('ol', { class: 'chapter-list' });
    const reload = (focus?: number) => void showFile(media, focus);
    for (const chapter of [...chapters].sort((a, b) => a.timestampMs - b.timestampMs)) {
      const mark = h('div', { class: `chapter-mark source-${chapter.source}`, style: `left:${percent(chapter.timestampMs)}`, tabindex: 0, role: 'slider', 'aria-label': `${chapter.title} at ${durationText(chapter.timestampMs)}`, 'aria-valuenow': chapter.timestampMs, 'aria-valuemin': 0, 'aria-valuemax': duration, 'data-chapter': chapter.id });
      const thumb = h('img', { class: 'chapter-thumb', src: thumbnailUrl(media.id, chapter.timestampMs), alt: `${chapter.title} at ${durationText(chapter.timestampMs)}`, style: `left:${percent(chapter.timestampMs)}`, 'data-chapter': chapter.id, draggable: 'false' });
      thumb.addEventListener('error', () => thumb.classList.add('failed'));
      mark.addEventListener('pointerdown', (event) => dragMark(event, chapter, mark, thumb));
      mark.addEventListener('keydown', (event) => {
        const step = event.shiftKey ? 10_000 : 1000;
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
          event.preventDefault();
          void moveChapter(chapter, chapter.timestampMs + (event.key === 'ArrowLeft' ? -step : step));
        }
        if (event.key === 'Delete') void removeChapter(chapter);
      });
      strip.append(mark);
      thumbs.append(thumb);
      list.append(h('li', {}, `${durationText(chapter.timestampMs)} — ${chapter.title} `, h('span', { class: 'dim small' }, chapter.source), h('button', { class: 'link', 'aria-label': `Remove ${chapter.title}`, onclick: () => void removeChapter(chapter) }, '×')));
    }
    // A drag that ends over the strip also clicks it (the common ancestor of down and up): not an add.
    let justDragged = false;
    strip.addEventListener('click', (event) => {
      if (event.target !== strip || justDragged) return;
      const box = strip.getBoundingClientRect();
      const at = Math.round(((event.clientX - box.left) / box.width) * duration);
      void addChapter(at, `Break at ${durationText(at)}`);
    });

    // Hover preview: the picture under the pointer, on a coarse grid so the cache is reused.
    const preview = h('div', { class: 'strip-preview', hidden: true }, h('img', { alt: '' }), h('span', { class: 'small' }));
    const previewStep = Math.max(1000, Math.round(duration / 100 / 1000) * 1000);
    let previewTimer: ReturnType<typeof setTimeout> | undefined;
    strip.addEventListener('pointermove', (event) => {
      if (event.buttons !== 0) return;
      const box = strip.getBoundingClientRect();
      const fraction = Math.max(0, Math.min(1, (event.clientX - box.left) / box.width));
      const at = Math.min(duration - 1, Math.round((fraction * duration) / previewStep) * previewStep);
      preview.hidden = false;
      preview.style.left = `${fraction * 100}%`;
      (preview.lastElementChild as HTMLElement).textContent = durationText(at);
      clearTimeout(previewTimer);
      previewTimer = setTimeout(() => ((preview.firstElementChild as HTMLImageElement).src = thumbnailUrl(media.id, at)), 120);
    });
    strip.addEventListener('pointerleave', () => {
      clearTimeout(previewTimer);
      preview.hidden = true;
    });

    async function addChapter(timestampMs: number, title: string): Promise<void> {
      try {
        const added = await api<ChapterEdit>('POST', `/api/media/${media.id}/chapters`, { title, timestampMs });
        toast(`Chapter added at ${durationText(timestampMs)}${rescheduledText(added)}`);
      } catch (e) {
        toast(e instanceof ApiError ? e.message : String(e), 'error');
      }
      reload();
    }
    async function removeChapter(chapter: Chapter): Promise<void> {
      await api('DELETE', `/api/media/${media.id}/chapters/${chapter.id}`).catch((e: Error) => toast(e.message, 'error'));
      reload();
    }
    /** One PATCH: the marker keeps its id (and focus), and channels airing the file reschedule their breaks. */
    async function moveChapter(chapter: Chapter, to: number): Promise<void> {
      const clamped = Math.max(0, Math.min(duration - 1, Math.round(to)));
      if (clamped === chapter.timestampMs) return;
      try {
        // A mark named after its place ("Break at 3:37", as a click names it) is renamed with it.
        const title = AUTO_TITLE.test(chapter.title) ? `Break at ${durationText(clamped)}` : undefined;
        const moved = await api<ChapterEdit>('PATCH', `/api/media/${media.id}/chapters/${chapter.id}`, { timestampMs: clamped, ...(title ? { title } : {}) });
        toast(`${chapter.title} moved to ${durationText(clamped)}${rescheduledText(moved)}`);
      } catch (e) {
        toast(e instanceof ApiError ? e.message : String(e), 'error');
      }
      reload(chapter.id);
    }
    function dragMark(event: PointerEvent, chapter: Chapter, mark: HTMLElement, thumb: HTMLElement): void {
      event.preventDefault();
      preview.hidden = true;
      const box = strip.getBoundingClientRect();
      const at = (x: number) => Math.max(0, Math.min(1, (x - box.left) / box.width)) * duration;
      const onMove = (e: PointerEvent) => {
        mark.style.left = thumb.style.left = percent(at(e.clientX));
        mark.setAttribute('aria-valuenow', String(Math.round(at(e.clientX))));
      };
      const onUp = (e: PointerEvent) => {
        window.removeEventListener('pointermove', onMove);
        window.removeEventListener('pointerup', onUp);
        justDragged = true;
        setTimeout(() => (justDragged = false), 0);
        if (Math.abs(e.clientX - event.clientX) > 2) void moveChapter(chapter, at(e.clientX));
      };
      window.addEventListener('pointermove', onMove);
      window.addEventListener('pointerup', onUp);
    }

    detail.replaceChildren(
      h('h3', {}, label(media)), h('p', { class: 'dim small' }, `${media.kind} · ${durationText(media.durationMs)} · ${media.path}`),
      h('h4', {}, 'Chapter marks'), thumbs, h('div', { class: 'strip-wrap' }, strip, preview), h('div', { class: 'strip-scale dim small' }, h('span', {}, '0:00'), h('span', {}, durationText(duration))),
      chapters.length ? list : h('p', { class: 'dim' }, 'No chapter marks: breaks go after the programme. Click the strip to add one.'),
      h('h4', {}, 'Subtitles'), subtitleList(subtitles),
    );
    if (focusChapter !== undefined) (detail.querySelector(`.chapter-mark[data-chapter="${focusChapter}"]`) as HTMLElement | null)?.focus();
  }
}
