import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OutputProfile } from '../config/quality.js';
import type { ChildProcess } from 'node:child_process';
import { buildPackagerArgs } from '../ffmpeg/airing-command.js';
import { FfmpegSupervisor, type LaunchSpec } from '../ffmpeg/supervisor.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import { LivePlaylist, parseFfmpegPlaylist } from '../hls/live-playlist.js';
import type { Logger } from '../logging/logger.js';
import { TsStreamFanout } from '../streaming/ts-stream-fanout.js';
import type { ChannelTimeline } from '../timeline/types.js';
import { AiringChain, type AiringChainOptions, type RendererInfo } from './airing-chain.js';

export type ChannelState = 'stopped' | 'starting' | 'live' | 'ended';

export interface ChannelSessionOptions {
  channelNumber: number;
  timeline: ChannelTimeline;
  epochMs: number;
  toolchain: Toolchain;
  profile: OutputProfile;
  segmentDurationSeconds: number;
  playlistSize: number;
  /** EBU R128 target in LUFS for every airing's audio, or null to leave levels alone. */
  loudnessTarget: number | null;
  /** Folder of this channel's generated files (segments, plans). */
  workDir: string;
  log: Logger;
  /** Station graphics for each slice the chain renders (src/graphics); absent = none. */
  graphics?: AiringChainOptions['graphics'];
  /** Test hook: the wall clock. */
  now?: () => number;
}

const POLL_INTERVAL_MS = 100;
const ENCODER_PLAYLIST = 'encoder.m3u8';
const COLD_START_SEGMENT_SECONDS = 0.5;
/** MPEG-TS timestamps wrap after 2^33 / 90 kHz ≈ 26.5 h; restarting the clock daily keeps a run inside. */
const TIMESTAMP_PERIOD_SECONDS = 86_400;
/**
 * Output timestamps never start at 0: the first AAC packet (encoder priming) would be negative,
 * and the MPEG-TS muxer would then shift that whole renderer later by 21 ms, off the grids.
 */
const CLOCK_ORIGIN_SECONDS = 10;

/**
 * One live channel: a supervised ffmpeg rendering the channel's timeline to HLS, the
 * playlist players see, and the shared MPEG-TS stream. Shared by all of the channel's
 * viewers; started on demand and stopped when idle by the ChannelManager.
 */
export class ChannelSession extends EventEmitter {
  readonly playlist: LivePlaylist;
  readonly fanout: TsStreamFanout;
  private readonly supervisor: FfmpegSupervisor;
  private readonly hlsDir: string;
  private readonly now: () => number;
  private pollTimer: NodeJS.Timeout | undefined;
  private janitorTimer: NodeJS.Timeout | undefined;
  private seenThisRun = new Set<string>();
  private currentRunPrefix = '';
  private preparedDir = false;
  private chain: AiringChain | undefined;
  state: ChannelState = 'stopped';
  startedAtMs: number | undefined;

  constructor(private readonly options: ChannelSessionOptions) {
    super();
    this.setMaxListeners(0);
    this.now = options.now ?? Date.now;
    this.hlsDir = path.join(options.workDir, 'hls');
    this.playlist = new LivePlaylist({
      targetDurationSeconds: options.segmentDurationSeconds,
      windowSize: options.playlistSize,
      uriFor: (segment) => `${options.channelNumber}/${segment.fileName}`,
    });
    this.fanout = new TsStreamFanout(options.log);
    this.supervisor = new FfmpegSupervisor({
      name: `channel ${options.channelNumber}`,
      log: options.log,
      prepare: (runId) => this.prepareRun(runId),
      restartAfterCleanExit: () => this.timelineContinues(),
    });
    this.supervisor.on('exit', () => {
      // The packager is gone: its renderers have no one to feed.
      this.chain?.stop();
      void this.pollEncoderPlaylist();
    });
    this.supervisor.on('finished', () => void this.finish());
  }

  get channelNumber(): number {
    return this.options.channelNumber;
  }

  get timeline(): ChannelTimeline {
    return this.options.timeline;
  }

  get encoderPid(): number | undefined {
    return this.supervisor.pid;
  }

  get encoderRestarts(): number {
    return this.supervisor.restarts;
  }

  get encoderProgress() {
    return this.supervisor.lastProgress;
  }

  /** The packager's last complaint (or why it could not start). */
  get lastError(): string | undefined {
    return this.supervisor.lastError;
  }

  segmentPath(fileName: string): string {
    return path.join(this.hlsDir, fileName);
  }

  private timelineContinues(): boolean {
    const end = this.options.timeline.endsAtMs;
    return end === undefined || this.now() < end - 500;
  }

  async start(): Promise<void> {
    if (this.state === 'starting' || this.state === 'live' || this.state === 'ended') return;
    if (!this.timelineContinues()) {
      await this.finish();
      return;
    }
    this.state = 'starting';
    if (!this.preparedDir) {
      // Segments left by an earlier server process are no one's: start clean.
      await rm(this.hlsDir, { recursive: true, force: true });
      this.preparedDir = true;
    }
    await mkdir(this.hlsDir, { recursive: true });
    this.playlist.clearWindow(this.now());
    this.fanout.resetLatest();
    this.startedAtMs = this.now();
    this.supervisor.start();
    this.pollTimer = setInterval(() => void this.pollEncoderPlaylist(), POLL_INTERVAL_MS);
    this.janitorTimer ??= setInterval(() => void this.deleteExpiredSegments(), 1000);
    this.options.log.info('channel starting');
  }

