import { readFileSync } from 'node:fs';

/**
 * The one seam tests use to make the data disk fail where a real full file system cannot be
 * made (no `mount` in a container without privileges): with RETROVUE_FAULT_INJECTION_FILE set
 * to a path, every segment write fails while that file exists, with the error code it holds
 * (`ENOSPC` by default); deleting the file is "space came back". Unset (always, outside the
 * tests), this costs nothing: no file is looked at. An environment variable rather than a
 * hook object because the tests run the real server as a child process.
 */
export function injectedWriteFault(): NodeJS.ErrnoException | undefined {
  const file = process.env.RETROVUE_FAULT_INJECTION_FILE;
  if (!file) return undefined;
  let code: string;
  try {
    code = readFileSync(file, 'utf8').trim() || 'ENOSPC';
  } catch {
    return undefined;
  }
  const error: NodeJS.ErrnoException = new Error(`${code}: injected write fault (${file})`);
  error.code = code;
  return error;
}
