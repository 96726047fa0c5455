import { dropLastUnit } from '../streaming/mpegts.js';
import type { TsPiece } from '../streaming/ts-pieces.js';
import { gridPoint, type SegmentGrid } from './segment-grid.js';

/** A finished HLS segment of one run: whole MPEG-TS packets opening on PAT, PMT and a keyframe. */
export interface CutSegment {
  /** Position of the segment on the run's grid (0 = the run's first segment). */
  gridIndex: number;
  /** The segment's bytes as cut: slices of the packager's output, in order (one buffer once joined). */
  readonly parts: readonly Buffer[];
  /** The bytes in one buffer, joined on first use and kept (see `joinedLazily`). */
  readonly data: Buffer;
  durationSeconds: number;
}

/**
 * The parts of a segment, joined into one buffer only when someone asks (the first player
 * that fetches it; every later one gets the same buffer). A channel nobody watches, which an
 * always-on cached channel mostly is, then never copies its stream a second time: the copy was
 * a third of a cached channel's allocations, and what drove its garbage collections.
 */
function joinedLazily(gridIndex: number, slices: Buffer[], durationSeconds: number): CutSegment {
  let joined: Buffer | undefined;
  return {
    gridIndex,
    durationSeconds,
    // Once joined, the slices are let go (they pin the packager's larger input chunks), so a
    // watched segment is held once, not twice.
    get parts() {
      return joined ? [joined] : slices;
    },
    get data() {
      joined ??= Buffer.concat(slices);
      return joined;
    },
  };
}

interface OpenSegment {
  gridIndex: number;
  startPts: number;
  parts: Buffer[];
  /** Keyframes inside the segment (after its first): where it can end early. */
  keyframes: Array<{ partIndex: number; pts: number } & Pick<TsPiece, 'pat' | 'pmt'>>;
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
  private current: OpenSegment | undefined;

  /**
   * `lateSeconds`: how late after its grid point a keyframe still counts as on it (a live
   * renderer's forced keyframe lands on the first frame at or after the point: one frame).
   * Given, the segmenter also copes with stretches whose keyframes are NOT on the run's grid
   * (copy-spliced from the media cache, keyframes on the file's own 2 s grid): a segment then
   * ends at its last keyframe before its end, so it is never longer than its slot (EXTINF ≤
   * target duration), and the next segment runs a slot from there. Absent: every segment ends
   * at the first keyframe on or after its grid point, as before the cache.
   */
  constructor(
    private readonly grid: SegmentGrid,
    private readonly onSegment: (segment: CutSegment) => void,
    private readonly lateSeconds?: number,
  ) {}

  push(piece: TsPiece): void {
    const pts = piece.keyframePtsSeconds;
    if (pts !== undefined) {
      if (this.originPts === undefined) {
        this.originPts = pts;
        this.open(0, pts, piece);
      } else if (this.current) {
        this.keyframe(pts - this.originPts, pts, piece);
      }
    }
    // Whatever came before the run's first keyframe cannot be decoded on its own: dropped.
    this.current?.parts.push(piece.data);
  }

  /** Where the open segment should end (run seconds): its grid point, or a slot after an early start. */
  private endOf(segment: OpenSegment): number {
    const gridEnd = gridPoint(this.grid, segment.gridIndex + 1);
    if (this.lateSeconds === undefined) return gridEnd;
    const slot = gridEnd - gridPoint(this.grid, segment.gridIndex);
    return Math.min(gridEnd, segment.startPts - this.originPts! + slot + TOLERANCE_SECONDS);
  }

  private keyframe(runSeconds: number, pts: number, piece: TsPiece): void {
    const segment = this.current!;
    const end = this.endOf(segment);
    if (runSeconds < end - TOLERANCE_SECONDS) {
      // A keyframe inside the segment: where it may end if the next one comes too late.
      if (this.lateSeconds !== undefined && pts > segment.startPts + TOLERANCE_SECONDS) {
        segment.keyframes.push({ partIndex: segment.parts.length, pts, pat: piece.pat, pmt: piece.pmt });
      }
      return;
    }
    const candidate = segment.keyframes[segment.keyframes.length - 1];
    if (this.lateSeconds !== undefined && runSeconds > end + this.lateSeconds && candidate) {
      // No keyframe on the segment's end (a cached stretch): end at its last keyframe before,
      // and look at this keyframe again against the segment that starts there.
      const rest = segment.parts.splice(candidate.partIndex);
      const later = segment.keyframes.filter((k) => k.partIndex > candidate.partIndex);
      this.close(candidate.pts);
      this.open(segment.gridIndex + 1, candidate.pts, candidate);
      this.current!.parts.push(...rest);
      for (const k of later) this.current!.keyframes.push({ ...k, partIndex: k.partIndex - candidate.partIndex + this.current!.parts.length - rest.length });
      this.keyframe(runSeconds, pts, piece);
      return;
    }
    let next = segment.gridIndex + 1;
    // A stretch without keyframes (a renderer that failed) skips grid points; the next
    // segment is numbered by where it really starts.
    while (gridPoint(this.grid, next + 1) <= runSeconds + TOLERANCE_SECONDS) next += 1;
    this.close(pts);
    this.open(next, pts, piece);
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
    this.current = { gridIndex, startPts, parts, keyframes: [] };
  }

  private close(endPts: number): void {
    const segment = this.current;
    if (!segment) return;
    this.current = undefined;
    this.onSegment(joinedLazily(segment.gridIndex, segment.parts, Math.max(0, endPts - segment.startPts)));
  }
}
