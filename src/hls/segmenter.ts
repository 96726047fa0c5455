import { dropLastUnit } from '../streaming/mpegts.js';
import type { TsPiece } from '../streaming/ts-pieces.js';
import { gridPoint, type SegmentGrid } from './segment-grid.js';

/** A finished HLS segment of one run: whole MPEG-TS packets opening on PAT, PMT and a keyframe. */
export interface CutSegment {
  /** Position of the segment on the run's grid (0 = the run's first segment). */
  gridIndex: number;
  data: Buffer;
  durationSeconds: number;
}

/** A keyframe forced on a grid point lands on the first frame at or after it; floats get 1 ms. */
const TOLERANCE_SECONDS = 0.001;

/**
 * Cuts one packager run's output into HLS segments on the run's segment grid: a segment ends
 * at the first keyframe on or after its grid end (renderers force keyframes exactly there),
 * so EXTINF never exceeds the target duration. Keyframes between grid points (the keyframe
 * grid is finer) do not cut. Every segment starts with the newest PAT and PMT, so each one
 * decodes on its own (EXT-X-INDEPENDENT-SEGMENTS).
 */
export class Segmenter {
  private originPts: number | undefined;
  private current: { gridIndex: number; startPts: number; parts: Buffer[] } | undefined;

  constructor(
    private readonly grid: SegmentGrid,
    private readonly onSegment: (segment: CutSegment) => void,
  ) {}

  push(piece: TsPiece): void {
    const pts = piece.keyframePtsSeconds;
    if (pts !== undefined) {
      if (this.originPts === undefined) {
        this.originPts = pts;
        this.open(0, pts, piece);
      } else if (this.current) {
        const runSeconds = pts - this.originPts;
        if (runSeconds >= gridPoint(this.grid, this.current.gridIndex + 1) - TOLERANCE_SECONDS) {
          let next = this.current.gridIndex + 1;
          // A stretch without keyframes (a renderer that failed) skips grid points; the next
          // segment is numbered by where it really starts.
          while (gridPoint(this.grid, next + 1) <= runSeconds + TOLERANCE_SECONDS) next += 1;
          this.close(pts);
          this.open(next, pts, piece);
        }
      }
    }
    // Whatever came before the run's first keyframe cannot be decoded on its own: dropped.
    this.current?.parts.push(piece.data);
  }

  /**
   * The run ended: the open segment ends with its last whole unit (a killed packager may have
   * stopped inside a frame), one frame after its last picture.
   */
  finish(lastVideoPtsSeconds: number | undefined, frameDurationSeconds: number): void {
    if (this.current && lastVideoPtsSeconds !== undefined) {
      this.current.parts = dropLastUnit(this.current.parts);
      this.close(lastVideoPtsSeconds + frameDurationSeconds);
    }
    this.current = undefined;
  }

  private open(gridIndex: number, startPts: number, tables: Pick<TsPiece, 'pat' | 'pmt'>): void {
    const parts: Buffer[] = [];
    if (tables.pat) parts.push(tables.pat);
    if (tables.pmt) parts.push(tables.pmt);
    this.current = { gridIndex, startPts, parts };
  }

  private close(endPts: number): void {
    const segment = this.current;
    if (!segment) return;
    this.current = undefined;
    this.onSegment({ gridIndex: segment.gridIndex, data: Buffer.concat(segment.parts), durationSeconds: Math.max(0, endPts - segment.startPts) });
  }
}
