import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnFfmpeg } from '../ffmpeg/process-registry.js';
import type { Logger } from '../logging/logger.js';
import { redact } from '../logging/redact.js';
import { LiveStatus, parseStreamLine, type AudioFacts, type LiveStatusSnapshot, type VideoFacts } from './live-status.js';
import type { LiveEndpoint } from './live-url.js';
import { TsRing, type ChunkListener } from './ts-ring.js';

/** How long a stream that had been flowing may stay silent before its ffmpeg is replaced (a publisher cut off without closing). */
export const STALLED_RUN_MS = 3000;
/** Bytes held before ffmpeg said which input it opened (an RTMP publish is vetted first). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_CHARS = 300;

/** The ffmpeg input for a source: pull what the admin configured, or listen for a publisher with the key. */
export function ingestInputArgs(endpoint: LiveEndpoint, key: string | undefined): string[] {
  // Small probes: a source is on the air within a second of its first bytes.
  const probe = ['-probesize', '1000000', '-analyzeduration', '1000000'];
  if (endpoint.kind === 'push') {
    if (!key) throw new Error('a push source needs its key');
    if (endpoint.protocol === 'rtmp') return [...probe, '-listen', '1', '-i', `rtmp://${endpoint.host}:${endpoint.port}/${endpoint.app}/${key}`];
    return [...probe, '-i', `srt://${endpoint.host}:${endpoint.port}?mode=listener&passphrase=${key}`];
  }
  switch (endpoint.protocol) {
    case 'rtsp':
      return [...probe, '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', endpoint.url];
    case 'udp':
      return [...probe, '-timeout', '5000000', '-i', endpoint.url];
    case 'srt':
      return [...probe, '-i', endpoint.url];
    case 'hls':
      // `-re`: an HLS pull arrives a segment at a time, as fast as it downloads; unpaced, its
      // stream came in bursts with a segment's length of silence between them (2 s measured
      // with 2 s segments), and a live block took every gap for a lost source. Paced at the
      // stream's own rate it flows like a push. An unanswered read fails in 5 s.
      return [...probe, '-re', '-rw_timeout', '5000000', '-i', endpoint.url];
    default:
      // RTMP pulls: an unanswered read fails in 5 s instead of hanging.
      return [...probe, '-rw_timeout', '5000000', '-i', endpoint.url];
  }
}

/**
 * The whole command: the input remuxed, untouched (`-c copy`), to MPEG-TS on stdout. `-muxdelay
 * 0`: each audio frame is its own PES as it arrives (the muxer's default gathers up to 0.7 s of
 * sound, and a live block's renderer then holds its picture back as long, waiting to interleave).
 */
export function ingestArgs(endpoint: LiveEndpoint, key: string | undefined): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...ingestInputArgs(endpoint, key),
    '-map', '0:v?', '-map', '0:a?', '-c', 'copy',
    '-muxdelay', '0',
    '-f', 'mpegts', '-flush_packets', '1', 'pipe:1',
  ];
}

/** ffmpeg's RTMP listener only warns about a stream name (or application) other than the one it listens for: Retrovue refuses it. */
const WRONG_RTMP_KEY = /Unexpected stream .*, expecting|App field don't match up/;
/** libsrt's own refusal of a caller whose passphrase differs (it keeps listening). */
const WRONG_SRT_PASSPHRASE = /rsp\(REJECT\).*Incorrect passphrase/;
const ERROR_WORDS = /error|fail|refused|denied|invalid|timed? ?out|not found|unreachable|cannot|could not|unable|no such|broken|reset/i;

export interface LiveIngestOptions {
  id: string;
  endpoint: LiveEndpoint;
  key: string | undefined;
  ffmpegPath: string;
  log: Logger;
  now?: () => number;
}

/**
 * One live source's ingest: an ffmpeg (started through spawnFfmpeg, so it dies with the server)
 * that pulls the source or listens for its publisher, remuxes it to MPEG-TS on stdout, and is
 * started again when it ends: a listener within ~0.3 s (a reconnecting encoder gets in), a pull
 * with backoff. The last seconds of TS are kept (TsRing) for subscribers and the thumbnail.
 */
export class LiveIngest {
  readonly ring = new TsRing();
  readonly status: LiveStatus;
  private readonly now: () => number;
  private child: ChildProcess | undefined;
  private runId = 0;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private failuresInARow = 0;
  private exitWaiters: Array<() => void> = [];
  // The current run's progress.
  private inputOpened = false;
  private describingInput = false;
  private refused = false;
  private gotData = false;
  private runStartedMs = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private video: VideoFacts | undefined;
  private audio: AudioFacts | undefined;
  /** Publishers refused for a wrong key since start. */
  refusedPublishers = 0;

  constructor(private readonly options: LiveIngestOptions) {
    this.now = options.now ?? Date.now;
    this.status = new LiveStatus(this.now);
  }

  get id(): string {
    return this.options.id;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.watchdog = setInterval(() => this.check(), 250);
    this.watchdog.unref();
    this.launch();
  }

  /** Whether the source's stream flows now (bytes within the last 2 s). */
  isUp(): boolean {
    return this.status.state === 'connected';
  }

  /** Every new chunk of the source's MPEG-TS, from now on; returns the unsubscribe. */
  subscribe(listener: ChunkListener): () => void {
    return this.ring.subscribe(listener);
  }

