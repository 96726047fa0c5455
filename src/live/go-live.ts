import { z } from 'zod';
import { OverrideTimeline } from '../timeline/override-timeline.js';
import type { Airing, ChannelTimeline } from '../timeline/types.js';
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
    /** Record the event as it airs into the library's recordings (src/live/event-recorder.ts). */
    record: z.boolean().optional(),
    /** The event's cameras: the sources a camera cut may take (`source` is first on). Absent: any. */
    cameras: z.array(z.string().regex(LIVE_ID_PATTERN, 'must be a live source id')).min(1).max(16).optional(),
  })
  .strict();

export type GoLiveRequest = z.infer<typeof goLiveBody>;

export const cameraTakeBody = z
  .object({ camera: z.string().regex(LIVE_ID_PATTERN, 'must be a live source id (GET /api/live/sources lists them)') })
  .strict();

/** A camera taken on a channel airing a scheduled live block: it replaces the block's source until the block ends. */
interface BlockCamera {
  blockStartMs: number;
  blockEndMs: number;
  sourceId: string;
}

export interface LiveTake {
  id: number;
  channel: number;
  sourceId: string;
  title: string;
  startMs: number;
  endMs: number;
  /** The request named no length: it runs until stopped (endMs is then the MAX_TAKE_MINUTES cap). */
  untilStopped: boolean;
  /** The event is recorded as it airs. */
  record?: boolean;
  /** The sources a camera cut may take; absent: any. */
  cameras?: string[];
}

/** A request the service refuses: the field and why (the API answers 400, 404 or, for a camera cut on a channel with no live event, 409). */
export class GoLiveError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found' | 'not_live',
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
  /** What the channel's timeline (without takes) airs at `tMs`: a camera take on a live block reads it. */
  timelineAiringAt?: (channel: number, tMs: number) => Airing | undefined;
  /** The cameras a scheduled live block names (`content.cameras`), if it names any. */
  blockCameras?: (channel: number, airing: Airing) => string[] | undefined;
  /** The channels whose air changes now (a take starts or is stopped): they cut now, not at their next airing. */
  onAirChanged: (channels: number[]) => void;
  /** Told of every take that starts or is stopped, and every camera taken (the log). */
  onTake?: (take: LiveTake, change: 'start' | 'stop' | 'camera') => void;
  now?: () => number;
}

/** What playout reads of the takes: the one on a channel at t, and the camera taken on a block. */
export type LiveTakes = Pick<GoLiveService, 'onAir' | 'cameraOn'>;

export class GoLiveService {
  private readonly takes = new Map<number, LiveTake>();
  private readonly blockCameras = new Map<number, BlockCamera>();
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
    const missing = (request.cameras ?? []).find((camera) => this.options.sourceName(camera) === undefined);
    if (missing !== undefined) throw new GoLiveError('bad_request', 'cameras', `no live source ${missing}: GET /api/live/sources lists them`);
    const known = new Set(this.options.channelNumbers());
    const channels = [...new Set([channel, ...(request.channels ?? [])])];
    const unknown = channels.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new GoLiveError(unknown.includes(channel) ? 'not_found' : 'bad_request', unknown.includes(channel) ? 'channel' : 'channels', `no channel ${unknown.join(', ')}`);
    const startMs = this.now();
    const minutes = request.minutes ?? MAX_TAKE_MINUTES;
    const id = this.nextId++;
    const taken = channels.map((n) => {
      const take: LiveTake = { id, channel: n, sourceId: request.source, title: request.title ?? name, startMs, endMs: startMs + Math.round(minutes * 60_000), untilStopped: request.minutes === undefined, ...(request.record ? { record: true } : {}), ...(request.cameras ? { cameras: [...new Set([request.source, ...request.cameras])] } : {}) };
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
    this.blockCameras.delete(channel);
    this.options.onTake?.(stopped, 'stop');
    this.options.onAirChanged([channel]);
    return stopped;
  }

  /**
   * Takes `camera` (a live source) to the channel's live event on the air now — a go-live take,
   * or a scheduled live block — from now until the event ends, the way a vision mixer cuts: the
   * channel breaks in at once (the cut is on the picture within the break-in, under a second).
   * Throws GoLiveError: no such source (404), no such channel (404), or nothing live on it (409).
   */
  takeCamera(channel: number, camera: string): LiveTake {
    const name = this.options.sourceName(camera);
    if (name === undefined) throw new GoLiveError('not_found', 'camera', `no live source ${camera}: GET /api/live/sources lists them`);
    if (!this.options.channelNumbers().includes(channel)) throw new GoLiveError('not_found', 'channel', `no channel ${channel}`);
    const nowMs = this.now();
    const take = this.onAir(channel, nowMs);
    let taken: LiveTake;
    const notACamera = (cameras: string[] | undefined) => {
      if (cameras && !cameras.includes(camera)) throw new GoLiveError('bad_request', 'camera', `${camera} is not one of this event's cameras (${cameras.join(', ')})`);
    };
    if (take) {
      notACamera(take.cameras);
      taken = { ...take, sourceId: camera };
      this.takes.set(channel, taken);
    } else {
      const airing = this.options.timelineAiringAt?.(channel, nowMs);
      if (airing?.kind !== 'live') throw new GoLiveError('not_live', 'channel', `channel ${channel} is not airing a live event: go live first (POST /api/channels/${channel}/live) or wait for its live block`);
      const cameras = this.options.blockCameras?.(channel, airing);
      notACamera(cameras ? [airing.live?.sourceId ?? '', ...cameras] : undefined);
      this.blockCameras.set(channel, { blockStartMs: airing.startMs, blockEndMs: airing.endMs, sourceId: camera });
      taken = { id: 0, channel, sourceId: camera, title: airing.title, startMs: airing.startMs, endMs: airing.endMs, untilStopped: false };
    }
    this.options.onTake?.(taken, 'camera');
    this.options.onAirChanged([channel]);
    return taken;
  }

  /** The camera taken on the scheduled live block `airing` of the channel, if one was. */
  cameraOn(channel: number, airing: Pick<Airing, 'startMs' | 'kind'>): string | undefined {
    const taken = this.blockCameras.get(channel);
    if (!taken) return undefined;
    if (taken.blockEndMs <= this.now()) {
      this.blockCameras.delete(channel);
      return undefined;
    }
    return airing.kind === 'live' && airing.startMs === taken.blockStartMs ? taken.sourceId : undefined;
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
 * A channel's timeline with its live take laid over it (src/timeline/override-timeline.ts: the
 * timeline keeps running underneath and is joined at its offset after the take; the guide reads
 * the timeline). A scheduled live block airs the camera the director took on it, if any.
 * Emergency alerts are laid over this in turn (an alert breaks into a live take too).
 */
export class LiveTakeTimeline extends OverrideTimeline {
  constructor(base: ChannelTimeline, channel: number, takes: LiveTakes) {
    super(base, {
      airingAt: (tMs) => {
        const take = takes.onAir(channel, tMs);
        return take ? takeAiring(take) : undefined;
      },
      // A take starts when it is asked for, never later: no airing is cut ahead for one.
      nextStartWithin: () => undefined,
      adjust: (airing) => {
        const camera = airing.kind === 'live' ? takes.cameraOn(channel, airing) : undefined;
        return camera ? { ...airing, live: { sourceId: camera } } : airing;
      },
    });
  }
}
