/** One piece of a source's MPEG-TS as ffmpeg wrote it, and when it arrived. */
export interface TsChunk {
  at: number;
  data: Buffer;
}

export type ChunkListener = (chunk: Buffer) => void;

/**
 * The last few seconds of a live source's MPEG-TS, bounded by age and by bytes, and the
 * subscribers that get every new chunk as it arrives (a future live airing reads the source
 * through subscribe; the thumbnail decodes from recent()).
 */
export class TsRing {
  private chunks: TsChunk[] = [];
  private bytes = 0;
  private readonly listeners = new Set<ChunkListener>();

  constructor(private readonly limits: { maxAgeMs: number; maxBytes: number } = { maxAgeMs: 5000, maxBytes: 16 * 1024 * 1024 }) {}

  push(data: Buffer, now: number): void {
    this.chunks.push({ at: now, data });
    this.bytes += data.length;
    this.trim(now);
    for (const listener of this.listeners) {
      try {
        listener(data);
      } catch {
        // A subscriber's fault is its own: the ingest and the other subscribers go on.
      }
    }
  }

  private trim(now: number): void {
    while (this.chunks.length > 1 && (this.bytes > this.limits.maxBytes || now - this.chunks[0]!.at > this.limits.maxAgeMs)) {
      this.bytes -= this.chunks.shift()!.data.length;
    }
  }

  /** Everything kept that arrived within the last `withinMs` (all of it by default). */
  recent(now: number, withinMs = Infinity): Buffer {
    return Buffer.concat(this.chunks.filter((chunk) => now - chunk.at <= withinMs).map((chunk) => chunk.data));
  }

  /** Bytes per second over the last `windowMs` (0 when nothing arrived in it). */
  bytesPerSecond(now: number, windowMs = 3000): number {
    let sum = 0;
    for (const chunk of this.chunks) if (now - chunk.at <= windowMs) sum += chunk.data.length;
    return Math.round((sum * 1000) / windowMs);
  }

  get size(): number {
    return this.bytes;
  }

  /** A source that went away keeps no stale picture. */
  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }

  subscribe(listener: ChunkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
