import type { ApiSourceList } from '../../src/sources/source-api.js';
import { allMedia, api, ApiError } from './api.js';
import { h, toast } from './dom.js';
import { clockOf, DAY_MINUTES, gapsOf, minutesOf, moveBlock, overlappingBlocks, piecesOf, resizeBlock, snap, SNAP_MINUTES, uniqueName } from './schedule-model.js';
import { WEEKDAY_NAMES, WEEKDAYS, type Block, type BlockContent, type Channel, type ChannelList, type Schedule, type ScheduleResult, type TimelineChange } from './types.js';

/** Pixels per hour in the week grid: the whole day fits on a laptop screen. */
export const HOUR_PX = 32;
const PX_PER_MINUTE = HOUR_PX / 60;

interface PaletteItem { label: string; detail: string; content: BlockContent; minutes: number }

async function paletteItems(): Promise<PaletteItem[]> {
  const media = await allMedia('status=ok');
  const shows = new Map<string, number>();
  for (const e of media) if (e.kind === 'episode' && e.show) shows.set(e.show, (shows.get(e.show) ?? 0) + 1);
  const items: PaletteItem[] = [...shows].sort().map(([show, count]) => ({ label: show, detail: `show · ${count} episode${count === 1 ? '' : 's'}`, content: { type: 'show', show }, minutes: 30 }));
  items.push({ label: 'Movies', detail: 'every movie, in turn', content: { type: 'movies' }, minutes: 120 });
  // Collections: the tags given to folders in the config file (library.folders[].tags).
  const tags = new Map<string, number>();
  for (const m of media) for (const tag of m.tags) tags.set(tag, (tags.get(tag) ?? 0) + 1);
  for (const [tag, count] of [...tags].sort()) items.push({ label: `Collection: ${tag}`, detail: `${count} file${count === 1 ? '' : 's'} tagged "${tag}", in turn`, content: { type: 'tag', tag }, minutes: 60 });
  // Media servers' collections and playlists, in their own order.
  const { sources } = await api<ApiSourceList>('GET', '/api/library/sources');
  for (const source of sources) {
    for (const collection of source.collections) {
      items.push({ label: collection.name, detail: `${source.server.name ?? source.key} collection · ${collection.items} item${collection.items === 1 ? '' : 's'}, in its order`, content: { type: 'collection', source: source.key, name: collection.name }, minutes: 60 });
    }
  }
  return items;
}

/**
 * The week view of one channel's schedule. Blocks are dragged (pointer events, so mouse, pen
 * and touch) to move, dragged at the bottom or top edge to resize, and dropped from the
 * palette; everything also works from the keyboard on a focused block. Nothing is stored
 * until Save, which answers with what changed in the guide.
 */
