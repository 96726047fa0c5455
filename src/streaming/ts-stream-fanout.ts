import { PassThrough } from 'node:stream';
import type { Logger } from '../logging/logger.js';
import { dropLastUnit, packetPid, startsPayloadUnit, TS_PACKET_SIZE } from './mpegts.js';
import type { TsPiece } from './ts-pieces.js';

/** A viewer further behind than this is dropped rather than buffered without bound. */
const MAX_VIEWER_BACKLOG_BYTES = 16 * 1024 * 1024;
/** A joining viewer's first pieces are cleaned of packets continuing units it never saw the start of. */
const CLEAN_START_PIECES = 256;

/**
 * Drops, per PID, the packets before the first one that starts a unit (a PES or a table): a
 * viewer that joins at a video keyframe would otherwise get the tail of an audio frame that
 * began earlier, which decoders report as corrupt data.
 */
function cleanStart(): (data: Buffer) => Buffer {
  const started = new Set<number>();
  return (data) => {
    const kept: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += TS_PACKET_SIZE) {
      const pid = packetPid(data, offset);
      if (!started.has(pid)) {
        if (!startsPayloadUnit(data, offset)) continue;
        started.add(pid);
      }
      kept.push(data.subarray(offset, offset + TS_PACKET_SIZE));
    }
    return kept.length * TS_PACKET_SIZE === data.length ? data : Buffer.concat(kept);
  };
}

interface Viewer {
  /** Cleans the first pieces this viewer gets; absent once it is in step. */
  clean?: (data: Buffer) => Buffer;
  piecesToClean: number;
}

/** How often due pieces are released to viewers: the largest gap a viewer sees between chunks. */
const RELEASE_INTERVAL_MS = 40;
/**
 * With nobody watching, pieces are only marked released (kept for a future viewer's burst):
 * once a second is enough, and 25 wake-ups a second per channel were a measurable share of an
 * all-cached channel's cost. A new viewer catches up at once and brings the 40 ms pace back.
 */
const IDLE_RELEASE_INTERVAL_MS = 1000;

export interface FanoutOptions {
  log: Logger;
  /** Seconds of stream a new viewer gets at once, from a keyframe (`streaming.ts_burst`). */
  burstSeconds: number;
  /** Test hook: the wall clock. */
  now?: () => number;
}

interface HeldPiece extends TsPiece {
  /** Wall-clock instant the piece is due (its PCR on the run's real-time clock). */
  dueAtMs: number;
}

/**
 * One continuous MPEG-TS stream per channel, shared by all its viewers, delivered like a real
 * tuner's: the packager's output packet by packet, paced by the stream's own clock (PCR), so
 * data arrives at the stream's rate with gaps of a few tens of milliseconds, never a segment
 * at a time. The packager works ahead of real time (see ChannelStream); pieces wait here until
 * they are due. A new viewer first gets PAT, PMT and the last few seconds from a keyframe (the
 * burst), so its player has a buffer from the first second, then live pace. One encoder feeds
 * any number of viewers; a viewer that stops reading is dropped, never slowing the others.
 */
export class TsStreamFanout {
  private readonly viewers = new Map<PassThrough, Viewer>();
  /** Viewers waiting for the first keyframe of a channel that just started. */
  private readonly pendingViewers = new Map<PassThrough, Viewer>();
  /** Pieces already released (kept for bursts), then pieces not yet due. */
  private pieces: HeldPiece[] = [];
  private releasedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerFast = false;
  private runStartMs = 0;
  /** The channel reached its end: viewers are ended once everything made has been sent. */
  private endWhenDrained = false;
  private readonly now: () => number;
  totalViewersServed = 0;

