/**
 * The hostile-input walk (issue 20): every operation of the generated OpenAPI document, and
 * the stream and tuner URLs beside it, sent boundary and hostile values in every path
 * parameter, query parameter and body field, against a real server over loopback. Shared by
 * the integration test (test/integration/server/hostile-input.test.ts), which asserts on the
 * report, and `npm run bench -- --only hostile`, which prints its numbers.
 *
 * For every request it checks: an answer within the budget, never a 5xx, a 4xx whenever the
 * request breaks the documented schema (so a 2xx is only ever an answer to a legitimate
 * value), the documented error shape, a short refusal, no file leaked. Around refusals it
 * checks that the station did not change (snapshots of channels, graphics, schedules, alerts,
 * library, chapters, folders and scan); after an accepted write it puts the station back and
 * checks the public documents (M3U, XMLTV, lineup) are still well formed. A worker thread polls
 * /api/health every 50 ms throughout, so the report says how responsive the server stayed.
 *
 * Reads are sent without a credential and writes with the admin token, all from loopback:
 * every refusal comes from validation, never from the write guard.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import {
  equivalentPathPieces,
  HOSTILE_PATH_PIECES,
  HOSTILE_SEGMENT_NAMES,
  hostileBodies,
  hostileJsonValues,
  hostileQueryShapes,
  hostileQueryValues,
  type JsonPiece,
  type PathPiece,
  type RawBody,
} from './hostile-values.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The station the walk runs against (the test and the bench build the same one)
// ---------------------------------------------------------------------------------------------

/** Two scheduled channels: a show around the clock, and movies then reruns. */
export const HOSTILE_STATION_CHANNELS = [
  { number: 1, name: 'Signal', schedule: { blocks: [{ name: 'Sitcoms', start: '00:00', minutes: 1440, content: { type: 'show', show: 'Signal Hill' } }] } },
  {
    number: 2,
    name: 'Matinee',
    schedule: {
      blocks: [
        { name: 'Movies', start: '00:00', minutes: 720, content: { type: 'movies' } },
        { name: 'Reruns', start: '12:00', minutes: 720, content: { type: 'show', show: 'Signal Hill', order: 'shuffle' } },
      ],
    },
  },
];

/**
 * Programme-length files made in well under a second: one minute of a tiny, 2 fps lavfi
 * picture with an 8 kHz tone, looped by stream copy to 22-minute episodes and a 90-minute
 * movie. (Seconds-long clips would fill a day with thousands of airings: a 20 MB guide.)
 */
export async function makeHostileMedia(dir: string): Promise<void> {
  const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  const encode = async (file: string, seconds: number) => {
    await mkdir(path.dirname(file), { recursive: true });
    await ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=64x36:rate=2:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=8000:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '16k', '-ac', '1', '-shortest', file,
    ]);
  };
  const minute = path.join(dir, '.minute.mp4');
  await encode(minute, 60);
  const loop = async (file: string, minutes: number) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await ffmpeg(['-stream_loop', String(minutes - 1), '-i', minute, '-c', 'copy', path.join(dir, file)]);
  };
  await loop(path.join('Signal Hill', 'Season 1', 'Signal Hill - S01E01 - Pilot.mp4'), 22);
  await loop(path.join('Signal Hill', 'Season 1', 'Signal Hill - S01E02 - Storm.mp4'), 22);
  await loop(path.join('Movies', 'Night Train (1961).mp4'), 90);
  await encode(path.join(dir, 'commercials', 'Soda.mp4'), 30);
  await rm(minute);
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

export type ViolationKind =
  | 'server-error' // a 5xx
  | 'slow' // answered, but past the budget
  | 'no-answer' // no answer at all (aborted, or the connection dropped without one)
  | 'accepted-invalid' // a 2xx/3xx to a request that breaks the documented schema
  | 'error-shape' // an /api refusal that is not { error, message, field? }
  | 'long-refusal' // a refusal body over MAX_REFUSAL_BYTES
  | 'leak' // a traversal answered 2xx, or an answer holding a file it should not
  | 'station-changed' // a refused request changed the station
  | 'output-integrity' // after an accepted write, the M3U, XMLTV or lineup broke
  | 'walk-aborted'; // the server stopped answering: the rest of the walk was not sent

export interface Violation {
  kind: ViolationKind;
  /** The request, as `METHOD /path [what]` (long pieces shortened). */
  request: string;
  detail: string;
}

