/**
 * A live source's state, driven by what its ingest sees and by the clock (injected, so the
 * rules are tested with fake time):
 * - waiting: no stream since the ingest started (a push source nobody publishes to yet);
 * - connected: the stream's bytes arrive;
 * - lost: it was connected, then no bytes for `lostAfterMs` (2 s) or the run ended.
 */
export type LiveState = 'waiting' | 'connected' | 'lost';

export interface VideoFacts {
  codec: string;
  width: number;
  height: number;
  fps: number | null;
}

export interface AudioFacts {
  codec: string;
  channels: number | null;
  sampleRate: number | null;
}

export interface LiveStatusSnapshot {
  state: LiveState;
  since: string;
  lastError: string | null;
  bytesPerSecond: number;
  video: VideoFacts | null;
  audio: AudioFacts | null;
  /** Times the source connected since the server started. */
  connections: number;
}

export const LOST_AFTER_MS = 2000;

export class LiveStatus {
  state: LiveState = 'waiting';
  sinceMs: number;
  lastDataMs: number | undefined;
  lastError: string | undefined;
  video: VideoFacts | undefined;
  audio: AudioFacts | undefined;
  connections = 0;

  constructor(private readonly now: () => number, private readonly lostAfterMs = LOST_AFTER_MS) {
    this.sinceMs = now();
  }

  private become(state: LiveState): void {
    if (this.state === state) return;
    this.state = state;
    this.sinceMs = this.now();
  }

  /** Bytes of the stream arrived. */
  data(): void {
    this.lastDataMs = this.now();
    if (this.state !== 'connected') {
      this.connections += 1;
      this.become('connected');
    }
  }

  /** ffmpeg described the input it opened (a new publisher or a reconnect). */
  streams(video: VideoFacts | undefined, audio: AudioFacts | undefined): void {
    this.video = video;
    this.audio = audio;
  }

  error(message: string): void {
    this.lastError = message;
  }

  /** The ingest's ffmpeg ended: whatever was connected is lost now, not 2 s later. */
  runEnded(): void {
    if (this.state === 'connected') this.become('lost');
  }

  /** Called often (every 250 ms): a connected source that sends nothing for 2 s is lost. */
  tick(): void {
    if (this.state === 'connected' && this.lastDataMs !== undefined && this.now() - this.lastDataMs >= this.lostAfterMs) this.become('lost');
  }

  /** How long the stream has been silent (undefined: it never sent anything). */
  silentForMs(): number | undefined {
    return this.lastDataMs === undefined ? undefined : this.now() - this.lastDataMs;
  }

  snapshot(bytesPerSecond: number): LiveStatusSnapshot {
    const up = this.state === 'connected';
    return {
      state: this.state,
      since: new Date(this.sinceMs).toISOString(),
      lastError: this.lastError ?? null,
      bytesPerSecond: up ? bytesPerSecond : 0,
      video: up ? (this.video ?? null) : null,
      audio: up ? (this.audio ?? null) : null,
      connections: this.connections,
    };
  }
}

/**
 * Reads ffmpeg's description of an input stream, e.g.
 * `  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 160x90 [SAR 1:1 DAR 16:9], 10 fps, 10 tbr, 1k tbn`
 * `  Stream #0:1: Audio: aac (LC), 44100 Hz, mono, fltp, 69 kb/s`
 * (`Stream #0:0[0x100]: …` in MPEG-TS). Anything else: undefined.
 */
export function parseStreamLine(line: string): { video: VideoFacts } | { audio: AudioFacts } | undefined {
  const match = /^\s*Stream #\d+:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio): ([A-Za-z0-9_]+)(.*)$/.exec(line);
  if (!match) return undefined;
  const [, type, codec, rest] = match as unknown as [string, string, string, string];
  if (type === 'Video') {
    const size = /(?:^|[ ,])(\d{2,5})x(\d{2,5})(?:[ ,]|$)/.exec(rest);
    if (!size) return undefined;
    const fps = /, ([\d.]+) fps/.exec(rest) ?? /, ([\d.]+) tbr/.exec(rest);
    return { video: { codec, width: Number(size[1]), height: Number(size[2]), fps: fps ? Number(fps[1]) : null } };
  }
  const rate = /, (\d+) Hz/.exec(rest);
  const layout = /Hz, ([^,]+)/.exec(rest)?.[1]?.trim();
  return { audio: { codec, channels: layout ? channelCount(layout) : null, sampleRate: rate ? Number(rate[1]) : null } };
}

function channelCount(layout: string): number | null {
  const named: Record<string, number> = { mono: 1, stereo: 2, '2.1': 3, '3.0': 3, quad: 4, '4.0': 4, '5.0': 5, '5.0(side)': 5, '5.1': 6, '5.1(side)': 6, '6.1': 7, '7.1': 8 };
  if (layout in named) return named[layout]!;
  const channels = /^(\d+) channels/.exec(layout);
  return channels ? Number(channels[1]) : null;
}