export async function renderSchedulePage(root: HTMLElement, channelNumber: number | undefined): Promise<void> {
  const channels = (await api<ChannelList>('GET', '/api/channels')).channels;
  if (channels.length === 0) {
    root.append(h('p', { class: 'empty' }, 'No channels yet: create one on the Channels page first.'));
    return;
  }
  const channel = channels.find((c) => c.number === channelNumber) ?? channels[0]!;
  let blocks: Block[] = structuredClone(channel.schedule.blocks);
  let saved = JSON.stringify(blocks);
  let selected: number | undefined;

  const picker = h('select', { 'aria-label': 'Channel', id: 'schedule-channel', onchange: () => (location.hash = `#/schedule/${picker.value}`) },
    ...channels.map((c) => h('option', { value: c.number, selected: c.number === channel.number }, `${c.number} · ${c.name}`)));
  const saveButton = h('button', { class: 'primary', id: 'save-schedule', onclick: () => void save() }, 'Save schedule');
  const status = h('span', { class: 'dim', id: 'schedule-status' });
  const grid = h('div', { class: 'week', id: 'week' });
  const editor = h('aside', { class: 'panel block-editor', id: 'block-editor' });
  const changes = h('section', { class: 'panel changes', id: 'schedule-changes', hidden: true });
  const palette = h('aside', { class: 'panel palette', id: 'palette' }, h('h3', {}, 'Drag onto the week'));

  root.append(
    h('div', { class: 'toolbar' }, h('h2', {}, 'Schedule'), picker, h('span', { class: 'dim' }, `time zone ${channel.timeZone}`), status, saveButton),
    h('div', { class: 'schedule-layout' }, palette, h('div', { class: 'week-wrap' }, grid, h('p', { class: 'dim legend' },
      'Empty time plays the channel\'s library back to back. Red blocks overlap: the server refuses to save them. ',
      'Keys on a block: ↑/↓ move 15 min, ←/→ move a day, Shift+↑/↓ shorten/lengthen, Delete removes.')), editor),
    changes,
  );

  for (const item of await paletteItems()) {
    const tile = h('div', { class: 'palette-item', tabindex: 0, 'data-label': item.label, role: 'button', 'aria-label': `Add ${item.label} block` },
      h('strong', {}, item.label), h('span', { class: 'dim' }, item.detail));
    tile.addEventListener('pointerdown', (event) => startPaletteDrag(event, item));
    // Keyboard: Enter adds the block on Monday at 20:00; the editor then moves it.
    tile.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') addBlock(item, 0, 20 * 60);
    });
    palette.append(tile);
  }

  function markDirty(): void {
    const dirty = JSON.stringify(blocks) !== saved;
    const clashes = overlappingBlocks(blocks).size;
    status.textContent = clashes ? `${clashes} blocks overlap` : dirty ? 'unsaved changes' : 'saved';
    status.className = clashes ? 'warn' : 'dim';
    saveButton.disabled = !dirty;
  }

  function draw(): void {
    grid.replaceChildren();
    const clashing = overlappingBlocks(blocks);
    const hours = h('div', { class: 'week-hours' }, h('div', { class: 'week-head' }), ...Array.from({ length: 24 }, (_, hour) => h('div', { class: 'week-hour', style: `height:${HOUR_PX}px` }, `${String(hour).padStart(2, '0')}:00`)));
    grid.append(hours);
    WEEKDAYS.forEach((day, dayIndex) => {
      const column = h('div', { class: 'week-day', 'data-day': day, style: `height:${24 * HOUR_PX}px` });
      const pieces = piecesOf(blocks);
      // Gaps (only once there is a schedule: an empty week is all library) are shown as you drag.
      if (blocks.length > 0) {
        for (const gap of gapsOf(pieces, dayIndex)) {
          column.append(h('div', { class: 'sched-gap', style: `top:${gap.startMin * PX_PER_MINUTE}px;height:${(gap.endMin - gap.startMin) * PX_PER_MINUTE}px`, title: `${clockOf(gap.startMin)}–${clockOf(gap.endMin)}: no block (the library plays back to back)` }));
        }
      }
      for (const piece of pieces.filter((p) => p.day === dayIndex)) {
        const block = blocks[piece.block]!;
        const element = h('div', {
          class: `sched-block${clashing.has(piece.block) ? ' overlap' : ''}${selected === piece.block ? ' selected' : ''}${piece.continued ? ' continued' : ''}`,
          style: `top:${piece.startMin * PX_PER_MINUTE}px;height:${Math.max(8, (piece.endMin - piece.startMin) * PX_PER_MINUTE)}px`,
          tabindex: piece.continued ? -1 : 0,
          role: 'button',
          'data-block': block.name,
          'aria-label': `${block.name}, ${WEEKDAY_NAMES[day]} ${block.start} for ${block.minutes} minutes`,
        },
          h('div', { class: 'edge start', 'data-edge': 'start' }),
          h('strong', {}, block.name),
          h('span', {}, `${block.start}–${clockOf(minutesOf(block.start) + block.minutes)}`),
          h('div', { class: 'edge end', 'data-edge': 'end' }));
        element.addEventListener('pointerdown', (event) => startBlockDrag(event, piece.block));
        element.addEventListener('keydown', (event) => onBlockKey(event, piece.block));
        element.addEventListener('focus', () => select(piece.block, false));
        column.append(element);
      }
      grid.append(h('div', { class: 'week-col' }, h('div', { class: 'week-head' }, WEEKDAY_NAMES[day].slice(0, 3)), column));
    });
    drawEditor();
    markDirty();
  }

  function select(index: number | undefined, redraw = true): void {
    if (selected === index) return;
    selected = index;
    if (redraw) draw();
    else {
      grid.querySelectorAll('.sched-block').forEach((el) => el.classList.toggle('selected', (el as HTMLElement).dataset.block === (index === undefined ? undefined : blocks[index]!.name)));
      drawEditor();
    }
  }

  function focusBlock(name: string): void {
    (grid.querySelector(`.sched-block[data-block="${CSS.escape(name)}"]:not(.continued)`) as HTMLElement | null)?.focus();
  }

  function update(index: number, next: Block): void {
    blocks[index] = next;
    draw();
    focusBlock(next.name);
  }

  function onBlockKey(event: KeyboardEvent, index: number): void {
    const block = blocks[index]!;
    const steps: Record<string, () => Block> = {
      ArrowUp: () => (event.shiftKey ? resizeBlock(block, 'end', -SNAP_MINUTES) : moveBlock(block, 0, -SNAP_MINUTES)),
      ArrowDown: () => (event.shiftKey ? resizeBlock(block, 'end', SNAP_MINUTES) : moveBlock(block, 0, SNAP_MINUTES)),
      ArrowLeft: () => moveBlock(block, -1, 0),
      ArrowRight: () => moveBlock(block, 1, 0),
    };
    if (steps[event.key]) {
      event.preventDefault();
      update(index, steps[event.key]!());
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      blocks.splice(index, 1);
      selected = undefined;
      draw();
    }
  }

  /** Where a pointer is in the week: day index and minute of the day (unsnapped). */
  function weekPosition(x: number, y: number): { day: number; minute: number } | undefined {
    for (const [dayIndex, column] of [...grid.querySelectorAll<HTMLElement>('.week-day')].entries()) {
      const box = column.getBoundingClientRect();
      if (x >= box.left && x < box.right && y >= box.top && y <= box.bottom) return { day: dayIndex, minute: Math.min(DAY_MINUTES - 1, (y - box.top) / PX_PER_MINUTE) };
    }
    return undefined;
  }

  function startBlockDrag(event: PointerEvent, index: number): void {
    if (event.button !== 0) return;
    const edge = (event.target as HTMLElement).dataset.edge as 'start' | 'end' | undefined;
    const original = blocks[index]!;
    const from = weekPosition(event.clientX, event.clientY);
    if (!from) return;
    event.preventDefault();
    select(index, false);
    const onMove = (move: PointerEvent) => {
      const at = weekPosition(move.clientX, move.clientY);
      if (!at) return;
      const minutes = at.minute - from.minute;
      blocks[index] = edge ? resizeBlock(original, edge, minutes) : moveBlock(original, at.day - from.day, minutes);
      draw();
    };
    const onUp = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      focusBlock(blocks[index]!.name);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  }

  function addBlock(item: PaletteItem, day: number, minute: number): void {
    const block: Block = { name: uniqueName(blocks, item.label), days: [WEEKDAYS[day]!], start: clockOf(snap(minute)), minutes: item.minutes, content: item.content };
    blocks.push(block);
    selected = blocks.length - 1;
    draw();
    focusBlock(block.name);
  }

  function startPaletteDrag(event: PointerEvent, item: PaletteItem): void {
    if (event.button !== 0) return;
    event.preventDefault();
    const ghost = h('div', { class: 'sched-block ghost', style: `height:${item.minutes * PX_PER_MINUTE}px` }, h('strong', {}, item.label));
    document.body.append(ghost);
    const place = (e: PointerEvent) => {
      ghost.style.left = `${e.clientX + 4}px`;
      ghost.style.top = `${e.clientY}px`;
      const at = weekPosition(e.clientX, e.clientY);
      ghost.classList.toggle('over', at !== undefined);
      ghost.querySelector('strong')!.textContent = at ? `${item.label} · ${WEEKDAY_NAMES[WEEKDAYS[at.day]!].slice(0, 3)} ${clockOf(snap(at.minute))}` : item.label;
    };
    place(event);
    const onUp = (e: PointerEvent) => {
      window.removeEventListener('pointermove', place);
      window.removeEventListener('pointerup', onUp);
      ghost.remove();
      const at = weekPosition(e.clientX, e.clientY);
      if (at) addBlock(item, at.day, at.minute);
    };
    window.addEventListener('pointermove', place);
    window.addEventListener('pointerup', onUp);
  }

  function drawEditor(): void {
    editor.replaceChildren(h('h3', {}, 'Block'));
    if (selected === undefined || !blocks[selected]) {
      editor.append(h('p', { class: 'dim' }, 'Select a block to edit it, or drag one in from the palette.'));
      return;
    }
    const index = selected;
    const block = blocks[index]!;
    const field = (label: string, input: HTMLElement) => h('label', {}, h('span', {}, label), input);
    const name = h('input', { value: block.name, id: 'block-name', maxlength: 80 });
    const start = h('input', { type: 'time', value: block.start, step: 900, id: 'block-start' });
    const minutes = h('input', { type: 'number', value: block.minutes, min: 15, max: 1440, step: 15, id: 'block-minutes' });
    const dayBoxes = WEEKDAYS.map((day) => h('label', { class: 'day-box' }, h('input', { type: 'checkbox', value: day, checked: block.days.includes(day) }), WEEKDAY_NAMES[day].slice(0, 2)));
    const overrun = h('select', {}, h('option', { value: 'cut', selected: (block.overrun ?? 'cut') === 'cut' }, 'cut at the block end'), h('option', { value: 'shift', selected: block.overrun === 'shift' }, 'let it run, shift the next block'));
    const breaks = h('input', { type: 'checkbox', checked: block.breaks ?? true });
    const apply = () => {
      const days = dayBoxes.map((b) => b.querySelector('input')!).filter((i) => i.checked).map((i) => i.value) as Block['days'];
      update(index, { ...block, name: name.value.trim() || block.name, start: start.value || block.start, minutes: Math.max(1, Number(minutes.value) || block.minutes), days: days.length ? days : block.days, overrun: overrun.value as 'cut' | 'shift', breaks: breaks.checked });
    };
    for (const input of [name, start, minutes, overrun, breaks, ...dayBoxes.map((b) => b.querySelector('input')!)]) input.addEventListener('change', apply);
    const contentText = block.content.type === 'show' ? `show "${block.content.show}" (${block.content.order ?? 'sequential'})` : block.content.type === 'movies' ? 'movies' : block.content.type === 'collection' ? `collection ${block.content.source}/${block.content.name}` : block.content.type === 'live' ? `live source ${block.content.source}${block.content.title ? ` as "${block.content.title}"` : ''}` : `tag ${block.content.tag}`;
    editor.append(
      field('Name', name), field('Starts', start), field('Minutes', minutes), h('div', { class: 'days' }, ...dayBoxes),
      field('Overrun', overrun), h('label', { class: 'inline' }, breaks, ' commercial breaks at chapter marks'),
      h('p', { class: 'dim' }, `Plays ${contentText}.`),
      h('button', { class: 'danger', onclick: () => { blocks.splice(index, 1); selected = undefined; draw(); } }, 'Remove block'),
    );
  }

  async function save(): Promise<void> {
    const schedule: Schedule = { ...channel.schedule, blocks };
    try {
      const result = await api<ScheduleResult>('PUT', `/api/channels/${channel.number}/schedule`, schedule);
      blocks = structuredClone(result.schedule.blocks);
      saved = JSON.stringify(blocks);
      draw();
      showChanges(result.changes);
      toast(`Schedule of channel ${channel.number} saved`);
    } catch (error) {
      toast(error instanceof ApiError ? `Not saved: ${error.message}` : String(error), 'error');
    }
  }

  function showChanges(change: TimelineChange): void {
    const when = (iso: string) => new Date(iso).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
    const list = (title: string, items: TimelineChange['added'], cls: string) =>
      h('div', { class: `change-list ${cls}` }, h('h4', {}, `${title} (${items.length})`),
        h('ul', {}, ...items.slice(0, 30).map((p) => h('li', {}, h('span', { class: 'when' }, when(p.start)), ` ${p.title}${p.subtitle ? ` — ${p.subtitle}` : ''}`)),
          items.length > 30 ? h('li', { class: 'dim' }, `… and ${items.length - 30} more`) : null));
    changes.hidden = false;
    changes.replaceChildren(h('h3', {}, `What changed in the guide (from ${when(change.effectiveFrom)})`), h('div', { class: 'change-cols' }, list('Added', change.added, 'added'), list('Removed', change.removed, 'removed')));
  }

  draw();
}