  snapshot(): LiveStatusSnapshot {
    return this.status.snapshot(this.ring.bytesPerSecond(this.now()));
  }

  private launch(): void {
    if (this.stopped) return;
    const runId = ++this.runId;
    this.inputOpened = false;
    this.describingInput = false;
    this.refused = false;
    this.gotData = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.video = undefined;
    this.audio = undefined;
    this.runStartedMs = this.now();
    const child = spawnFfmpeg(this.options.ffmpegPath, ingestArgs(this.options.endpoint, this.options.key), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.on('error', (error) => {
      this.status.error(redact(error.message));
      this.options.log.error({ err: error }, `live source ${this.id}: ffmpeg could not start`);
    });
    child.stdout!.on('data', (chunk: Buffer) => this.onChunk(runId, chunk));
    createInterface({ input: child.stderr! }).on('line', (line) => this.onLine(runId, line));
    child.once('close', (code, signal) => this.onExit(runId, code, signal));
  }

  private onChunk(runId: number, chunk: Buffer): void {
    if (runId !== this.runId || this.refused) return;
    if (!this.inputOpened) {
      // Held until ffmpeg says what it opened: a refused publisher's bytes never reach the ring.
      if (this.pendingBytes + chunk.length <= MAX_PENDING_BYTES) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
      }
      return;
    }
    this.accept(chunk);
  }

  private accept(chunk: Buffer): void {
    this.gotData = true;
    this.status.data();
    this.ring.push(chunk, this.now());
  }

  private onLine(runId: number, raw: string): void {
    if (runId !== this.runId || !raw.trim()) return;
    // The key is registered with the redactor; a camera's password too.
    const line = redact(raw);
    this.options.log.debug({ ffmpeg: line }, `live source ${this.id}: ffmpeg says`);
    if (this.options.endpoint.kind === 'push' && this.options.endpoint.protocol === 'rtmp' && WRONG_RTMP_KEY.test(line)) {
      this.refuse();
      return;
    }
    if (this.options.endpoint.kind === 'push' && this.options.endpoint.protocol === 'srt' && WRONG_SRT_PASSPHRASE.test(line)) {
      // libsrt refused the handshake itself and goes on listening: counted and said, nothing to cut.
      this.noteRefusal('wrong passphrase');
      return;
    }
    if (/^Input #0/.test(line)) {
      this.describingInput = true;
      return;
    }
    if (this.describingInput) {
      const stream = parseStreamLine(line);
      if (stream && 'video' in stream) this.video ??= stream.video;
      else if (stream && 'audio' in stream) this.audio ??= stream.audio;
      if (/^(Output #0|Stream mapping)/.test(line)) this.inputOpened = true;
      if (!this.inputOpened) return;
      this.describingInput = false;
      this.status.streams(this.video, this.audio);
      this.options.log.info({ video: this.video, audio: this.audio }, `live source ${this.id}: stream opened`);
      const pending = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      for (const chunk of pending) this.accept(chunk);
      return;
    }
    if (ERROR_WORDS.test(line) && !/^\s/.test(line)) this.status.error(line.slice(0, MAX_ERROR_CHARS));
  }

  /** A publisher with the wrong key: cut off before any of its bytes are used, listened for again at once. */
  private refuse(): void {
    if (this.refused) return;
    this.refused = true;
    this.pending = [];
    this.noteRefusal('wrong stream key');
    this.child?.kill('SIGKILL');
  }

  private noteRefusal(why: string): void {
    this.refusedPublishers += 1;
    this.status.error(`a publisher was refused: ${why}`);
    // Never the key it sent: a near-miss of the real key is nearly the key.
    this.options.log.warn(`live source ${this.id}: a publisher used a ${why}; refused`);
  }

  private onExit(runId: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (runId !== this.runId) return;
    this.child = undefined;
    const ranForMs = this.now() - this.runStartedMs;
    this.status.runEnded();
    // A source that went away keeps no stale picture for the thumbnail or a late subscriber.
    this.ring.clear();
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((resolve) => resolve());
    if (this.stopped) return;
    if (this.gotData || this.refused || ranForMs >= 2000) this.failuresInARow = 0;
    else this.failuresInARow += 1;
    const delay = this.restartDelayMs();
    this.options.log[this.gotData ? 'info' : 'debug']({ code, signal, ranForMs, delay }, `live source ${this.id}: ingest ended; again in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.launch();
    }, delay);
  }

  private restartDelayMs(): number {
    if (this.options.endpoint.kind === 'push') {
      // Listening again at once lets a reconnecting encoder in; a port that cannot be bound backs off.
      return this.failuresInARow < 5 ? 200 : 2000;
    }
    return Math.min(10_000, 500 * 2 ** this.failuresInARow);
  }

  private check(): void {
    this.status.tick();
    const silent = this.status.silentForMs();
    // A publisher cut off without closing (a network cut): ffmpeg would wait on it for long; replace it.
    if (this.child && this.gotData && silent !== undefined && silent >= STALLED_RUN_MS) {
      this.options.log.info(`live source ${this.id}: no data for ${silent} ms; restarting its ingest`);
      this.gotData = false;
      this.child.kill('SIGKILL');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 1500);
    await exited;
    clearTimeout(timer);
  }
}
