import { bytesText, h } from './dom.js';
import type { MonitorSnapshot as Snapshot } from './types.js';

const percent = (value: number | null) => (value === null ? '–' : `${value.toFixed(0)}%`);

/** Live from `/api/monitor/events` (Server-Sent Events); polls `/api/monitor` only when the server refuses another stream. */
export function renderMonitorPage(root: HTMLElement, isCurrent: () => boolean): void {
  const server = h('section', { class: 'panel server-stats', id: 'server-stats' });
  const grid = h('div', { class: 'monitor-grid', id: 'monitor-channels' });
  const log = h('pre', { class: 'log-tail', id: 'log-tail' });
  const connection = h('span', { class: 'dim', id: 'monitor-connection' }, 'connecting…');
  root.append(h('div', { class: 'toolbar' }, h('h2', {}, 'Monitor'), connection), server, grid, h('section', { class: 'panel' }, h('h3', {}, 'Log'), log));

  const events = new EventSource('/api/monitor/events');
  events.addEventListener('open', () => (connection.textContent = 'live'));
  events.addEventListener('error', () => {
    // A dropped stream is retried by the browser (CONNECTING). A refused one (503: the server
    // already serves its maximum of live monitors) is CLOSED for good: poll instead.
    if (events.readyState !== EventSource.CLOSED) {
      connection.textContent = 'reconnecting…';
      return;
    }
    connection.textContent = 'the server has too many live monitors open: updating every 5 s';
    void poll();
  });
  events.addEventListener('snapshot', (event) => {
    if (!isCurrent()) return events.close();
    draw(JSON.parse((event as MessageEvent<string>).data) as Snapshot);
  });

  async function poll(): Promise<void> {
    while (isCurrent()) {
      try {
        const response = await fetch('/api/monitor');
        if (response.ok) draw((await response.json()) as Snapshot);
      } catch {
        // the next round tries again
      }
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }

  function stat(label: string, value: string, cls = ''): HTMLElement {
    return h('div', { class: `stat ${cls}` }, h('span', { class: 'dim small' }, label), h('strong', {}, value));
  }

  function draw(snapshot: Snapshot): void {
    const s = snapshot.server;
    const used = s.systemMemory.totalBytes - s.systemMemory.freeBytes;
    server.replaceChildren(h('h3', {}, 'Server'), h('div', { class: 'stats' },
      stat('Retrovue CPU', percent(s.cpuPercent)), stat('Retrovue memory', bytesText(s.memoryBytes)),
      stat('Machine memory', `${bytesText(used)} of ${bytesText(s.systemMemory.totalBytes)}`), stat('Load', s.loadAverage.map((l) => l.toFixed(2)).join(' ')),
      stat('Updated', new Date(snapshot.at).toLocaleTimeString())));
    grid.replaceChildren(...snapshot.channels.map((c) => {
      const e = c.encoder;
      return h('article', { class: `panel monitor-card state-${c.state}${c.warnings.length ? ' warning' : ''}`, 'data-channel': c.number },
        h('div', { class: 'monitor-head' }, h('span', { class: 'chan-number' }, c.number), h('span', { class: `badge state state-${c.state}`, 'data-state': c.state }, c.state.toUpperCase())),
        h('div', { class: 'on-air-title' }, c.onAir ? c.onAir.title : 'nothing scheduled'),
        // A live event cannot come from the cache: one real-time decode and encode for as long as it lasts.
        c.onAir?.live ? h('div', { class: 'small live-line', 'data-live': c.onAir.live.on ?? 'starting' }, h('span', { class: `badge ${c.onAir.live.on === 'fallback' ? 'bad' : 'state-live'}` }, 'LIVE'), ` ${c.onAir.live.source}: ${c.onAir.live.on === 'fallback' ? 'source lost, fallback on air' : c.onAir.live.on === 'source' ? 'on the air' : 'starting'} · a real-time encode (not cacheable)`) : null,
        h('div', { class: 'stats' }, stat('Viewers (.ts)', String(c.viewers.ts)), stat('Speed', e.speed === null ? '–' : `${e.speed.toFixed(2)}×`, e.speed !== null && e.speed < 0.97 ? 'bad' : ''),
          stat('CPU', percent(e.cpuPercent)), stat('Memory', bytesText(e.memoryBytes)), stat('Restarts', String(e.restarts), e.restarts >= 3 ? 'bad' : '')),
        e.lastError ? h('div', { class: 'small last-error' }, `Last error: ${e.lastError}`) : null,
        ...c.warnings.map((w) => h('div', { class: 'warning-line', role: 'alert' }, `⚠ ${w}`)));
    }));
    log.textContent = snapshot.log.map((line) => `${line.time.slice(11, 19)} ${line.level.toUpperCase().padEnd(5)} ${line.component ? `[${line.component}] ` : ''}${line.msg}`).join('\n');
    log.scrollTop = log.scrollHeight;
  }
}