  constructor(private readonly options: FanoutOptions) {
    this.now = options.now ?? Date.now;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /**
   * A new packager run starts at `runStartMs` on the wall clock (its stream clock's zero).
   */
  beginRun(runStartMs: number): void {
    // A restarted run resumes where the published segments end, which may be ahead of now:
    // what the old run made up to that instant still airs; what it made past it is replaced.
    const kept = this.pieces.slice(this.releasedCount).filter((piece) => piece.dueAtMs < runStartMs);
    // A packager that died may have stopped inside a frame: end the old run on a whole unit.
    const whole = dropLastUnit(kept.map((piece) => piece.data));
    const trimmed = whole.map((data, i) => ({ ...kept[i]!, data }));
    this.pieces = [...this.pieces.slice(0, this.releasedCount), ...trimmed];
    this.runStartMs = runStartMs;
    this.setCadence(this.watched);
  }

  private get watched(): boolean {
    return this.viewers.size > 0 || this.pendingViewers.size > 0 || this.endWhenDrained;
  }

  /** Releases every 40 ms while someone watches, else once a second. */
  private setCadence(fast: boolean): void {
    if (this.timer && this.timerFast === fast) return;
    if (this.timer) clearInterval(this.timer);
    this.timerFast = fast;
    this.timer = setInterval(() => this.release(), fast ? RELEASE_INTERVAL_MS : IDLE_RELEASE_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** A piece of the current run. */
  push(piece: TsPiece): void {
    this.pieces.push({ ...piece, dueAtMs: this.runStartMs + piece.clockSeconds * 1000 });
  }

  /** A new viewer's stream: PAT, PMT, the burst from a keyframe, then live. */
  addViewer(): PassThrough {
    const stream = new PassThrough();
    this.totalViewersServed += 1;
    const viewer: Viewer = { clean: cleanStart(), piecesToClean: CLEAN_START_PIECES };
    // Catch up on what became due while nobody watched (released once a second then).
    if (this.timer && !this.timerFast) {
      this.release();
      this.setCadence(true);
    }
    const start = this.burstStart();
    if (start !== undefined) {
      this.writeTables(stream, this.pieces[start]!);
      for (let i = start; i < this.releasedCount; i++) this.write(stream, viewer, this.pieces[i]!.data);
      this.viewers.set(stream, viewer);
    } else {
      // Nothing from a keyframe yet (a channel that just started): join at the next keyframe.
      this.pendingViewers.set(stream, viewer);
    }
    const remove = (): void => {
      this.viewers.delete(stream);
      this.pendingViewers.delete(stream);
    };
    stream.once('close', remove);
    stream.once('error', remove);
    return stream;
  }

  /** The PAT and PMT in force where the viewer starts (see TsPiece.pat). */
  private writeTables(stream: PassThrough, first: TsPiece): void {
    if (first.pat) stream.write(first.pat);
    if (first.pmt) stream.write(first.pmt);
  }

  /**
   * Index of the released keyframe piece the burst starts at, or undefined if there is none: the
   * newest keyframe at least burstSeconds before the live point, failing that the oldest one
   * kept. Compared on the wall clock (dueAtMs), which runs on across packager runs.
   */
  private burstStart(): number | undefined {
    if (this.releasedCount === 0) return undefined;
    const limitMs = this.pieces[this.releasedCount - 1]!.dueAtMs - this.options.burstSeconds * 1000;
    let candidate: number | undefined;
    for (let i = 0; i < this.releasedCount; i++) {
      const piece = this.pieces[i]!;
      if (piece.keyframePtsSeconds === undefined) continue;
      if (piece.dueAtMs <= limitMs || candidate === undefined) candidate = i;
    }
    return candidate;
  }

  /** Sends every piece that is due to every viewer. */
  private release(): void {
    const nowMs = this.now();
    let sent = false;
    while (this.releasedCount < this.pieces.length && this.pieces[this.releasedCount]!.dueAtMs <= nowMs) {
      const piece = this.pieces[this.releasedCount]!;
      if (piece.keyframePtsSeconds !== undefined) this.admitPendingViewers(piece);
      for (const [stream, viewer] of this.viewers) this.write(stream, viewer, piece.data);
      this.releasedCount += 1;
      sent = true;
    }
    if (sent) this.forgetOldPieces();
    if (this.endWhenDrained && this.releasedCount === this.pieces.length) this.endAll();
    if (this.timer && this.timerFast && !this.watched) this.setCadence(false);
  }

  private admitPendingViewers(first: TsPiece): void {
    for (const [stream, viewer] of this.pendingViewers) {
      this.writeTables(stream, first);
      this.viewers.set(stream, viewer);
    }
    this.pendingViewers.clear();
  }

  private write(stream: PassThrough, viewer: Viewer, data: Buffer): void {
    if (stream.writableLength > MAX_VIEWER_BACKLOG_BYTES) {
      this.options.log.warn('dropping a .ts viewer that stopped reading');
      stream.destroy();
      this.viewers.delete(stream);
      return;
    }
    if (viewer.clean) {
      data = viewer.clean(data);
      if (--viewer.piecesToClean <= 0) viewer.clean = undefined;
    }
    stream.write(data);
  }

  /** Keeps released pieces back to the keyframe a burst would start from, and no more. */
  private forgetOldPieces(): void {
    const start = this.burstStart();
    if (start === undefined || start < 256) return; // trim in batches, not on every release
    this.pieces = this.pieces.slice(start);
    this.releasedCount -= start;
  }

  /** The timeline ended: viewers get the rest of the stream at its pace, then EOF. */
  endAfterDrain(): void {
    this.endWhenDrained = true;
    if (this.timer) this.setCadence(true);
  }

  /** The channel went off the air: end every stream cleanly, now. */
  endAll(): void {
    this.endWhenDrained = false;
    for (const stream of [...this.viewers.keys(), ...this.pendingViewers.keys()]) stream.end();
    this.viewers.clear();
    this.pendingViewers.clear();
  }

  /** Forget the stream (the channel stopped; what it showed is no longer live). */
  reset(): void {
    this.endWhenDrained = false;
    this.pieces = [];
    this.releasedCount = 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.timerFast = false;
  }
}
