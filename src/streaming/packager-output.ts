import type { Readable } from 'node:stream';
import { TsPieceReader, type TsPiece } from './ts-pieces.js';

export interface PackagerOutputOptions {
  /** The packager's stdout: the channel's MPEG-TS, remuxed. */
  source: Readable;
  /** Wall-clock instant the run's stream clock starts (the timeline instant it began at). */
  runStartMs: number;
  /**
   * How far ahead of real time the packager may work (seconds of stream). HLS segments are
   * published up to this far ahead, so a player that starts on a cold channel's first segment
   * holds more than the next segment's length and never waits for it.
   */
  workAheadSeconds: number;
  onPiece: (piece: TsPiece) => void;
  /** The run's output ended: the last picture's PTS, for the last segment's length. */
  onEnd: (lastVideoPtsSeconds: number | undefined) => void;
  now?: () => number;
}

/**
 * Reads one packager run's output and paces the whole run: reading stops while the stream
 * is more than `workAheadSeconds` ahead of the wall clock, so the packager blocks on its full
 * stdout, then the renderers on theirs (the pipes are the back-pressure; no process spins).
 * This replaces ffmpeg's -re, which can only run at exactly real time from the first packet.
 */
export class PackagerOutput {
  private readonly reader = new TsPieceReader();
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: PackagerOutputOptions) {
    this.now = options.now ?? Date.now;
    options.source.on('data', (chunk: Buffer | Buffer[]) => this.onData(chunk));
    options.source.once('end', () => this.end());
    options.source.once('error', () => this.end());
  }

  /** Seconds of stream read so far (PCR since the run's first). */
  get streamSeconds(): number {
    return this.reader.clockSeconds;
  }

  /** Seconds the stream is ahead of the wall clock (negative: behind). */
  get aheadSeconds(): number {
    return this.reader.clockSeconds - (this.now() - this.options.runStartMs) / 1000;
  }

  /** A chunk of an ffmpeg packager's stdout, or the Node packager's parts of one (TsRemuxer). */
  private onData(chunk: Buffer | Buffer[]): void {
    for (const part of Array.isArray(chunk) ? chunk : [chunk]) {
      for (const piece of this.reader.read(part)) this.options.onPiece(piece);
    }
    const excess = this.aheadSeconds - this.options.workAheadSeconds;
    if (excess > 0 && !this.resumeTimer) {
      this.options.source.pause();
      this.resumeTimer = setTimeout(() => {
        this.resumeTimer = undefined;
        if (!this.closed) this.options.source.resume();
      }, excess * 1000);
    }
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.options.onEnd(this.reader.videoPtsSeconds);
  }

  /** Stops pacing (the run is being torn down). */
  close(): void {
    this.closed = true;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
  }
}
