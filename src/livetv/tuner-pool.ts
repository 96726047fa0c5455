/**
 * A tuner is tuned to one channel and shared by everyone watching that channel over .ts, the
 * way Plex shares one HDHomeRun tuner between its viewers of a channel: Retrovue runs one
 * encoder per channel however many watch it, so distinct channels are what cost CPU and what
 * the tuner count limits. Tuning a new channel with every tuner busy is refused; the route
 * answers 503, which is what a real HDHomeRun does ("805 All Tuners In Use").
 */
export interface TunerLease {
  readonly channelNumber: number;
  /** Idempotent: the stream closing and an error path may both release. */
  release(): void;
}

export class TunerPool {
  /** channel number → leases (viewers) holding its tuner. */
  private readonly holders = new Map<number, number>();

  constructor(readonly tunerCount: number) {}

  /** Tunes (or joins) a channel; undefined when it would need a tuner and none is free. */
  acquire(channelNumber: number): TunerLease | undefined {
    const current = this.holders.get(channelNumber) ?? 0;
    if (current === 0 && this.holders.size >= this.tunerCount) return undefined;
    this.holders.set(channelNumber, current + 1);
    let released = false;
    return {
      channelNumber,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.holders.get(channelNumber) ?? 1) - 1;
        if (left <= 0) this.holders.delete(channelNumber);
        else this.holders.set(channelNumber, left);
      },
    };
  }

  /** Channels currently holding a tuner, in order. */
  tunedChannels(): number[] {
    return [...this.holders.keys()].sort((a, b) => a - b);
  }

  get busy(): number {
    return this.holders.size;
  }
}

/** What a real HDHomeRun puts on its 503 so clients tell "busy" from "broken". */
export const ALL_TUNERS_BUSY_HEADER = ['x-hdhomerun-error', '805 All Tuners In Use'] as const;
