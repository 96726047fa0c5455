import type { Writable } from 'node:stream';
import { isVideoStreamId, PacketAligner, pesStart, TS_CLOCK_HZ, TS_PACKET_SIZE } from '../streaming/mpegts.js';

/**
 * What playout needs of the station's live sources (src/live/live-sources.ts implements it):
 * whether a source's stream flows now, its MPEG-TS as it arrives, and whether it carries sound.
 * An interface here, so playout does not depend on how sources are ingested.
 */
export interface LiveFeeds {
  isUp(sourceId: string): boolean;
  /** Every new chunk of the source's MPEG-TS; returns the unsubscribe, or undefined when no such source runs. */
  subscribe(sourceId: string, onChunk: (chunk: Buffer) => void): (() => void) | undefined;
  /** Whether the source's stream has sound, when its ingest has seen it (undefined: not known yet). */
  hasAudio(sourceId: string): boolean | undefined;
}

/**
 * No chunk from the source for this long: it is lost, and its renderer is ended so the fallback
 * airs. Shorter than the source's own "lost" (2 s, src/live/live-status.ts): viewers see the
 * fallback within 2 s of the last byte.
 */
export const LIVE_LOSS_MS = 1500;

/** A renderer whose output stops advancing for this long while its slot is due is stuck (a source that sends bytes but no picture). */
export const LIVE_STALL_MS = 3000;

/**
 * Before its first output, a renderer may take this long: its probe (1 s) and the source's next
 * keyframe, which it needs to decode anything (encoders send one every 1 to 2 s when told, but
 * OBS's "auto" is up to 8 s: cut shorter, such a source would be taken for stuck at every try).
 */
export const LIVE_FIRST_OUTPUT_MS = 10_000;

/**
 * Bytes the feed lets pile up in front of a renderer that does not read (it waits on its full
 * output pipe): beyond them chunks are dropped (the renderer discards what it cannot decode)
 * rather than held in the server's memory without bound.
 */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

export interface LiveFeedOptions {
  sourceId: string;
  feeds: LiveFeeds;
  /** The renderer's stdin. */
  stdin: Writable;
  /** Seconds of output the renderer has written (its -progress). */
  outSeconds: () => number;
  /** Wall-clock instant the renderer's first frame airs (its slice's start). */
  slotStartMs: number;
  /** Settles when the renderer has exited: the feed unsubscribes then. */
  exited: Promise<unknown>;
  /** The source went quiet or the renderer stopped producing: the caller ends the renderer. */
  onLost: (reason: string) => void;
  now?: () => number;
}

/**
 * Feeds a live source's MPEG-TS to a renderer's stdin for the renderer's life, and watches both:
 * no chunk for LIVE_LOSS_MS, or no output while the slot is due, calls `onLost` once (the chain
 * kills the renderer and its "renderer failed mid-slot" path airs the fallback). Unsubscribes
 * when the renderer exits or is lost, whichever comes first.
 */
export function feedLiveRenderer(options: LiveFeedOptions): void {
  const now = options.now ?? Date.now;
  const { stdin } = options;
  // The renderer exits when its slice is done, with chunks still coming: a write after that is
  // EPIPE, which is expected, never a crash.
  stdin.on('error', () => undefined);
  const startedMs = now();
  let lastChunkMs = startedMs;
  let lastOutSeconds = options.outSeconds();
  let lastOutputMs = startedMs;
  let ended = false;
  const unsubscribe = options.feeds.subscribe(options.sourceId, (chunk) => {
    lastChunkMs = now();
    if (ended || stdin.destroyed || stdin.writableEnded) return;
    if (stdin.writableLength > MAX_BACKLOG_BYTES) return;
    stdin.write(chunk);
  });
  const timer = setInterval(() => {
    const at = now();
    if (at - lastChunkMs >= LIVE_LOSS_MS) return lose(`no data from live source ${options.sourceId} for ${((at - lastChunkMs) / 1000).toFixed(1)} s`);
    const out = options.outSeconds();
    if (out !== lastOutSeconds) {
      lastOutSeconds = out;
      lastOutputMs = at;
      return;
    }
    // Output waits while the renderer is ahead of its slot (its turn has not come): not stuck.
    const behind = at - options.slotStartMs > out * 1000;
    const patience = out === 0 ? LIVE_FIRST_OUTPUT_MS : LIVE_STALL_MS;
    if (behind && at - lastOutputMs >= patience) lose(`the live renderer made no picture for ${(patience / 1000).toFixed(1)} s while live source ${options.sourceId} sent data`);
  }, 250);
  // A stopped server's last renderer must not keep the process alive through this watch.
  timer.unref?.();
  // (stdin is never ended while the renderer runs: at the end of its input ffmpeg would pad
  // the rest of the slot with the last frame at once. A lost renderer is killed instead.)
  const stop = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    unsubscribe?.();
  };
  function lose(reason: string): void {
    if (ended) return;
    stop();
    options.onLost(reason);
    stdin.destroy();
  }
  void options.exited.then(stop, stop);
  if (!unsubscribe) lose(`live source ${options.sourceId} is not running`);
}

/** The PTS clock wraps after 2^33 ticks (26.5 h): differences are taken modulo it. */
const PTS_WRAP_SECONDS = 2 ** 33 / TS_CLOCK_HZ;

/**
 * How much picture a live renderer has really written to its stdout: the span of the video PES
 * timestamps seen, plus one frame. ffmpeg's -progress counts what its muxer took, which runs up
 * to a second ahead of what reached the pipe (the interleaving queue and the I/O buffer, lost when
 * a lost source's renderer is killed); the fallback must start right after the last frame that
 * was written, or the stream would have a hole there.
 */
export class WrittenVideo {
  private readonly aligner = new PacketAligner();
  private firstPts: number | undefined;
  private lastPts: number | undefined;

  constructor(private readonly frameSeconds: number) {}

  push(chunk: Buffer): void {
    const data = this.aligner.push(chunk);
    for (let offset = 0; offset + TS_PACKET_SIZE <= data.length; offset += TS_PACKET_SIZE) {
      const pes = pesStart(data, offset);
      if (!pes || !isVideoStreamId(pes.streamId) || pes.ptsSeconds === undefined) continue;
      this.firstPts ??= pes.ptsSeconds;
      this.lastPts = pes.ptsSeconds;
    }
  }

  /** Seconds of picture written (0 before the first frame). */
  get seconds(): number {
    if (this.firstPts === undefined || this.lastPts === undefined) return 0;
    const span = (this.lastPts - this.firstPts + PTS_WRAP_SECONDS) % PTS_WRAP_SECONDS;
    return span + this.frameSeconds;
  }
}
