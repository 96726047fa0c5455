import { control, EDM, EOC, loadUnits, type CaptionChannel, type Pair, type Unit } from './cea608-encoder.js';

/**
 * When each 608 pair of a caption service goes out (pure: no clock, no I/O). 608 carries one
 * pair per field per frame at 29.97 fps (60 characters a second); Retrovue sends at most one
 * pair per field per frame and never faster than that rate, so a 50/60 fps stream uses every
 * other frame.
 *
 * Each cue is planned on a grid of slots (one per pair of bandwidth, slot k at k·slotTicks of
 * stream time): EOC in the slot of the cue's start, so the caption appears within a frame of
 * it; EDM in the slot of its end; the loading pairs in the free slots before, from the moment
 * the previous caption went on screen (its memory is then free). A cue whose loading cannot fit
 * before its start (it follows the previous one too closely, or is long) is shown as soon as it
 * is loaded, and the lateness is reported. A cue that starts before the previous one ends
 * replaces it (no EDM in between). Pairs go out in slot order, so a frame that is missing or
 * late delays what follows instead of reordering it.
 */

/** A cue in stream time: 90 kHz ticks of the PTS, unwrapped (continuing past 2^33). */
export interface CaptionCue {
  startPts: number;
  endPts: number;
  text: string;
  /** CC1 (default) or CC3 (a second language, on field 2). */
  channel?: CaptionChannel;
}

export interface LateCaption {
  text: string;
  startPts: number;
  /** When it will appear (stream time): startPts + lateTicks. */
  shownPts: number;
  /** How late, in whole slots (frames at up to 30 fps). */
  lateTicks: number;
}

export interface Cea608TrackOptions {
  channel: CaptionChannel;
  /** Duration of one video frame, 90 kHz ticks (3003 at 29.97 fps, 3600 at 25). */
  frameTicks: number;
  /** PTS of the first frame the track will be asked about. */
  startPts: number;
  onLate?: (late: LateCaption) => void;
}

interface Planned {
  slot: number;
  pair: Pair;
}

/** 608's own pair rate: one pair per field per 1/29.97 s. */
const PAIR_TICKS_608 = 3003;

export class Cea608Track {
  readonly channel: CaptionChannel;
  readonly slotTicks: number;
  private readonly onLate: ((late: LateCaption) => void) | undefined;
  /** Planned pairs in slot order; `head` is the next to go out. */
  private plan: Planned[] = [];
  private head = 0;
  private readonly occupied = new Set<number>();
  /** The newest slot a frame was offered for: planning starts after it. */
  private cursor: number;
  private lastTakenSlot = -Infinity;
  private prevEoc = -Infinity;
  private prevEdm: number | undefined;
  private lastCue: { startPts: number; text: string } | undefined;
  private shownAnything = false;

  constructor(options: Cea608TrackOptions) {
    this.channel = options.channel;
    // 29.97, 30, 25, 24 fps: every frame; 50, 59.94, 60: every other frame.
    this.slotTicks = options.frameTicks * Math.max(1, Math.round((PAIR_TICKS_608 - 13) / options.frameTicks));
    this.onLate = options.onLate;
    this.cursor = this.slotOf(options.startPts) - 1;
  }

  /** The nearest slot (halves go down, so the two frames of a 59.94 fps slot pair up). */
  private slotOf(pts: number): number {
    return Math.ceil(pts / this.slotTicks - 0.5);
  }

  /** Pairs planned and not yet sent (a cue's EDM included). */
  get pending(): boolean {
    return this.head < this.plan.length;
  }

