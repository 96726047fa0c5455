import { z } from 'zod';
import type { Airing, ChannelTimeline, TimelinePosition } from '../timeline/types.js';
import { LIVE_ID_PATTERN } from './live-url.js';

/**
 * "Go live now" (issue 25): the director puts a live source on one or more channels at once,
 * for some minutes or until stopped, from the control room or `POST /api/channels/{n}/live`.
 * Like an emergency alert it is an override: the timeline keeps running underneath, and when
 * the take ends each channel is back on its timeline at the second the timeline says. Nothing
 * is stored: a take is the director's, for now; a restart of the server ends it.
 *
 * The live airing it lays over the timeline is the same kind a scheduled live block compiles to
 * (kind `live`, `live.sourceId`), so playout's render plan airs it, and falls back when the
 * source is down, exactly as for a block.
 */

/** A take that names no length runs until stopped, but never longer than this (a forgotten take ends). */
export const MAX_TAKE_MINUTES = 12 * 60;
const MAX_TITLE_CHARS = 120;

export const goLiveBody = z
  .object({
    source: z.string().regex(LIVE_ID_PATTERN, 'must be a live source id (GET /api/live/sources lists them)'),
    /** Minutes on the air; absent: until stopped (at most MAX_TAKE_MINUTES). */
    minutes: z.number().positive().max(MAX_TAKE_MINUTES).optional(),
    title: z.string().trim().min(1).max(MAX_TITLE_CHARS).optional(),
    /** Other channels that go live with it (the path's channel always does). */
    channels: z.array(z.number().int().positive()).max(1000).optional(),
  })
  .strict();

export type GoLiveRequest = z.infer<typeof goLiveBody>;

export interface LiveTake {
  id: number;
  channel: number;
  sourceId: string;
  title: string;
  startMs: number;
  endMs: number;
  /** The request named no length: it runs until stopped (endMs is then the MAX_TAKE_MINUTES cap). */
  untilStopped: boolean;
}

/** A request the service refuses: the field and why (the API answers 400 or 404 with both). */
export class GoLiveError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'GoLiveError';
  }
}

export interface GoLiveOptions {
  /** The live source's name, or undefined when there is no such source. */
  sourceName: (id: string) => string | undefined;
  /** Channel numbers that exist now. */
  channelNumbers: () => number[];
  /** The channels whose air changes now (a take starts or is stopped): they cut now, not at their next airing. */
  onAirChanged: (channels: number[]) => void;
  /** Told of every take that starts or is stopped (the log). */
  onTake?: (take: LiveTake, change: 'start' | 'stop') => void;
  now?: () => number;
}

/** What playout reads of the takes: the one on a channel now, and one that starts soon. */
export type LiveTakes = Pick<GoLiveService, 'onAir' | 'startsWithin'>;

export class GoLiveService {
  private readonly takes = new Map<number, LiveTake>();
  private nextId = 1;
  private readonly now: () => number;

  constructor(private readonly options: GoLiveOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Puts the source on the air on `channel` (and the request's other channels) now, in place of
   * whatever take they had. Throws GoLiveError naming the field; nothing changes on error.
   */
  start(channel: number, request: GoLiveRequest): LiveTake[] {
    const name = this.options.sourceName(request.source);
    if (name === undefined) throw new GoLiveError('not_found', 'source', `no live source ${request.source}: GET /api/live/sources lists them`);
    const known = new Set(this.options.channelNumbers());
    const channels = [...new Set([channel, ...(request.channels ?? [])])];
    const unknown = channels.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new GoLiveError(unknown.includes(channel) ? 'not_found' : 'bad_request', unknown.includes(channel) ? 'channel' : 'channels', `no channel ${unknown.join(', ')}`);
    const startMs = this.now();
    const minutes = request.minutes ?? MAX_TAKE_MINUTES;
    const id = this.nextId++;
    const taken = channels.map((n) => {
      const take: LiveTake = { id, channel: n, sourceId: request.source, title: request.title ?? name, startMs, endMs: startMs + Math.round(minutes * 60_000), untilStopped: request.minutes === undefined };
      this.takes.set(n, take);
      this.options.onTake?.(take, 'start');
      return take;
    });
    this.options.onAirChanged(channels);
    return taken;
  }

  /** Ends the channel's take now (the channel goes back to its timeline); undefined when it had none. */
  stop(channel: number): LiveTake | undefined {
    const take = this.onAir(channel, this.now());
    if (!take) return undefined;
    const stopped = { ...take, endMs: this.now() };
    this.takes.delete(channel);
    this.options.onTake?.(stopped, 'stop');
    this.options.onAirChanged([channel]);
    return stopped;
  }

  /** The channel's take on the air at `tMs`, if any (a take that ended is forgotten). */
  onAir(channel: number, tMs: number): LiveTake | undefined {
    const take = this.takes.get(channel);
    if (take && take.endMs <= this.now()) {
      this.takes.delete(channel);
      return undefined;
    }
    return take && take.startMs <= tMs && tMs < take.endMs ? take : undefined;
  }

  /** A take that starts after `tMs` and before `untilMs` (none today: a take starts when asked; kept so the overlay cuts correctly if that changes). */
  startsWithin(channel: number, tMs: number, untilMs: number): LiveTake | undefined {
    const take = this.takes.get(channel);
    return take && take.startMs > tMs && take.startMs < untilMs ? take : undefined;
  }
}

/** The airing a take puts on the air (the guide never sees it: the timeline underneath is the guide's). */
export function takeAiring(take: LiveTake): Airing {
  return {
    startMs: take.startMs,
    endMs: take.endMs,
    mediaPath: '',
    inPointMs: 0,
    outPointMs: take.endMs - take.startMs,
    kind: 'live',
    title: take.title,
    live: { sourceId: take.sourceId },
  };
}

/**
 * A channel's timeline with its live take laid over it: while a take is on, `at(t)` is the take's
 * live airing; an airing a take interrupts is cut where it starts; after it, `at(t)` is the
 * timeline's airing at t, joined at its offset. The guide (`airingsBetween`) is the timeline's.
 * Emergency alerts are laid over this in turn (an alert breaks into a live take too).
 */
export class LiveTakeTimeline implements ChannelTimeline {
  constructor(
    private readonly base: ChannelTimeline,
    private readonly channel: number,
    private readonly takes: LiveTakes,
  ) {}

  get endsAtMs(): number | undefined {
    return this.base.endsAtMs;
  }

  at(tMs: number): TimelinePosition | undefined {
    const take = this.takes.onAir(this.channel, tMs);
    if (take) return { airing: takeAiring(take), offsetMs: tMs - take.startMs };
    const position = this.base.at(tMs);
    if (!position) return undefined;
    const next = this.takes.startsWithin(this.channel, tMs, position.airing.endMs);
    return next ? { airing: { ...position.airing, endMs: next.startMs }, offsetMs: position.offsetMs } : position;
  }

  airingsBetween(fromMs: number, toMs: number, limit?: number): Airing[] {
    return this.base.airingsBetween(fromMs, toMs, limit);
  }
}