export interface LatencySummary {
  samples: number;
  failures: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface HostileWalkReport {
  requests: number;
  durationMs: number;
  /** Of durationMs, the time (ms) spent on the walk's own work: station snapshots, putting the station back after accepted writes, checking the public documents. */
  upkeep: { snapshots: number; restoring: number; outputs: number };
  statuses: { '2xx': number; '3xx': number; '4xx': number; '5xx': number; none: number };
  /** /api/health latency (ms) seen by a poller every 50 ms during the whole walk. */
  health: LatencySummary;
  /** The slowest request of the walk. */
  slowest: { request: string; ms: number };
  /** /api/health latency in each phase of the walk (stream URLs, path parameters, bodies, query parameters). */
  healthByPhase: Array<{ phase: string } & LatencySummary>;
  /** The two slowest /api/health polls of each phase, with the walk's requests in flight while each waited. */
  healthStalls: Array<{ ms: number; serverCpuMs: number | null; during: string[] }>;
  violations: Violation[];
  /** Writes with hostile values the server accepted (legitimately, by the documented schema). */
  accepted: string[];
  /** The server's resident memory (from /api/monitor) before and after. */
  rssBytes: { before: number | null; after: number | null };
  /** How many requests each operation was sent. */
  perOperation: Record<string, number>;
  seed: number;
}

export interface HostileWalkOptions {
  baseUrl: string;
  adminToken: string;
  /** fast-check runs per property (each a request); default 12. */
  propertyRuns?: number;
  seed?: number;
  /** Every request must be answered within this (default 2000 ms). */
  budgetMs?: number;
  /**
   * The server's process id, when it runs on this machine: a slow answer then says how much CPU
   * the server spent on it, which tells its own work from a machine too busy to run it.
   */
  serverPid?: number;
  log?: (line: string) => void;
}

/** A refusal is a sentence or two: past this it is a dump (the 69.5 MB schedule error of issue 20). */
export const MAX_REFUSAL_BYTES = 16 * 1024;
/** A request unanswered this long is given up (it is a violation long before). */
const ABORT_MS = 10_000;
/** How long the walk waits for a stalled server before it gives up on the rest. */
const STALL_GIVE_UP_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// HTTP on the wire: node:http, so paths go out exactly as written (fetch would resolve `..`)
// ---------------------------------------------------------------------------------------------

interface WireRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

interface WireAnswer {
  status: number | null;
  ms: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Bytes of body seen (the body itself is kept only up to KEEP_BODY_BYTES). */
  bytes: number;
  error?: string;
}

const KEEP_BODY_BYTES = 256 * 1024;
const STREAMING_TYPES = /^(text\/event-stream|video\/|audio\/mpeg)/;

/**
 * Sends a request exactly as written. A request that failed on a reused keep-alive socket the
 * server had just closed (after a 431 or 413 it closes the connection) is sent again once on a
 * connection of its own: that failure is the client's race, not the server's answer.
 */
async function sendWire(baseUrl: string, agent: http.Agent, request: WireRequest, abortMs = ABORT_MS): Promise<WireAnswer> {
  const first = await sendOnce(baseUrl, agent, request, abortMs);
  if (!first.reusedSocketFailed) return first;
  return sendOnce(baseUrl, false, request, abortMs);
}

function sendOnce(baseUrl: string, agent: http.Agent | false, request: WireRequest, abortMs: number): Promise<WireAnswer & { reusedSocketFailed?: boolean }> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<WireAnswer, 'ms'> & { reusedSocketFailed?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, ms: performance.now() - started });
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    let req: http.ClientRequest;
    try {
      req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent });
    } catch (error) {
      // Node refuses to send some requests at all (a method or header it cannot write).
      finish({ status: null, headers: {}, body: Buffer.alloc(0), bytes: 0, error: `not sent: ${(error as Error).message}` });
      return;
    }
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${abortMs} ms`)), abortMs);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      if (STREAMING_TYPES.test(String(response.headers['content-type'] ?? ''))) {
        // An endless stream (SSE, .ts): the status and headers are the answer.
        req.destroy();
        finish({ status: response.statusCode ?? null, headers: response.headers, body: Buffer.alloc(0), bytes: 0 });
        return;
      }
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= KEEP_BODY_BYTES) chunks.push(chunk);
      });
      response.on('end', () => finish({ status: response.statusCode ?? null, headers: response.headers, body: Buffer.concat(chunks), bytes }));
      response.on('error', (error) => finish({ status: response.statusCode ?? null, headers: response.headers, body: Buffer.concat(chunks), bytes, error: error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const raced = req.reusedSocket && (error.code === 'ECONNRESET' || error.message === 'socket hang up');
      finish({ status: null, headers: {}, body: Buffer.alloc(0), bytes: 0, error: error.message, reusedSocketFailed: raced });
    });
    if (request.body !== undefined) req.end(request.body);
    else req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// /api/health poller: a worker thread, so the walk's own work never delays a sample
// ---------------------------------------------------------------------------------------------

const POLLER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const fs = require('node:fs');
// The server's CPU time (ms) so far, when its pid is known: a slow poll that the server spent
// little CPU on was waiting for a machine too busy to run it, not on the server's own work.
const serverCpu = () => {
  if (!workerData.pid) return 0;
  try {
    const fields = fs.readFileSync('/proc/' + workerData.pid + '/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch { return 0; }
};
const agent = new http.Agent({ keepAlive: true });
const samples = [];
let failures = 0;
let outstanding = 0;
let stopping = false;
// A request every tick even while earlier ones are unanswered: a stall then counts for every
// tick it covers, not as one slow sample.
const tick = () => {
  if (stopping || outstanding >= 400) return;
  outstanding++;
  const started = performance.now();
  const startedAt = Date.now();
  const cpuBefore = serverCpu();
  const done = (ok) => {
    samples.push([startedAt, performance.now() - started, serverCpu() - cpuBefore]);
    if (!ok) failures++;
    outstanding--;
    if (stopping && outstanding === 0) report();
  };
  const req = http.get(workerData.url, { agent, timeout: 60000 }, (res) => {
    res.resume();
    res.on('end', () => done(res.statusCode === 200));
    res.on('error', () => done(false));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => done(false));
};
const timer = setInterval(tick, workerData.everyMs);
tick();
let reported = false;
const report = () => {
  if (reported) return;
  reported = true;
  agent.destroy();
  parentPort.postMessage({ samples, failures });
};
parentPort.on('message', () => {
  stopping = true;
  clearInterval(timer);
  if (outstanding === 0) report();
  setTimeout(report, 5000);
});
`;

export interface HealthPoller {
  /** The latency summary, and every sample as [sent at (epoch ms), latency (ms), server CPU meanwhile (ms; 0 unknown)]. */
  stop(): Promise<{ summary: LatencySummary; samples: Array<[number, number, number]> }>;
}

export function summarise(samples: number[], failures = 0): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { samples: sorted.length, failures, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

export function startHealthPoller(baseUrl: string, everyMs = 50, serverPid?: number): HealthPoller {
  const worker = new Worker(POLLER_SOURCE, { eval: true, workerData: { url: `${baseUrl}/api/health`, everyMs, pid: serverPid } });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (result: { samples: Array<[number, number, number]>; failures: number }) => {
          void worker.terminate();
          resolve({ summary: summarise(result.samples.map(([, ms]) => ms), result.failures), samples: result.samples });
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Slow requests: one byte a second, over a raw socket
// ---------------------------------------------------------------------------------------------

export interface SlowRequestResult {
  /** The status the server answered with, or null if it only closed the connection (or never answered). */
  status: number | null;
  ms: number;
  /** Bytes sent before the answer (or the give-up). */
  bytesSent: number;
}

/**
 * Sends a request's head at once and its body one byte a second (`part: 'body'`), or its head
 * one byte a second (`part: 'headers'`), until the server answers or closes, or `giveUpMs`.
 */
export function slowRequest(baseUrl: string, token: string, part: 'body' | 'headers', giveUpMs = 15_000): Promise<SlowRequestResult> {
  const url = new URL(baseUrl);
  const body = JSON.stringify({ message: 'Slow body', priority: 1, channels: [1], duration: 1 });
  const head = `POST /api/alerts HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let sent = 0;
    let done = false;
    const trickle = part === 'body' ? body : head;
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ status, ms: Math.round(performance.now() - started), bytesSent: sent + (part === 'body' ? head.length : 0) });
    };
    const timer = setInterval(() => {
      if (sent >= trickle.length) return;
      socket.write(trickle[sent]!);
      sent++;
    }, 1000);
    const giveUp = setTimeout(() => finish(null), giveUpMs);
    socket.on('connect', () => {
      if (part === 'body') socket.write(head);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      if (status) finish(Number(status[1]));
    });
    socket.on('close', () => finish(null));
    socket.on('error', () => finish(null));
  });
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document, as the walk reads it
// ---------------------------------------------------------------------------------------------

interface DocParameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: Record<string, unknown>;
}
interface DocOperation {
  operationId: string;
  parameters?: DocParameter[];
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, DocOperation>>;
}

interface Operation extends DocOperation {
  method: string;
  template: string;
  write: boolean;
  jsonBody?: Record<string, unknown>;
  binaryBody?: string[];
  streams: boolean;
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

/** What an accepted write may have changed, so the walk knows what to put back. */
type Reconcile = 'channels' | 'alerts' | 'chapters' | 'folders' | 'scan' | 'none';

interface HostileCase {
  op: string;
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** It breaks the documented schema: only a 4xx is right. */
  mustRefuse: boolean;
  /** Oversized: the server may close the connection instead of answering. */
  mayDrop?: boolean;
  /** A traversal attempt outside the API: never 2xx. */
  traversal?: boolean;
  /**
   * It carries text that may land in the M3U, lineup or logo: check them if it is accepted;
   * `'xml'`: characters XML cares about too, so the XMLTV guide is checked as well (it costs
   * the server most: it is fetched only then).
   */
  checkOutputs?: boolean | 'xml';
  api: boolean;
  write: boolean;
  reconcile: Reconcile;
}

interface Fixture {
  configChannels: number[];
  /** A channel made for the walk: writes with hostile bodies aim at it, never at a real one. */
  scratch: number;
  scratchBody: Record<string, unknown>;
  scratchState: string;
  scratchGraphics: string;
  mediaId: number;
  mediaIds: number[];
  chapterId: number;
  chapterBody: { title: string; timestampMs: number };
  alertId: number;
  alertBody: Record<string, unknown>;
  /** An empty folder: a valid body for adding a library folder. */
  emptyFolder: string;
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined off Linux. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return undefined;
  }
}

const shorten = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 20)}…(${text.length} chars)` : text);

/** `readFile`-ish markers of files a traversal must never return. */
const LEAK_MARKERS = [/root:[x*]?:0:0:/, /"devDependencies"\s*:/, /\[fonts\]|for 16-bit app support/i];

const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Which public documents an accepted body with this JSON text could break (see
 * HostileCase.checkOutputs): none without a string; the XMLTV guide too when a string holds
 * markup, C0/C1 controls or a lone surrogate (JSON.stringify writes those two as \u escapes).
 */
function outputsToCheck(json: string): boolean | 'xml' {
  if (!json.includes('"')) return false;
  return /[<>&\u007f-\u009f\ufffe\uffff]|\\u00[01]|\\ud[89a-f]/i.test(json) ? 'xml' : true;
}

function percentEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: its UTF-16 code unit as (invalid) UTF-8, as a broken client would send it.
    return [...value].map((ch) => (/^[A-Za-z0-9_.~-]$/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''))).join('');
  }
}

