import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

export const TS_PACKET_SIZE = 188;
const TS_SYNC_BYTE = 0x47;
/** Past this much data without a PAT, give up looking and pass the stream through untouched. */
const MAX_SEARCH_BYTES = 2 * 1024 * 1024;

/** Whether the 188-byte packet at `offset` starts a PAT section (PID 0, payload unit start set). */
export function isPatPacketStart(data: Buffer, offset: number): boolean {
  return data[offset] === TS_SYNC_BYTE && (data[offset + 1]! & 0x5f) === 0x40 && data[offset + 2] === 0x00;
}

/**
 * Starts a viewer's MPEG-TS at the first PAT. ffmpeg's muxer opens every segment with an SDT,
 * then PAT, PMT and the keyframe; probes such as Plex's and Jellyfin's identify the stream
 * fastest when the very first packet is the PAT, and the SDT (the service name) is optional.
 * Input is expected on packet boundaries, as the channel's segments are.
 */
export class PatFirstStream extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private found = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.found) {
      callback(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const data = Buffer.concat(this.pending);
    for (let offset = 0; offset + 3 <= data.length; offset += TS_PACKET_SIZE) {
      if (isPatPacketStart(data, offset)) return this.release(data.subarray(offset), callback);
    }
    if (this.pendingBytes > MAX_SEARCH_BYTES) return this.release(data, callback);
    // Keep only what is still needed: the data since the last packet boundary already scanned stays.
    this.pending = [data];
    callback();
  }

  private release(data: Buffer, callback: TransformCallback): void {
    this.found = true;
    this.pending = [];
    this.pendingBytes = 0;
    callback(null, data);
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.found ? undefined : Buffer.concat(this.pending));
  }
}

/** `source` from its first PAT on; destroying either end (a viewer hanging up) tears down both. */
export function startingAtPat(source: Readable): PatFirstStream {
  const aligned = new PatFirstStream();
  pipeline(source, aligned, () => undefined);
  return aligned;
}
