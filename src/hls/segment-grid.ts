/**
 * Where HLS segment boundaries (and keyframes) fall within an encoder run, in run-relative
 * seconds. Renderers force keyframes on the keyframe grid; the segmenter cuts a segment at
 * the first keyframe on or after each segment grid point. Pure functions, unit-tested.
 */
export interface SegmentGrid {
  /** Length of every segment after the ramp (`streaming.segment_duration`). */
  segmentDuration: number;
  /** Lengths of the run's first segments (the cold-start ramp); may be empty. */
  ramp: number[];
}

/**
 * Keyframes at least this often, live or cached: a `.ts` viewer's initial burst starts on a
 * keyframe a few seconds back, and a decoder that joins mid-stream waits at most this long for a
 * picture. Live renderers force keyframes on this grid; cache fills put one every this many
 * seconds of the file's own time (src/cache/fill-command.ts), and it is part of the cache key, so
 * changing it re-caches everything. A cached airing is copied only onto a channel whose segments
 * are at least this long: the segmenter cuts a copied stretch at its last keyframe before a
 * segment's end (src/hls/segmenter.ts), so a longer GOP would leave nothing to cut at.
 */
export const MAX_KEYFRAME_INTERVAL_SECONDS = 2;

/**
 * The cold-start ramp: half-second segments first (a cold channel has something to play
 * about half a second after its first frame), then each segment no longer than all the
 * segments before it together, growing to `segmentDuration`. A player that starts on the
 * first segment while the packager works ahead of real time never waits for a segment longer
 * than what it already holds — the stall every long first segment caused (issue 10).
 */
export function coldStartRamp(segmentDuration: number, first = 0.5): number[] {
  const ramp: number[] = [];
  let total = 0;
  for (let next = first; next < segmentDuration; ) {
    ramp.push(next);
    total += next;
    // 0.5, 0.5, 1, 1, 2, 2, 4, 4, 8, … : every step is at most the sum of the ones before it.
    if (ramp.length % 2 === 0) next = Math.min(next * 2, total);
  }
  return ramp;
}

/** The production grid of a channel run. */
export function channelGrid(segmentDuration: number): SegmentGrid {
  return { segmentDuration, ramp: coldStartRamp(segmentDuration) };
}

/**
 * The grid of a run that starts on a cached keyframe (copy-spliced from the media cache, see
 * ChannelSession): the same ramp rule from MAX_KEYFRAME_INTERVAL_SECONDS (2, 2, 4, 4, 8, 8, …),
 * since a cached file has a keyframe every 2 s and nothing shorter can be cut from it. No
 * encoder warms up, so the first 2 s segment is ready in milliseconds, and the run, which starts
 * up to one GOP before now, immediately works ahead: a player holds more than the next segment.
 */
export function cachedStartGrid(segmentDuration: number): SegmentGrid {
  return { segmentDuration, ramp: coldStartRamp(segmentDuration, MAX_KEYFRAME_INTERVAL_SECONDS) };
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Run-relative start of segment k on the grid. */
export function gridPoint(grid: SegmentGrid, k: number): number {
  const { ramp } = grid;
  if (k <= ramp.length) return sum(ramp.slice(0, k));
  return sum(ramp) + (k - ramp.length) * grid.segmentDuration;
}

/** Index of the first grid point at or after `runSeconds` (1 ms tolerance). */
export function firstGridIndexAtOrAfter(grid: SegmentGrid, runSeconds: number): number {
  const t = runSeconds - 0.001;
  if (t <= 0) return 0;
  let cursor = 0;
  for (let k = 0; k < grid.ramp.length; k++) {
    if (t <= cursor) return k;
    cursor += grid.ramp[k]!;
  }
  if (t <= cursor) return grid.ramp.length;
  return grid.ramp.length + Math.ceil((t - cursor) / grid.segmentDuration);
}

/**
 * The grid keyframes are forced on: every segment grid point, and points in between so that no
 * two keyframes are more than MAX_KEYFRAME_INTERVAL_SECONDS apart (each segment split evenly).
 * Every segment boundary is a keyframe grid point, so segments still cut exactly on their grid.
 */
export function keyframeGrid(grid: SegmentGrid): SegmentGrid {
  const parts = (duration: number): number => Math.max(1, Math.ceil(duration / MAX_KEYFRAME_INTERVAL_SECONDS - 1e-9));
  const ramp = grid.ramp.flatMap((duration) => Array<number>(parts(duration)).fill(duration / parts(duration)));
  return { segmentDuration: grid.segmentDuration / parts(grid.segmentDuration), ramp };
}

const seconds = (value: number): string => String(Number(value.toFixed(6)));

/**
 * `-force_key_frames` expression that puts a keyframe on every keyframe-grid point inside an
 * airing which starts `airingRunStart` seconds into the run. The airing's own first frame is
 * always a keyframe (a fresh encoder), so every airing starts clean.
 */
export function keyframeGridExpression(segmentGrid: SegmentGrid, airingRunStart: number): string {
  const grid = keyframeGrid(segmentGrid);
  const k0 = firstGridIndexAtOrAfter(grid, airingRunStart);
  // The airing's time zero may sit up to a frame before the run's start (the frame grid):
  // subtracting a negative start is written as adding, since "--" is not an expression.
  const shift = airingRunStart < 0 ? `+${(-airingRunStart).toFixed(6)}` : `-${airingRunStart.toFixed(6)}`;
  const k = `(n_forced+${k0})`;
  const rampTotal = sum(grid.ramp);
  const tail = grid.ramp.length === 0 ? `${k}*${seconds(grid.segmentDuration)}` : `${seconds(rampTotal)}+(${k}-${grid.ramp.length})*${seconds(grid.segmentDuration)}`;
  // Ramp points are looked up from the last one inward: if(lt(k,1),p0,if(lt(k,2),p1,…,tail)).
  let point = tail;
  for (let i = grid.ramp.length - 1; i >= 0; i--) point = `if(lt(${k},${i + 1}),${seconds(gridPoint(grid, i))},${point})`;
  return `expr:gte(t,${point}${shift})`;
}