  /**
   * Plans the next encoder run from the timeline now: a packager that cuts live HLS, fed by
   * an AiringChain that renders airing after airing from this instant on (join in progress).
   */
  private async prepareRun(runId: number): Promise<LaunchSpec> {
    // Publish whatever the previous run finished before its segments stop matching.
    await this.pollEncoderPlaylist();
    const nowMs = this.now();
    if (!this.options.timeline.at(nowMs)) throw new Error('the channel is off the air at this time');
    this.currentRunPrefix = `r${runId}-`;
    this.seenThisRun = new Set();
    this.playlist.beginRun(runId, nowMs);
    const grid = {
      segmentDuration: this.options.segmentDurationSeconds,
      initialSegments: this.options.segmentDurationSeconds > 1 ? this.options.playlistSize : 0,
      // Half-second first segments: a cold channel has something to play about half a second
      // after its first frame is encoded (the packager paces output to the wall clock).
      initialSegmentDuration: COLD_START_SEGMENT_SECONDS,
    };
    const args = buildPackagerArgs({
      playlistPath: path.join(this.hlsDir, ENCODER_PLAYLIST),
      segmentPathPattern: path.join(this.hlsDir, `${this.currentRunPrefix}%d.ts`),
      grid,
      playlistSize: this.options.playlistSize,
      // One more than the list: a segment stays on disk a whole playlist after it leaves it.
      deleteThreshold: this.options.playlistSize + 1,
    });
    const startChain = (child: ChildProcess): void => {
      if (!child.stdin) return;
      const chain = new AiringChain({
        timeline: this.options.timeline,
        toolchain: this.options.toolchain,
        profile: this.options.profile,
        grid,
        loudnessTarget: this.options.loudnessTarget,
        runStartMs: nowMs,
        runClockSeconds: CLOCK_ORIGIN_SECONDS + (((nowMs - this.options.epochMs) / 1000) % TIMESTAMP_PERIOD_SECONDS),
        sink: child.stdin,
        log: this.options.log.child({ run: runId }),
        ...(this.options.graphics ? { graphics: this.options.graphics } : {}),
      });
      this.chain = chain;
      chain.run().catch((error: unknown) => {
        this.options.log.error({ err: error }, 'airing chain failed');
        child.kill('SIGKILL');
      });
    };
    return { command: this.options.toolchain.ffmpegPath, args, stdin: true, onSpawn: startChain };
  }

  /** What the channel is rendering right now (status and health). */
  get nowRendering(): RendererInfo | undefined {
    return this.chain?.nowRendering;
  }

  /** The next airing's renderer, started ahead of its turn. */
  get renderingAhead(): RendererInfo | undefined {
    return this.chain?.renderingAhead;
  }

  get slatesShown(): number {
    return this.chain?.slatesShown ?? 0;
  }

  /** Publishes the segments ffmpeg has finished since the last look. */
  private async pollEncoderPlaylist(): Promise<void> {
    let text: string;
    try {
      text = await readFile(path.join(this.hlsDir, ENCODER_PLAYLIST), 'utf8');
    } catch {
      return; // not written yet
    }
    const { segments } = parseFfmpegPlaylist(text);
    for (const segment of segments) {
      if (!segment.fileName.startsWith(this.currentRunPrefix) || this.seenThisRun.has(segment.fileName)) continue;
      this.seenThisRun.add(segment.fileName);
      const published = this.playlist.append(segment, this.now());
      this.fanout.pushSegment(this.segmentPath(published.fileName));
      if (this.state === 'starting') {
        this.state = 'live';
        this.options.log.info({ ms: this.now() - (this.startedAtMs ?? 0) }, 'channel live');
      }
      this.emit('segment', published);
    }
  }

  /**
   * Deletes segments whose retention has passed. The running encoder deletes its own
   * (`-hls_delete_threshold`); this catches what ended runs and stopped channels left.
   */
  private async deleteExpiredSegments(): Promise<void> {
    const liveRun = this.supervisor.state === 'running' ? this.supervisor.currentRunId : undefined;
    for (const segment of this.playlist.takeExpired(this.now())) {
      if (segment.runId === liveRun) continue;
      await unlink(this.segmentPath(segment.fileName)).catch(() => undefined);
    }
  }

  /** Resolves once the channel has a segment to offer; rejects after `timeoutMs`. */
  waitUntilLive(timeoutMs: number): Promise<void> {
    if (this.playlist.latest || this.state === 'ended') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('segment', done);
        this.off('ended', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('segment', done);
        this.off('ended', done);
        reject(new Error(`channel ${this.channelNumber} produced no segment within ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('segment', done);
      this.once('ended', done);
    });
  }

  isServableSegment(fileName: string): boolean {
    return this.playlist.isServable(fileName) && existsSync(this.segmentPath(fileName));
  }

  /** The timeline has run out (`--loops N`): the playlist gets EXT-X-ENDLIST, .ts viewers get EOF. */
  private async finish(): Promise<void> {
    await this.pollEncoderPlaylist();
    this.stopPolling();
    this.playlist.end();
    this.fanout.endAll();
    this.state = 'ended';
    this.options.log.info('channel reached the end of its timeline');
    this.emit('ended');
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Stops the encoder; what was published stays servable until it expires. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'ended') return;
    this.stopPolling();
    await this.supervisor.stop();
    this.fanout.endAll();
    this.state = 'stopped';
    this.options.log.info('channel stopped');
  }

  /** Server shutdown: encoder stopped, timers cleared. */
  async close(): Promise<void> {
    await this.stop();
    if (this.janitorTimer) clearInterval(this.janitorTimer);
    this.janitorTimer = undefined;
  }
}
