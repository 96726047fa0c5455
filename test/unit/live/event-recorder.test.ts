import { describe, expect, it } from 'vitest';
import { chapterMetadata } from '../../../src/live/event-recorder.js';

describe('a recording\'s chapters (one per camera taken)', () => {
  it('runs each chapter to the next take and the last to the end, in ms, with titles escaped', () => {
    expect(chapterMetadata('Match; final = 2-1', [{ atMs: 0, title: 'wide' }, { atMs: 4200, title: 'cam#2' }, { atMs: 4200, title: 'cam3' }], 9000)).toBe(
      [';FFMETADATA1', 'title=Match\\; final \\= 2-1', '[CHAPTER]', 'TIMEBASE=1/1000', 'START=0', 'END=4200', 'title=wide', '[CHAPTER]', 'TIMEBASE=1/1000', 'START=4200', 'END=9000', 'title=cam3', ''].join('\n'),
    );
  });
});
