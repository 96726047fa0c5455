import { open, rename, unlink } from 'node:fs/promises';
import { injectedWriteFault } from '../disk/fault-injection.js';

/** The most buffers one writev takes on Linux (IOV_MAX). */
const MAX_BUFFERS_PER_WRITE = 1024;

/**
 * Writes a segment's parts to `file` with one writev per 1024 parts, never joining them in
 * memory (a segment is hundreds of slices of the packager's output). A short write (a signal)
 * goes on from where it stopped; an error (a full disk: ENOSPC) rejects.
 *
 * The bytes go to `<file>.part` and are renamed to `file` only once all of them are written:
 * a segment that could not be written whole never exists under its name, so a player asking
 * for it after it left memory gets a 404, never a truncated or empty segment (issue 23: a
 * full disk once served a segment with no video).
 */
export async function writeSegmentFile(file: string, parts: readonly Buffer[]): Promise<void> {
  const fault = injectedWriteFault();
  if (fault) throw fault;
  const partial = `${file}.part`;
  const handle = await open(partial, 'w');
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
    await handle.close();
    await rename(partial, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}
