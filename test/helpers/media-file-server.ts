import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A media server's file endpoint, as small as a test needs: serves local files at chosen paths
 * with byte ranges (what Plex's `/library/parts/…` and Jellyfin's `/Videos/…/stream` do for
 * direct play), answers 401 without the right token header, records every request, and can be
 * made to fail the ways a real one does:
 *  - `die()`: the process is gone: open connections are cut and new ones refused;
 *  - `stall()`: it hangs: open responses stop sending mid-body (the socket stays open) and new
 *    requests get no answer at all;
 *  - `revive()`: back to normal (on the same port), held responses go on.
 * Listens on 127.0.0.1, a free port.
 */
export interface MediaFileServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Serves `file` at `urlPath` (e.g. "/library/parts/7/1700000000/file.mp4"). */
  serve(urlPath: string, file: string): void;
  die(): Promise<void>;
  stall(): void;
  revive(): Promise<void>;
  /**
   * Sends bodies at most this fast from now on (a server behind a modest link); undefined: as
   * fast as the reader reads. A slow sender keeps little in the sockets' buffers, so a reader
   * meets a stall within moments instead of after the megabytes a fast sender had queued.
   */
  throttle(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorized: boolean;
  status: number | 'held';
  atMs: number;
}

export interface MediaFileServerOptions {
  /** The header that must carry `token` (case-insensitive name), e.g. X-Plex-Token. Absent: no check. */
  auth?: { header: string; token: string };
  files?: Record<string, string>;
}

/** How much of a file one write sends: small, so a stall stops a response mid-body. */
const CHUNK_BYTES = 16 * 1024;

export async function startMediaFileServer(options: MediaFileServerOptions = {}): Promise<MediaFileServer> {
  const files = new Map(Object.entries(options.files ?? {}));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  /** Bodies paused by a stall, and requests that came in during one: resumed by revive(). */
  const held = new Set<() => void>();
  let stalled = false;
  let bytesPerSecond: number | undefined;

  const answer = (request: IncomingMessage, response: ServerResponse, record: RecordedRequest): void => {
    const token = options.auth ? request.headers[options.auth.header.toLowerCase()] : undefined;
    record.authorized = !options.auth || token === options.auth.token;
    const send = (status: number, body = '') => {
      record.status = status;
      response.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
    };
    if (!record.authorized) return send(401, 'Unauthorized');
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'Method Not Allowed');
    const file = files.get(record.path);
    if (!file) return send(404, 'Not Found');
    const size = statSync(file).size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(record.range ?? '');
    if (record.range && !range) return send(416, 'Range Not Satisfiable');
    if (range) {
      if (range[1] === '' && range[2] !== '') {
        start = Math.max(0, size - Number(range[2]));
      } else {
        start = Number(range[1]);
        if (range[2] !== '') end = Math.min(end, Number(range[2]));
      }
      if (start >= size || start > end) {
        record.status = 416;
        response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    record.status = status;
    response.writeHead(status, {
      'Content-Type': 'video/mp4',
      'Accept-Ranges': 'bytes',
      'Content-Length': end - start + 1,
      ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const body = createReadStream(file, { start, end, highWaterMark: CHUNK_BYTES });
    const resume = () => body.resume();
    body.on('data', (chunk) => {
      const full = !response.write(chunk);
      if (full || bytesPerSecond) body.pause();
      // The next chunk when the socket has room and, throttled, when its time has come.
      const drained = full ? new Promise((resolve) => response.once('drain', resolve)) : Promise.resolve();
      const paced = bytesPerSecond ? new Promise((resolve) => setTimeout(resolve, (chunk.length / bytesPerSecond!) * 1000)) : Promise.resolve();
      if (full || bytesPerSecond) void Promise.all([drained, paced]).then(() => (stalled ? held.add(resume) : body.resume()));
      // A stall stops the body after the chunk in flight: the socket stays open, silent.
      if (stalled) {
        body.pause();
        held.add(resume);
      }
    });
    body.once('end', () => response.end());
    body.once('error', () => response.destroy());
    response.once('close', () => {
      held.delete(resume);
      body.destroy();
    });
  };

  const server = createServer((request, response) => {
    const record: RecordedRequest = {
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?')[0]!,
      range: request.headers.range,
      authorized: false,
      status: 'held',
      atMs: Date.now(),
    };
    requests.push(record);
    if (!stalled) return answer(request, response, record);
    // A hung server accepts the connection and says nothing.
    const later = () => answer(request, response, record);
    held.add(later);
    response.once('close', () => held.delete(later));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const socket of sockets) socket.resetAndDestroy();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    serve(urlPath, file) {
      files.set(urlPath, file);
    },
    async die() {
      stalled = false;
      held.clear();
      await stopListening();
    },
    stall() {
      stalled = true;
    },
    throttle(rate) {
      bytesPerSecond = rate;
    },
    async revive() {
      stalled = false;
      if (!listening) {
        await listen(port);
        listening = true;
      }
      const waiting = [...held];
      held.clear();
      waiting.forEach((go) => go());
    },
    async close() {
      held.clear();
      await stopListening();
    },
  };
}
