import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OutputProfile } from '../config/quality.js';
import { buildChannelEncodeArgs, buildFfconcat } from '../ffmpeg/command-builder.js';
import { FfmpegSupervisor, type LaunchSpec } from '../ffmpeg/supervisor.js';
import type { Toolchain } from '../ffmpeg/toolchain.js';
import { LivePlaylist, parseFfmpegPlaylist } from '../hls/live-playlist.js';
import type { Logger } from '../logging/logger.js';
import { TsStreamFanout } from '../streaming/ts-stream-fanout.js';
import type { ChannelTimeline } from '../timeline/types.js';
import { planEncoderRun } from './encoder-plan.js';

export type ChannelState = 'stopped' | 'starting' | 'live' | 'ended';

export interface ChannelSessionOptions {
  channelNumber: number;
  timeline: ChannelTimeline;
  epochMs: number;
  toolchain: Toolchain;
  profile: OutputProfile;
  segmentDurationSeconds: number;
  playlistSize: number;
  /** Folder of this channel's generated files (segments, plans). */
  workDir: string;
  log: Logger;
  /** Test hook: the wall clock. */
  now?: () => number;
}

const POLL_INTERVAL_MS = 100;
const ENCODER_PLAYLIST = 'encoder.m3u8';

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
    this.supervisor.on('exit', () => void this.pollEncoderPlaylist());
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

  /** Builds the ffconcat plan and command line for the next encoder run, from the timeline now. */
  private async prepareRun(runId: number): Promise<LaunchSpec> {
    // Publish whatever the previous run finished before its segments stop matching.
    await this.pollEncoderPlaylist();
    const nowMs = this.now();
    const plan = planEncoderRun({ timeline: this.options.timeline, epochMs: this.options.epochMs, nowMs });
    if (!plan) throw new Error('the channel is off the air at this time');
    const planPath = path.join(this.options.workDir, `plan-r${runId}.ffconcat`);
    await writeFile(planPath, buildFfconcat(plan.entries));
    await rm(path.join(this.options.workDir, `plan-r${runId - 1}.ffconcat`), { force: true });
    this.currentRunPrefix = `r${runId}-`;
    this.seenThisRun = new Set();
    this.playlist.beginRun(runId, nowMs);
    const args = buildChannelEncodeArgs({
      ffconcatPath: planPath,
      startOffsetSeconds: plan.startOffsetSeconds,
      outputTimestampOffsetSeconds: plan.outputTimestampOffsetSeconds,
      realtime: true,
      profile: this.options.profile,
      hls: {
        playlistPath: path.join(this.hlsDir, ENCODER_PLAYLIST),
        segmentPathPattern: path.join(this.hlsDir, `${this.currentRunPrefix}%d.ts`),
        segmentDuration: this.options.segmentDurationSeconds,
        playlistSize: this.options.playlistSize,
        // One more than the list: a segment stays on disk a whole playlist after it leaves it.
        deleteThreshold: this.options.playlistSize + 1,
      },
    });
    const position = this.options.timeline.at(nowMs);
    this.options.log.info(
      { runId, title: position?.airing.title, offsetSeconds: plan.startOffsetSeconds.toFixed(1) },
      'encoder run planned from the timeline',
    );
    return { command: this.options.toolchain.ffmpegPath, args };
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
