import type { OutputProfile } from '../config/quality.js';

/**
 * What a channel costs in cores: (CPU seconds per output minute of its profile / 60) × the share
 * of its airings rendered live + the packager's and copy-splicer's small cost, summed over its
 * runs (a ladder costs every rung). The figures start from docs/benchmarks.md ("Latest playout
 * results", a 2-core EPYC, libx264 ultrafast) and are replaced by what this server measures.
 */

/** CPU seconds per output minute of a live renderer, by the preset's frame height. */
const DEFAULT_RATES: ReadonlyArray<{ maxHeight: number; cpuSecondsPerMinute: number }> = [
  { maxHeight: 360, cpuSecondsPerMinute: 13.1 }, // low
  { maxHeight: 720, cpuSecondsPerMinute: 32.6 }, // medium
  { maxHeight: Infinity, cpuSecondsPerMinute: 62.1 }, // high
];

/** A run that copies everything from the cache: the Node packager and copy-splicer (docs/benchmarks.md). */
export const COPY_CPU_SECONDS_PER_MINUTE = 0.6;

/** The name a profile's measured figure is kept under: what changes its cost. */
export function profileKey(profile: OutputProfile): string {
  return `${profile.width}x${profile.height}@${profile.frameRate} ${profile.videoCodec} ${profile.preset} ${profile.videoBitrate}`;
}

export function defaultRate(profile: OutputProfile): number {
  return DEFAULT_RATES.find((r) => profile.height <= r.maxHeight)!.cpuSecondsPerMinute;
}

/** A run's cost in cores, at a rate (CPU s per output minute of live rendering) and a live share (0..1). */
export function runCores(cpuSecondsPerMinute: number, liveShare: number): number {
  return (cpuSecondsPerMinute / 60) * Math.min(1, Math.max(0, liveShare)) + COPY_CPU_SECONDS_PER_MINUTE / 60;
}

/**
 * The measured rate per profile, smoothed (exponentially, so one slow airing does not swing the
 * estimate), from runs that rendered most of what they aired.
 */
export class MeasuredRates {
  private readonly rates = new Map<string, { cpuSecondsPerMinute: number; samples: number }>();

  constructor(private readonly weight = 0.1) {}

  /**
   * A run used `cores` over a stretch in which `liveShare` of its output was rendered live:
   * its renderers' rate is what is left after the copy cost, per live minute.
   */
  observe(profile: OutputProfile, cores: number, liveShare: number): void {
    if (liveShare < 0.5 || !(cores >= 0)) return; // mostly copied: says little about rendering
    const rate = (Math.max(0, cores - COPY_CPU_SECONDS_PER_MINUTE / 60) * 60) / liveShare;
    const key = profileKey(profile);
    const before = this.rates.get(key);
    this.rates.set(key, before ? { cpuSecondsPerMinute: before.cpuSecondsPerMinute + this.weight * (rate - before.cpuSecondsPerMinute), samples: before.samples + 1 } : { cpuSecondsPerMinute: rate, samples: 1 });
  }

  /** The profile's rate: measured (after a few samples) or the benchmark default. */
  rateOf(profile: OutputProfile): { cpuSecondsPerMinute: number; measured: boolean } {
    const measured = this.rates.get(profileKey(profile));
    if (measured && measured.samples >= 5) return { cpuSecondsPerMinute: measured.cpuSecondsPerMinute, measured: true };
    return { cpuSecondsPerMinute: defaultRate(profile), measured: false };
  }

  all(): Array<{ profile: string; cpuSecondsPerMinute: number; samples: number }> {
    return [...this.rates].map(([profile, r]) => ({ profile, cpuSecondsPerMinute: Math.round(r.cpuSecondsPerMinute * 10) / 10, samples: r.samples }));
  }
}
