/**
 * The master playlist of a channel with an adaptive-bitrate ladder (RFC 8216 §4.3.4.2): one
 * `EXT-X-STREAM-INF` per rung, lowest bandwidth first. Pure functions, unit-tested.
 */
export interface VariantStream {
  /** URI of the rung's media playlist, relative to the master playlist. */
  uri: string;
  /** Peak bits per second of any segment (BANDWIDTH). */
  bandwidth: number;
  /** Average bits per second (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  width: number;
  height: number;
  frameRate: number;
  /** RFC 6381 codec strings of the rung's streams (e.g. `avc1.64001f`, `mp4a.40.2`); empty = unknown, left out. */
  codecs: string[];
}

/** An ffmpeg bitrate ("800k", "2M", "96000") in bits per second. */
export function bitsPerSecond(bitrate: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(bitrate);
  if (!match) throw new Error(`not a bitrate: "${bitrate}"`);
  const unit = match[2]!.toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

/** Bits per second the MPEG-TS tables add (PAT and PMT every 100 ms, SDT every 500 ms, one packet each). */
const TABLE_BITS_PER_SECOND = (10 + 10 + 2) * 188 * 8;
/** TS and PES headers on video: about one 188-byte packet per 184 bytes of payload, plus a PES header per frame. */
const VIDEO_MUX_FACTOR = 1.06;
/** Audio goes one small AAC frame per PES (src/cache): each frame fills whole packets, about half of it padding at these rates. */
const AUDIO_MUX_FACTOR = 1.6;
/** The renderers' VBV buffer holds this many seconds at the maximum rate (`-bufsize` = 2 × `-maxrate`, src/ffmpeg/airing-command.ts). */
const VBV_BUFFER_SECONDS = 2;

export interface RungRates {
  videoBitrate: string;
  audioBitrate: string;
}

/**
 * BANDWIDTH and AVERAGE-BANDWIDTH of a rung from its encoder settings: the encoder averages
 * `videoBitrate` and never exceeds it by more than its VBV buffer over a segment, so a segment of
 * `segmentSeconds` carries at most (segmentSeconds + buffer) × rate of video; then audio and the
 * muxer's overhead. The short segments of a cold-start ramp may exceed it (a keyframe in half a
 * second); players measure throughput on whole segments anyway.
 */
export function rungBandwidth(rates: RungRates, segmentSeconds: number): { bandwidth: number; averageBandwidth: number } {
  const video = bitsPerSecond(rates.videoBitrate);
  const audio = bitsPerSecond(rates.audioBitrate) * AUDIO_MUX_FACTOR;
  const average = video * VIDEO_MUX_FACTOR + audio + TABLE_BITS_PER_SECOND;
  const peakVideo = (video * (segmentSeconds + VBV_BUFFER_SECONDS)) / segmentSeconds;
  return { bandwidth: Math.ceil(peakVideo * VIDEO_MUX_FACTOR + audio + TABLE_BITS_PER_SECOND), averageBandwidth: Math.ceil(average) };
}

/** The master playlist text, variants ordered by bandwidth (players start on the first listed). */
export function renderMasterPlaylist(variants: readonly VariantStream[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of [...variants].sort((a, b) => a.bandwidth - b.bandwidth)) {
    const attributes = [`BANDWIDTH=${v.bandwidth}`, `AVERAGE-BANDWIDTH=${v.averageBandwidth}`];
    if (v.codecs.length > 0) attributes.push(`CODECS="${v.codecs.join(',')}"`);
    attributes.push(`RESOLUTION=${v.width}x${v.height}`, `FRAME-RATE=${v.frameRate.toFixed(3)}`);
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}
