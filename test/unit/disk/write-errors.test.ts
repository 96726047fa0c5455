import { describe, expect, it } from 'vitest';
import { DataDisk } from '../../../src/disk/data-disk.js';
import { isDiskError, WriteErrorLog, writeErrorCode } from '../../../src/disk/write-errors.js';
import { createLogger } from '../../../src/logging/logger.js';

const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('write errors (issue 23)', () => {
  it('counts every error but begins and ends an episode once', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const log = new WriteErrorLog(() => now);
    const first = log.failed(enospc, '/data/channels/1/hls');
    expect(first?.message).toBe('disk full: cannot write to /data/channels/1/hls (ENOSPC: no space left on device, write)');
    now += 1000;
    expect(log.failed(enospc, '/data/channels/1/hls')).toBeUndefined();
    expect(log.active?.code).toBe('ENOSPC');
    expect(log.summary()).toMatchObject({ count: 2, last: { code: 'ENOSPC', at: '2026-01-01T00:00:01.000Z' } });
    // A write begun before the disk filled (still in flight then) ends nothing.
    expect(log.succeeded(Date.parse('2025-12-31T23:59:59Z'))).toBeUndefined();
    expect(log.active?.code).toBe('ENOSPC');
    expect(log.succeeded(now)?.code).toBe('ENOSPC');
    expect(log.succeeded()).toBeUndefined();
    expect(log.active).toBeNull();
    // The count and the last error stay for the record.
    expect(log.summary().count).toBe(2);
  });

  it('knows a full or failing disk from other errors, ffmpeg\'s words included', () => {
    expect(writeErrorCode(new Error('av_interleaved_write_frame(): No space left on device'))).toBe('ENOSPC');
    expect(isDiskError(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isDiskError(Object.assign(new Error('x'), { code: 'SQLITE_IOERR_WRITE' }))).toBe(true);
    expect(isDiskError(Object.assign(new Error('x'), { code: 'EIO' }))).toBe(true);
    expect(isDiskError(new Error('cache fill failed (ffmpeg exited 1): Invalid data found'))).toBe(false);
    expect(new WriteErrorLog().failed(Object.assign(new Error('read-only'), { code: 'EROFS' }), '/d')?.message).toMatch(/^write error EROFS: cannot write to \/d/);
  });

  it('the data disk sums every channel with the server, says full or low, and clears', async () => {
    const channel = new WriteErrorLog();
    let free = 5e9;
    const disk = new DataDisk({ dataDir: '/data', minFreeBytes: 1e9, channelErrors: () => [{ channel: 3, errors: channel }], log: createLogger('silent'), space: async () => ({ freeBytes: free, totalBytes: 10e9 }) });
    await disk.refresh();
    expect(disk.summary()).toMatchObject({ freeBytes: 5e9, low: false, full: false, writeErrors: 0, lastWriteError: null });
    expect(disk.warnings()).toEqual([]);
    free = 0.5e9;
    await disk.refresh();
    expect(disk.warnings()).toEqual(['data disk low: 500 MB free in /data, below cache.min_free_gb (1.0 GB)']);
    channel.failed(enospc, '/data/channels/3/hls');
    disk.report('media cache', '/data/cache', Object.assign(new Error('x'), { code: 'EIO' }));
    const summary = disk.summary();
    expect(summary).toMatchObject({ full: true, writeErrors: 2, failing: 'EIO' });
    expect(disk.warnings()).toEqual(['data disk failing: writes fail with EIO in /data']);
    disk.ok('media cache');
    expect(disk.warnings()).toEqual(['data disk full: segments cannot be written (500 MB free in /data)']);
    channel.succeeded();
    free = 5e9;
    await disk.refresh();
    expect(disk.warnings()).toEqual([]);
    expect(disk.summary().writeErrors).toBe(2);
  });
});
