import type { ApiError as ServerApiError } from '../../src/server/errors.js';
import type { MediaItem, MediaList } from './types.js';
/**
 * Talking to the Retrovue API from the control room. Reads need nothing; writes from another
 * machine need the admin token, which the page asks for once (on a 401) and keeps in this
 * tab's sessionStorage — or in localStorage when "remember on this device" is ticked. It is
 * sent only as an Authorization header, never as a cookie, so no other site can use it.
 */
const TOKEN_KEY = 'retrovue.adminToken';

/** The one error shape of every route (src/server/errors.ts). */
export type ApiErrorBody = ServerApiError;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

function keepToken(token: string, remember: boolean): void {
  forgetToken();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}

/** Asks for the admin token in a modal dialog; resolves undefined if the user cancels. */
function askForToken(reason: string): Promise<string | undefined> {
  const dialog = document.getElementById('token-dialog') as HTMLDialogElement;
  const form = dialog.querySelector('form')!;
  (dialog.querySelector('#token-reason') as HTMLElement).textContent = reason;
  const input = dialog.querySelector('#token-input') as HTMLInputElement;
  input.value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
      if (!token) return resolve(undefined);
      keepToken(token, (dialog.querySelector('#token-remember') as HTMLInputElement).checked);
      resolve(token);
    };
    dialog.addEventListener('close', done);
    form.onsubmit = () => undefined;
  });
}

/**
 * Sends a request with the admin token when one is kept; on a 401 (or a token the server no
 * longer accepts) asks for it and tries again. Resolves with the successful response.
 */
async function send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = contentType;
    const token = storedToken();
    if (token && method !== 'GET') headers.authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : (body as BodyInit);
    const response = await fetch(path, { method, headers, body: payload });
    if (response.ok) return response;
    const text = await response.text();
    const error = (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { error: 'http_error', message: text || response.statusText }) as ApiErrorBody;
    if (response.status === 401 || error.error === 'bad_credential') {
      if (error.error === 'bad_credential') forgetToken();
      const given = await askForToken(error.message);
      if (given) continue;
    }
    throw new ApiError(response.status, error);
  }
  throw new ApiError(401, { error: 'credential_required', message: 'no admin token given' });
}

export async function api<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const text = await (await send(method, path, body, contentType)).text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A request answered with an image (e.g. a graphics preview): its bytes as a Blob. */
export async function apiBlob(method: string, path: string, body?: unknown): Promise<Blob> {
  return (await send(method, path, body)).blob();
}

/** Every media item matching `query` (e.g. `status=ok`), fetched page by page. */
export async function allMedia(query: string): Promise<MediaItem[]> {
  const items: MediaItem[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api<MediaList>('GET', `/api/media?${query}&limit=500&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}