function decodePiece(piece: string): string | undefined {
  try {
    return decodeURIComponent(piece);
  } catch {
    return undefined;
  }
}

function jsonText(piece: JsonPiece): string {
  return 'raw' in piece ? piece.raw : JSON.stringify(piece.json);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Sets `dotted` (e.g. `blocks.0.minutes`) in a JSON text's object to the raw JSON `value`. */
function withField(base: Record<string, unknown>, dotted: string, value: string): string {
  const marker = `\u0000HOSTILE\u0000`;
  const copy = structuredClone(base);
  const keys = dotted.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), value);
}

/** Field paths of a body schema: every top-level property, and one level into arrays of objects (a schedule's blocks). */
function fieldPaths(schema: Record<string, unknown>, base: Record<string, unknown>): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const paths: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    paths.push(name);
    const items = property.items as Record<string, unknown> | undefined;
    if (property.type === 'array' && items?.properties && Array.isArray(base[name]) && (base[name] as unknown[]).length > 0) {
      for (const inner of Object.keys(items.properties as object)) paths.push(`${name}.0.${inner}`);
    }
  }
  return paths;
}

export async function runHostileWalk(options: HostileWalkOptions): Promise<HostileWalkReport> {
  const log = options.log ?? (() => undefined);
  const budgetMs = options.budgetMs ?? 2000;
  const propertyRuns = options.propertyRuns ?? 12;
  const seed = options.seed ?? 20;
  const base = options.baseUrl;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const auth = { authorization: `Bearer ${options.adminToken}` };
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  const coercing = new Ajv2020({ strict: false, coerceTypes: true });
  addFormats.default(coercing);
  const validators = new Map<object, (value: unknown) => boolean>();
  const validate = (engine: Ajv2020, schema: Record<string, unknown>, value: unknown): boolean => {
    let check = validators.get(schema);
    if (!check) {
      const compiled = engine.compile(schema);
      check = (v: unknown) => compiled(v) as boolean;
      validators.set(schema, check);
    }
    return check(value);
  };

  /** When each request was in flight (epoch ms), to name what a slow health poll waited behind. */
  const inFlight: Array<{ from: number; to: number; request: string }> = [];
  const upkeep = { snapshots: 0, restoring: 0, outputs: 0 };
  const timed = async <T>(what: keyof typeof upkeep, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      upkeep[what] += performance.now() - started;
    }
  };
  /** The walk's own requests: the fixture, snapshots, putting the station back. */
  const plain = async (method: string, p: string, body?: unknown) => {
    const sentAt = Date.now();
    const answer = await sendWire(base, agent, {
      method,
      path: p,
      headers: method === 'GET' ? {} : { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    inFlight.push({ from: sentAt, to: Date.now(), request: `(walk upkeep) ${method} ${shorten(p, 80)}` });
    const text = answer.body.toString('utf8');
    return { status: answer.status, json: (() => { try { return JSON.parse(text) as any; } catch { return undefined; } })(), text };
  };

  const monitorRss = async (): Promise<number | null> => ((await plain('GET', '/api/monitor')).json?.server?.memoryBytes as number | undefined) ?? null;

  // ---- the document and the fixture
  const doc = (await plain('GET', '/api/openapi.json')).json as OpenApiDocument;
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      const successContent = Object.values(op.responses).flatMap((r) => Object.keys(r.content ?? {}));
      operations.push({
        ...op,
        method: method.toUpperCase(),
        template,
        write: method !== 'get',
        jsonBody: content['application/json']?.schema,
        binaryBody: content['application/json'] ? undefined : Object.keys(content).length ? Object.keys(content) : undefined,
        streams: successContent.includes('text/event-stream'),
      });
    }
  }

  const fixture = await prepareFixture();

  async function prepareFixture(): Promise<Fixture> {
    const channels = ((await plain('GET', '/api/channels?limit=10000')).json.channels as Array<{ number: number }>).map((c) => c.number);
    const scratch = channels.includes(90) ? Math.max(...channels) + 1 : 90;
    const scratchBody = { number: scratch, name: 'Hostile scratch' };
    const created = await plain('POST', '/api/channels', scratchBody);
    if (created.status !== 201) throw new Error(`could not create the scratch channel: ${created.status} ${created.text}`);
    const media = (await plain('GET', '/api/media?limit=500')).json.items as Array<{ id: number; status: string; video?: unknown; durationMs: number | null }>;
    const playable = media.find((m) => m.status === 'ok' && m.video && (m.durationMs ?? 0) >= 3000);
    if (!playable) throw new Error('the walk needs a playable file of at least 3 s in the library');
    const chapterBody = { title: 'Hostile act', timestampMs: 1000 };
    const chapter = await plain('POST', `/api/media/${playable.id}/chapters`, chapterBody);
    if (chapter.status !== 201) throw new Error(`could not add the fixture chapter: ${chapter.status} ${chapter.text}`);
    const alertBody = { message: 'Hostile walk fixture', priority: 1, channels: [scratch], duration: 3600 };
    const alert = await plain('POST', '/api/alerts', alertBody);
    if (alert.status !== 201) throw new Error(`could not send the fixture alert: ${alert.status} ${alert.text}`);
    return {
      configChannels: channels,
      scratch,
      scratchBody,
      scratchState: JSON.stringify(created.json),
      scratchGraphics: (await plain('GET', `/api/channels/${scratch}/graphics`)).text,
      mediaId: playable.id,
      mediaIds: media.map((m) => m.id),
      chapterId: chapter.json.id as number,
      chapterBody,
      alertId: alert.json.id as number,
      alertBody,
      emptyFolder: mkdtempSync(path.join(os.tmpdir(), 'retrovue-hostile-folder-')),
    };
  }

  // ---- station snapshots: what a refused request must leave as it was
  const snapshot = async (): Promise<Map<string, string>> => {
    const channels = await plain('GET', '/api/channels?limit=10000');
    const reads: Array<[string, string]> = [
      ...((channels.json?.channels ?? []) as Array<{ number: number }>).map((c): [string, string] => [`graphics ${c.number}`, `/api/channels/${c.number}/graphics`]),
      ['alerts', '/api/alerts?limit=500'],
      ['media', '/api/media?limit=500'],
      // Writes aim at the fixture's file (other files are only read): its chapters are what may change.
      [`chapters ${fixture.mediaId}`, `/api/media/${fixture.mediaId}/chapters`],
      ['folders', '/api/library/folders'],
      ['scan', '/api/library/scan'],
    ];
    // Side by side (the agent's few sockets): a snapshot is taken hundreds of times a walk.
    const texts = await Promise.all(reads.map(async ([, p]) => (await plain('GET', p)).text));
    return new Map([['channels', channels.text], ...reads.map(([key], i): [string, string] => [key, texts[i]!])]);
  };
  const differences = (a: Map<string, string>, b: Map<string, string>): string[] =>
    [...new Set([...a.keys(), ...b.keys()])].filter((key) => a.get(key) !== b.get(key));
  /** Where two snapshots first differ, as a short before → after excerpt. */
  const firstDifference = (a: Map<string, string>, b: Map<string, string>, key: string): string => {
    const before = a.get(key) ?? '';
    const after = b.get(key) ?? '';
    let i = 0;
    while (i < before.length && before[i] === after[i]) i++;
    const excerpt = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 30), i + 50));
    return `${key}: ${excerpt(before)} → ${excerpt(after)}`;
  };

  const waitForScan = async () => {
    for (let i = 0; i < 100; i++) {
      if ((await plain('GET', '/api/library/scan')).json?.state !== 'running') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** After an accepted write: puts the station back as the fixture had it. */
  const reconcile = async (kind: Reconcile): Promise<void> => {
    if (kind === 'channels') {
      const channels = (await plain('GET', '/api/channels?limit=10000')).json.channels as Array<Record<string, unknown> & { number: number }>;
      for (const channel of channels) {
        if (!fixture.configChannels.includes(channel.number) && channel.number !== fixture.scratch) await plain('DELETE', `/api/channels/${channel.number}`);
      }
      const scratch = channels.find((c) => c.number === fixture.scratch);
      const graphics = (await plain('GET', `/api/channels/${fixture.scratch}/graphics`)).text;
      if (!scratch || JSON.stringify(scratch) !== fixture.scratchState || graphics !== fixture.scratchGraphics) {
        if (scratch) await plain('DELETE', `/api/channels/${fixture.scratch}`);
        const created = await plain('POST', '/api/channels', fixture.scratchBody);
        fixture.scratchState = JSON.stringify(created.json);
        if ((await plain('GET', `/api/channels/${fixture.scratch}/graphics`)).text !== fixture.scratchGraphics) {
          await plain('PUT', `/api/channels/${fixture.scratch}/graphics`, JSON.parse(fixture.scratchGraphics).graphics ?? {});
        }
      }
      await reconcile('alerts'); // deleting the scratch channel may have ended the fixture alert
    } else if (kind === 'alerts') {
      const alerts = (await plain('GET', '/api/alerts?limit=500')).json as { active: Array<{ id: number }>; queued: Array<{ id: number }> };
      const live = [...alerts.active, ...alerts.queued];
      for (const alert of live) if (alert.id !== fixture.alertId) await plain('DELETE', `/api/alerts/${alert.id}`);
      if (!live.some((a) => a.id === fixture.alertId)) fixture.alertId = (await plain('POST', '/api/alerts', fixture.alertBody)).json.id as number;
    } else if (kind === 'chapters') {
      for (const id of fixture.mediaIds) {
        const chapters = ((await plain('GET', `/api/media/${id}/chapters`)).json?.chapters ?? []) as Array<{ id: number; title: string; timestampMs: number; source?: string }>;
        for (const chapter of chapters) {
          const isFixture = chapter.id === fixture.chapterId && id === fixture.mediaId && chapter.title === fixture.chapterBody.title && chapter.timestampMs === fixture.chapterBody.timestampMs;
          if (!isFixture && chapter.source !== 'file') await plain('DELETE', `/api/media/${id}/chapters/${chapter.id}`);
        }
        if (id === fixture.mediaId && !chapters.some((c) => c.id === fixture.chapterId && c.title === fixture.chapterBody.title && c.timestampMs === fixture.chapterBody.timestampMs)) {
          fixture.chapterId = (await plain('POST', `/api/media/${id}/chapters`, fixture.chapterBody)).json.id as number;
        }
      }
    } else if (kind === 'folders') {
      await waitForScan();
      const folders = (await plain('GET', '/api/library/folders')).json.folders as Array<{ path: string; source: string }>;
      for (const folder of folders) if (folder.source === 'control_room') await plain('DELETE', `/api/library/folders?path=${encodeURIComponent(folder.path)}`);
      await waitForScan();
    } else if (kind === 'scan') {
      await waitForScan();
    }
  };

  /** The documents players and media servers read, after a hostile value was accepted into the station. */
  const publicDocumentProblems = async (withXmltv: boolean): Promise<string[]> => {
    const problems: string[] = [];
    const m3u = await plain('GET', '/channels.m3u');
    const stray = m3u.text.split(/\r?\n/).filter((line) => line !== '' && !line.startsWith('#EXTM3U') && !line.startsWith('#EXTINF:') && !line.startsWith(`${base}/`));
    if (m3u.status !== 200 || stray.length > 0) problems.push(`/channels.m3u has ${stray.length} stray line(s): ${shorten(JSON.stringify(stray.slice(0, 3)))}`);
    if (withXmltv) {
      const xmltv = await plain('GET', '/xmltv.xml');
      const bad = XML_FORBIDDEN.exec(xmltv.text);
      if (xmltv.status !== 200 || bad) problems.push(`/xmltv.xml ${xmltv.status !== 200 ? `answered ${xmltv.status}` : `holds a character XML 1.0 forbids (U+${bad![0].charCodeAt(0).toString(16).padStart(4, '0')})`}`);
      if (/<script/i.test(xmltv.text)) problems.push('/xmltv.xml holds an unescaped <script');
    }
    const logo = await sendWire(base, agent, { method: 'GET', path: `/channel/${fixture.scratch}/logo` });
    if (LEAK_MARKERS.some((marker) => marker.test(logo.body.toString('latin1')))) problems.push(`/channel/${fixture.scratch}/logo serves a file that is no logo: ${shorten(logo.body.toString('latin1'), 80)}`);
    const lineup = await plain('GET', '/lineup.json');
    if (lineup.status !== 200 || lineup.json === undefined) problems.push(`/lineup.json is not JSON (${lineup.status})`);
    return problems;
  };

  // ---- running cases
  const violations: Violation[] = [];
  const accepted: string[] = [];
  const perOperation: Record<string, number> = {};
  const statuses = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  let requests = 0;
  let slowest = { request: '', ms: 0 };
  let aborted = false;
  let baseline = await snapshot();
  let pending: HostileCase[] = [];

  const describe = (c: HostileCase) => `${c.method} ${shorten(c.path, 160)} [${c.what}]`;
  const phases: Array<{ phase: string; from: number }> = [];
  const phase = (name: string) => {
    phases.push({ phase: name, from: Date.now() });
    log(`hostile walk: ${name}`);
  };

  const serverAnswers = async (): Promise<boolean> => {
    const deadline = Date.now() + STALL_GIVE_UP_MS;
    while (Date.now() < deadline) {
      const health = await sendWire(base, agent, { method: 'GET', path: '/api/health' }, 2000);
      if (health.status === 200) return true;
      await new Promise((resolve) => setTimeout(resolve, 200)); // a refused connection answers at once
    }
    return false;
  };

  /** Sends one case and checks its answer; returns the problems found (also recorded). */
  const send = async (c: HostileCase): Promise<string[]> => {
    if (aborted) return [];
    // A write the schema allows may well be accepted and change the station: compare the
    // refusals before it first, or its change would hide theirs.
    if (c.write && !c.mustRefuse && pending.length > 0) await checkpoint();
    requests++;
    perOperation[c.op] = (perOperation[c.op] ?? 0) + 1;
    const sentAt = Date.now();
    const cpuBefore = processCpuMs(options.serverPid);
    const answer = await sendWire(base, agent, { method: c.method, path: c.path, headers: c.headers, body: c.body });
    const cpuAfter = processCpuMs(options.serverPid);
    const serverCpu = cpuBefore !== undefined && cpuAfter !== undefined ? ` (server CPU ${cpuAfter - cpuBefore} ms)` : '';
    inFlight.push({ from: sentAt, to: Date.now(), request: `${describe(c)}${serverCpu}` });
    const problems: Array<[ViolationKind, string]> = [];
    const status = answer.status;
    if (answer.ms > slowest.ms) slowest = { request: `${describe(c)}${serverCpu}`, ms: Math.round(answer.ms) };
    if (status === null) {
      statuses.none++;
      if (!c.mayDrop) problems.push(['no-answer', answer.error ?? 'connection closed without an answer']);
    } else {
      statuses[status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx']++;
      const text = answer.body.toString('utf8');
      if (status >= 500) problems.push(['server-error', `${status}: ${shorten(text, 300)}`]);
      if (c.mustRefuse && status < 400) problems.push(['accepted-invalid', `answered ${status} to a request the documented schema refuses`]);
      if (c.traversal && status < 400) problems.push(['leak', `a traversal was answered ${status} (${answer.bytes} bytes)`]);
      if (LEAK_MARKERS.some((marker) => marker.test(text))) problems.push(['leak', `the answer holds a file's contents: ${shorten(text, 120)}`]);
      if (status >= 400 && status < 500) {
        if (answer.bytes > MAX_REFUSAL_BYTES) problems.push(['long-refusal', `a ${status} of ${answer.bytes} bytes (at most ${MAX_REFUSAL_BYTES})`]);
        // Node's own refusals (431 headers too large, 408) come before any route and carry no body.
        if (c.api && answer.bytes > 0 && answer.bytes <= KEEP_BODY_BYTES && ![408, 431].includes(status)) {
          const json = parseJson(text);
          const shaped = json.ok && typeof json.value === 'object' && json.value !== null && typeof (json.value as any).error === 'string' && typeof (json.value as any).message === 'string';
          if (!shaped) problems.push(['error-shape', `a ${status} that is not { error, message }: ${shorten(text, 160)}`]);
        }
      }
    }
    if (answer.ms > budgetMs) problems.push([status === null ? 'no-answer' : 'slow', `answered in ${Math.round(answer.ms)} ms (budget ${budgetMs} ms)${serverCpu}`]);
    for (const [kind, detail] of problems) violations.push({ kind, request: describe(c), detail });

    if (status !== null && status < 400 && c.write) {
      if (!c.mustRefuse) accepted.push(describe(c));
      if (c.reconcile === 'channels' && c.checkOutputs) {
        for (const problem of await timed('outputs', () => publicDocumentProblems(c.checkOutputs === 'xml'))) violations.push({ kind: 'output-integrity', request: describe(c), detail: problem });
      }
      await timed('restoring', () => reconcile(c.reconcile));
      baseline = await timed('snapshots', snapshot);
      pending = [];
    } else {
      pending.push(c);
    }
    if (answer.ms > budgetMs || (status === null && !c.mayDrop)) {
      if (!(await serverAnswers())) {
        aborted = true;
        violations.push({ kind: 'walk-aborted', request: describe(c), detail: `/api/health did not answer for ${STALL_GIVE_UP_MS / 1000} s after this request: the rest of the walk was not sent` });
      } else if (c.reconcile !== 'none') {
        // A slow write may have landed after the client gave up on it.
        await reconcile(c.reconcile);
        baseline = await snapshot();
        pending = [];
      }
    }
    return problems.map(([kind, detail]) => `${kind}: ${detail}`);
  };

  /** Compares the station with the last snapshot; on a change, replays the refused requests one by one to name the culprit. */
  const checkpoint = async (): Promise<void> => {
    if (aborted || pending.length === 0) return;
    const now = await timed('snapshots', snapshot);
    const changed = differences(baseline, now);
    if (changed.length === 0) {
      pending = [];
      return;
    }
    const suspects = pending;
    const before = baseline;
    pending = [];
    baseline = now;
    let named = false;
    for (const suspect of suspects.slice(0, 200)) {
      await sendWire(base, agent, { method: suspect.method, path: suspect.path, headers: suspect.headers, body: suspect.body });
      const after = await snapshot();
      const diff = differences(baseline, after);
      if (diff.length > 0) {
        violations.push({ kind: 'station-changed', request: describe(suspect), detail: `refused, yet changed ${diff.join(', ')}; ${firstDifference(baseline, after, diff[0]!)}` });
        named = true;
        await reconcile(suspect.reconcile);
        baseline = await snapshot();
      }
    }
    if (!named) violations.push({ kind: 'station-changed', request: `${suspects.length} refused requests, first ${describe(suspects[0]!)}`, detail: `changed ${changed.join(', ')} (not reproduced one by one); ${firstDifference(before, now, changed[0]!)}` });
  };

  // ---- building cases
  const reconcileFor = (op: Operation): Reconcile => {
    if (!op.write) return 'none';
    if (/^\/api\/channels/.test(op.template)) return op.operationId === 'previewGraphics' ? 'none' : 'channels';
    if (op.template.startsWith('/api/alerts')) return 'alerts';
    if (op.template.includes('/chapters')) return 'chapters';
    if (op.template === '/api/library/folders') return 'folders';
    if (op.template === '/api/library/scan') return 'scan';
    return 'none';
  };

  /** A valid value for each path parameter: reads look at channel 1 (scheduled), writes at the scratch channel. */
  const validPath = (op: Operation): Record<string, number | string> => ({
    n: op.write ? fixture.scratch : fixture.configChannels[0]!,
    id: op.template.startsWith('/api/alerts') ? fixture.alertId : fixture.mediaId,
    chapterId: fixture.chapterId,
    // A media server's key (/api/library/sources/{key}): none is added, so a valid key is a 404.
    key: 'plex-1',
  });

  /** Valid query: only the required parameters. */
  const validQuery = (op: Operation): Record<string, string> => {
    const query: Record<string, string> = {};
    for (const p of op.parameters ?? []) {
      if (p.in !== 'query' || !p.required) continue;
      query[p.name] = p.name === 'at' ? '1000' : p.name === 'path' ? fixture.emptyFolder : '1';
    }
    return query;
  };

  /** A valid body for each JSON write (hostile values replace one field at a time). */
  const validBody = (op: Operation): Record<string, unknown> => {
    switch (op.operationId) {
      case 'createChannel': return { number: fixture.scratch + 1, name: 'Hostile new' };
      case 'updateChannel': return { name: 'Hostile scratch' };
      case 'putSchedule': return { blocks: [{ name: 'Block', start: '06:00', minutes: 60, content: { type: 'show', show: 'Signal Hill' } }] };
      case 'addChapter': return { title: 'Hostile', timestampMs: 1500 };
      case 'updateChapter': return { title: fixture.chapterBody.title };
      case 'addLibraryFolder': return { path: fixture.emptyFolder };
      case 'putGraphics': return { enabled: true };
      case 'previewGraphics': return { card: 'none' };
      case 'sendAlert': return { message: 'Hostile', priority: 1, channels: [fixture.scratch], duration: 1 };
      default: return {};
    }
  };

  const protectedIds = () => new Set([...fixture.configChannels, ...fixture.mediaIds, fixture.alertId, fixture.chapterId]);

  const buildPath = (op: Operation, pathValues: Record<string, string>, query: string): string => {
    const p = op.template.replace(/\{(\w+)\}/g, (_m, name: string) => pathValues[name]!);
    return query ? `${p}?${query}` : p;
  };
  const encodeQuery = (query: Record<string, string>) => Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${percentEncode(v)}`).join('&');
  const pathDefaults = (op: Operation) => Object.fromEntries(Object.entries(validPath(op)).map(([k, v]) => [k, String(v)]));

  const jsonHeaders = (op: Operation): Record<string, string> => (op.write ? { ...auth, 'content-type': 'application/json' } : {});
  const defaultBody = (op: Operation): string | Buffer | undefined => {
    if (op.jsonBody) return JSON.stringify(validBody(op));
    if (op.binaryBody) return PNG_1X1;
    return undefined;
  };
  const defaultHeaders = (op: Operation): Record<string, string> => {
    if (!op.write) return {};
    if (op.binaryBody) return { ...auth, 'content-type': 'image/png' };
    return op.jsonBody ? jsonHeaders(op) : { ...auth };
  };

  const pathCase = (op: Operation, name: string, piece: string, what: string): HostileCase => {
    const decoded = decodePiece(piece);
    const schema = op.parameters!.find((p) => p.name === name)!.schema;
    const valid = decoded !== undefined && validate(coercing, schema, decoded);
    return {
      op: op.operationId,
      what,
      method: op.method,
      path: buildPath(op, { ...pathDefaults(op), [name]: piece }, encodeQuery(validQuery(op))),
      headers: defaultHeaders(op),
      body: defaultBody(op),
      mustRefuse: !valid,
      mayDrop: piece.length > 16 * 1024,
      api: true,
      write: op.write,
      reconcile: reconcileFor(op),
    };
  };

  const queryCase = (op: Operation, name: string | undefined, value: string | undefined, rawQuery: string | undefined, what: string): HostileCase => {
    const query = { ...validQuery(op) };
    let mustRefuse = false;
    if (name !== undefined && value !== undefined) {
      query[name] = value;
      const schema = op.parameters!.find((p) => p.name === name)!.schema;
      // `?p=` is commonly read as absent: either answer is right for an empty value.
      mustRefuse = value !== '' && !validate(coercing, schema, value);
    }
    const text = rawQuery !== undefined ? [encodeQuery(validQuery(op)), rawQuery].filter(Boolean).join('&') : encodeQuery(query);
    return {
      op: op.operationId,
      what,
      method: op.method,
      path: buildPath(op, pathDefaults(op), text),
      headers: defaultHeaders(op),
      body: defaultBody(op),
      mustRefuse,
      mayDrop: text.length > 16 * 1024,
      api: true,
      write: op.write,
      reconcile: reconcileFor(op),
    };
  };

  const bodyCase = (op: Operation, body: RawBody, what: string, options: { oversized?: boolean } = {}): HostileCase => {
    let mustRefuse: boolean;
    const contentType = body.contentType?.split(';')[0]!.trim().toLowerCase();
    if (op.jsonBody) {
      const text = Buffer.isBuffer(body.body) ? undefined : body.body;
      // A leading byte-order mark may be ignored (RFC 8259 §8.1): either answer is right.
      const parsed = text === undefined ? { ok: false as const } : parseJson(text.replace(/^\uFEFF/, ''));
      mustRefuse = contentType !== 'application/json' || !parsed.ok || !validate(ajv, op.jsonBody, parsed.value) || /charset=(?!utf-8)/i.test(body.contentType ?? '');
      // A compressed body: the server may decode it (and judge what it holds) or refuse it.
      if (body.headers?.['content-encoding'] !== undefined) mustRefuse = false;
    } else if (op.binaryBody) {
      mustRefuse = !contentType || !op.binaryBody.includes(contentType);
    } else {
      mustRefuse = false; // a body where none is documented: either answer, never a 5xx
    }
    if (options.oversized) mustRefuse = true;
    return {
      op: op.operationId,
      what,
      method: op.method,
      path: buildPath(op, pathDefaults(op), encodeQuery(validQuery(op))),
      headers: { ...auth, ...(body.contentType ? { 'content-type': body.contentType } : {}), ...body.headers },
      body: body.body,
      mustRefuse,
      mayDrop: options.oversized,
      api: true,
      write: true,
      reconcile: reconcileFor(op),
    };
  };

  /** Guards for the few bodies that would make the walk damage the machine, not test the server. */
  const harmless = (op: Operation, text: string): boolean => {
    if (op.operationId !== 'addLibraryFolder') return true;
    const parsed = parseJson(text);
    const folder = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as { path?: unknown }).path : undefined;
    // Adding `/` or any real folder would start a scan of it.
    if (typeof folder !== 'string' || !path.isAbsolute(folder)) return true;
    const resolved = path.resolve(folder);
    return resolved === fixture.emptyFolder || !existsSync(resolved) || !statSync(resolved).isDirectory();
  };

  const started = performance.now();
  const rssBefore = await monitorRss();
  const poller = startHealthPoller(base, 50, options.serverPid);
  let health: { summary: LatencySummary; samples: Array<[number, number, number]> };
  const nowMs = Date.now();
  // Each property its own seed (derived from the walk's), so no two parameters get the same values.
  let properties = 0;
  const fcParams = () => ({ numRuns: propertyRuns, seed: seed * 1000 + properties++, endOnFailure: true });

  try {
    // 1. The stream, guide and tuner URLs beside the API, with hostile path pieces.
    phase('stream and tuner URLs');
    const channelNumbers = new Set([...fixture.configChannels, fixture.scratch].map(String));
    const tunesARealChannel = (piece: string) => /^\d+$/.test(piece) && channelNumbers.has(String(Number(piece)));
    // (lineup.post is an open write that changes nothing: it is sent as a read.)
    const openCase = (method: string, p: string, what: string, traversal = false): HostileCase => ({ op: `open ${what.split(':')[0]}`, what, method, path: p, headers: {}, mustRefuse: false, traversal, api: false, write: false, reconcile: 'none', mayDrop: p.length > 16 * 1024 });
    const isTraversal = (piece: string) => /\.\.|%2e%2e|%c0%ae/i.test(piece);
    for (const piece of [...HOSTILE_PATH_PIECES, ...equivalentPathPieces(fixture.configChannels[0]!)]) {
      if (tunesARealChannel(piece.value)) continue;
      const t = isTraversal(piece.value);
      await send(openCase('GET', `/channel/${piece.value}.m3u8`, `playlist: ${piece.label}`, t));
      await send(openCase('GET', `/channel/${piece.value}.ts`, `stream: ${piece.label}`, t));
      await send(openCase('GET', `/channel/${piece.value}`, `channel file: ${piece.label}`, t));
      await send(openCase('GET', `/channel/${piece.value}/r1-1.ts`, `segment of channel: ${piece.label}`, t));
      await send(openCase('GET', `/channel/${piece.value}/logo`, `logo: ${piece.label}`, t));
      await send(openCase('GET', `/channel/${piece.value}/low/r1-1.ts`, `rung segment of channel: ${piece.label}`, t));
      await send(openCase('GET', `/web/${piece.value}`, `web file: ${piece.label}`, t));
      await send(openCase('GET', `/api/docs/${piece.value}`, `docs file: ${piece.label}`, t));
    }
    for (const segment of [...HOSTILE_SEGMENT_NAMES, ...HOSTILE_PATH_PIECES]) {
      const t = isTraversal(segment.value);
      await send(openCase('GET', `/channel/${fixture.configChannels[0]}/${segment.value}`, `segment: ${segment.label}`, t));
      await send(openCase('GET', `/channel/${fixture.configChannels[0]}/low/${segment.value}`, `rung segment: ${segment.label}`, t));
      await send(openCase('GET', `/channel/${fixture.configChannels[0]}/${segment.value}/r1-1.ts`, `rung: ${segment.label}`, t));
    }
    for (const raw of ['/../../../../etc/passwd', '/channel/../../../../etc/passwd', '/web/../../package.json', '/vendor/../../../package.json', '/api/docs/../../../../package.json', '/%2e%2e/%2e%2e/etc/passwd', '//etc/passwd', '/channel/1/../../admin-token']) {
      await send(openCase('GET', raw, `raw traversal: ${raw}`, true));
    }
    const queryValues = hostileQueryValues(nowMs);
    for (const route of ['/xmltv.xml', '/channels.m3u', '/lineup.json', '/device.xml', '/discover.json', '/lineup_status.json']) {
      for (const value of queryValues) {
        await send(openCase('GET', `${route}?${['from', 'format', 'days', 'channel'].map((k) => `${k}=${percentEncode(value.value)}`).join('&')}`, `${route} query: ${value.label}`));
      }
    }
    // (Blocking-reload parameters are left out: any request for a real channel's playlist tunes it.)
    for (const value of queryValues) await send(openCase('POST', `/lineup.post?scan=${percentEncode(value.value)}`, `lineup.post scan: ${value.label}`));
    for (const [label, p] of [['1 MB path', `/channel/${'1'.repeat(1_000_000)}.m3u8`], ['1 MB query', `/xmltv.xml?x=${'a'.repeat(1_000_000)}`]] as const) await send(openCase('GET', p, label));
    await checkpoint();
    // Property: any string as a channel file or segment name.
    const anyPiece = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.stringMatching(/^[0-9a-z.%-]{1,20}$/)).map(percentEncode).filter((p) => !tunesARealChannel(p));
    await fc.check(fc.asyncProperty(anyPiece, async (piece) => (await send(openCase('GET', `/channel/${piece}.m3u8`, `playlist (property): ${shorten(piece, 40)}`, isTraversal(piece)))).length === 0), fcParams());
    await fc.check(fc.asyncProperty(anyPiece, async (piece) => (await send(openCase('GET', `/channel/${fixture.configChannels[0]}/${piece}`, `segment (property): ${shorten(piece, 40)}`, isTraversal(piece)))).length === 0), fcParams());
    await checkpoint();

    // 2. Every path parameter of every operation.
    phase('path parameters');
    for (const op of operations) {
      for (const parameter of (op.parameters ?? []).filter((p) => p.in === 'path')) {
        const target = validPath(op)[parameter.name]!;
        const spellings = typeof target === 'number' ? equivalentPathPieces(target) : [{ label: `${target} upper-case`, value: target.toUpperCase() }, { label: `${target}-0`, value: `${target.replace(/\d+$/, '0$&')}` }];
        const pieces: PathPiece[] = [...HOSTILE_PATH_PIECES, ...spellings, { label: '20 KB', value: '9'.repeat(20 * 1024) }];
        for (const piece of pieces) await send(pathCase(op, parameter.name, piece.value, `path ${parameter.name} = ${piece.label}`));
        await checkpoint();
        const others = protectedIds();
        const anyId = fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
          fc.stringMatching(/^[-+0-9.eExXbB ]{1,16}$/),
          fc.double().map(String),
          fc.bigInt().map(String),
        ).filter((v) => {
          // A write never aims at a real channel, file or alert by a number that spells one.
          const n = Number(v);
          return !op.write || !(Number.isFinite(n) && (others.has(n) || n === target || Number.isInteger(n)));
        });
        await fc.check(fc.asyncProperty(anyId, async (value) => (await send(pathCase(op, parameter.name, percentEncode(value), `path ${parameter.name} (property) = ${shorten(JSON.stringify(value), 40)}`))).length === 0), fcParams());
        await checkpoint();
      }
    }

    // 3. Every body field of every write, then whole hostile bodies.
    phase('bodies');
    const jsonValues = hostileJsonValues(nowMs);
    for (const op of operations.filter((o) => o.write)) {
      if (op.jsonBody) {
        const valid = validBody(op);
        for (const field of fieldPaths(op.jsonBody, valid)) {
          for (const value of jsonValues) {
            const text = withField(valid, field, jsonText(value.value));
            if (!harmless(op, text)) continue;
            await send({ ...bodyCase(op, { contentType: 'application/json', body: text }, `body.${field} = ${value.label}`), checkOutputs: outputsToCheck(jsonText(value.value)) });
          }
          await checkpoint();
        }
        if (op.operationId === 'putSchedule' || op.operationId === 'createChannel') {
          const block = (i: number) => ({ name: `B${i}`, start: `${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, minutes: 60, content: { type: 'show', show: 'Signal Hill' } });
          const scheduleBody = (blocks: unknown[]) => (op.operationId === 'putSchedule' ? { blocks } : { ...valid, schedule: { blocks } });
          await send(bodyCase(op, { contentType: 'application/json', body: JSON.stringify(scheduleBody(Array.from({ length: 400 }, (_, i) => ({ ...block(0), name: `Overlap ${i}` })))) }, '400 overlapping blocks'));
          await send(bodyCase(op, { contentType: 'application/json', body: JSON.stringify(scheduleBody(Array.from({ length: 10_000 }, (_, i) => block(i)))) }, '10 000 blocks'));
          await checkpoint();
        }
        if (op.operationId === 'sendAlert') {
          await send(bodyCase(op, { contentType: 'application/json', body: JSON.stringify({ ...valid, channels: Array.from({ length: 100_000 }, (_, i) => i + 1000) }) }, 'alert on 100 000 unknown channels'));
          await send(bodyCase(op, { contentType: 'application/json', body: JSON.stringify({ ...valid, channels: Array(100_000).fill(-1) }) }, 'alert on 100 000 invalid channels'));
          await checkpoint();
        }
      }
      const validText = op.jsonBody ? JSON.stringify(validBody(op)) : '{}';
      // An operation without a body gets only the bodies no parser takes: one that parses would
      // simply run it (a delete, a rescan), which says nothing about input handling.
      const bodies = hostileBodies(validText).filter((b) => op.jsonBody || op.binaryBody || BODILESS_CASES.has(b.label));
      for (const body of bodies) await send(bodyCase(op, body.value, `body: ${body.label}`, { oversized: body.oversized }));
      if (op.binaryBody) {
        for (const [label, contentType, bytes] of [
          ['empty image', 'image/png', Buffer.alloc(0)],
          ['SVG as PNG', 'image/png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
          ['SVG', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
          ['HTML as JPEG', 'image/jpeg', Buffer.from('<html><script>alert(1)</script></html>')],
          ['1 MiB + 1 PNG', 'image/png', Buffer.concat([PNG_1X1, Buffer.alloc(1024 * 1024 + 1 - PNG_1X1.length)])],
        ] as const) {
          await send({ ...bodyCase(op, { contentType, body: bytes }, `body: ${label}`, { oversized: bytes.length > 1024 * 1024 }), mustRefuse: true });
        }
      }
      await checkpoint();
      // Properties: any JSON as the body, and any JSON in any one field.
      if (op.jsonBody) {
        const valid = validBody(op);
        const fields = fieldPaths(op.jsonBody, valid);
        const json = fc.jsonValue({ maxDepth: 3 });
        await fc.check(
          fc.asyncProperty(json, async (value) => {
            const text = JSON.stringify(value) ?? 'null';
            if (!harmless(op, text)) return true;
            return (await send({ ...bodyCase(op, { contentType: 'application/json', body: text }, `body (property) = ${shorten(text, 60)}`), checkOutputs: outputsToCheck(text) })).length === 0;
          }),
          fcParams(),
        );
        // A body that is one of several shapes (a media server's type picks its fields) has no top-level fields to vary.
        if (fields.length > 0) await fc.check(
          fc.asyncProperty(fc.constantFrom(...fields), json, async (field, value) => {
            const text = withField(valid, field, JSON.stringify(value) ?? 'null');
            if (!harmless(op, text)) return true;
            return (await send({ ...bodyCase(op, { contentType: 'application/json', body: text }, `body.${field} (property) = ${shorten(JSON.stringify(value) ?? 'null', 60)}`), checkOutputs: outputsToCheck(JSON.stringify(value) ?? '') })).length === 0;
          }),
          fcParams(),
        );
        await checkpoint();
      }
    }

    // 4. Methods nobody routes, and requests Node must refuse before any route.
    for (const method of ['PUT', 'PATCH', 'TRACE', 'PROPFIND', 'OPTIONS']) {
      await send({ op: 'methods', what: `${method} on a collection`, method, path: '/api/channels', headers: { ...auth }, mustRefuse: method !== 'OPTIONS', api: true, write: false, reconcile: 'none' });
    }
    await send({ op: 'headers', what: '20 KB header', method: 'GET', path: '/api/channels', headers: { 'x-padding': 'a'.repeat(20 * 1024) }, mustRefuse: true, mayDrop: true, api: true, write: false, reconcile: 'none' });
    await send({ op: 'headers', what: '200 headers', method: 'GET', path: '/api/channels', headers: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, String(i)])), mustRefuse: false, api: true, write: false, reconcile: 'none' });
    await checkpoint();

    // 5. Every query parameter; the time parameters last (they compile the schedule: the most
    //    likely to stall the server, which would leave the rest of the walk unsent).
    phase('query parameters');
    const queryOps = operations.flatMap((op) => (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ op, parameter: p })));
    const isTime = (name: string) => ['at', 'from', 'to'].includes(name);
    queryOps.sort((a, b) => Number(isTime(a.parameter.name) && a.op.template.includes('/api/channels')) - Number(isTime(b.parameter.name) && b.op.template.includes('/api/channels')));
    for (const { op, parameter } of queryOps) {
      for (const value of queryValues) await send(queryCase(op, parameter.name, value.value, undefined, `query ${parameter.name} = ${value.label}`));
      for (const shape of hostileQueryShapes(parameter.name)) await send(queryCase(op, undefined, undefined, shape.value, `query ${parameter.name}: ${shape.label}`));
      await send(queryCase(op, undefined, undefined, `${parameter.name}=${'a'.repeat(1_000_000)}`, `query ${parameter.name} = 1 MB`));
      await checkpoint();
      const anyValue = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map(String),
        fc.double().map(String),
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => String(d.getTime())),
      );
      await fc.check(fc.asyncProperty(anyValue, async (value) => (await send(queryCase(op, parameter.name, value, undefined, `query ${parameter.name} (property) = ${shorten(JSON.stringify(value), 50)}`))).length === 0), fcParams());
      await checkpoint();
    }
    // Operations with no query parameter still get unknown ones.
    for (const op of operations.filter((o) => !o.write && !(o.parameters ?? []).some((p) => p.in === 'query'))) {
      await send(queryCase(op, undefined, undefined, 'zz=1&__proto__[x]=1', 'unknown query parameters'));
    }
    await checkpoint();
  } finally {
    health = await poller.stop();
    rmSync(fixture.emptyFolder, { recursive: true, force: true });
  }
  if (!aborted) {
    // Leave the station as the walk found it: no scratch channel, fixture alert or chapter.
    await plain('DELETE', `/api/alerts/${fixture.alertId}`);
    await plain('DELETE', `/api/media/${fixture.mediaId}/chapters/${fixture.chapterId}`);
    await plain('DELETE', `/api/channels/${fixture.scratch}`);
  }
  const rssAfter = aborted ? null : await monitorRss();
  agent.destroy();
  // The two slowest polls of each phase, with what the server was doing meanwhile.
  const healthStalls = phases.flatMap(({ from }, i) => {
    const to = phases[i + 1]?.from ?? Infinity;
    return health.samples
      .filter(([at]) => at >= from && at < to)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([at, ms, cpu]) => ({ ms: Math.round(ms), serverCpuMs: options.serverPid === undefined ? null : cpu, during: inFlight.filter((r) => r.from <= at + ms && r.to >= at).map((r) => r.request).slice(0, 4) }));
  });
  const healthByPhase = phases.map(({ phase: name, from }, i) => {
    const to = phases[i + 1]?.from ?? Infinity;
    return { phase: name, ...summarise(health.samples.filter(([at]) => at >= from && at < to).map(([, ms]) => ms)) };
  });
  return {
    requests,
    durationMs: Math.round(performance.now() - started),
    upkeep: { snapshots: Math.round(upkeep.snapshots), restoring: Math.round(upkeep.restoring), outputs: Math.round(upkeep.outputs) },
    statuses,
    health: health.summary,
    healthByPhase,
    slowest,
    healthStalls,
    violations,
    accepted,
    rssBytes: { before: rssBefore, after: rssAfter },
    perOperation,
    seed,
  };
}

