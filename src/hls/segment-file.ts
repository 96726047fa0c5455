import { open } from 'node:fs/promises';

/** The most buffers one writev takes on Linux (IOV_MAX). */
const MAX_BUFFERS_PER_WRITE = 1024;

/**
 * Writes a segment's parts to `file` with one writev per 1024 parts, never joining them in
 * memory (a segment is hundreds of slices of the packager's output). A short write (a full
 * disk, a signal) goes on from where it stopped.
 */
export async function writeSegmentFile(file: string, parts: readonly Buffer[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    let rest = parts.filter((part) => part.length > 0);
    while (rest.length > 0) {
      const batch = rest.slice(0, MAX_BUFFERS_PER_WRITE);
      let { bytesWritten } = await handle.writev(batch);
      let done = 0;
      while (done < batch.length && bytesWritten >= batch[done]!.length) {
        bytesWritten -= batch[done]!.length;
        done += 1;
      }
      rest = rest.slice(done);
      if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
    }
  } finally {
    await handle.close();
  }
}
