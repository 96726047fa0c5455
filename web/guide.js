// Retrovue guide grid: channels as rows, the next hours across, one block per programme sized by
// its duration (a show and its breaks folded, as a printed guide lists them), with a "now" line.
// Plain browser JS, no dependencies; index.html creates it with RetrovueGuide.create(...).
(function () {
  'use strict';

  const MINUTE = 60_000;
  const HALF_HOUR = 30 * MINUTE;
  /** Fetched a little past the visible span so the grid stays full until the next refresh. */
  const FETCH_MARGIN = HALF_HOUR;
  /** Read from this long before the window, so a programme already running shows its real start. */
  const LOOKBACK = 60 * MINUTE;
  /** A block narrower than this many pixels cannot show its title: runs of them are grouped. */
  const MIN_CELL_PX = 34;

  const timeFormat = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit' });
  const timeFormatSeconds = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  const dayFormat = new Intl.DateTimeFormat([], { weekday: 'short', month: 'short', day: 'numeric' });

  /** Clock time; seconds only when the instant has them (tiny loop clips, not half-hour slots). */
  function clockTime(ms) {
    return (new Date(ms).getSeconds() ? timeFormatSeconds : timeFormat).format(ms);
  }

  /** Clock time without AM/PM, for cells, where the axis already tells the part of the day. */
  function compactTime(ms, withSeconds) {
    return (withSeconds ? timeFormatSeconds : timeFormat)
      .formatToParts(ms)
      .filter((part) => part.type !== 'dayPeriod')
      .map((part) => part.value)
      .join('')
      .trim();
  }

  /** A cell's time span: to the minute, as printed guides show it; to the second for clips under two minutes. */
  function cellTimes(start, end) {
    const seconds = end - start < 2 * MINUTE;
    return `${compactTime(start, seconds)} – ${compactTime(end, seconds)}`;
  }

  /** Clock time to the minute, or to the second when asked (seconds-long clips). */
  function timeOfDay(ms, withSeconds) {
    return (withSeconds ? timeFormatSeconds : timeFormat).format(ms);
  }

  /** A programme's span for the on-air panel: to the minute, or to the second for short clips. */
  function spanTimes(start, end) {
    const format = end - start < 2 * MINUTE ? timeFormatSeconds : timeFormat;
    return `${format.format(start)} – ${format.format(end)}`;
  }

  /** "S01E02 · The Move", "S01E02", "The Move" or '' from a programme's episode facts. */
  function episodeLabel(block) {
    const number = block.season !== undefined && block.episode !== undefined
      ? `S${String(block.season).padStart(2, '0')}E${String(block.episode).padStart(2, '0')}`
      : '';
    return [number, block.subtitle || ''].filter(Boolean).join(' · ');
  }

  /** "TV-PG · Animation, Comedy" from a programme's rating and genres (.nfo or media server), or ''. */
  function programmeFacts(block) {
    const genres = Array.isArray(block.genres) ? block.genres.slice(0, 3).join(', ') : '';
    return [block.rating || '', genres].filter(Boolean).join(' · ');
  }

  /** Where a programme's poster is served (GET /media/{id}/poster), or '' when it has none. */
  function posterUrl(block) {
    return Number.isInteger(block.posterMediaId) && block.posterMediaId > 0 ? `/media/${block.posterMediaId}/poster` : '';
  }

  /**
   * Airings from /api/channels/{n}/timeline as guide blocks: consecutive airings that share a
   * `program` id (the show and its commercial breaks) become one block; an airing without
   * programme info (loop mode) is a block of its own.
   */
  function foldProgrammes(airings) {
    const blocks = [];
    for (const airing of airings) {
      const start = Date.parse(airing.start);
      const end = Date.parse(airing.end);
      const program = airing.program;
      const last = blocks[blocks.length - 1];
      if (program && last && last.id === program.id && last.end === start) {
        last.end = end;
        last.airings += 1;
        addSubtitles(last, airing.subtitles);
        continue;
      }
      blocks.push({
        id: program ? program.id : undefined,
        start,
        end,
        title: program ? program.title : airing.title,
        subtitle: program ? program.subtitle : undefined,
        season: program ? program.season : undefined,
        episode: program ? program.episode : undefined,
        year: program ? program.year : undefined,
        category: program ? program.category : undefined,
        description: program ? program.description : undefined,
        rating: program ? program.rating : undefined,
        genres: program && Array.isArray(program.genres) ? program.genres : undefined,
        posterMediaId: program ? program.posterMediaId : undefined,
        kind: program ? 'program' : airing.kind,
        airings: 1,
        subtitles: [],
      });
      addSubtitles(blocks[blocks.length - 1], airing.subtitles);
    }
    return blocks;
  }

  /** A programme's subtitle languages (ISO 639-2 codes from the timeline API), each once, in order. */
  function addSubtitles(block, languages) {
    if (!Array.isArray(languages)) return;
    for (const code of languages) if (typeof code === 'string' && !block.subtitles.includes(code)) block.subtitles.push(code);
  }

  let languageNames;
  try {
    languageNames = new Intl.DisplayNames([], { type: 'language' });
  } catch {
    languageNames = undefined;
  }
  /** ISO 639-2/B codes whose 639-2/T form the browser's language names know. */
  const TERMINOLOGIC = { alb: 'sqi', arm: 'hye', baq: 'eus', bur: 'mya', chi: 'zho', cze: 'ces', dut: 'nld', fre: 'fra', geo: 'kat', ger: 'deu', gre: 'ell', ice: 'isl', mac: 'mkd', mao: 'mri', may: 'msa', per: 'fas', rum: 'ron', slo: 'slk', tib: 'bod', wel: 'cym' };

  /** "English" for "eng" (the browser's own names), the code itself where it has none. */
  function languageLabel(code) {
    try {
      const name = languageNames && languageNames.of(TERMINOLOGIC[code] || code);
      if (name && name.toLowerCase() !== code) return name;
    } catch {
      // an unknown code: shown as it is
    }
    return code;
  }

  /** "Subtitles: English, Japanese", or '' when the programme has none. */
  function subtitlesLabel(block) {
    return block.subtitles && block.subtitles.length ? `Subtitles: ${block.subtitles.map(languageLabel).join(', ')}` : '';
  }

  /**
   * The cells of one row between from and to. Blocks too short to read at this width are
   * grouped (within each half hour) so a loop of seconds-long clips stays legible and
   * the page stays light; everything else is one cell per programme.
   */
  function layoutRow(blocks, from, to, minMs) {
    const cells = [];
    let group;
    for (const block of blocks) {
      if (block.end <= from || block.start >= to) continue;
      const short = block.end - block.start < minMs;
      // Groups break on the half hours, so they line up with the time axis.
      const sameSlot = group && Math.floor(block.start / HALF_HOUR) === Math.floor(group.start / HALF_HOUR);
      if (short && sameSlot && block.start === group.end) {
        group.end = block.end;
        group.blocks.push(block);
        continue;
      }
      const cell = { start: block.start, end: block.end, blocks: [block] };
      cells.push(cell);
      group = short ? cell : undefined;
    }
    return cells;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A cell's visible text and tooltip: one programme, or a group of short ones. */
  function describeCell(cell) {
    if (cell.blocks.length === 1) {
      const block = cell.blocks[0];
      const episode = episodeLabel(block);
      const extra = [block.year, block.category].filter(Boolean).join(' · ');
      return {
        title: block.title,
        episode: episode || extra,
        tooltip: [block.title, episode, extra, programmeFacts(block), `${clockTime(block.start)} – ${clockTime(block.end)}`, subtitlesLabel(block), block.description].filter(Boolean).join('\n'),
        subtitles: block.subtitles || [],
      };
    }
    const titles = [...new Set(cell.blocks.map((b) => b.title))];
    const shown = titles.slice(0, 4).join(' · ') + (titles.length > 4 ? ' …' : '');
    return {
      title: shown,
      episode: `${cell.blocks.length} programmes`,
      tooltip: `${shown}\n${cell.blocks.length} short programmes, ${clockTime(cell.start)} – ${clockTime(cell.end)}`,
      subtitles: [],
    };
  }

  /** The "CC" badge of a programme with subtitles, and its languages' codes ("CC ENG·JPN"); names in its tooltip. */
  function captionBadge(languages) {
    const badge = element('span', 'guide-cc');
    badge.title = `Subtitles and captions: ${languages.map(languageLabel).join(', ')}`;
    badge.append(element('abbr', 'guide-cc-mark', 'CC'), element('span', 'guide-cc-languages', languages.map((code) => code.toUpperCase()).join('·')));
    return badge;
  }

  /** The badge's look, once per page (the page's own stylesheet knows nothing of it). */
  function addBadgeStyle() {
    if (document.getElementById('guide-cc-style')) return;
    const style = document.createElement('style');
    style.id = 'guide-cc-style';
    style.textContent = [
      '.guide-cc { display: inline-flex; align-items: center; gap: 3px; margin-left: 4px; font-size: 10px; letter-spacing: 0.02em; }',
      '.guide-cc-mark { text-decoration: none; font-weight: 700; padding: 0 3px; border: 1px solid currentColor; border-radius: 2px; line-height: 12px; }',
    ].join('\n');
    document.head.append(style);
  }

  /**
   * The guide: `root` gets the grid; `onTune(channelNumber)` is called when a channel or a
   * programme is chosen. Fetches every minute, moves the now line every few seconds.
   */
  function create({ root, onTune, spanMs = 3 * 3600_000, refreshMs = MINUTE }) {
    const state = { channels: [], blocks: new Map(), tuned: undefined, rows: new Map(), loadedAt: 0 };
    const grid = element('div', 'guide-grid');
    grid.style.setProperty('--slots', String(spanMs / HALF_HOUR));
    const head = element('div', 'guide-head');
    const corner = element('div', 'guide-corner');
    const slots = element('div', 'guide-slots');
    head.append(corner, slots);
    const body = element('div', 'guide-body');
    grid.append(head, body);
    root.replaceChildren(grid);
    addBadgeStyle();

    /** The visible window: from the current half hour, spanMs long. */
    function windowNow(now = Date.now()) {
      const from = Math.floor(now / HALF_HOUR) * HALF_HOUR;
      return { from, to: from + spanMs };
    }

    const percent = (ms, from) => `${(((ms - from) / spanMs) * 100).toFixed(4)}%`;

    function buildRow(channel) {
      const row = element('div', 'guide-row');
      row.dataset.channel = String(channel.number);
      const label = element('button', 'guide-channel');
      label.type = 'button';
      label.dataset.channel = String(channel.number);
      label.title = `Tune to channel ${channel.number} (${channel.name})`;
      const logo = element('img', 'guide-logo');
      logo.alt = '';
      logo.loading = 'lazy';
      logo.src = `/channel/${channel.number}/logo`;
      logo.onerror = () => logo.remove();
      const number = element('span', 'guide-number', String(channel.number));
      const names = element('span', 'guide-names');
      names.append(element('span', 'guide-call', channel.callSign || `CH ${channel.number}`), element('span', 'guide-name', channel.name || ''));
      label.append(number, logo, names);
      label.onclick = () => onTune(channel.number);
      const track = element('div', 'guide-track');
      row.append(label, track);
      return { row, track };
    }

    function renderSlots(from, now) {
      corner.textContent = dayFormat.format(now);
      const labels = [];
      for (let t = from; t < from + spanMs; t += HALF_HOUR) {
        const slot = element('div', 'guide-slot', timeFormat.format(t));
        slot.style.left = percent(t, from);
        labels.push(slot);
      }
      const marker = element('div', 'guide-now-marker', timeFormat.format(now));
      marker.style.left = percent(now, from);
      slots.replaceChildren(...labels, marker);
    }

    /** Redraws every track from the fetched blocks; cheap enough to run every few seconds. */
    function render() {
      const now = Date.now();
      const { from, to } = windowNow(now);
      renderSlots(from, now);
      const trackWidth = body.querySelector('.guide-track')?.clientWidth || 900;
      const minMs = (MIN_CELL_PX / trackWidth) * spanMs;
      for (const channel of state.channels) {
        const { row, track } = state.rows.get(channel.number);
        row.classList.toggle('tuned', channel.number === state.tuned);
        const cells = layoutRow(state.blocks.get(channel.number) || [], from, to, minMs);
        const nodes = cells.map((cell) => {
          const text = describeCell(cell);
          const node = element('button', 'guide-programme');
          node.type = 'button';
          node.dataset.channel = String(channel.number);
          node.dataset.start = new Date(cell.start).toISOString();
          node.dataset.end = new Date(cell.end).toISOString();
          const left = Math.max(cell.start, from);
          const right = Math.min(cell.end, to);
          node.style.left = percent(left, from);
          node.style.width = percent(from + (right - left), from);
          if (cell.start < from) node.classList.add('continues-before');
          if (cell.end > to) node.classList.add('continues-after');
          if (cell.end <= now) node.classList.add('past');
          if (cell.start <= now && now < cell.end) node.classList.add('on-now');
          if (cell.blocks.length > 1) node.classList.add('group');
          else if (cell.blocks[0].kind !== 'program') node.classList.add(`kind-${cell.blocks[0].kind}`);
          node.title = text.tooltip;
          node.append(element('span', 'guide-title', text.title));
          if (text.episode) node.append(element('span', 'guide-episode', text.episode));
          const time = element('span', 'guide-time', cellTimes(cell.start, cell.end));
          if (text.subtitles.length) time.append(' ', captionBadge(text.subtitles));
          node.append(time);
          node.onclick = () => onTune(channel.number);
          return node;
        });
        if (cells.length === 0) nodes.push(element('div', 'guide-empty', state.loadedAt ? 'No listings' : 'Loading…'));
        const shade = element('div', 'guide-past');
        shade.style.width = percent(now, from);
        const line = element('div', 'guide-now-line');
        line.style.left = percent(now, from);
        track.replaceChildren(shade, ...nodes, line);
      }
    }

    async function fetchBlocks(channelNumber, from, to) {
      const response = await fetch(`/api/channels/${channelNumber}/timeline?from=${from}&to=${to}&limit=20000`);
      if (!response.ok) throw new Error(`channel ${channelNumber}: HTTP ${response.status}`);
      const timeline = await response.json();
      return foldProgrammes(timeline.airings);
    }

    /** Fetches every channel's listings for the window (in parallel) and redraws. */
    async function refresh() {
      // From an hour before the window so a programme already running keeps its real start.
      const { from, to } = windowNow();
      const results = await Promise.allSettled(state.channels.map((c) => fetchBlocks(c.number, from - LOOKBACK, to + FETCH_MARGIN)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') state.blocks.set(state.channels[i].number, result.value);
      });
      state.loadedAt = Date.now();
      render();
    }

    function setChannels(channels) {
      state.channels = channels;
      state.rows = new Map(channels.map((c) => [c.number, buildRow(c)]));
      body.replaceChildren(...channels.map((c) => state.rows.get(c.number).row));
      render();
      return refresh();
    }

    function setTuned(channelNumber) {
      state.tuned = channelNumber;
      for (const [number, { row }] of state.rows) row.classList.toggle('tuned', number === channelNumber);
      const row = state.rows.get(channelNumber);
      if (row) row.row.scrollIntoView({ block: 'nearest' });
    }

    /** The programme on a channel at an instant and the one after it, from the fetched listings. */
    function programmesAt(channelNumber, at = Date.now()) {
      const blocks = state.blocks.get(channelNumber) || [];
      const index = blocks.findIndex((b) => b.start <= at && at < b.end);
      return index < 0 ? {} : { now: blocks[index], next: blocks[index + 1] };
    }

    setInterval(() => refresh().catch(() => {}), refreshMs);
    setInterval(render, 5000);
    let resizeTimer;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(render, 150);
    });
    return { setChannels, setTuned, refresh, programmesAt };
  }

  window.RetrovueGuide = { create, foldProgrammes, layoutRow, episodeLabel, programmeFacts, posterUrl, clockTime, spanTimes, timeOfDay, subtitlesLabel, languageLabel };
})();