/** The hostile bodies an operation without a documented body is sent. */
const BODILESS_CASES = new Set(['truncated JSON', 'lone brace', 'NaN literal', '__proto__ key', 'nested 100 000 deep', 'over 1 MiB', 'text/plain', 'form']);

/** A 1×1 PNG: the valid logo body. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** The report as a few lines for people: counts, health, violations grouped by kind. */
export function formatHostileReport(report: HostileWalkReport, maxPerKind = 25): string {
  const lines = [
    `hostile walk: ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s (of it: snapshots ${(report.upkeep.snapshots / 1000).toFixed(1)} s, putting the station back ${(report.upkeep.restoring / 1000).toFixed(1)} s, checking M3U/XMLTV/lineup ${(report.upkeep.outputs / 1000).toFixed(1)} s; seed ${report.seed}); ` +
      `2xx ${report.statuses['2xx']}, 3xx ${report.statuses['3xx']}, 4xx ${report.statuses['4xx']}, 5xx ${report.statuses['5xx']}, no answer ${report.statuses.none}`,
    `/api/health during it: p50 ${report.health.p50} ms, p95 ${report.health.p95} ms, p99 ${report.health.p99} ms, max ${report.health.max} ms (${report.health.samples} samples, ${report.health.failures} failed)`,
    ...report.healthByPhase.map((p) => `  while sending ${p.phase}: p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms (${p.samples} samples)`),
    `slowest request: ${report.slowest.ms} ms ${report.slowest.request}`,
    ...report.healthStalls.map((stall) => `  /api/health waited ${stall.ms} ms${stall.serverCpuMs === null ? '' : ` (server CPU meanwhile ${stall.serverCpuMs} ms)`} during: ${stall.during.join(' | ') || '(no walk request)'}`),
    `server memory: ${report.rssBytes.before === null ? '?' : Math.round(report.rssBytes.before / 1e6)} MB before, ${report.rssBytes.after === null ? '?' : Math.round(report.rssBytes.after / 1e6)} MB after`,
    `hostile values accepted by writes (valid by the documented schema): ${report.accepted.length}`,
  ];
  const kinds = [...new Set(report.violations.map((v) => v.kind))];
  for (const kind of kinds) {
    const of = report.violations.filter((v) => v.kind === kind);
    lines.push(`${kind}: ${of.length}`);
    for (const v of of.slice(0, maxPerKind)) lines.push(`  ${v.request} → ${v.detail}`);
    if (of.length > maxPerKind) lines.push(`  … ${of.length - maxPerKind} more`);
  }
  return lines.join('\n');
}
