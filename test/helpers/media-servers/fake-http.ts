/**
 * The plumbing the fake media servers share: a real node:http server on 127.0.0.1, a log of the
 * requests it saw, the ways a real server misbehaves (an HTML login page, 10 MB+ of JSON, pages
 * without end, a stall, death, redirects), and streaming a real file with Range requests so
 * ffmpeg can read it.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Misbehaviour =
  /** Every request: 200 with an HTML login page (a reverse proxy, a router's page). */
  | 'html'
  /** Every API request: 200 with 11 MB of JSON, chunked (no Content-Length to refuse it by). */
  | 'huge'
  /** Lists never end: each page announces more and holds new, invented items. */
  | 'endless-pages'
  /** Lists ignore the start index: the first page again and again. */
  | 'repeat-pages'
  /** Every request waits `delayMs` (default 30 s) before answering. */
  | 'slow'
  /** Every API request: 200 and the start of a JSON body, then nothing (the socket stays open). */
  | 'stall-body'
  /** The server is gone: the port refuses connections and open streams are cut. */
  | 'down'
  /** Every request is redirected to itself, for ever. */
  | 'redirect-loop'
  /** Every request is redirected once, to the same path on the same origin (a proxy's hop). */
  | 'redirect-once'
  /** Every request is redirected to another origin (which must not get the secret). */
  | 'redirect-other-origin';

export interface MisbehaveOptions {
  delayMs?: number;
}

export interface FakeHttp {
  url: string;
  port: number;
  /** Paths (with queries) of the requests seen, oldest first. */
  requests: string[];
  /** Headers of the requests seen, in the same order as `requests`. */
  requestHeaders: Array<Record<string, string | string[] | undefined>>;
  mode: Misbehaviour | null;
  misbehave(mode: Misbehaviour | null, options?: MisbehaveOptions): Promise<void>;
  stop(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** A path prefix the 'redirect-once' hop adds; the router never sees it. */
const HOP = '/__hop';

export async function startFakeHttp(route: Route): Promise<FakeHttp> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let delayMs = 30_000;
  let server: Server;
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    fake.requests.push(raw);
    fake.requestHeaders.push({ ...req.headers });
    const url = new URL(raw, `http://127.0.0.1:${port}`);
    const mode = fake.mode;
    if (mode === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delayMs);
        timers.add(timer);
      });
      if (res.destroyed) return;
    }
    if (mode === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Sign in</title></head><body><form><input name="password"></form></body></html>');
      return;
    }
    if (mode === 'redirect-loop') {
      res.writeHead(302, { Location: raw });
      res.end();
      return;
    }
    if (mode === 'redirect-other-origin') {
      res.writeHead(302, { Location: `http://localhost:${port}${raw}` });
      res.end();
      return;
    }
    if (mode === 'redirect-once' && !url.pathname.startsWith(HOP)) {
      res.writeHead(301, { Location: `${HOP}${raw}` });
      res.end();
      return;
    }
    if (url.pathname.startsWith(HOP)) url.pathname = url.pathname.slice(HOP.length) || '/';
    if (mode === 'stall-body' && !isStream(url)) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"MediaContainer":{"size":1,');
      return;
    }
    if (mode === 'huge' && !isStream(url)) {
      sendHugeJson(res);
      return;
    }
    try {
      await route(req, res, url);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    }
  };

  const listen = async (onPort: number) => {
    server = createServer((req, res) => void handle(req, res));
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };

  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen(0);
  const fake: FakeHttp = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    requestHeaders: [],
    mode: null,
    async misbehave(mode, options = {}) {
      delayMs = options.delayMs ?? 30_000;
      const wasDown = fake.mode === 'down';
      fake.mode = mode;
      if (mode === 'down' && !wasDown) await close();
      if (mode !== 'down' && wasDown) await listen(port);
    },
    async stop() {
      if (fake.mode !== 'down') await close();
      fake.mode = 'down';
    },
  };
  return fake;
}

function isStream(url: URL): boolean {
  return url.pathname.startsWith('/library/parts/') || /^\/Videos\/[^/]+\/stream/i.test(url.pathname);
}

/** 11 MB of valid JSON, in 64 kB chunks: a reader that does not count bytes would take it all. */
function sendHugeJson(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const chunk = 'x'.repeat(64 * 1024);
  let sent = 0;
  res.write('{"MediaContainer":{"size":0,"Items":[],"padding":"');
  const more = () => {
    while (sent < 11 * 1024 * 1024) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', more);
        return;
      }
    }
    res.end('"}}');
  };
  res.on('error', () => undefined);
  more();
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: number, body = '', contentType = 'text/plain'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Streams a local file as a media server's direct play does: Accept-Ranges, 206 for a Range. */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, contentType = 'video/mp4'): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    sendStatus(res, 404, 'file not found');
    return;
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), size - 1);
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start >= size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    res.writeHead(206, { 'Content-Type': contentType, 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
  } else {
    res.writeHead(200, { 'Content-Type': contentType, 'Accept-Ranges': 'bytes', 'Content-Length': size });
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/** A 1×1 PNG, for posters. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A port on 127.0.0.1 that nothing listens on (bound, then released): a wrong address to try. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
