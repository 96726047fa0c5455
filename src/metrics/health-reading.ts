/**
 * `/metrics` reads the same document `/api/health` answers (one source: a graph and the health
 * page never disagree). This file turns that JSON into plain numbers, defensively: a field a
 * later release adds (or one that is missing on an older one) gives no series, never a throw,
 * so a scrape always answers.
 */

/** One channel's numbers, as far as its status says them. */
export interface ChannelReading {
  channel: string;
  /** `stopped`, `starting`, `live`, `ended` (whatever the status says; see CHANNEL_STATES). */
  state: string;
  tsViewers: number;
  rendererSpeed?: number;
  workAheadSeconds?: number;
  restarts: number;
  slatesShown: number;
  /** Media cache (absent when the cache is off). */
  cacheHitRatio?: number;
  cachedSeconds?: number;
  liveRenderedSeconds?: number;
  /** Failed writes of this channel's segments (the disk-error work adds it to the status). */
  writeErrors?: number;
  /** Overload step applied to this channel (the capacity work adds it): 0 = none. */
  degradedStep?: number;
}

/** The server-wide numbers health gives (the channels are read one by one above). */
export interface HealthReading {
  channels: ChannelReading[];
  cache?: { entries?: number; bytes?: number; budgetBytes?: number; fillQueueLength?: number };
  /** health.disk, where the server reports it (free/total bytes, low, write errors). */
  disk?: { freeBytes?: number; totalBytes?: number; low?: boolean; writeErrors?: number };
  /** health.capacity / health.overload, where the server reports them. */
  capacity?: { coresNeeded?: number; cores?: number; usableCores?: number; step?: number };
}

/** The overload steps in the order they are taken (README, "Capacity"): a channel's `degraded` names one. */
const DEGRADATION_STEPS = ['graphics', 'lower-quality', 'slate'];

/** The states a channel can be in (src/playout/channel-session.ts); each gets its own 0/1 series so an alert can say `state="live"`. */
export const CHANNEL_STATES = ['stopped', 'starting', 'live', 'ended'] as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberAt = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const objectAt = (value: unknown): Json | undefined => (isObject(value) ? value : undefined);

/** The first finite number among the fields named (a field may be spelled one of several ways while it settles). */
function firstNumber(object: Json | undefined, ...names: string[]): number | undefined {
  if (!object) return undefined;
  for (const name of names) {
    const found = numberAt(object[name]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * An overload step as a number: a status may say `degraded: false`, `true`, a step number, or
 * an object with a `step` (number) or `steps` (list). 0 means "not degraded".
 */
function degradedStepOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === false) return 0;
  if (value === true) return 1;
  const asNumber = numberAt(value);
  if (asNumber !== undefined) return asNumber;
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) {
    const step = numberAt(value.step) ?? numberAt(value.level);
    if (step !== undefined) return step;
    if (Array.isArray(value.steps)) return value.steps.length;
    return 1;
  }
  // The capacity work names the step a channel is at: graphics, then lower-quality, then slate.
  if (typeof value === 'string') return value === '' ? 0 : (DEGRADATION_STEPS.indexOf(value) + 1 || 1);
  return 0;
}

function readChannel(status: Json): ChannelReading | undefined {
  const number = numberAt(status.number);
  if (number === undefined || !Number.isInteger(number)) return undefined;
  const encoder = objectAt(status.encoder);
  const viewers = objectAt(status.viewers);
  const cache = objectAt(status.cache);
  const writeErrors = status.writeErrors;
  return {
    channel: String(number),
    state: typeof status.state === 'string' ? status.state : 'unknown',
    tsViewers: numberAt(viewers?.ts) ?? 0,
    rendererSpeed: numberAt(encoder?.speed),
    workAheadSeconds: numberAt(status.workingAheadSeconds),
    restarts: numberAt(encoder?.restarts) ?? 0,
    slatesShown: numberAt(status.slatesShown) ?? 0,
    cacheHitRatio: numberAt(cache?.hitRatio),
    cachedSeconds: numberAt(cache?.cachedSeconds),
    liveRenderedSeconds: numberAt(cache?.liveSeconds),
    // A count, or an object with one (`{ count, last }`).
    writeErrors: numberAt(writeErrors) ?? firstNumber(objectAt(writeErrors), 'count', 'total'),
    degradedStep: degradedStepOf(status.degraded),
  };
}

/** Reads a `/api/health` body. Anything unexpected is skipped. */
export function readHealth(health: unknown): HealthReading {
  const body = objectAt(health) ?? {};
  const channels = (Array.isArray(body.channels) ? body.channels : []).flatMap((status) => {
    const reading = isObject(status) ? readChannel(status) : undefined;
    return reading ? [reading] : [];
  });
  const reading: HealthReading = { channels };

  const cache = objectAt(body.cache);
  if (cache) {
    reading.cache = {
      entries: numberAt(cache.entries),
      bytes: numberAt(cache.bytes),
      budgetBytes: numberAt(cache.budgetBytes),
      fillQueueLength: numberAt(objectAt(cache.fillQueue)?.depth),
    };
  }

  const disk = objectAt(body.disk);
  if (disk) {
    const writeErrors = disk.writeErrors;
    reading.disk = {
      freeBytes: firstNumber(disk, 'freeBytes', 'free'),
      totalBytes: firstNumber(disk, 'totalBytes', 'total'),
      low: typeof disk.low === 'boolean' ? disk.low : undefined,
      writeErrors: numberAt(writeErrors) ?? firstNumber(objectAt(writeErrors), 'count', 'total'),
    };
  }

  const capacity = objectAt(body.capacity);
  const overload = objectAt(body.overload) ?? objectAt(capacity?.overload);
  if (capacity || overload) {
    reading.capacity = {
      coresNeeded: firstNumber(capacity, 'coresInUse', 'inUseCores', 'usedCores', 'coresNeeded'),
      cores: firstNumber(capacity, 'cores', 'totalCores'),
      usableCores: firstNumber(capacity, 'usableCores'),
      step: degradedStepOf(overload?.step ?? overload?.level ?? overload?.steps),
    };
  }
  return reading;
}
