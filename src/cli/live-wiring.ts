import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { EventRecorder } from '../live/event-recorder.js';
import { GoLiveService, type LiveTake } from '../live/go-live.js';
import { LiveSources } from '../live/live-sources.js';
import type { Logger } from '../logging/logger.js';
import type { LiveContent } from '../schedule/model.js';
import type { Airing } from '../timeline/types.js';
import { registerSecret } from '../logging/redact.js';
import { registerGoLiveRoutes } from '../server/routes/go-live-routes.js';
import { registerLiveSourceRoutes } from '../server/routes/live-source-routes.js';

const TAKE_MESSAGES = {
  start: 'go live now: the channel takes the live source',
  stop: 'live take ended: back to the timeline',
  camera: 'camera taken: the live event cuts to it',
} as const;

export interface LiveWiring {
  live: LiveSources;
  /** "Go live now" takes, laid over the channels' timelines (src/live/go-live.ts). */
  goLive: GoLiveService;
  registerRoutes(app: FastifyInstance): void;
  /** Every source's ingest, once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Live sources (src/live/), wired for serve: the sources and their ingests, the API routes.
 * Every key is known to the log redactor before any ingest starts. Kept out of serve-command
 * so the composition root stays small.
 */
export function createLiveWiring(options: {
  db: Database;
  ffmpegPath: string;
  log: Logger;
  httpPort: number;
  /** The data folder: recordings go to its `recordings/`. */
  dataDir: string;
  /** Channel numbers that exist now, and what to tell playout when takes start or end: asked only once the server runs. */
  playout: {
    channelNumbers: () => number[];
    onAirChanged: (channels: number[]) => void;
    timelineAiringAt: (channel: number, tMs: number) => Airing | undefined;
    /** The channel's stream as a `.ts` viewer gets it (a recording reads it), starting the channel when idle. */
    openStream: (channel: number) => Promise<Readable | undefined>;
    /** The schedule's block content of a live airing (its `record`, its `cameras`); undefined: not a scheduled block. */
    liveBlockOf: (channel: number, airing: Airing) => LiveContent | undefined;
  };
  /** A recording is finished in `folder`: the library scans it (added as a library folder when it is not one). */
  libraryGrew: (folder: string) => void;
}): LiveWiring {
  const live = new LiveSources({ db: options.db, ffmpegPath: options.ffmpegPath, log: options.log.child({ component: 'live' }), onSecret: registerSecret, reservedPorts: [options.httpPort] });
  const log = options.log.child({ component: 'live' });
  const goLive = new GoLiveService({
    sourceName: (id) => live.get(id)?.row.name,
    channelNumbers: () => options.playout.channelNumbers(),
    onAirChanged: (channels) => options.playout.onAirChanged(channels),
    timelineAiringAt: (channel, tMs) => options.playout.timelineAiringAt(channel, tMs),
    blockCameras: (channel, airing) => options.playout.liveBlockOf(channel, airing)?.cameras,
    onTake: (take, change) => {
      log.info({ channel: take.channel, source: take.sourceId, title: take.title, until: change === 'start' && !take.untilStopped ? new Date(take.endMs).toISOString() : undefined }, TAKE_MESSAGES[change]);
      void record(take, change);
    },
  });
  const recordingsDir = path.join(options.dataDir, 'recordings');
  const recorder = new EventRecorder({ dir: recordingsDir, ffmpegPath: options.ffmpegPath, log, onRecorded: () => {
    try {
      options.libraryGrew(recordingsDir);
    } catch (error) {
      log.warn({ err: error, folder: recordingsDir }, 'recording: could not add the recordings folder to the library');
    }
  } });
  /** A take that ends by its minutes says nothing: its recording is stopped at its end. */
  const recordingEnds = new Map<number, NodeJS.Timeout>();
  const stopRecording = async (channel: number) => {
    clearTimeout(recordingEnds.get(channel));
    recordingEnds.delete(channel);
    await recorder.stop(channel);
  };
  async function record(take: LiveTake, change: 'start' | 'stop' | 'camera'): Promise<void> {
    const { channel } = take;
    if (change === 'camera') return recorder.mark(channel, take.sourceId);
    if (change === 'stop' || !take.record) return stopRecording(channel);
    if (recorder.isRecording(channel)) recorder.mark(channel, take.sourceId);
    else {
      const stream = await options.playout.openStream(channel);
      if (!stream) return log.warn({ channel }, 'recording: the channel cannot be read; not recorded');
      await recorder.start(channel, take.title, take.sourceId, stream);
    }
    endRecordingAt(channel, take.endMs);
  }
  function endRecordingAt(channel: number, endMs: number): void {
    clearTimeout(recordingEnds.get(channel));
    const timer = setTimeout(() => void stopRecording(channel), Math.max(0, endMs - Date.now()));
    timer.unref();
    recordingEnds.set(channel, timer);
  }
  /**
   * Scheduled live blocks with `record: true`: looked for every second on every channel (no
   * take on it), recorded from when the block is on the air to its end.
   */
  const recordingBlocks = new Set<string>();
  async function recordBlocks(): Promise<void> {
    const nowMs = Date.now();
    for (const channel of options.playout.channelNumbers()) {
      if (recorder.isRecording(channel) || goLive.onAir(channel, nowMs)) continue;
      const airing = options.playout.timelineAiringAt(channel, nowMs);
      if (airing?.kind !== 'live' || !airing.live || options.playout.liveBlockOf(channel, airing)?.record !== true) continue;
      const key = `${channel}@${airing.startMs}`;
      if (recordingBlocks.has(key)) continue; // recorded already (a restart of the server mid-block records the rest anew)
      recordingBlocks.add(key);
      const stream = await options.playout.openStream(channel);
      if (!stream) continue;
      await recorder.start(channel, airing.title, airing.live.sourceId, stream);
      endRecordingAt(channel, airing.endMs);
    }
  }
  let blockWatch: NodeJS.Timeout | undefined;
  return {
    live,
    goLive,
    registerRoutes: (app) => {
      registerLiveSourceRoutes(app, { live });
      registerGoLiveRoutes(app, goLive);
    },
    start: () => {
      live.start();
      blockWatch = setInterval(() => void recordBlocks().catch((error: unknown) => log.warn({ err: error }, 'recording: could not start a block\'s recording')), 1000);
      blockWatch.unref();
    },
    stop: async () => {
      clearInterval(blockWatch);
      for (const timer of recordingEnds.values()) clearTimeout(timer);
      // A recording in progress is finished (remuxed) with what it has, before the sources stop.
      await recorder.stopAll();
      await live.stop();
    },
  };
}
