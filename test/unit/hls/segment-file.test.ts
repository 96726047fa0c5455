import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSegmentFile } from '../../../src/hls/segment-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-segment-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeSegmentFile', () => {
  it('writes more parts than one writev takes, in order, empty parts skipped', async () => {
    // 2500 parts of varied length (more than two batches of 1024), some empty.
    const parts = Array.from({ length: 2500 }, (_, i) => Buffer.alloc(i % 7 === 0 ? 0 : 1 + (i % 300), i % 251));
    const file = path.join(dir, 'many.ts');
    await writeSegmentFile(file, parts);
    expect(readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it('replaces what the file held before', async () => {
    const file = path.join(dir, 'again.ts');
    await writeSegmentFile(file, [Buffer.alloc(5000, 1)]);
    await writeSegmentFile(file, [Buffer.from('ab'), Buffer.from('c')]);
    expect(readFileSync(file, 'utf8')).toBe('abc');
  });
});