  /**
   * Plans a cue. Cues come in start order; one already planned (same start and text, as
   * overlapping look-ahead windows return it again) or starting before the last is ignored,
   * as is one that is over before it could be shown. False when nothing was planned.
   */
  add(cue: CaptionCue): boolean {
    const last = this.lastCue;
    if (last && (cue.startPts < last.startPts || (cue.startPts === last.startPts && cue.text === last.text))) return false;
    const start = this.slotOf(cue.startPts);
    const end = Math.max(this.slotOf(cue.endPts), start + 2);
    const from = this.cursor + 1;
    if (end <= from + 1) return false;
    const units = loadUnits(cue.text, this.channel);
    if (units.length === 0) return false;
    this.lastCue = { startPts: cue.startPts, text: cue.text };
    // Back to back (or overlapping): the next EOC replaces the caption, no blank between.
    if (this.prevEdm !== undefined && this.prevEdm > this.lastTakenSlot && start <= this.prevEdm + 1) {
      this.unplan(this.prevEdm, 2);
      this.prevEdm = undefined;
    }
    let at = Math.max(from, this.prevEoc + 2);
    for (const unit of units) at = this.place(unit, at) + unit.length;
    const eocPair = control(this.channel, EOC);
    const eoc = this.place([eocPair, eocPair], Math.max(start, at));
    if (eoc > start && start >= from) {
      const lateTicks = (eoc - start) * this.slotTicks;
      this.onLate?.({ text: cue.text, startPts: cue.startPts, shownPts: cue.startPts + lateTicks, lateTicks });
    }
    const edmPair = control(this.channel, EDM);
    this.prevEdm = this.place([edmPair, edmPair], Math.max(end, eoc + 2));
    this.prevEoc = eoc;
    this.shownAnything = true;
    return true;
  }

  /** The pair for the frame at `pts` (not yet consumed: see take), or undefined. */
  peek(pts: number): Pair | undefined {
    const slot = this.slotOf(pts);
    if (slot > this.cursor) this.cursor = slot;
    if (slot <= this.lastTakenSlot) return undefined;
    const next = this.plan[this.head];
    return next && next.slot <= slot ? next.pair : undefined;
  }

  /** Consumes the pair peek returned for the frame at `pts` (it went out in that frame). */
  take(pts: number): void {
    const next = this.plan[this.head];
    if (!next) return;
    this.head += 1;
    this.occupied.delete(next.slot);
    this.lastTakenSlot = this.slotOf(pts);
    if (this.head > 256) {
      this.plan = this.plan.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Forgets every plan (the stream jumped: a new clock, a seek): what was shown is cleared by
   * an EDM at `pts`, and cues are planned again as they are added.
   */
  reset(pts: number): void {
    this.plan = [];
    this.head = 0;
    this.occupied.clear();
    this.cursor = this.slotOf(pts) - 1;
    this.lastTakenSlot = -Infinity;
    this.prevEoc = -Infinity;
    this.prevEdm = undefined;
    this.lastCue = undefined;
    if (this.shownAnything) {
      const edmPair = control(this.channel, EDM);
      this.place([edmPair, edmPair], this.cursor + 1);
    }
  }

  /** Puts a unit into the first run of free consecutive slots at or after `from`; its first slot. */
  private place(unit: Unit, from: number): number {
    let slot = from;
    for (;;) {
      let free = true;
      for (let i = 0; i < unit.length; i++) {
        if (this.occupied.has(slot + i)) {
          free = false;
          slot = slot + i + 1;
          break;
        }
      }
      if (free) break;
    }
    unit.forEach((p, i) => this.insert({ slot: slot + i, pair: p }));
    return slot;
  }

  private insert(entry: Planned): void {
    this.occupied.add(entry.slot);
    let i = this.plan.length;
    while (i > this.head && this.plan[i - 1]!.slot > entry.slot) i--;
    this.plan.splice(i, 0, entry);
  }

  private unplan(slot: number, count: number): void {
    this.plan = this.plan.filter((entry, i) => i < this.head || entry.slot < slot || entry.slot >= slot + count);
    for (let i = 0; i < count; i++) this.occupied.delete(slot + i);
  }
}

/**
 * The pairs of one service for `frameCount` frames from `firstPts`, one entry per frame
 * (undefined: nothing to send), with the cues reported late: the whole plan at once, for
 * tests, benches and alerts rendered ahead.
 */
export function pairsPerFrame(
  cues: CaptionCue[],
  options: { channel?: CaptionChannel; frameTicks: number; firstPts: number; frameCount: number },
): { pairs: Array<Pair | undefined>; late: LateCaption[] } {
  const late: LateCaption[] = [];
  const track = new Cea608Track({ channel: options.channel ?? 1, frameTicks: options.frameTicks, startPts: options.firstPts, onLate: (l) => late.push(l) });
  for (const cue of [...cues].sort((a, b) => a.startPts - b.startPts)) track.add(cue);
  const pairs: Array<Pair | undefined> = [];
  for (let i = 0; i < options.frameCount; i++) {
    const pts = options.firstPts + i * options.frameTicks;
    const p = track.peek(pts);
    if (p !== undefined) track.take(pts);
    pairs.push(p);
  }
  return { pairs, late };
}
