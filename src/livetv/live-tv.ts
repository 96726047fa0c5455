import type { FastifyReply } from 'fastify';
import type { AppContext } from '../server/app.js';
import { ChannelLogos } from './channel-logos.js';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from './device-identity.js';
import { ALL_TUNERS_BUSY_HEADER, TunerPool, type TunerLease } from './tuner-pool.js';

/** The Live TV side of one running server: its tuner identity, its tuners, its logos. */
export interface LiveTv {
  identity: DeviceIdentity;
  tuners: TunerPool;
  logos: ChannelLogos;
}

// Kept beside the context rather than in it, so the .ts route and the Live TV routes share
// one tuner pool without widening AppContext for everyone.
const liveTvByContext = new WeakMap<AppContext, LiveTv>();

/** The server's Live TV state, created on first use (reads or creates `<data_dir>/device.json`). */
export function liveTvFor(context: AppContext): LiveTv {
  let liveTv = liveTvByContext.get(context);
  if (!liveTv) {
    liveTv = {
      identity: loadOrCreateDeviceIdentity(context.config.data_dir),
      tuners: new TunerPool(context.config.hdhr.tuner_count),
      logos: new ChannelLogos({ dataDir: context.config.data_dir, ffmpegPath: context.toolchain.ffmpegPath, log: context.log.child({ component: 'logos' }) }),
    };
    liveTvByContext.set(context, liveTv);
  }
  return liveTv;
}

/**
 * Takes a tuner for a .ts viewer of `channelNumber`, or answers 503 the way a busy HDHomeRun
 * does and returns undefined. Checked before the channel starts, so a refused tune costs nothing.
 */
export function tuneOrRefuse(context: AppContext, channelNumber: number, reply: FastifyReply): TunerLease | undefined {
  const { tuners } = liveTvFor(context);
  const lease = tuners.acquire(channelNumber);
  if (lease) return lease;
  void reply
    .code(503)
    .header(ALL_TUNERS_BUSY_HEADER[0], ALL_TUNERS_BUSY_HEADER[1])
    .header('retry-after', '10')
    .send({
      error: 'tuners_busy',
      message: `all ${tuners.tunerCount} tuner(s) are in use (channels ${tuners.tunedChannels().join(', ')}); stop watching one, or raise hdhr.tuner_count`,
    });
  return undefined;
}
