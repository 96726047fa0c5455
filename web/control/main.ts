import { forgetToken, storedToken } from './api.js';
import { renderAlertsPage } from './alerts-page.js';
import { renderChannelsPage } from './channels-page.js';
import { h, toast } from './dom.js';
import { renderLibraryPage } from './library-page.js';
import { renderLivePage } from './live-page.js';
import { renderMonitorPage } from './monitor-page.js';
import { renderSchedulePage } from './schedule-page.js';

/** The control room: one page, hash routes (#/channels, #/schedule/3, …), one module per page. */
const PAGES = ['channels', 'schedule', 'library', 'live', 'alerts', 'monitor'] as const;
let generation = 0;

async function route(): Promise<void> {
  const [, page = 'channels', argument] = location.hash.split('/');
  const name = (PAGES as readonly string[]).includes(page) ? page : 'channels';
  const root = document.getElementById('page')!;
  const mine = ++generation;
  const isCurrent = () => mine === generation;
  root.replaceChildren();
  root.dataset.page = name;
  document.querySelectorAll('nav.pages a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === `#/${name}`));
  try {
    if (name === 'channels') await renderChannelsPage(root);
    else if (name === 'schedule') await renderSchedulePage(root, argument ? Number(argument) : undefined);
    else if (name === 'library') await renderLibraryPage(root);
    else if (name === 'live') await renderLivePage(root, isCurrent);
    else if (name === 'alerts') await renderAlertsPage(root, isCurrent);
    else renderMonitorPage(root, isCurrent);
  } catch (error) {
    root.append(h('p', { class: 'form-error' }, `This page could not load: ${(error as Error).message}`));
  }
}

function drawTokenState(): void {
  const slot = document.getElementById('token-state')!;
  slot.replaceChildren(storedToken()
    ? h('button', { class: 'link', onclick: () => { forgetToken(); toast('Admin token forgotten on this browser'); drawTokenState(); } }, 'Forget admin token')
    : h('span', { class: 'dim small' }, 'no admin token (needed for changes from another machine)'));
}

window.addEventListener('hashchange', () => void route());
document.addEventListener('click', () => setTimeout(drawTokenState, 0));
drawTokenState();
void route();
