import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { Logger } from '../logging/logger.js';

/** A viewer further behind than this is dropped rather than buffered without bound. */
const MAX_VIEWER_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * One continuous MPEG-TS stream per channel, shared by all its viewers: the channel's HLS
 * segments, in order, as they are published. Every segment starts with PAT/PMT and a
 * keyframe, so a viewer who joins gets the newest segment first and starts decoding at
 * once, near live. One encoder feeds any number of viewers; a viewer who leaves costs nothing.
 */
export class TsStreamFanout {
  private readonly viewers = new Set<PassThrough>();
  /** Segments are read and written strictly in order, one after another. */
  private queue: Promise<void> = Promise.resolve();
  private latestSegmentPath: string | undefined;
  totalViewersServed = 0;

  constructor(private readonly log: Logger) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** A new viewer's stream: starts with the newest complete segment, if there is one. */
  addViewer(): PassThrough {
    const stream = new PassThrough();
    this.totalViewersServed += 1;
    this.queue = this.queue.then(async () => {
      if (stream.destroyed) return;
      if (this.latestSegmentPath) {
        const data = await readFile(this.latestSegmentPath).catch(() => undefined);
        if (data) stream.write(data);
      }
      this.viewers.add(stream);
    });
    const remove = (): void => {
      this.viewers.delete(stream);
    };
    stream.once('close', remove);
    stream.once('error', remove);
    return stream;
  }

  /** A segment was published: every viewer gets it next. */
  pushSegment(filePath: string): void {
    this.queue = this.queue.then(async () => {
      this.latestSegmentPath = filePath;
      if (this.viewers.size === 0) return;
      let data: Buffer;
      try {
        data = await readFile(filePath);
      } catch (error) {
        this.log.warn({ err: error, filePath }, 'segment vanished before it reached .ts viewers');
        return;
      }
      for (const viewer of this.viewers) {
        if (viewer.writableLength > MAX_VIEWER_BACKLOG_BYTES) {
          this.log.warn('dropping a .ts viewer that stopped reading');
          viewer.destroy();
          continue;
        }
        viewer.write(data);
      }
    });
  }

  /** The channel went off the air: end every stream cleanly. */
  endAll(): void {
    this.queue = this.queue.then(() => {
      for (const viewer of this.viewers) viewer.end();
      this.viewers.clear();
    });
  }

  /** Forget the newest segment (the channel stopped; it is no longer live). */
  resetLatest(): void {
    this.queue = this.queue.then(() => {
      this.latestSegmentPath = undefined;
    });
  }
}
